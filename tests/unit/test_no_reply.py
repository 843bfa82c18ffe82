"""Every message gets an answer; a failed or cancelled one is reported as failed."""

import asyncio

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from clinicbot.channels.no_reply import answer_or_apologise


async def _run(handler):
    failures = []
    message = UserMessage("hi", CollectingOutputChannel(), "patient")
    await answer_or_apologise(handler, lambda _, error: failures.append(type(error)))(message)
    return message.output_channel.messages, failures


async def test_an_answer_passes_through_untouched():
    async def answers(message):
        # The way Rasa delivers a bot utterance to a channel.
        await message.output_channel.send_response(message.sender_id, {"text": "Ketamine acts within hours."})

    messages, failures = await _run(answers)
    assert [m["text"] for m in messages] == ["Ketamine acts within hours."] and failures == []


async def test_no_answer_gets_the_apology():
    async def silent(message):
        return None

    messages, failures = await _run(silent)
    assert len(messages) == 1 and "try again" in messages[0]["text"] and failures == []


@pytest.mark.parametrize("error", [RuntimeError("tracker store down"), asyncio.CancelledError()])
async def test_a_failed_or_cancelled_turn_is_reported_and_apologised_for(error):
    async def fails(message):
        raise error

    messages, failures = await _run(fails)
    assert failures == [type(error)] and "try again" in messages[0]["text"]
