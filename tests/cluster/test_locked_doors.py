"""Locked doors: conversations can't be read over HTTP, pages from other
origins are refused on both channels, and the staff console is not behind
the load balancer."""

import asyncio
import uuid

import pytest
import socketio

from tests.cluster.support import QUESTIONS, SocketChat, get_status, send
from tests.helpers import flood, post_from


def test_conversations_cannot_be_read_over_http(cluster):
    sender = f"doors-{uuid.uuid4().hex[:8]}"
    assert send(cluster.url, sender, QUESTIONS[0])[0] == 200
    # Rasa's HTTP API is off (no --enable-api): 404 on every server and through nginx.
    for base in [cluster.url, *cluster.rasa_urls]:
        for path in (
            f"/conversations/{sender}/tracker",
            f"/conversations/{sender}/tracker?token=guess",
            "/status",
            "/model",
        ):
            assert get_status(base + path) == 404, base + path
    # Rasa listens on localhost only.
    for server in cluster.handle.rasa:
        interface = server.command[server.command.index("--interface") + 1]
        assert interface == "127.0.0.1" and "--enable-api" not in server.command


@pytest.mark.parametrize("which", ["nginx", "direct"])
def test_rest_refuses_an_origin_that_is_not_configured(cluster, which):
    base = cluster.url if which == "nginx" else cluster.rasa_urls[0]
    sender = f"origin-{uuid.uuid4().hex[:8]}"
    status, body = send(base, sender, QUESTIONS[0], origin="http://evil.example")
    assert status == 403 and "not allowed" in body["error"]
    assert send(base, sender, QUESTIONS[0], origin=cluster.origin)[0] == 200
    assert send(base, sender, QUESTIONS[4])[0] == 200  # no Origin: a server-to-server call
    # The refused message was never stored.
    assert [t for k, t in cluster.store.turns(sender) if k == "user"] == [QUESTIONS[0], QUESTIONS[4]]


def test_socketio_refuses_an_origin_that_is_not_configured(cluster):
    async def connect(origin):
        chat = await SocketChat(cluster.url, origin=origin).connect()
        await chat.close()

    with pytest.raises(socketio.exceptions.ConnectionError):
        asyncio.run(connect("http://evil.example"))
    asyncio.run(connect(cluster.origin))


def test_the_staff_console_is_not_behind_the_load_balancer(cluster):
    console = cluster.handle.console
    if console is not None:  # the console is part of this checkout
        assert get_status(console.ready_url) == 200
        assert (
            str(cluster.handle.console_port) not in cluster.handle.nginx.command[-3:]
            and f":{cluster.handle.console_port}" not in (cluster.handle.var_dir / "nginx" / "nginx.conf").read_text()
        )
    for path in ("/login", "/console", "/conversations", "/static/", "/export"):
        assert get_status(cluster.url + path) == 404, path


def test_a_flood_from_one_address_is_refused_while_other_patients_are_answered(cluster):
    statuses = flood(cluster.url)
    assert statuses.count(429) > 0, statuses
    assert 200 in statuses  # limited, not locked out
    # Another address, at once: answered as usual.
    assert post_from("127.0.0.3", cluster.url, QUESTIONS[0]) == 200
