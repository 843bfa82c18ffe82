"""Helpers for the scale-out tests: HTTP with status codes, stored turns read
from PostgreSQL, socket.io (the TCP proxy that cuts the tracker store off is
tests/relay.py)."""

import asyncio
import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from typing import Any

import redis
import sqlalchemy as sa

from launcher import client, servers

# Questions the assistant answers; the follow-up needs the earlier question's
# topic (so the history must be shared) and the action server.
QUESTIONS = [
    "how fast does ketamine work?",
    "and for SSRIs?",
    "what are the side effects of ketamine?",
    "and for SSRIs?",
    "is ketamine addictive?",
    "how is ketamine given?",
    "what is treatment-resistant depression?",
    "how often are the infusions?",
    "how does ketamine work in the brain?",
    "thanks",
]
FOLLOW_UP = "and for SSRIs?"


def send(base_url: str, sender: str, text: Any, origin: str | None = None, timeout: float = 120) -> client.Reply:
    """POST to the REST channel: (status, body); status 0 when no HTTP answer came."""
    return client.say(base_url, text, sender, origin, timeout)


def get_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            return reply.status
    except urllib.error.HTTPError as error:
        return error.code


def texts(replies: list[dict[str, Any]]) -> list[str]:
    return [r.get("text", "") for r in replies]


class Store:
    """Read-only view of Rasa's events table."""

    def __init__(self, url: str):
        self.engine = sa.create_engine(url, pool_pre_ping=True)

    def events(self, sender: str) -> list[tuple[str, dict[str, Any]]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT type_name, data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender}
            ).fetchall()
        return [(row[0], json.loads(row[1])) for row in rows]

    def turns(self, sender: str) -> list[tuple[str, str]]:
        """The conversation as ("user"|"bot", text), in stored order."""
        return [(kind, data.get("text") or "") for kind, data in self.events(sender) if kind in ("user", "bot")]

    def senders(self, prefix: str) -> list[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.text("SELECT DISTINCT sender_id FROM events WHERE sender_id LIKE :p"), {"p": prefix + "%"}
            ).fetchall()
        return [row[0] for row in rows]

    def dispose(self) -> None:
        self.engine.dispose()


def expected_turns(exchanges: list[tuple[str, list[str]]]) -> list[tuple[str, str]]:
    turns: list[tuple[str, str]] = []
    for text, replies in exchanges:
        turns.append(("user", text))
        turns += [("bot", reply) for reply in replies]
    return turns


class SocketChat:
    """A socket.io client like the web widget: session_request, then user_uttered."""

    def __init__(self, url: str, origin: str | None = None):
        import socketio

        self.url, self.origin = url, origin
        self.sio = socketio.AsyncClient(reconnection=False)
        self.replies: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.session_id: str | None = None
        self._confirmed = asyncio.Event()

        @self.sio.on("bot_uttered")
        async def on_bot(data):
            await self.replies.put(data)

        @self.sio.on("session_confirm")
        async def on_confirm(session_id):
            self.session_id = session_id
            self._confirmed.set()

    async def connect(self, session_id: str | None = None) -> "SocketChat":
        headers = {"Origin": self.origin} if self.origin else {}
        # Long-polling: python-engineio 4.15's WebSocket client needs a newer
        # aiohttp than Rasa pins. test_locked_doors checks the WebSocket upgrade.
        await self.sio.connect(
            self.url, headers=headers, transports=["polling"], socketio_path="/socket.io/", wait_timeout=20
        )
        await self.sio.emit("session_request", {"session_id": session_id})
        await asyncio.wait_for(self._confirmed.wait(), 20)
        return self

    async def ask(
        self, message: Any, session_id: Any = "__own__", timeout: float = 60, **extra: Any
    ) -> list[dict[str, Any]]:
        """Send, then collect replies until none arrives for a moment."""
        payload = {"message": message, "session_id": self.session_id if session_id == "__own__" else session_id}
        payload.update(extra)
        if session_id is None:
            payload.pop("session_id")
        await self.sio.emit("user_uttered", payload)
        replies = [await asyncio.wait_for(self.replies.get(), timeout)]
        while True:
            try:
                replies.append(await asyncio.wait_for(self.replies.get(), 1.5))
            except asyncio.TimeoutError:
                return replies

    async def close(self) -> None:
        # As a closed tab does: python-socketio 5.18's polite disconnect over
        # long-polling waits for the next ping (about 30 s).
        await self.sio.eio.disconnect(abort=True)


def start_redis(password: str) -> tuple[subprocess.Popen, redis.Redis]:
    """A Redis of our own that wants a password (given on stdin, not in `ps`)."""
    port = servers.free_port()
    process = subprocess.Popen(
        ["redis-server", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        preexec_fn=servers.die_with_parent(os.getpid()),
    )
    assert process.stdin is not None
    process.stdin.write(f'port {port}\nbind 127.0.0.1\nrequirepass "{password}"\nsave ""\nappendonly no\n'.encode())
    process.stdin.close()
    client = redis.Redis(host="127.0.0.1", port=port, db=1, password=password, socket_timeout=3)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            return process, client
        except redis.ConnectionError:
            assert process.poll() is None and time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.1)
