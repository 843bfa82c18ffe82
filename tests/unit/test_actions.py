"""Custom actions, run with rasa-sdk's own CollectingDispatcher."""
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.followup import ActionAnswerFollowup, last_topic


def user(intent, text="...", entities=()):
    return {"event": "user", "text": text,
            "parse_data": {"intent": {"name": intent, "confidence": 0.9}, "entities": list(entities)}}


def bot(response):
    return {"event": "bot", "text": "...", "metadata": {"utter_action": response}}


def tracker(events, slots=None):
    return Tracker.from_dict({"sender_id": "patient", "slots": slots or {}, "events": events})


async def test_followup_repeats_the_last_topic():
    dispatcher = CollectingDispatcher()
    events = [user("ask_side_effects", "side effects of ketamine?"), bot("utter_side_effects"),
              user("inform_treatment", "and for SSRIs?")]
    result = await ActionAnswerFollowup().run(dispatcher, tracker(events, {"treatment": "antidepressant"}), {})
    assert result == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_side_effects"]


async def test_followup_skips_small_talk_to_find_the_topic():
    dispatcher = CollectingDispatcher()
    events = [user("ask_onset"), bot("utter_onset"), user("thank"), bot("utter_welcome"),
              user("inform_treatment", "what about ketamine")]
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
