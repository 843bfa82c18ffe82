"""A callback request outside office hours: consent first, then a first name
and a phone number, nothing else (data/rules/callback.yml).

The name and number go straight into clinicbot.callbacks; the slots only
hold "given", so the conversation's stored events never carry them."""

import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from clinicbot import callbacks, settings

GIVEN = callbacks.GIVEN
# A first name: letters (any script), with an apostrophe, hyphen or one space
# between parts ("Mary Ann", "O'Neil", "José"); no digits, no sentence.
NAME = re.compile(r"^[^\W\d_]+(?:['’\- ][^\W\d_]+){0,2}$")
MAX_NAME = 40


def first_name(text: str) -> str | None:
    name = " ".join(text.strip().strip(".!").split())
    for lead in ("my name is ", "i'm ", "i am ", "it's ", "this is "):
        if name.lower().startswith(lead):
            name = name[len(lead) :]
    if not name or len(name) > MAX_NAME or not NAME.match(name):
        return None
    return name[:1].upper() + name[1:]


def phone_number(text: str) -> str | None:
    """Digits of a phone number with its area code (10 to 15 digits, an
    optional leading +); separators of any kind are dropped."""
    if re.search(r"[^\d\s()+\-./–—‑]", text.strip()):
        return None
    digits = re.sub(r"\D", "", text)
    if not 10 <= len(digits) <= 15:
        return None
    return ("+" if text.strip().startswith("+") else "") + digits


class ActionCheckOfficeHours(Action):
    """Sets `office_open`, which the rules branch on: inside office hours the
    reply gives the phone and hours, outside them it offers a callback."""

    def name(self) -> str:
        return "action_check_office_hours"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        return [SlotSet("office_open", settings.office_is_open())]


class ValidateCallbackForm(FormValidationAction):
    def name(self) -> str:
        return "validate_callback_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        # No consent, nothing more is asked.
        if tracker.get_slot("callback_consent") is False:
            return ["callback_consent"]
        return domain_slots

    def validate_callback_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value == GIVEN:
            return {"callback_name": GIVEN}
        name = first_name(str(value or ""))
        if name is None:
            dispatcher.utter_message(response="utter_callback_bad_name")
            return {"callback_name": None}
        callbacks.save_name(callbacks.engine(), tracker.sender_id, name)
        return {"callback_name": GIVEN}

    def validate_callback_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value == GIVEN:
            return {"callback_phone": GIVEN}
        phone = phone_number(str(value or ""))
        if phone is None:
            dispatcher.utter_message(response="utter_callback_bad_phone")
            return {"callback_phone": None}
        if not callbacks.save_phone(callbacks.engine(), tracker.sender_id, phone):
            dispatcher.utter_message(response="utter_callback_bad_name")
            return {"callback_phone": None, "callback_name": None}
        return {"callback_phone": GIVEN}


class ActionSubmitCallback(Action):
    """Confirms a saved request, or that nothing was kept; resets the form."""

    def name(self) -> str:
        return "action_submit_callback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if tracker.get_slot("callback_consent") and tracker.get_slot("callback_phone") == GIVEN:
            dispatcher.utter_message(response="utter_callback_saved")
        else:
            callbacks.discard_unfinished(callbacks.engine(), tracker.sender_id)
            dispatcher.utter_message(response="utter_callback_declined")
        return [SlotSet("callback_consent", None), SlotSet("callback_name", None), SlotSet("callback_phone", None)]


class ActionCancelCallback(Action):
    """The patient said no, or a crisis came first: drop what was given."""

    def name(self) -> str:
        return "action_cancel_callback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        callbacks.discard_unfinished(callbacks.engine(), tracker.sender_id)
        return [SlotSet("callback_consent", None), SlotSet("callback_name", None), SlotSet("callback_phone", None)]
