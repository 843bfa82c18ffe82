"""After a crisis reply, the question the patient may also have asked.

The crisis guard (clinicbot/nlu/crisis_guard.py) turns some ordinary questions
into a crisis reply: it acts on explicit words and on a low crisis
probability (`model_threshold` in config.yml), because a missed crisis costs more than a false alarm. To keep
that false alarm cheap, the patient then also gets the answer to the FAQ
question the classifier itself saw, as long as it was reasonably sure. A real
crisis still gets the crisis lines first. An emergency reply is followed by
nothing when the patient's words said emergency (it says not to wait for
more); when only the probability did, it is a check-in, as for a crisis."""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from clinicbot.safety import CRISIS, EMERGENCY, SafetyOverride
from clinicbot.topics import FAQ_TOPICS, response_for

# Besides the FAQ topics, the two questions whose answer a worried patient
# most needs: their own treatment, and how to reach the clinic.
OTHER_ANSWERS = {
    "ask_personal_advice": ("your own treatment", "utter_personal_advice"),
    "ask_clinic_info": ("the clinic", "utter_clinic_info"),
}
# After a check-in (the classifier's probability alone, no crisis words), an
# everyday question also gets its honest "I can't answer that here", so the
# patient sees they were read; it needs no lead-in. That reply answers nothing
# and shows the crisis line again, so it costs little when the classifier was
# wrong: being the classifier's own pick (past the fallback) is enough.
AFTER_CHECK_IN = {"out_of_scope": "utter_out_of_scope"}

# The classifier's own confidence in the intent it saw: below this, its top
# intent was wrong too often for an answer nobody asked for (docs/decisions/).
MIN_MODEL_CONFIDENCE = 0.4


def question_behind_crisis_reply(parse_data: dict[str, Any]) -> str | None:
    """The FAQ intent the classifier picked before the crisis guard stepped in."""
    said = (parse_data.get("intent") or {}).get("name")
    override = SafetyOverride.from_parse(parse_data)
    if override is None:
        return None
    if said != CRISIS and not (said == EMERGENCY and override.by_model):
        return None
    intent, confidence = override.model_intent, override.model_confidence or 0.0
    if intent in AFTER_CHECK_IN and override.by_model:
        return intent
    if confidence < MIN_MODEL_CONFIDENCE:
        return None
    if intent in FAQ_TOPICS or intent in OTHER_ANSWERS:
        return intent
    return None


def answer_for(intent: str):
    """(topic as the lead-in names it, response) for an intent we may add."""
    if intent in OTHER_ANSWERS:
        return OTHER_ANSWERS[intent]
    return FAQ_TOPICS[intent].lower(), response_for(intent)


class ActionAnswerAfterSafety(Action):
    def name(self) -> str:
        return "action_answer_after_safety"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        intent = question_behind_crisis_reply(tracker.latest_message or {})
        if intent in AFTER_CHECK_IN:
            dispatcher.utter_message(response=AFTER_CHECK_IN[intent])
        elif intent:
            topic, response = answer_for(intent)
            dispatcher.utter_message(response="utter_also_asked", topic=topic)
            dispatcher.utter_message(response=response)
        return []
