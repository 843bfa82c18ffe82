"""Rasa's REST channel with the checks of clinicbot.channels.message_guard in front.

Malformed requests get a 400 with a reason; empty or over-long messages get a
polite reply without reaching the model. A request from a page whose Origin is
not in clinic.yml's allowed_origins gets a 403 (requests without an Origin,
such as server-to-server calls, are allowed). When Rasa sends nothing the
patient gets an apology (clinicbot/channels/no_reply.py); when it failed (tracker or
lock store unreachable) the answer is a 503 saying so, since the message was
not stored. Enabled in credentials.yml."""

import hmac
import json
import os
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request

from clinicbot import settings
from clinicbot.channels import client_limits, session_ids
from clinicbot.channels.message_guard import check_message, sender_problem
from clinicbot.channels.no_reply import answer_or_apologise

UNAVAILABLE = (
    "The assistant could not handle this message because a service it needs is unavailable; "
    "the message was not stored. Please try again in a minute."
)
# What happened to the message of the request being handled (set by the guard).
_outcome: ContextVar[dict | None] = ContextVar("clinic_rest_outcome", default=None)


# A patient's message is at most a few thousand characters (clinic.yml
# chat.max_message_chars): a body far past that is refused before it is parsed.
MAX_BODY_BYTES = 16 * 1024


# Conversation ids are the server's (clinicbot/channels/session_ids.py): a
# message without "sender" starts a conversation, and every reply's
# "recipient_id" is the id to send the next message with. An integration that
# keeps its own ids (a clinic's own portal, `make bench`) authenticates with
# the token in CHAT_REST_TOKEN instead.
FOREIGN_SENDER = (
    "This conversation id was not issued by this assistant. Leave out 'sender' to start a "
    "conversation and use the 'recipient_id' of the replies after that, or authenticate with "
    "the integration token (Authorization: Bearer …)."
)


def integration_authorised(request: Request) -> bool:
    token = os.environ.get(session_ids.REST_TOKEN_ENV, "")
    given = request.headers.get("authorization", "")
    return bool(token) and hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


def _bad_request(reason: str) -> response.HTTPResponse:
    return response.json({"error": reason}, status=400)


class ClinicRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        def failed(message: UserMessage, _: BaseException) -> None:
            outcome = _outcome.get()
            if outcome is not None:
                outcome["failed"] = True

        webhook = super().blueprint(answer_or_apologise(on_new_message, failed))

        @webhook.middleware("request")
        async def guard(request: Request) -> response.HTTPResponse | None:
            origin = request.headers.get("origin")
            if origin is not None and origin not in settings.allowed_origins():
                return response.json({"error": "This page is not allowed to use the assistant."}, status=403)
            if request.method != "POST" or not request.path.endswith("/webhook"):
                return None
            if not client_limits.messages.allow(request.ip):
                return response.json({"error": client_limits.TOO_FAST}, status=429)
            if len(request.body or b"") > MAX_BODY_BYTES:
                too_large = (
                    f"The request is too large ({MAX_BODY_BYTES // 1024} KB at most). Please send a shorter message."
                )
                return response.json({"error": too_large}, status=413)
            try:
                body = json.loads(request.body)
            except (ValueError, UnicodeDecodeError):
                return _bad_request(
                    'The body must be JSON: {"message": "…"}, with "sender" to go on with a conversation.'
                )
            if not isinstance(body, dict):
                return _bad_request(
                    "The body must be a JSON object with 'message' (and 'sender' to go on with a conversation)."
                )
            sender = body.get("sender")
            if sender is None:
                sender = session_ids.issue()  # a new conversation: the replies carry its id
            else:
                problem = sender_problem(sender)
                if problem:
                    return _bad_request(problem)
                if not session_ids.is_issued(sender) and not integration_authorised(request):
                    return response.json({"error": FOREIGN_SENDER}, status=403)
            request.ctx.sender = sender
            if not isinstance(body.get("message"), str):
                return _bad_request("'message' must be a string.")
            verdict = check_message(body["message"])
            if verdict.reply:
                return response.json([{"recipient_id": sender, "text": verdict.reply}])
            request.ctx.clean_text = verdict.text
            request.ctx.outcome = {}
            _outcome.set(request.ctx.outcome)
            return None

        @webhook.middleware("response")
        async def unavailable(request: Request, _: response.HTTPResponse) -> response.HTTPResponse | None:
            if getattr(request.ctx, "outcome", {}).get("failed"):
                return response.json({"error": UNAVAILABLE}, status=503)
            return None

        return webhook

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        # Rasa's REST channel stores whatever "metadata" a client sends (and a
        # list there crashed the turn): nothing a client invents is kept.
        return None

    async def _extract_sender(self, req: Request) -> str | None:
        return getattr(req.ctx, "sender", None) or await super()._extract_sender(req)

    def _extract_message(self, req: Request) -> str | None:
        return getattr(req.ctx, "clean_text", None) or super()._extract_message(req)
