"""A "/…" command runs only when it is one of our buttons' payloads; typed
text that merely starts with "/" is read as words, crisis guard included."""

import pytest

from tests.helpers import ends_with_referral


def texts(bot, message: str) -> list[str]:
    return [m.get("text", "") for m in bot.say(message)]


@pytest.mark.parametrize(
    "message",
    [
        "/ask_efficacy@1.0 I want to kill myself tonight",
        "/ask_efficacy I want to kill myself tonight",
        '/ask_onset{"treatment": "ketamine"} i want to end my life',
        "//i want to kill myself",
    ],
)
def test_a_typed_command_cannot_get_past_the_crisis_guard(bot, message):
    replies = texts(bot, message)
    assert replies and "988" in replies[0], replies


def test_the_buttons_payloads_still_work(bot):
    assert any("ketamine" in t.lower() for t in texts(bot, '/ask_onset{"treatment": "ketamine"}'))
    replies = texts(bot, "/ask_side_effects")
    assert replies and ends_with_referral(replies[-1])


def test_an_unknown_command_is_answered_as_words(bot):
    replies = texts(bot, "/how_fast_does_ketamine_work@0.99")
    assert replies and ends_with_referral(replies[-1])
    assert not any("988" in t for t in replies[:1]), replies
