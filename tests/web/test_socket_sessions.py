"""On socket.io a client gets a conversation id from the server and may speak
only in it: a made-up id gets a fresh one, and a message into another
conversation is refused and stored nowhere."""

import asyncio
import sqlite3

import socketio

from tests.web.test_socket_origins import run


async def _confirmed(client: socketio.AsyncClient, url: str, origin: str, requested) -> str:
    confirmed: asyncio.Future = asyncio.get_running_loop().create_future()
    client.on("session_confirm", lambda session_id: confirmed.done() or confirmed.set_result(session_id))
    await client.connect(url, headers={"Origin": origin}, transports=["polling"], wait_timeout=10)
    await client.emit("session_request", {"session_id": requested})
    return await asyncio.wait_for(confirmed, 20)


async def _reply(client: socketio.AsyncClient, queue: asyncio.Queue, message: str, session_id: str) -> str:
    await client.emit("user_uttered", {"message": message, "session_id": session_id})
    return (await asyncio.wait_for(queue.get(), 60))["text"]


async def _drop(client: socketio.AsyncClient) -> None:
    """Close the connection as a closed tab does. (A polite disconnect over
    long-polling waits for the next ping, about 30 s, in python-socketio 5.18.)"""
    await client.eio.disconnect(abort=True)


def _stored(bot, sender: str) -> int:
    with sqlite3.connect(bot.db_path) as db:
        return db.execute("select count(*) from events where sender_id = ?", (sender,)).fetchone()[0]


def test_a_socket_gets_its_own_id_keeps_it_and_cannot_speak_elsewhere(bot, web_origin):
    async def scenario(url, origin):
        first, second, third = (socketio.AsyncClient(reconnection=False) for _ in range(3))
        replies: asyncio.Queue = asyncio.Queue()
        second.on("bot_uttered", lambda data: replies.put_nowait(data))
        try:
            made_up = await _confirmed(first, url, origin, "me")
            again = await _confirmed(second, url, origin, made_up)  # a reload keeps the conversation
            await _drop(first)
            other = await _confirmed(third, url, origin, None)
            refused = await _reply(second, replies, "how fast does ketamine work?", other)
            answered = await _reply(second, replies, "how fast does ketamine work?", again)
            return made_up, again, other, refused, answered
        finally:
            await _drop(second)
            await _drop(third)

    made_up, again, other, refused, answered = run(scenario, bot.url, web_origin)
    assert made_up != "me" and again == made_up and other not in (made_up, "me")
    assert "belongs to another conversation" in refused and "988" in refused
    assert _stored(bot, other) == 0 and _stored(bot, "me") == 0
    assert "ketamine" in answered.lower() and _stored(bot, again) > 0
