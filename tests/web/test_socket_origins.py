"""The chat channels answer only the clinic's page origins.

Browsers apply CORS to HTTP but not to WebSockets, so the socket.io channel
checks the Origin itself (clinicbot/channels/socketio.py)."""

import asyncio
import threading
import urllib.request

import socketio
import websockets

FOREIGN = "http://evil.example"


async def connects_over_polling(url: str, origin: str) -> bool:
    client = socketio.AsyncClient(reconnection=False)
    try:
        await client.connect(url, headers={"Origin": origin}, transports=["polling"], wait_timeout=10)
        return client.connected
    except socketio.exceptions.ConnectionError:
        return False
    finally:
        await client.eio.disconnect(abort=True)  # at once, as a closed tab


async def connects_over_websocket(url: str, origin: str) -> bool:
    """The Socket.IO handshake by hand, as a browser page would send it.
    (python-engineio's own WebSocket client needs a newer aiohttp than Rasa's.)"""
    uri = url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    async with websockets.connect(uri, origin=origin) as ws:
        opened = await asyncio.wait_for(ws.recv(), 10)
        assert opened.startswith("0{"), opened  # Engine.IO open
        await ws.send("40")  # Socket.IO: connect to the default namespace
        answer = await asyncio.wait_for(ws.recv(), 10)
        assert answer[:2] in ("40", "44"), answer  # connected / refused
        return answer.startswith("40")


def run(check, url: str, origin: str) -> bool:
    """In a thread of its own: Playwright's sync API keeps an event loop
    running in the test thread once a browser test has run."""
    result = {}

    def target():
        try:
            result["ok"] = asyncio.run(check(url, origin))
        except BaseException as error:  # re-raised in the test's thread
            result["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(60)
    if "error" in result:
        raise result["error"]
    return result["ok"]


def test_the_page_origin_connects(bot, web_origin):
    assert run(connects_over_websocket, bot.url, web_origin)
    assert run(connects_over_polling, bot.url, web_origin)


def test_another_origin_is_refused(bot):
    assert not run(connects_over_websocket, bot.url, FOREIGN)
    assert not run(connects_over_polling, bot.url, FOREIGN)


def test_cors_headers_name_only_the_page_origin(bot, web_origin):
    for origin, expected in ((web_origin, web_origin), (FOREIGN, None)):
        request = urllib.request.Request(
            f"{bot.url}/webhooks/rest/webhook",
            method="OPTIONS",
            headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.headers.get("Access-Control-Allow-Origin") == expected
