"""Invariants of the content: referrals, provenance, topics, placeholders."""
import re
import subprocess
import sys

import pytest

from clinicbot import settings
from clinicbot.topics import FAQ_TOPICS, response_for
from tests.helpers import ROOT, domain, ends_with_referral, examples_by_intent, load_yaml, training_examples

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
    provenance = load_yaml(ROOT / "provenance.yml")
    for intent in FAQ_TOPICS:
        entries = provenance.get(response_for(intent))
        assert entries, f"{response_for(intent)} has no provenance"
        assert any(e.get("article") in ("A", "B") and e.get("section") for e in entries)
    assert set(provenance) == {response_for(i) for i in FAQ_TOPICS}, "provenance names unknown responses"


def test_conditional_topics_answer_each_treatment_and_compare_by_default():
    for name in ("utter_mechanism", "utter_onset", "utter_side_effects", "utter_dosing_frequency",
                 "utter_efficacy", "utter_dependency"):
        conditions = {
            tuple((c["name"], c["value"]) for c in v.get("condition", [])) for v in RESPONSES[name]
        }
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
    banned = re.compile(r"\b((ketamine|it|treatment|antidepressants?|infusions?|they) (is|are) (completely |totally |perfectly )?safe|"
                        r"cures?|works for everyone|non-addictive|not addictive|guaranteed)\b", re.I)
    for name, index, text in VARIATIONS:
        assert not banned.search(text), f"{name}[{index}]: {banned.search(text).group(0)!r}"


def test_replies_for_messages_the_bot_could_not_place_show_the_crisis_line():
    """A crisis the classifier missed lands on one of these; 988 must still show."""
    for name in ("utter_did_you_mean", "utter_ask_rephrase", "utter_offer_contact", "utter_out_of_scope",
                 "utter_personal_advice", "utter_clinic_info", "utter_request_human"):
        assert all("{crisis_lifeline}" in v["text"] for v in RESPONSES[name]), name
