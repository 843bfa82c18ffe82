"""Invariants of the content: referrals, provenance, topics, placeholders."""

import re

import pytest

from clinicbot import settings
from clinicbot.settings import PROJECT_ROOT
from clinicbot.topics import FAQ_TOPICS, response_for
from tests.helpers import domain, ends_with_referral, examples_by_intent, load_yaml, training_examples

RESPONSES = domain()["responses"]
VARIATIONS = [(name, i, v["text"]) for name, variations in RESPONSES.items() for i, v in enumerate(variations)]


@pytest.mark.parametrize("name,index,text", VARIATIONS, ids=[f"{n}[{i}]" for n, i, _ in VARIATIONS])
def test_every_variation_ends_with_a_referral(name, index, text):
    assert ends_with_referral(text), f"{name}[{index}] does not end with a referral: {text!r}"


def test_referral_check_rejects_a_reply_without_one():
    assert not ends_with_referral("Ketamine acts within hours. Doctors use it. It is given by IV.")


def test_every_faq_intent_has_its_response_and_is_in_the_domain():
    intents = set(domain()["intents"])
    for intent in FAQ_TOPICS:
        assert intent in intents
        assert response_for(intent) in RESPONSES


def test_every_faq_intent_has_at_least_20_distinct_examples():
    grouped = examples_by_intent(training_examples())
    for intent in FAQ_TOPICS:
        distinct = {text.lower() for text in grouped.get(intent, [])}
        assert len(distinct) >= 20, f"{intent} has {len(distinct)} examples"


def test_every_faq_response_has_provenance_naming_an_article():
    provenance = load_yaml(PROJECT_ROOT / "provenance.yml")
    for intent in FAQ_TOPICS:
        entries = provenance.get(response_for(intent))
        assert entries, f"{response_for(intent)} has no provenance"
        assert any(e.get("article") in ("A", "B") and e.get("section") for e in entries)
    assert set(provenance) == {response_for(i) for i in FAQ_TOPICS}, "provenance names unknown responses"


def test_conditional_topics_answer_each_treatment_and_compare_by_default():
    for name in (
        "utter_mechanism",
        "utter_onset",
        "utter_side_effects",
        "utter_dosing_frequency",
        "utter_efficacy",
        "utter_dependency",
    ):
        conditions = {tuple((c["name"], c["value"]) for c in v.get("condition", [])) for v in RESPONSES[name]}
        assert conditions == {(), (("treatment", "ketamine"),), (("treatment", "antidepressant"),)}, name


def test_placeholders_are_all_filled_from_clinic_settings():
    # {topic} is filled by actions/safety.py, the rest from clinic.yml.
    known = set(settings.response_values()) | {"topic"}
    for name, index, text in VARIATIONS:
        for placeholder in re.findall(r"(?<!\{)\{(\w+)\}(?!\})", text):
            assert placeholder in known, f"{name}[{index}] uses unknown {{{placeholder}}}"


def test_nothing_clinic_specific_is_written_into_responses():
    clinic = settings.load()["clinic"]
    for name, index, text in VARIATIONS:
        for value in (clinic["name"], clinic["phone"], clinic["email"], "988"):
            assert value not in text, f"{name}[{index}] hard-codes {value!r}; use a placeholder"


def test_crisis_and_suicidal_thoughts_answers_show_the_crisis_line_first():
    for name in ("utter_crisis", "utter_crisis_check_in", "utter_suicidal_thoughts"):
        assert all("{crisis_lifeline}" in v["text"] for v in RESPONSES[name])
    for name in ("utter_crisis", "utter_crisis_check_in"):
        crisis = RESPONSES[name][0]["text"]
        assert crisis.index("{crisis_lifeline}") < crisis.index("{emergency_number}") < crisis.index("{clinic_phone}")


def test_faq_answers_are_short_enough_for_a_patient():
    for name, index, text in VARIATIONS:
        words = len(text.split())
        assert words <= 110, f"{name}[{index}] has {words} words"


def test_answers_never_call_a_treatment_safe_or_a_cure():
    banned = re.compile(
        r"\b((ketamine|it|treatment|antidepressants?|infusions?|they) (is|are) (completely |totally |perfectly )?safe|"
        r"cures?|works for everyone|non-addictive|not addictive|guaranteed)\b",
        re.I,
    )
    for name, index, text in VARIATIONS:
        assert not banned.search(text), f"{name}[{index}]: {banned.search(text).group(0)!r}"


def test_replies_for_messages_the_bot_could_not_place_show_the_crisis_line():
    """A crisis the classifier missed lands on one of these; 988 must still show."""
    for name in (
        "utter_did_you_mean",
        "utter_ask_rephrase",
        "utter_offer_contact",
        "utter_out_of_scope",
        "utter_personal_advice",
        "utter_clinic_info",
        "utter_request_human",
        "utter_offer_callback",
        "utter_offer_callback_after_fallback",
    ):
        assert all("{crisis_lifeline}" in v["text"] for v in RESPONSES[name]), name


# ---- Topics the articles don't cover, the clinic's own answers, and talk about suicide ----

from clinicbot.safety import ABOUT_SUICIDE  # noqa: E402
from clinicbot.topics import CLINIC_TOPICS, clinic_answer_key  # noqa: E402

BANNED = re.compile(
    r"\b((ketamine|it|treatment|antidepressants?|infusions?|they) (is|are) (completely |totally |perfectly )?safe|"
    r"cures?|works for everyone|non-addictive|not addictive|guaranteed)\b",
    re.I,
)


def _grade(text: str) -> float:
    import textstat

    return textstat.flesch_kincaid_grade(re.sub(r"\{\w+\}", "it", text))


def test_every_clinic_topic_has_its_honest_reply_and_a_rule():
    rules = load_yaml(PROJECT_ROOT / "data" / "rules" / "clinic_topics.yml")["rules"]
    answered = {r["steps"][0]["intent"]: r["steps"][1]["action"] for r in rules}
    for intent in CLINIC_TOPICS:
        assert response_for(intent) in RESPONSES, intent
        assert answered.get(intent) == response_for(intent), intent


def test_the_honest_replies_name_the_topic_say_the_articles_dont_cover_it_and_give_the_contact():
    for intent in CLINIC_TOPICS:
        text = RESPONSES[response_for(intent)][0]["text"]
        assert "articles I draw on" in text, intent
        assert "{clinic_phone}" in text, intent


def test_clinic_answers_are_for_known_topics_and_obey_the_content_rules():
    """A clinic's own text (clinic.yml `answers:`) is held to our rules."""
    answers = settings.clinic_answers()
    known = {clinic_answer_key(intent) for intent in CLINIC_TOPICS}
    assert set(answers) <= known, f"unknown topics in clinic.yml answers: {set(answers) - known}"
    placeholders = set(settings.response_values())
    for key, text in answers.items():
        assert ends_with_referral(text), f"answers.{key} must end with a referral"
        assert not BANNED.search(text), f"answers.{key}: {BANNED.search(text).group(0)!r}"
        assert _grade(text) <= 8, f"answers.{key} reads at grade {_grade(text):.1f}"
        assert len(text.split()) <= 110, f"answers.{key} is too long"
        assert set(re.findall(r"(?<!\{)\{(\w+)\}(?!\})", text)) <= placeholders, f"answers.{key}"


def test_the_demo_clinic_answers_only_what_is_not_medical():
    assert set(settings.clinic_answers()) <= {"booking"}


# Replies a patient reads when it matters most: the plainest words.
SAFETY_REPLIES = (
    "utter_crisis",
    "utter_crisis_check_in",
    "utter_after_crisis_reply",
    "utter_medical_emergency",
    "utter_medical_emergency_check_in",
    "utter_about_suicide",
)


def test_every_reply_reads_at_grade_8_and_safety_replies_at_grade_6():
    """Flesch-Kincaid grade of every text variation (textstat 0.7.3, offline)."""
    hard = {
        f"{name}[{i}]": round(_grade(v["text"]), 1)
        for name, variations in RESPONSES.items()
        for i, v in enumerate(variations)
        if v.get("text") and _grade(v["text"]) > (6 if name in SAFETY_REPLIES else 8)
    }
    assert not hard, f"replies above their reading grade: {hard}"
    assert all(name in RESPONSES for name in SAFETY_REPLIES)


def test_the_grade_check_tells_plain_from_hard_text():
    assert _grade("Call 988 now. You can also text 988. Someone will answer.") <= 6
    assert (
        _grade(
            "Pharmacological interventions targeting glutamatergic neurotransmission demonstrate considerable "
            "heterogeneity in therapeutic responsiveness across psychiatric populations."
        )
        > 8
    )


def test_talk_about_suicide_gets_the_lifeline_first_and_no_crisis_wording():
    assert ABOUT_SUICIDE in domain()["intents"]
    text = RESPONSES["utter_about_suicide"][0]["text"]
    assert text.index("{crisis_lifeline}") < text.index("{emergency_number}")
    assert text.index("{crisis_lifeline}") < 40, "988 comes first"
    assert "going through this" not in text and "I'm so sorry" not in text


def test_the_emergency_reply_gives_911_poison_control_and_the_lifeline():
    text = RESPONSES["utter_medical_emergency"][0]["text"]
    assert text.index("{emergency_number}") < text.index("{poison_control}")
    assert "{crisis_lifeline}" in text
