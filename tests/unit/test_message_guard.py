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
