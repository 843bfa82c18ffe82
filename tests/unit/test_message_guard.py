"""What the channels hand to Rasa can always be stored and written as UTF-8."""

import pytest

from clinicbot.channels.message_guard import check_message, clean


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("hello there \ud800", "hello there \ufffd"),
        ("\udfffhow fast\x00 does it work", "\ufffdhow fast does it work"),
        ("line one\r\nline two\tend", "line one  line two end"),
        ("emoji stay 😀", "emoji stay 😀"),
    ],
)
def test_clean_leaves_only_storable_text(raw, expected):
    assert clean(raw) == expected
    clean(raw).encode("utf-8")


def test_a_message_of_only_unstorable_characters_is_treated_as_empty():
    assert check_message("\x00\x00 \t").reply is not None


def test_a_long_crisis_message_keeps_the_patients_own_crisis_words():
    from clinicbot.channels.message_guard import crisis_excerpt
    from clinicbot.nlu.crisis_guard import detect

    story = "Work has been hard and I sleep badly. " * 100
    assert crisis_excerpt(story + "I want to kill myself tonight.", 2000, detect) == "I want to kill myself tonight."
    # No sentence ends: the stretch of the message that holds the words.
    run_on = "and then work and then home " * 150 + "i want to kill myself " + "and then more " * 150
    excerpt = crisis_excerpt(run_on, 2000, detect)
    assert len(excerpt) <= 2000 and "i want to kill myself" in excerpt and detect(excerpt)
