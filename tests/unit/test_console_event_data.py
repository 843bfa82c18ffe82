"""The console reads Rasa's stored events through one tolerant reader: a row
it cannot read is logged and shown as empty, and every string it returns can
be written as UTF-8 and stored in PostgreSQL."""

import json
import logging

from console import db
from console.index import message_row


def test_a_row_that_is_not_json_is_logged_and_read_as_empty(caplog):
    with caplog.at_level(logging.WARNING, logger="console.db"):
        assert db.event_data(7, "{not json") == {}
        assert db.event_data(8, "[1, 2]") == {}
    assert "event 7" in caplog.text and "event 8" in caplog.text
    assert db.event_data(9, None) == {}


def test_lone_surrogates_and_nuls_are_made_storable_everywhere():
    raw = json.dumps({"text": "hi \ud800 there\x00", "parse_data": {"entities": [{"value": "\udfff\x00x"}]}})
    data = db.event_data(1, raw)
    assert data["text"] == "hi \ufffd there"
    assert data["parse_data"]["entities"][0]["value"] == "\ufffdx"
    json.dumps(data, ensure_ascii=False).encode("utf-8")  # raises if anything is left


def test_only_the_buttons_feedback_values_count_as_feedback():
    def row(value):
        parse = {"intent": {"name": "give_feedback"}, "entities": [{"entity": "feedback", "value": value}]}
        return message_row(1, "s", {"text": "/give_feedback", "parse_data": parse})

    assert row("not_helpful")["feedback"] == "not_helpful"
    assert row("helpful")["feedback"] == "helpful"
    assert row("x" * 40)["feedback"] is None
    assert row({"nested": 1})["feedback"] is None
