"""Follow-ups that name only a treatment: "and for SSRIs?"."""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from clinicbot.topics import FAQ_TOPICS, response_for


def last_topic(tracker: Tracker) -> str | None:
    """The most recent FAQ intent the patient asked about, if any."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            intent = (event.get("parse_data") or {}).get("intent", {}).get("name")
            if intent in FAQ_TOPICS:
                return intent
    return None


class ActionAnswerFollowup(Action):
    """Answers the previous topic again; the `treatment` slot, already set from
    this message, picks the variation for the treatment just named."""

    def name(self) -> str:
        return "action_answer_followup"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        topic = last_topic(tracker)
        dispatcher.utter_message(response=response_for(topic) if topic else "utter_capabilities")
        return []
