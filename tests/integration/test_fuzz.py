"""Random and adversarial messages, metadata and ids, through the REST and
socket.io channels of a real Rasa server into its tracker store, with the
staff console reading along (list, search, transcript, export) and a purge at
the end. Nothing may crash, every message the channels accept must be stored,
and the console must keep serving.

`make test` runs FUZZ_MESSAGES=150 (the default); `make fuzz` runs 10,000
and writes results/FUZZ.md (FUZZ_REPORT)."""

import asyncio
import json
import os
import random
import sqlite3
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

import pytest
import socketio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinicbot.channels.message_guard import check_message
from console import accounts, db, index, retention
from console.web import create_app
from launcher import client

FUZZ_MESSAGES = int(os.environ.get("FUZZ_MESSAGES", "150"))
CONSOLE_EVERY = 25  # messages between two rounds of console pages

# What strangers type: markup, SQL, commands, crisis words inside commands,
# control and formatting characters, lone surrogates, NULs, other scripts.
ADVERSARIAL = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "'; DROP TABLE events; --",
    '" OR 1=1 --',
    "/restart",
    '/give_feedback{"feedback": "' + "x" * 40 + '"}',
    "/ask_efficacy@1.0 I want to kill myself tonight",
    "/nlu_fallback",
    "hello there \ud800",
    "\udfff\ud800",
    "a\u0000b",
    "ketamine\u202eevil",
    "\u200b\u200b\u200b",
    "كيتامين هل هو آمن",
    "¿La ketamina es segura?",
    "ケタミンは安全ですか",
    "🙂" * 500,
    "%s%s%n%x",
    "{{7*7}} ${7*7}",
    "\r\n\r\nHTTP/1.1 200 OK",
    "my name is Jane Example, MRN 123456, call 714-555-0199",
    " ",
    "",
]

texts = st.one_of(
    st.sampled_from(ADVERSARIAL),
    st.text(  # any code point, with lone surrogates and control characters more often than by chance
        st.one_of(
            st.characters(exclude_categories=()),
            st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
            st.sampled_from("\x00\x1b\x7f\u202e\u200b\ufeff"),
        ),
        max_size=300,
    ),
    st.binary(max_size=200).map(lambda raw: raw.decode("latin-1")),
    st.text(min_size=1990, max_size=2010),  # around chat.max_message_chars
    st.builds(lambda a, b: f"{a} how fast does ketamine work? {b}", st.text(max_size=30), st.text(max_size=30)),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=10,
)
senders = st.one_of(
    st.just("new"),  # no sender: a new conversation
    st.just("known"),  # an id the server issued earlier
    st.just("forged"),  # an issued id with its signature changed
    st.text(max_size=200),  # anything a stranger chooses
)
cases = st.fixed_dictionaries(
    {
        "channel": st.sampled_from(["rest", "rest", "socketio", "raw"]),
        "text": texts,
        "sender": senders,
        "metadata": st.one_of(st.none(), json_values),
        "raw": st.binary(max_size=300),
    }
)


class SocketPatient:
    """One socket.io conversation kept open in a loop of its own thread."""

    def __init__(self, url: str, origin: str) -> None:
        self.url, self.origin = url, origin
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.session_id = ""
        self.replies = 0
        self.reconnects = 0
        self.run(self._connect())

    def _count(self, _data) -> None:
        self.replies += 1

    def run(self, coroutine, timeout: float = 60):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    async def _connect(self) -> None:
        """Connect and ask for this conversation again (a fresh one the first time), as the widget does on a reload."""
        confirmed = asyncio.Event()

        def on_confirm(session_id):
            self.session_id = session_id
            confirmed.set()

        self.sio = socketio.AsyncClient(reconnection=False)
        self.sio.on("bot_uttered", self._count)
        self.sio.on("session_confirm", on_confirm)
        await self.sio.connect(self.url, headers={"Origin": self.origin}, transports=["polling"], wait_timeout=10)
        await self.sio.emit("session_request", {"session_id": self.session_id or None})
        await asyncio.wait_for(confirmed.wait(), 20)

    def send(self, payload: dict) -> None:
        """One message, then its answer, as a patient waits for the reply before typing again."""
        if not self.sio.connected:  # dropped (long-polling under load): the widget reconnects
            self.reconnects += 1
            self.run(self._connect())
            payload = {**payload, "session_id": self.session_id}
        before = self.replies
        self.run(self.sio.emit("user_uttered", payload))
        deadline = time.monotonic() + 60
        while self.replies == before:  # every message gets an answer
            assert time.monotonic() < deadline, f"no answer on socket.io to {payload!r:.200}"
            time.sleep(0.01)
        while True:  # and the rest of its bubbles
            seen = self.replies
            time.sleep(0.15)
            if self.replies == seen:
                return

    def close(self) -> None:
        self.run(self.sio.eio.disconnect(abort=True))
        self.loop.call_soon_threadsafe(self.loop.stop)


def _stored_user_events(db_path: Path) -> Counter:
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("select sender_id, count(*) from events where type_name = 'user' group by sender_id")
        return Counter(dict(rows.fetchall()))


def _console_round(staff, sender: str, search: str) -> None:
    for url, query in [
        ("/dashboard", {}),
        ("/conversations", {}),
        ("/conversations", {"q": search}),
        ("/transcript", {"id": sender}),
        ("/export", {"format": "csv"}),
        ("/export", {"format": "jsonl"}),
    ]:
        # As raw bytes: a typed search may hold what UTF-8 cannot (lone surrogates).
        response = staff.get(url, query_string=urlencode(query, encoding="utf-8", errors="surrogatepass"))
        assert response.status_code in (200, 404), (url, query, response.status_code, response.text[:300])
        assert response.status_code == 200 or url == "/transcript"


@pytest.fixture(scope="module")
def console(bot, tmp_path_factory):
    engine = db.make_engine(bot.db_url)
    accounts.create_user(engine, "fuzz.admin", "fuzz password 1234", role=accounts.ADMIN)
    staff = create_app(secret_key="fuzz", engine=engine).test_client()
    page = staff.get("/login").text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    signed_in = staff.post(
        "/login", data={"username": "fuzz.admin", "password": "fuzz password 1234", "csrf_token": token}
    )
    assert signed_in.status_code == 302
    yield engine, staff
    engine.dispose()


def test_random_and_adversarial_input_is_answered_stored_and_readable(bot, console, tmp_path):
    engine, staff = console
    patient = SocketPatient(bot.url, bot.origins[0])
    issued: list[str] = [patient.session_id]
    accepted: Counter = Counter()  # sender -> messages that must be stored
    statuses: Counter = Counter()
    sent = Counter()
    slowest = 0.0
    started = time.monotonic()

    @settings(
        max_examples=FUZZ_MESSAGES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        derandomize=bool(os.environ.get("FUZZ_DERANDOMIZE")),
    )
    @given(case=cases)
    def one_message(case):
        nonlocal slowest
        sent[case["channel"]] += 1
        begun = time.monotonic()
        if case["channel"] == "socketio":
            payload = {"message": case["text"], "session_id": patient.session_id}
            if case["metadata"] is not None:
                payload["metadata"] = case["metadata"]
            patient.send(payload)
            if check_message(case["text"]).reply is None:
                accepted[patient.session_id] += 1
            statuses["socketio answered"] += 1
        else:
            sender = {
                "new": None,
                "known": random.choice(issued),
                "forged": issued[-1][:-4] + "beef",
            }.get(case["sender"], case["sender"])
            body = {"message": case["text"], **({} if sender is None else {"sender": sender})}
            if case["metadata"] is not None:
                body["metadata"] = case["metadata"]
            data = case["raw"] if case["channel"] == "raw" else json.dumps(body).encode()
            reply = client.post(bot.url + client.REST_PATH, data, {"Authorization": None})
            statuses[reply.status] += 1
            assert reply.status in (200, 400, 403, 413), (case, reply)
            if case["channel"] == "rest" and case["sender"] in ("new", "known"):
                assert reply.status == 200, (case, reply)  # the server's own ids always work
            if case["channel"] == "rest" and case["sender"] == "forged":
                assert reply.status == 403, (case, reply)
            if reply.status == 200:
                assert isinstance(reply.body, list) and reply.body and all("text" in r for r in reply.body), reply
                recipient = reply.body[0]["recipient_id"]
                if sender is None:
                    issued.append(recipient)
                if check_message(case["text"]).reply is None:
                    accepted[recipient] += 1
        slowest = max(slowest, time.monotonic() - begun)
        if sum(sent.values()) % CONSOLE_EVERY == 0:
            _console_round(staff, random.choice(issued), case["text"][:80])

    try:
        one_message()
    finally:
        patient.close()

    # No lost message: each one the channels accepted is stored, under its conversation.
    deadline = time.monotonic() + 60
    while True:
        stored = _stored_user_events(bot.db_path)
        missing = {s: n for s, n in accepted.items() if stored.get(s, 0) < n}
        if not missing or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert not missing, missing
    # The console reads everything that was stored, and still serves.
    index.sync(engine)
    for sender in random.sample(sorted(accepted), min(20, len(accepted))):
        assert staff.get("/transcript", query_string={"id": sender}).status_code == 200, sender
    _console_round(staff, issued[-1], "ketamine")

    # The purge (on a copy: other tests still use this store) removes it all and the console still serves.
    copy = tmp_path / "purged.db"
    with sqlite3.connect(bot.db_path) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    purged_engine = db.make_engine(f"sqlite:///{copy}")
    accounts.create_user(purged_engine, "fuzz.purge", "fuzz password 1234", role=accounts.ADMIN)
    retention.purge(purged_engine, days=1, now=time.time() + 3 * 86400)
    with sqlite3.connect(copy) as conn:
        assert conn.execute("select count(*) from events").fetchone()[0] == 0
    assert index.sync(purged_engine) == 0
    purged_engine.dispose()

    statuses["socket.io reconnections"] = patient.reconnects
    report = os.environ.get("FUZZ_REPORT")
    if report:
        _write_report(Path(report), sent, statuses, accepted, slowest, time.monotonic() - started)


def _write_report(path: Path, sent: Counter, statuses: Counter, accepted: Counter, slowest: float, took: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Fuzz run",
        "",
        f"`make fuzz`, {time.strftime('%Y-%m-%d %H:%M')}: {sum(sent.values())} generated messages in {took:.0f} s "
        f"(slowest answer {slowest:.2f} s).",
        "",
        "| channel | messages |",
        "|---|---|",
        *[f"| {channel} | {count} |" for channel, count in sorted(sent.items())],
        "",
        "| answer | count |",
        "|---|---|",
        *[f"| {status} | {count} |" for status, count in sorted(statuses.items(), key=str)],
        "",
        f"Accepted and stored: {sum(accepted.values())} messages in {len(accepted)} conversations, none lost; "
        f"the console served its pages every {CONSOLE_EVERY} messages and after a purge.",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
