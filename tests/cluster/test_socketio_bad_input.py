"""Bad input on the socket.io channel, through nginx as the web widget talks:
each gets a polite reply or a clear refusal, the server keeps serving, and no
stored event is corrupted. (The REST side: tests/integration/test_bad_input.py.)"""

import asyncio
import socket
import uuid

import sqlalchemy as sa

from tests.cluster.support import SocketChat
from tests.helpers import ends_with_referral


def test_the_server_runs_a_socketio_past_the_advisory():
    # 5.9.0 has a published memory-exhaustion advisory on this endpoint; from
    # 5.10 on, enter_room() must be awaited, which our channel does (PITFALLS.md).
    from importlib.metadata import version

    assert tuple(int(part) for part in version("python-socketio").split(".")) >= (5, 18, 1)


async def _session(cluster):
    return await SocketChat(cluster.url, origin=cluster.origin).connect(f"sock-{uuid.uuid4().hex[:10]}")


def test_odd_input_gets_polite_replies_or_clear_refusals(cluster):
    async def scenario():
        chat = await _session(cluster)
        try:
            intact = await chat.ask("how fast does ketamine work?")
            stored_before = cluster.store.events(chat.session_id)
            answers = {
                "empty": await chat.ask(""),
                "whitespace": await chat.ask("   \n\t  "),
                "too long": await chat.ask("ketamine " * 5_000),
                "not text": await chat.ask(42),
                "missing session": await chat.ask("hello", session_id=None),
                "10 KB session": await chat.ask("hello", session_id="s" * 10_000),
            }
            odd = [
                "🙂🙂🙂 ketamine??",
                "كيتامين هل هو آمن",
                "¿La ketamina es segura?",
                "ketamine\u202eevil",
                "<img src=x onerror=alert(1)>",
                "'; DROP TABLE events; --",
            ]
            odd_answers = [await chat.ask(text) for text in odd]
            after = await chat.ask("is ketamine addictive?")
            return chat.session_id, intact, stored_before, answers, odd, odd_answers, after
        finally:
            await chat.close()

    session, intact, stored_before, answers, odd, odd_answers, after = asyncio.run(scenario())
    assert ends_with_referral(intact[0]["text"])
    assert "empty" in answers["empty"][0]["text"] and ends_with_referral(answers["empty"][0]["text"])
    assert "empty" in answers["whitespace"][0]["text"]
    assert "longer than I can read" in answers["too long"][0]["text"]
    assert ends_with_referral(answers["too long"][0]["text"])
    assert "'message' must be text" in answers["not text"][0]["text"]
    assert "'session_id' is required" in answers["missing session"][0]["text"]
    assert "longer than 128" in answers["10 KB session"][0]["text"]
    for text, replies in zip(odd, odd_answers):
        assert replies and all(ends_with_referral(r["text"]) for r in replies), (text, replies)
    assert after and ends_with_referral(after[0]["text"])  # still serving

    events = cluster.store.events(session)
    assert events[: len(stored_before)] == stored_before  # the earlier turns are untouched
    users = [data["text"] for kind, data in events if kind == "user"]
    # Refused messages never reached the store; odd ones were stored exactly as sent.
    assert users == ["how fast does ketamine work?", *odd, "is ketamine addictive?"]
    with cluster.store.engine.connect() as conn:
        too_long = conn.execute(sa.text("SELECT count(*) FROM events WHERE length(sender_id) > 128")).scalar()
    assert too_long == 0


def test_a_10_kb_session_request_gets_a_fresh_session(cluster):
    async def scenario():
        chat = SocketChat(cluster.url, origin=cluster.origin)
        await chat.connect("s" * 10_000)
        try:
            return chat.session_id, await chat.ask("is ketamine addictive?")
        finally:
            await chat.close()

    session, replies = asyncio.run(scenario())
    assert len(session) <= 128 and replies and ends_with_referral(replies[0]["text"])


def test_nginx_passes_websocket_upgrades(cluster):
    """The widget's WebSocket transport goes through the load balancer."""
    request = (
        f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        f"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: {cluster.origin}\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", cluster.handle.nginx_port), timeout=20) as sock:
        sock.sendall(request.encode())
        head = sock.recv(4096)
    assert head.startswith(b"HTTP/1.1 101"), head[:200]


def test_metadata_a_client_invents_is_never_stored(cluster):
    invented = {"name": "Jane Example", "mrn": "MRN 123456", "padding": "x" * 20_000}

    async def scenario():
        chat = await _session(cluster)
        try:
            replies = await chat.ask("how fast does ketamine work?", metadata=invented, customData=invented)
            return chat.session_id, replies
        finally:
            await chat.close()

    session, replies = asyncio.run(scenario())
    assert ends_with_referral(replies[-1]["text"])
    stored = [data for kind, data in cluster.store.events(session) if kind == "user"]
    # Rasa adds only its own keys (assistant and model ids).
    assert stored and all(set(data.get("metadata") or {}) <= {"assistant_id", "model_id"} for data in stored), stored
    assert all("Jane Example" not in str(data) for data in stored)


def test_a_packet_past_the_cap_is_dropped_unread_and_the_server_keeps_serving(cluster):
    """Past 64 KB (clinicbot/channels/socketio.py) the connection is closed
    before the packet is read: nothing is stored, other patients are answered."""

    async def scenario():
        chat = await _session(cluster)
        try:
            try:
                replies = await chat.ask("ketamine " * 20_000, timeout=10)
            except asyncio.TimeoutError:
                replies = []
            return chat.session_id, replies
        finally:
            await chat.close()

    session, replies = asyncio.run(scenario())
    assert replies == []
    assert not [data for kind, data in cluster.store.events(session) if kind == "user"]

    async def another():
        chat = await _session(cluster)
        try:
            return await chat.ask("is ketamine addictive?")
        finally:
            await chat.close()

    assert ends_with_referral(asyncio.run(another())[0]["text"])
