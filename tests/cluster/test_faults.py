"""Faults: the action server down, the tracker store gone for a moment.
Patients get answers or a clear, polite message; service resumes by itself."""

import asyncio
import time
import uuid

from clinicbot.channels.no_reply import apology
from tests.cluster.support import FOLLOW_UP, QUESTIONS, SocketChat, expected_turns, send, texts
from tests.helpers import ends_with_referral


def _is_ssri_answer(replies):
    return bool(replies) and ("SSRI" in replies[0] or "antidepressant" in replies[0].lower())


def test_without_the_action_server_faqs_work_and_follow_ups_apologise(cluster):
    sender = f"noactions-{uuid.uuid4().hex[:8]}"
    cluster.handle.actions.stop()
    try:
        status, body = send(cluster.url, sender, QUESTIONS[0])
        assert status == 200 and not _is_ssri_answer(texts(body)) and "ketamine" in texts(body)[0].lower()
        status, body = send(cluster.url, sender, FOLLOW_UP)  # needs action_answer_followup
        assert status == 200 and texts(body) == [apology()] and ends_with_referral(apology())

        async def over_socketio():
            chat = await SocketChat(cluster.rasa_urls[0], origin=cluster.origin).connect()
            try:
                faq = await chat.ask(QUESTIONS[2])
                follow_up = await chat.ask(FOLLOW_UP)
            finally:
                await chat.close()
            return faq, follow_up

        faq, follow_up = asyncio.run(over_socketio())
        assert faq[0]["text"] != apology() and ends_with_referral(faq[0]["text"])
        assert [m["text"] for m in follow_up] == [apology()]
    finally:
        cluster.handle.actions.start()
        cluster.handle.actions.wait_ready()

    status, body = send(cluster.url, sender, QUESTIONS[2])
    assert status == 200
    status, body = send(cluster.url, sender, FOLLOW_UP)
    assert status == 200 and _is_ssri_answer(texts(body))


def test_tracker_store_gone_for_a_moment(cluster):
    """The second Rasa server reaches PostgreSQL through a proxy; stopping the
    proxy takes its tracker store away (the shared PostgreSQL keeps running)."""
    server, process = cluster.rasa_urls[1], cluster.handle.rasa[1].process
    sender = f"nodb-{uuid.uuid4().hex[:8]}"
    status, body = send(server, sender, QUESTIONS[0])
    assert status == 200
    exchanges = [(QUESTIONS[0], texts(body))]

    cluster.proxy.stop()
    try:
        outages = [send(server, sender, FOLLOW_UP, timeout=60) for _ in range(3)]
        for status, body in outages:
            assert status == 503 and "unavailable" in body["error"] and "not stored" in body["error"], body
        # The other server, with its own connection, is unaffected.
        assert send(cluster.rasa_urls[0], f"{sender}-other", QUESTIONS[2])[0] == 200
    finally:
        cluster.proxy.start()
    came_back = time.monotonic()

    deadline = came_back + 60
    while True:
        status, body = send(server, sender, FOLLOW_UP)
        if status == 200 or time.monotonic() > deadline:
            break
        time.sleep(1)
    recovery = time.monotonic() - came_back
    assert status == 200 and _is_ssri_answer(texts(body)), (status, body)
    exchanges.append((FOLLOW_UP, texts(body)))
    print(f"\nTracker store back: first stored answer after {recovery:.1f}s")

    # No crash loop: the same process served throughout, and keeps serving.
    assert process.poll() is None and cluster.handle.rasa[1].process is process
    status, body = send(server, sender, QUESTIONS[4])
    assert status == 200
    exchanges.append((QUESTIONS[4], texts(body)))
    # What failed was not stored; what succeeded was, in order.
    assert cluster.store.turns(sender) == expected_turns(exchanges)
