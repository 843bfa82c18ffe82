"""Staff alerts: a crisis or medical-emergency conversation tells the clinic
within a minute, by email and, if set, a webhook.

The console process runs `run_every` in a daemon thread: it copies new
events (console.index.sync), queues one alert per flagged conversation
(console_alerts, keyed by conversation) and delivers what is due. Nothing
here runs in Rasa's request path, so a slow or failing mail server never
delays a patient's reply. A failed delivery is logged and retried with a
growing wait; after MAX_ATTEMPTS it stays in the table, marked, for staff.

An alert holds no patient text and no conversation id: only that a
conversation needs follow-up, its kind, and a link to the console's list of
open crises, which needs a staff login."""

import json
import logging
import os
import smtplib
import ssl
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage

import sqlalchemy as sa

from clinicbot import settings as clinic_settings
from console import db, index

log = logging.getLogger("console.alerts")

# Waits before the 2nd, 3rd, ... attempt; the last one repeats.
BACKOFF = (30.0, 120.0, 600.0, 1800.0)
MAX_ATTEMPTS = 12
KINDS = {"crisis": "a crisis", "emergency": "a medical emergency"}
# Only conversations active this recently are alerted: switching alerts on
# must not mail the clinic about every crisis already in the database.
RECENT = 86400.0


@dataclass(frozen=True)
class AlertSettings:
    """Who is told and how. Addresses from clinic.yml (`staff_alerts`); the
    mail server from environment variables, so no secret sits in a file."""

    email_to: tuple[str, ...] = ()
    webhook_url: str = ""
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_from: str = ""
    smtp_tls: str = "none"  # none | starttls | ssl
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    console_url: str = "http://127.0.0.1:8081"
    timeout: float = 10.0

    @property
    def enabled(self) -> bool:
        return bool(self.email_to or self.webhook_url)

    @classmethod
    def load(cls, environ: dict[str, str] | None = None) -> "AlertSettings":
        env = os.environ if environ is None else environ
        clinic = clinic_settings.load()
        section = clinic.get("staff_alerts") or {}
        to = section.get("email_to") or []
        clinic_email = (clinic.get("clinic") or {}).get("email", "")
        return cls(
            email_to=tuple(str(a).strip() for a in ([to] if isinstance(to, str) else to) if str(a).strip()),
            webhook_url=env.get("ALERT_WEBHOOK_URL", "") or str(section.get("webhook_url") or ""),
            smtp_host=env.get("ALERT_SMTP_HOST", "localhost"),
            smtp_port=int(env.get("ALERT_SMTP_PORT", "25")),
            smtp_from=env.get("ALERT_SMTP_FROM", "") or clinic_email or "chat-alerts@localhost",
            smtp_tls=env.get("ALERT_SMTP_TLS", "none").lower(),
            smtp_user=env.get("ALERT_SMTP_USER", ""),
            smtp_password=env.get("ALERT_SMTP_PASSWORD", ""),
            console_url=env.get("CONSOLE_PUBLIC_URL", f"http://127.0.0.1:{env.get('CONSOLE_PORT', '8081')}").rstrip(
                "/"
            ),
        )


def queue(engine: sa.engine.Engine, now: float | None = None) -> int:
    """One alert row for every crisis or emergency conversation that has none."""
    now = time.time() if now is None else now
    c, a = db.conversations.c, db.alerts.c
    with engine.begin() as conn:
        flagged = conn.execute(
            sa.select(c.sender_id, c.crisis, c.emergency)
            .where(sa.or_(c.crisis, c.emergency), c.last_at >= now - RECENT)
            .where(~sa.exists().where(a.sender_id == c.sender_id))
        ).all()
        for row in flagged:
            kind = "emergency" if row.emergency else "crisis"
            conn.execute(
                db.alerts.insert().values(
                    sender_id=row.sender_id, kind=kind, queued_at=now, attempts=0, next_try_at=now
                )
            )
    return len(flagged)


def message(kind: str, settings: AlertSettings) -> tuple[str, str]:
    """(subject, body): no patient text, no conversation id."""
    subject = "Chat: a conversation needs follow-up"
    flag = "emergency" if kind == "emergency" else "crisis"
    body = (
        f"A conversation on the clinic's chat looks like {KINDS.get(kind, 'a crisis')} and needs follow-up.\n\n"
        f"Open the staff console (login needed): {settings.console_url}/conversations?flag={flag}&status=unreviewed\n\n"
        "This message holds no patient details on purpose.\n"
    )
    return subject, body


def send_email(subject: str, body: str, settings: AlertSettings) -> None:
    mail = EmailMessage()
    mail["Subject"], mail["From"], mail["To"] = subject, settings.smtp_from, ", ".join(settings.email_to)
    mail.set_content(body)
    if settings.smtp_tls == "ssl":
        server: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.smtp_host, settings.smtp_port, timeout=settings.timeout, context=ssl.create_default_context()
        )
    else:
        server = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.timeout)
    with server:
        if settings.smtp_tls == "starttls":
            server.starttls(context=ssl.create_default_context())
        if settings.smtp_user:
            server.login(settings.smtp_user, settings.smtp_password)
        server.send_message(mail)


def send_webhook(subject: str, body: str, kind: str, settings: AlertSettings) -> None:
    payload = json.dumps({"text": f"{subject}\n{body}", "kind": kind}).encode()
    request = urllib.request.Request(
        settings.webhook_url, data=payload, headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=settings.timeout) as response:
        if response.status >= 300:
            raise OSError(f"webhook answered {response.status}")


def deliver_due(engine: sa.engine.Engine, settings: AlertSettings, now: float | None = None) -> int:
    """Send every alert that is due; returns how many were sent."""
    if not settings.enabled:
        return 0
    now = time.time() if now is None else now
    a = db.alerts.c
    with engine.connect() as conn:
        due = conn.execute(
            sa.select(db.alerts)
            .where(a.sent_at.is_(None), a.next_try_at <= now, a.attempts < MAX_ATTEMPTS)
            .order_by(a.queued_at)
        ).all()
    sent = 0
    for alert in due:
        subject, body = message(alert.kind, settings)
        try:
            if settings.email_to:
                send_email(subject, body, settings)
            if settings.webhook_url:
                send_webhook(subject, body, alert.kind, settings)
        except (OSError, smtplib.SMTPException) as error:
            attempts = alert.attempts + 1
            wait = BACKOFF[min(attempts - 1, len(BACKOFF) - 1)]
            log.warning("staff alert not delivered (attempt %d of %d): %s", attempts, MAX_ATTEMPTS, error)
            values = {"attempts": attempts, "next_try_at": now + wait, "last_error": str(error)[:500]}
        else:
            sent += 1
            log.info("staff alert sent (%s)", alert.kind)
            values = {"attempts": alert.attempts + 1, "sent_at": now, "last_error": None}
        with engine.begin() as conn:
            conn.execute(db.alerts.update().where(a.sender_id == alert.sender_id).values(**values))
    return sent


def run_every(
    engine: sa.engine.Engine, settings: AlertSettings, interval: float = 15.0, stop: threading.Event | None = None
) -> threading.Thread:
    """Sync, queue and deliver every `interval` seconds in a daemon thread."""
    stop = stop or threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                index.sync(engine)
                queue(engine)
                deliver_due(engine, settings)
            except Exception:
                log.exception("staff alerts: this round failed; trying again in %.0f s", interval)
            stop.wait(interval)

    thread = threading.Thread(target=loop, name="staff-alerts", daemon=True)
    thread.start()
    return thread
