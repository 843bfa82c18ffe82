"""Custom actions, run with rasa-sdk's own CollectingDispatcher."""

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.followup import ActionAnswerFollowup, last_topic
from actions.safety import ActionAnswerAfterSafety


def user(intent, text="...", entities=()):
    return {
        "event": "user",
        "text": text,
        "parse_data": {"intent": {"name": intent, "confidence": 0.9}, "entities": list(entities)},
    }


def bot(response):
    return {"event": "bot", "text": "...", "metadata": {"utter_action": response}}


def tracker(events, slots=None):
    """As the action server gets it: the latest user message's parse data
    is also sent on its own, as latest_message."""
    users = [e for e in events if e["event"] == "user"]
    return Tracker.from_dict(
        {
            "sender_id": "patient",
            "slots": slots or {},
            "events": events,
            "latest_message": users[-1]["parse_data"] if users else {},
        }
    )


async def test_followup_repeats_the_last_topic():
    dispatcher = CollectingDispatcher()
    events = [
        user("ask_side_effects", "side effects of ketamine?"),
        bot("utter_side_effects"),
        user("inform_treatment", "and for SSRIs?"),
    ]
    result = await ActionAnswerFollowup().run(dispatcher, tracker(events, {"treatment": "antidepressant"}), {})
    assert result == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_side_effects"]


async def test_followup_skips_small_talk_to_find_the_topic():
    dispatcher = CollectingDispatcher()
    events = [
        user("ask_onset"),
        bot("utter_onset"),
        user("thank"),
        bot("utter_welcome"),
        user("inform_treatment", "what about ketamine"),
    ]
    await ActionAnswerFollowup().run(dispatcher, tracker(events), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_onset"]


async def test_followup_without_a_topic_explains_what_it_can_answer():
    dispatcher = CollectingDispatcher()
    events = [user("greet"), bot("utter_greet"), user("inform_treatment", "zoloft?")]
    await ActionAnswerFollowup().run(dispatcher, tracker(events), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_capabilities"]


def test_last_topic_ignores_crisis_and_fallback():
    events = [user("ask_mechanism"), user("crisis"), user("nlu_fallback")]
    assert last_topic(tracker(events)) == "ask_mechanism"
    assert last_topic(tracker([])) is None


def crisis_reply_to(override, intent="crisis"):
    """The latest message as the crisis guard leaves it."""
    return {
        "event": "user",
        "text": "...",
        "parse_data": {"intent": {"name": intent, "confidence": 1.0}, "entities": [], "safety_override": override},
    }


async def test_a_question_behind_a_crisis_reply_is_answered_too():
    dispatcher = CollectingDispatcher()
    override = {"rule": "model_probability", "model_intent": "ask_onset", "model_confidence": 0.55}
    result = await ActionAnswerAfterSafety().run(dispatcher, tracker([crisis_reply_to(override)]), {})
    assert result == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_also_asked", "utter_onset"]
    assert dispatcher.messages[0]["topic"] == "how fast each treatment works"


async def test_a_personal_question_behind_a_crisis_reply_gets_the_prescriber_referral():
    dispatcher = CollectingDispatcher()
    override = {"rule": "model_probability", "model_intent": "ask_personal_advice", "model_confidence": 0.4}
    await ActionAnswerAfterSafety().run(dispatcher, tracker([crisis_reply_to(override)]), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_also_asked", "utter_personal_advice"]


@pytest.mark.parametrize("confidence", [0.25, 0.45])
async def test_an_everyday_question_after_a_check_in_gets_the_honest_out_of_scope_reply(confidence):
    """It answers nothing, so the classifier's own pick is enough, however unsure."""
    dispatcher = CollectingDispatcher()
    override = {"rule": "model_probability", "model_intent": "out_of_scope", "model_confidence": confidence}
    await ActionAnswerAfterSafety().run(dispatcher, tracker([crisis_reply_to(override)]), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_out_of_scope"]


async def test_an_everyday_question_after_an_emergency_check_in_is_answered_too():
    """Only the probability said emergency ("ibuprofen and tylenol together?")."""
    dispatcher = CollectingDispatcher()
    override = {"rule": "model_probability", "model_intent": "out_of_scope", "model_confidence": 0.5}
    await ActionAnswerAfterSafety().run(dispatcher, tracker([crisis_reply_to(override, "medical_emergency")]), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_out_of_scope"]


@pytest.mark.parametrize(
    "override, intent",
    [
        ({"rule": "suicidal", "model_intent": "out_of_scope", "model_confidence": 0.9}, "crisis"),  # crisis words
        (None, "crisis"),  # the classifier itself said crisis
        ({"rule": "model_probability", "model_intent": "ask_onset", "model_confidence": 0.2}, "crisis"),  # unsure
        ({"rule": "kill_self", "model_intent": "out_of_scope", "model_confidence": 0.9}, "crisis"),  # not an FAQ
        ({"rule": "model_probability", "model_intent": "nlu_fallback", "model_confidence": 0.2}, "crisis"),
        ({"rule": "overdose_taken", "model_intent": "ask_safety", "model_confidence": 0.9}, "medical_emergency"),
        (None, "medical_emergency"),  # the classifier itself said emergency
    ],
)
async def test_nothing_is_added_unless_the_classifier_saw_an_faq_question(override, intent):
    dispatcher = CollectingDispatcher()
    await ActionAnswerAfterSafety().run(dispatcher, tracker([crisis_reply_to(override, intent)]), {})
    assert dispatcher.messages == []
