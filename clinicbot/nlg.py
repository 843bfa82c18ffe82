"""Rasa's templated responses, plus three things the domain cannot say alone.

1. Clinic details ({clinic_phone}, {crisis_lifeline}, ...) come from clinic.yml,
   inside the Rasa server: crisis replies never wait on the action server.
2. Every FAQ answer carries 👍/👎 buttons, so patients can rate it.
3. "Did you mean…?" offers the two likeliest topics from the intent ranking.
4. A topic the articles don't cover (clinicbot/topics.py CLINIC_TOPICS) is
   answered with the clinic's own text from clinic.yml when it wrote one;
   otherwise the domain's honest reply names the topic.
5. A crisis or emergency reply that only the classifier's probability
   triggered (no crisis or emergency words; clinicbot/nlu/crisis_guard.py) checks
   in instead of assuming the worst: the same steps, worded for a message that
   may have been misread.
6. Crisis, emergency and talk-about-suicide replies carry one-tap links
   (tel:/sms:, from clinic.yml): the widget opens them, nothing is sent here.

Enabled in endpoints.yml as `nlg: type: clinicbot.nlg.ClinicNLG`."""

from typing import Any

from rasa.core.nlg.interpolator import interpolate_text
from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.trackers import DialogueStateTracker

from clinicbot import settings
from clinicbot.safety import SafetyOverride
from clinicbot.topics import CLINIC_RESPONSES, FAQ_RESPONSES, FAQ_TOPICS, clinic_answer_key

FEEDBACK_BUTTONS = [
    {"title": "👍 Helpful", "payload": '/give_feedback{"feedback": "helpful"}'},
    {"title": "👎 Not helpful", "payload": '/give_feedback{"feedback": "not_helpful"}'},
]
SUGGESTIONS = 2
# Replies that carry the one-tap help links, and which list (clinic.yml).
HELP_LINKS = {
    "utter_crisis": "crisis",
    "utter_crisis_check_in": "crisis",
    "utter_after_crisis_reply": "crisis",
    "utter_about_suicide": "crisis",
    "utter_medical_emergency": "emergency",
    "utter_medical_emergency_check_in": "emergency",
}
# The gentler reply when only the classifier's probability said crisis or
# emergency (clinicbot/nlu/crisis_guard.py), not the patient's words.
CHECK_IN = {"utter_crisis": "utter_crisis_check_in", "utter_medical_emergency": "utter_medical_emergency_check_in"}


class ClinicNLG(TemplatedNaturalLanguageGenerator):
    def __init__(self, endpoint_config: Any = None, domain: Any = None, **_: Any) -> None:
        # Rasa passes the endpoint config and the domain; we need the responses.
        super().__init__(domain.responses if domain is not None else {})

    async def generate(
        self,
        utter_action: str,
        tracker: DialogueStateTracker,
        output_channel: str,
        **kwargs: Any,
    ) -> dict[str, Any] | None:
        if utter_action in CHECK_IN and only_probability_said_crisis(tracker):
            utter_action = CHECK_IN[utter_action]
        values = {**tracker.current_slot_values(), **settings.response_values()}
        message = clinic_written(utter_action, values) or self.generate_from_slots(
            utter_action, values, output_channel, **kwargs
        )
        if message is None:
            return None
        if utter_action in FAQ_RESPONSES or utter_action in CLINIC_RESPONSES:
            message["buttons"] = list(message.get("buttons") or []) + FEEDBACK_BUTTONS
        elif utter_action in HELP_LINKS:
            message["buttons"] = link_buttons(HELP_LINKS[utter_action])
        elif utter_action == "utter_did_you_mean":
            ranking = (tracker.latest_message.parse_data or {}).get("intent_ranking", [])
            message["buttons"] = suggestion_buttons(ranking) + list(message.get("buttons") or [])
        return message


def clinic_written(utter_action: str, values: dict[str, Any]) -> dict[str, Any] | None:
    """The clinic's own answer for a topic the articles don't cover, if any."""
    intent = CLINIC_RESPONSES.get(utter_action)
    text = settings.clinic_answers().get(clinic_answer_key(intent)) if intent else None
    if not text:
        return None
    return {"text": interpolate_text(" ".join(text.split()), values)}


def only_probability_said_crisis(tracker: DialogueStateTracker) -> bool:
    override = SafetyOverride.from_parse(tracker.latest_message.parse_data) if tracker.latest_message else None
    return bool(override and override.by_model)


def link_buttons(kind: str) -> list[dict[str, str]]:
    """Buttons that open a link in the widget (rasa-webchat's web_url type)
    instead of sending a message."""
    return [{"title": link["title"], "type": "web_url", "url": link["url"]} for link in settings.help_links(kind)]


def suggestion_buttons(intent_ranking: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Buttons for the likeliest FAQ topics, best first."""
    topics = [entry["name"] for entry in intent_ranking if entry.get("name") in FAQ_TOPICS]
    return [{"title": FAQ_TOPICS[name], "payload": f"/{name}"} for name in topics[:SUGGESTIONS]]
