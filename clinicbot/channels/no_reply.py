"""Every message gets an answer, even when Rasa produced none.

When a custom action fails (the action server is down, say) Rasa logs the
error and sends nothing; when the tracker store or the lock store is
unreachable it raises. Either way the patient would be left waiting. Both
chat channels (clinicbot/channels/rest.py, clinicbot/channels/socketio.py) wrap Rasa's
message handler with `answer_or_apologise`, which sends a short apology
ending with a referral when no bot message went out.

It also stops Rasa from answering without the tracker store: Rasa wraps the
store in a FailSafeTrackerStore that, when the database is unreachable,
carries on with an empty in-memory conversation, so the patient gets an
answer without context and the message never reaches the database. Here that
error is raised instead, and the channel says the message was not stored."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.tracker_store import FailSafeTrackerStore
from sanic import Sanic
from sanic.exceptions import SanicException

from clinicbot import settings

logger = logging.getLogger(__name__)

Handler = Callable[[UserMessage], Awaitable[Any]]


class TrackerStoreUnavailable(RuntimeError):
    """The conversation could not be read or saved."""


def _raise(error: Exception) -> None:
    raise TrackerStoreUnavailable(f"Tracker store unavailable: {error}") from error


def refuse_in_memory_fallback() -> None:
    """Make the running agent's tracker store raise instead of falling back to memory."""
    try:
        agent = Sanic.get_app().ctx.agent
    except (SanicException, AttributeError):
        return  # no Rasa server in this process (unit tests)
    store = getattr(agent, "tracker_store", None)
    if isinstance(store, FailSafeTrackerStore):
        store._on_tracker_store_error = _raise  # the callback Rasa's constructor takes


def apology() -> str:
    phone = settings.response_values()["clinic_phone"]
    return (
        "Sorry, I can't answer that just now. Please try again in a few minutes. For questions about "
        f"your own treatment, please contact the clinic's medical team at {phone}."
    )


def answer_or_apologise(
    on_new_message: Handler, on_failure: Callable[[UserMessage, BaseException], None] | None = None
) -> Handler:
    """Rasa's handler, plus an apology when it sent nothing; `on_failure` hears of exceptions."""

    async def handle(message: UserMessage) -> Any:
        channel = message.output_channel
        original = channel.send_response
        sent = 0

        async def counting_send(recipient_id: str, bot_message: Any) -> None:
            nonlocal sent
            sent += 1
            await original(recipient_id, bot_message)

        channel.send_response = counting_send
        refuse_in_memory_fallback()
        try:
            return await on_new_message(message)
        # CancelledError too: Rasa's REST handler swallows it and would answer 200
        # although nothing was stored (seen once under load with a server killed).
        except (Exception, asyncio.CancelledError) as error:
            logger.exception("Could not handle a message from %s", message.sender_id)
            if on_failure:
                on_failure(message, error)
        finally:
            del channel.send_response  # back to the class's method
            if not sent:
                logger.warning("No bot message for %s; sending the apology", message.sender_id)
                await channel.send_text_message(message.sender_id, apology())

    return handle
