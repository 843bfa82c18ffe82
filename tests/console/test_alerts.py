"""Staff alerts, through a real SMTP server on localhost (aiosmtpd) and a
real HTTP endpoint, over the recorded conversations (conftest.py), on
SQLite and PostgreSQL."""

import email
import email.policy
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from console import alerts, db, index
from tests.console.conftest import CONVERSATIONS


class Inbox:
    def __init__(self) -> None:
        self.mails: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        mail = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.mails.append(f"{mail['Subject']}\n{mail.get_content()}")
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def fresh(clone, backend):
    """A database of its own: alert state must not leak between tests."""
    engine = db.make_engine(clone(backend))
    index.sync(engine)
    yield engine
    engine.dispose()


def _settings(port: int, **extra) -> alerts.AlertSettings:
    return alerts.AlertSettings(
        email_to=("oncall@clinic.example",),
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_from="chat@clinic.example",
        timeout=3.0,
        **extra,
    )


def _flagged(engine) -> set[str]:
    c = db.conversations.c
    with engine.connect() as conn:
        return set(conn.execute(sa.select(c.sender_id).where(sa.or_(c.crisis, c.emergency))).scalars())


def test_one_alert_per_crisis_or_emergency_conversation_however_often_it_runs(fresh, smtp, recorded):
    inbox, port = smtp
    flagged = _flagged(fresh)
    assert {recorded.senders["crisis"], recorded.senders["emergency"]} <= flagged
    for _ in range(3):
        alerts.queue(fresh)
        alerts.deliver_due(fresh, _settings(port))
    assert len(inbox.mails) == len(flagged)
    kinds = [("medical emergency" in m) for m in inbox.mails]
    assert any(kinds) and not all(kinds), "an emergency and a crisis mail each say which"


def test_an_alert_holds_no_patient_text_and_no_conversation_id(fresh, smtp, recorded):
    inbox, port = smtp
    alerts.queue(fresh)
    alerts.deliver_due(fresh, _settings(port))
    assert inbox.mails
    for mail in inbox.mails:
        assert "needs follow-up" in mail and "/conversations?flag=" in mail
        for sender in recorded.senders.values():
            assert sender not in mail
        for texts in CONVERSATIONS.values():
            for text in texts:
                if len(text) > 12:  # "hi" is in "this"
                    assert text not in mail


def test_a_failed_delivery_is_kept_and_retried_later(fresh, smtp):
    inbox, port = smtp
    alerts.queue(fresh)
    now = time.time()
    assert alerts.deliver_due(fresh, _settings(_free_port()), now=now) == 0  # nothing listens there
    with fresh.connect() as conn:
        rows = conn.execute(sa.select(db.alerts)).all()
    assert rows and all(r.attempts == 1 and r.sent_at is None and r.last_error for r in rows)
    assert all(r.next_try_at > now for r in rows)
    assert alerts.deliver_due(fresh, _settings(port), now=now) == 0, "not before its next try"
    sent = alerts.deliver_due(fresh, _settings(port), now=now + alerts.BACKOFF[0] + 1)
    assert sent == len(rows) == len(inbox.mails)


def test_old_conversations_are_not_alerted_when_alerts_are_switched_on(fresh):
    assert alerts.queue(fresh, now=time.time() + 2 * alerts.RECENT) == 0
    assert alerts.queue(fresh) > 0


def test_the_webhook_gets_the_same_message(fresh):
    received = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings = alerts.AlertSettings(webhook_url=f"http://127.0.0.1:{server.server_port}/hook", timeout=3.0)
        alerts.queue(fresh)
        assert alerts.deliver_due(fresh, settings) == len(received) == len(_flagged(fresh))
        assert all("needs follow-up" in r["text"] and r["kind"] in ("crisis", "emergency") for r in received)
    finally:
        server.shutdown()


def test_settings_come_from_clinic_yml_and_the_environment():
    settings = alerts.AlertSettings.load(
        {"ALERT_SMTP_HOST": "mail.example", "ALERT_SMTP_PORT": "2525", "ALERT_SMTP_TLS": "STARTTLS"}
    )
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_tls) == ("mail.example", 2525, "starttls")
    assert not settings.enabled  # the demo clinic.yml names nobody
    assert "s3cret" not in repr(alerts.AlertSettings(smtp_password="s3cret"))
