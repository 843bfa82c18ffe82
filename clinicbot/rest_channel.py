"""Rasa's REST channel with the checks of clinicbot.message_guard in front.

Malformed requests get a 400 with a reason; empty or over-long messages get a
polite reply without reaching the model. Enabled in credentials.yml."""
import json
from typing import Any, Awaitable, Callable, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request

from clinicbot.message_guard import check_message, sender_problem


def _bad_request(reason: str) -> response.HTTPResponse:
    return response.json({"error": reason}, status=400)


class ClinicRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = super().blueprint(on_new_message)

        @webhook.middleware("request")
        async def guard(request: Request) -> Optional[response.HTTPResponse]:
            if request.method != "POST" or not request.path.endswith("/webhook"):
                return None
            try:
                body = json.loads(request.body)
            except (ValueError, UnicodeDecodeError):
                return _bad_request("The body must be JSON: {\"sender\": \"…\", \"message\": \"…\"}.")
            if not isinstance(body, dict):
                return _bad_request("The body must be a JSON object with 'sender' and 'message'.")
            problem = sender_problem(body.get("sender"))
            if problem:
                return _bad_request(problem)
            if not isinstance(body.get("message"), str):
                return _bad_request("'message' must be a string.")
            verdict = check_message(body["message"])
            if verdict.reply:
                return response.json([{"recipient_id": body["sender"], "text": verdict.reply}])
            request.ctx.clean_text = verdict.text
            return None

        return webhook

    def _extract_message(self, req: Request) -> Optional[Text]:
        return getattr(req.ctx, "clean_text", None) or super()._extract_message(req)
