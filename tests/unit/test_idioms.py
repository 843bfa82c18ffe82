"""Everyday sayings are read for what they mean; crisis words are never touched."""

import pytest

from clinicbot.nlu.idioms import everyday_meaning


@pytest.mark.parametrize(
    "text",
    [
        "i'd die for a proper nap after the infusion",
        "the waiting list is killing me, how soon can i start",
        "honestly dying to know if the first session does anything",
        "their muffins are to die for",
        "i could kill for a coffee before my appointment",
        "my laptop is dying so quick question",
        "sertraline killed my libido, is that common",
    ],
)
def test_sayings_lose_their_death_words(text):
    plain = everyday_meaning(text).lower()
    assert not any(word in plain for word in ("die", "dying", "kill")), plain


@pytest.mark.parametrize(
    "text",
    [
        "i want to die",
        "i'm going to kill myself",
        "my depression is killing me",
        "life is killing me slowly",
        "i would rather die than go on like this",
        "i'm dying inside",
    ],
)
def test_crisis_words_are_left_as_written(text):
    assert everyday_meaning(text) == text
