"""The response generator fills clinic details and adds the buttons."""

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from clinicbot import settings
from clinicbot.nlg import ClinicNLG, suggestion_buttons
from clinicbot.settings import PROJECT_ROOT

DOMAIN = Domain.load(str(PROJECT_ROOT / "domain.yml"))
NLG = ClinicNLG(domain=DOMAIN)


def tracker(*events):
    state = DialogueStateTracker.from_events("patient", list(events), slots=DOMAIN.slots)
    return state


async def test_crisis_reply_has_the_clinics_numbers_and_no_placeholder():
    message = await NLG.generate("utter_crisis", tracker(), "rest")
    values = settings.response_values()
    assert "988" in message["text"]
    assert values["clinic_phone"] in message["text"] and values["emergency_number"] in message["text"]
    assert "{" not in message["text"]


async def test_treatment_slot_picks_the_variation():
    ketamine = await NLG.generate("utter_onset", tracker(SlotSet("treatment", "ketamine")), "rest")
    ssri = await NLG.generate("utter_onset", tracker(SlotSet("treatment", "antidepressant")), "rest")
    both = await NLG.generate("utter_onset", tracker(SlotSet("treatment", ["ketamine", "antidepressant"])), "rest")
    assert "hours" in ketamine["text"] and "weeks" not in ketamine["text"]
    assert "weeks" in ssri["text"] and "hours" not in ssri["text"]
    assert "weeks" in both["text"] and "hours" in both["text"]


async def test_faq_answers_carry_feedback_buttons_and_others_do_not():
    faq = await NLG.generate("utter_side_effects", tracker(), "rest")
    crisis = await NLG.generate("utter_crisis", tracker(), "rest")
    assert [b["payload"] for b in faq["buttons"]] == [
        '/give_feedback{"feedback": "helpful"}',
        '/give_feedback{"feedback": "not_helpful"}',
    ]
    assert all("payload" not in b for b in crisis["buttons"])  # links only, nothing to rate


async def test_crisis_replies_carry_one_tap_links_to_988_and_the_clinic():
    phone = settings.phone_link(settings.response_values()["clinic_phone"])
    for action in ("utter_crisis", "utter_crisis_check_in", "utter_after_crisis_reply", "utter_about_suicide"):
        message = await NLG.generate(action, tracker(), "rest")
        links = [(b["type"], b["url"]) for b in message["buttons"]]
        assert links[:2] == [("web_url", "tel:988"), ("web_url", "sms:988")], action
        assert ("web_url", phone) in links, action


async def test_emergency_replies_link_911_first_and_poison_control():
    for action in ("utter_medical_emergency", "utter_medical_emergency_check_in"):
        message = await NLG.generate(action, tracker(), "rest")
        urls = [b["url"] for b in message["buttons"]]
        assert urls[0] == "tel:911" and "tel:18002221222" in urls, (action, urls)


def test_help_links_keep_only_call_and_text_links(tmp_path, monkeypatch):
    config = tmp_path / "clinic.yml"
    config.write_text(
        "clinic: {name: Test, phone: '+44 20 7946 0000'}\n"
        "crisis_lines:\n"
        "  crisis_links:\n"
        "    - {title: Call 116 123, url: 'tel:116123'}\n"
        "    - {title: Web, url: 'https://example.org'}\n"
        "    - {title: Script, url: 'javascript:alert(1)'}\n"
        "    - {title: Blank, url: 'tel:'}\n"
        "    - {url: 'sms:85258'}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("CLINIC_CONFIG", str(config))
    settings.load.cache_clear()
    try:
        links = settings.help_links("crisis")
    finally:
        settings.load.cache_clear()
    assert links == [
        {"title": "Call 116 123", "url": "tel:116123"},
        {"title": "Call the clinic", "url": "tel:+442079460000"},
    ]


async def test_greeting_buttons_keep_their_json_payloads():
    greet = await NLG.generate("utter_greet", tracker(), "rest")
    assert '/ask_onset{"treatment": "ketamine"}' in [b["payload"] for b in greet["buttons"]]
    assert settings.response_values()["clinic_name"] in greet["text"]


async def test_did_you_mean_offers_the_two_likeliest_topics_then_something_else():
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.55},
        {"name": "ask_onset", "confidence": 0.4},
        {"name": "greet", "confidence": 0.3},
        {"name": "ask_efficacy", "confidence": 0.2},
        {"name": "ask_safety", "confidence": 0.1},
    ]
    user = UserUttered(
        "how quick is it", intent={"name": "nlu_fallback", "confidence": 0.55}, parse_data={"intent_ranking": ranking}
    )
    message = await NLG.generate("utter_did_you_mean", tracker(user), "rest")
    assert [b["payload"] for b in message["buttons"]] == ["/ask_onset", "/ask_efficacy", "/deny"]


def test_suggestions_without_a_ranking_are_empty():
    assert suggestion_buttons([]) == []


def crisis_message(override, intent="crisis"):
    return UserUttered(
        "...",
        {"name": intent, "confidence": 1.0},
        parse_data={"intent": {"name": intent, "confidence": 1.0}, "safety_override": override},
    )


async def test_a_crisis_reply_from_probability_alone_checks_in():
    message = await NLG.generate(
        "utter_crisis",
        tracker(crisis_message({"rule": "model_probability", "model_intent": "ask_onset", "model_confidence": 0.5})),
        "rest",
    )
    assert message["text"].startswith("I may have misread you") and "988" in message["text"]


async def test_crisis_words_or_the_classifiers_own_crisis_get_the_direct_reply():
    words = await NLG.generate(
        "utter_crisis",
        tracker(crisis_message({"rule": "suicidal", "model_intent": "ask_onset", "model_confidence": 0.5})),
        "rest",
    )
    model = await NLG.generate("utter_crisis", tracker(crisis_message(None)), "rest")
    assert words["text"] == model["text"]
    assert words["text"].startswith("I'm so sorry") and "988" in words["text"]


async def test_an_emergency_reply_from_probability_alone_checks_in():
    probability = await NLG.generate(
        "utter_medical_emergency",
        tracker(
            crisis_message(
                {"rule": "model_probability", "model_intent": "out_of_scope", "model_confidence": 0.5},
                "medical_emergency",
            )
        ),
        "rest",
    )
    words = await NLG.generate(
        "utter_medical_emergency",
        tracker(
            crisis_message(
                {"rule": "overdose_taken", "model_intent": "out_of_scope", "model_confidence": 0.5}, "medical_emergency"
            )
        ),
        "rest",
    )
    emergency_number = settings.response_values()["emergency_number"]
    assert probability["text"].startswith("I may have misread you") and emergency_number in probability["text"]
    assert words["text"].startswith("This could be a medical emergency") and emergency_number in words["text"]


async def test_a_clinic_topic_uses_the_clinics_own_answer_when_it_wrote_one(tmp_path, monkeypatch):
    clinic = tmp_path / "clinic.yml"
    clinic.write_text((PROJECT_ROOT / "clinic.yml").read_text() + "\n", encoding="utf-8")
    text = clinic.read_text().replace(
        "answers:\n",
        "answers:\n  cost: >-\n    One visit costs what {clinic_name} lists"
        " on its price page. Please ask your doctor about the rest.\n",
        1,
    )
    clinic.write_text(text, encoding="utf-8")
    monkeypatch.setenv("CLINIC_CONFIG", str(clinic))
    settings.load.cache_clear()
    try:
        written = await NLG.generate("utter_cost", tracker(), "rest")
        honest = await NLG.generate("utter_session", tracker(), "rest")
        name = settings.response_values()["clinic_name"]
    finally:
        monkeypatch.undo()
        settings.load.cache_clear()
    assert (
        written["text"]
        == f"One visit costs what {name} lists on its price page. Please ask your doctor about the rest."
    )
    assert "articles I draw on" in honest["text"] and "{" not in honest["text"]
    assert [b["payload"] for b in written["buttons"]][0].startswith("/give_feedback")


async def test_without_a_clinic_answer_the_reply_names_the_topic_honestly():
    reply = await NLG.generate("utter_cost", tracker(), "rest")
    assert "articles I draw on don't cover" in reply["text"]
    assert settings.response_values()["clinic_phone"] in reply["text"]
