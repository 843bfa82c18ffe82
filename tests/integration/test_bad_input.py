"""Bad input on the REST channel: a clear 400 or a polite reply, the server
keeps serving, and stored conversations stay intact."""

import json
import sqlite3

import pytest

from launcher import client
from tests.helpers import ends_with_referral


def raw_post(bot, body: bytes):
    return client.post(bot.url + client.REST_PATH, body)


@pytest.fixture(scope="module")
def stored_before(bot):
    """A conversation stored before the bad input arrives."""
    bot.say("how fast does ketamine work?", "intact-patient")
    return _events(bot, "intact-patient")


def _events(bot, sender):
    return (
        sqlite3.connect(bot.db_path)
        .execute("select id, type_name, data from events where sender_id = ? order by id", (sender,))
        .fetchall()
    )


@pytest.mark.parametrize(
    "body,reason",
    [
        (b"{not json", "JSON"),
        (b"\xff\xfe\x00garbage", "JSON"),
        (b'["a list"]', "object"),
        (json.dumps({"sender": "x" * 10_000, "message": "hi"}).encode(), "sender"),
        (json.dumps({"sender": "ok", "message": 42}).encode(), "message"),
        (json.dumps({"sender": "a b<script>", "message": "hi"}).encode(), "sender"),
    ],
)
def test_malformed_requests_get_a_clear_400(bot, stored_before, body, reason):
    status, reply = raw_post(bot, body)
    assert status == 400 and reason in reply["error"]


@pytest.mark.parametrize("message", ["", "   \n\t  ", "\x00\x00"])
def test_empty_messages_get_a_polite_reply(bot, message):
    replies = bot.say(message, "empty-patient")
    assert len(replies) == 1 and "empty" in replies[0]["text"] and ends_with_referral(replies[0]["text"])


def test_a_long_message_is_refused_politely(bot):
    replies = bot.say("ketamine " * 1_000, "long-patient")
    assert "longer than I can read" in replies[0]["text"] and ends_with_referral(replies[0]["text"])
    assert _events(bot, "long-patient") == []  # never reached the model


def test_a_body_past_sanics_cap_is_refused_without_being_read_and_the_server_goes_on(bot):
    import socket
    from urllib.parse import urlsplit

    # Only the headers, announcing 3 MB: the answer comes before any of it is sent.
    with socket.create_connection(("127.0.0.1", urlsplit(bot.url).port), timeout=30) as conn:
        conn.sendall(
            f"POST {client.REST_PATH} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            f"Content-Length: {3 * 1024 * 1024}\r\n\r\n".encode()
        )
        status_line = conn.recv(200).split(b"\r\n")[0]
    assert b" 413 " in status_line, status_line
    assert bot.say("is ketamine addictive?", "after-huger")


def test_a_megabyte_body_is_refused_before_it_is_read_and_the_server_goes_on(bot):
    status, reply = raw_post(bot, json.dumps({"sender": "huge-patient", "message": "ketamine " * 120_000}).encode())
    assert status == 413 and "too large" in reply["error"]
    assert _events(bot, "huge-patient") == []
    assert bot.say("how fast does ketamine work?", "after-huge")


def test_a_long_message_with_crisis_language_gets_the_crisis_reply(bot):
    story = "I have tried so many things for years. " * 80 + "Tonight I want to kill myself."
    replies = bot.say(story, "long-crisis")
    assert "988" in replies[0]["text"]
    # Staff see what the patient wrote that raised the alarm, not a command.
    stored = [json.loads(data)["text"] for _, kind, data in _events(bot, "long-crisis") if kind == "user"]
    assert stored == ["Tonight I want to kill myself."]


@pytest.mark.parametrize(
    "message",
    [
        "<img src=x onerror=alert(1)>",
        "'; DROP TABLE events; --",
        "¿La ketamina es segura?",
        "كيتامين هل هو آمن",
        "🙂🙂🙂 ketamine??",
        "ketamine\u202eevil",
    ],
)
def test_odd_but_valid_messages_get_a_reply_ending_with_a_referral(bot, message):
    replies = bot.say(message, "odd-patient")
    assert replies and all(ends_with_referral(r["text"]) for r in replies)


def test_server_still_serves_and_earlier_conversation_is_intact(bot, stored_before):
    assert bot.say("is ketamine addictive?", "after-bad-input")
    assert _events(bot, "intact-patient") == stored_before
    assert sqlite3.connect(bot.db_path).execute("select count(*) from events").fetchone()[0] > 0


@pytest.mark.parametrize("metadata", [[1, 2], 1, "text", {"name": "Jane Example", "padding": "x" * 5000}])
def test_metadata_a_client_invents_is_answered_and_never_stored(bot, metadata):
    sender = f"metadata-{abs(hash(json.dumps(metadata))) % 10**8}"
    status, reply = raw_post(
        bot, json.dumps({"sender": sender, "message": "is it addictive?", "metadata": metadata}).encode()
    )
    assert status == 200 and ends_with_referral(reply[-1]["text"])
    users = [json.loads(data) for _, kind, data in _events(bot, sender) if kind == "user"]
    assert users and all(set(u.get("metadata") or {}) <= {"assistant_id", "model_id"} for u in users), users
