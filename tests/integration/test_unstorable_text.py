"""Text that valid JSON can carry but UTF-8 and PostgreSQL cannot store (a
lone surrogate, a NUL, a made-up feedback value) reaches the real bot, and the
staff console still lists, shows and exports every conversation."""

import json
import sqlite3
import subprocess
import sys

import pytest

from clinicbot.settings import PROJECT_ROOT
from launcher import client
from tests.helpers import ends_with_referral

# Raw bodies: json.dumps would escape the surrogate into a valid pair-free string anyway.
BODIES = {
    "surrogate": b'{"sender": "unstorable-surrogate", "message": "hello there \\ud800"}',
    "nul": b'{"sender": "unstorable-nul", "message": "how fast does ketamine work?\\u0000"}',
    "feedback": json.dumps(
        {
            "sender": "unstorable-feedback",
            "message": '/give_feedback{"feedback": "\\u0000\\ud800 forty characters of junk"}',
        }
    ).encode(),
}


def console(bot, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "console", "--db", bot.db_url, *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def sent(bot):
    replies = {name: client.post(bot.url + client.REST_PATH, body) for name, body in BODIES.items()}
    assert all(reply.status == 200 for reply in replies.values()), replies
    return replies


def test_the_patient_gets_a_reply(sent):
    for name in ("surrogate", "nul"):
        texts = [m.get("text", "") for m in sent[name].body]
        assert texts and ends_with_referral(texts[-1]), (name, texts)


def test_what_is_stored_can_be_written_as_utf8(bot, sent):
    with sqlite3.connect(bot.db_path) as conn:
        rows = conn.execute("SELECT data FROM events WHERE sender_id LIKE 'unstorable-%'").fetchall()
    assert rows
    for (data,) in rows:
        text = json.loads(data).get("text") or ""
        text.encode("utf-8")  # raises on a lone surrogate
        assert "\x00" not in text


def test_the_console_lists_shows_and_exports_them(bot, sent, tmp_path):
    listing = console(bot, "list", "--limit", "1000")
    assert listing.returncode == 0, listing.stderr
    for sender in ("unstorable-surrogate", "unstorable-nul", "unstorable-feedback"):
        assert sender in listing.stdout
        shown = console(bot, "show", sender)
        assert shown.returncode == 0, shown.stderr
    out = tmp_path / "all.jsonl"
    exported = console(bot, "export", "--format", "jsonl", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    assert "unstorable-surrogate" in out.read_text(encoding="utf-8")
    # and the bot keeps serving
    assert client.messages(bot.url, "how fast does ketamine work?")
