"""The retention purge: whole conversations whose last event is older than
the limit go, from Rasa's events table, the console's own tables and the
callback requests,
in one transaction so nothing is left half-deleted. Only events older than
the cutoff are deleted, so a message that arrives while the purge runs is
kept, with its conversation. Expired and revoked sign-in sessions go too.
The console's server runs it daily by itself (`run_daily`); `make purge`
runs it now."""

import logging
import threading
import time
from dataclasses import dataclass

import sqlalchemy as sa

from clinicbot import callbacks, settings
from console import db, index, sessions
from console import settings as console_settings


@dataclass
class PurgePlan:
    days: int
    cutoff: float
    sender_ids: list[str]
    events: int


def plan(conn, days: int, now: float | None = None) -> PurgePlan:
    cutoff = (now or time.time()) - days * 86400
    e = db.events.c
    senders = [
        s
        for (s,) in conn.execute(
            sa.select(e.sender_id).group_by(e.sender_id).having(sa.func.max(e.timestamp) < cutoff).order_by(e.sender_id)
        )
    ]
    count = 0
    for chunk in _chunks(senders):
        count += conn.execute(sa.select(sa.func.count()).where(e.sender_id.in_(chunk))).scalar()
    return PurgePlan(days, cutoff, senders, count)


def purge(
    engine: sa.engine.Engine, days: int | None = None, dry_run: bool = False, now: float | None = None
) -> PurgePlan:
    days = settings.retention_days() if days is None else days
    if days < 1:
        raise ValueError("Keep conversations for at least one day.")
    if not dry_run:
        forget_expired_sessions(engine, now)
    if not db.has_events_table(engine):
        return PurgePlan(days, 0.0, [], 0)
    index.sync(engine)  # so the console's rows for these conversations exist to delete
    with engine.begin() as conn:
        found = plan(conn, days, now)
        if dry_run:
            return found
        e = db.events.c
        for chunk in _chunks(found.sender_ids):
            conn.execute(db.events.delete().where(e.sender_id.in_(chunk)).where(e.timestamp < found.cutoff))
            # A conversation that got a message since the plan was made lives on.
            alive = set(conn.execute(sa.select(e.sender_id).where(e.sender_id.in_(chunk)).distinct()).scalars())
            gone = [s for s in chunk if s not in alive]
            for table in (*db.PER_CONVERSATION, callbacks.requests) if gone else ():
                conn.execute(table.delete().where(table.c.sender_id.in_(gone)))
            if alive:
                m = db.messages.c
                conn.execute(db.messages.delete().where(m.sender_id.in_(alive)).where(m.ts < found.cutoff))
    # Callback requests past the retention, and unfinished ones after a day.
    callbacks.purge(engine, days, now)
    forget_old_activity(engine, found.cutoff)
    return found


def forget_old_activity(engine: sa.engine.Engine, cutoff: float) -> None:
    """Sign-in attempts go after the retention too, and the access log keeps
    who did what to which conversation and when, but not the details (export
    filters may hold words searched for in patients' messages)."""
    with engine.begin() as conn:
        conn.execute(db.login_attempts.delete().where(db.login_attempts.c.at < cutoff))
        log = db.access_log.c
        conn.execute(db.access_log.update().where(log.at < cutoff, log.detail != "").values(detail=""))


def forget_expired_sessions(engine: sa.engine.Engine, now: float | None = None) -> int:
    """Sessions past their idle timeout or lifetime, or revoked, sign nobody
    in any more: they go at once, not after the retention period."""
    return sessions.delete_expired(
        engine, console_settings.idle_timeout_seconds(), console_settings.session_lifetime_seconds(), now
    )


log = logging.getLogger("console.retention")
DAY = 86400.0


def run_daily(engine: sa.engine.Engine, interval: float = DAY, stop: threading.Event | None = None) -> threading.Thread:
    """Purge now and then every `interval` seconds, in a daemon thread of the
    process that serves the data; a failed run is logged and retried next time."""
    stop = stop or threading.Event()

    def loop() -> None:
        while not stop.is_set():
            try:
                done = purge(engine)
                log.info("retention: deleted %d conversation(s) older than %d days", len(done.sender_ids), done.days)
            except Exception:
                log.exception("retention purge failed; trying again at the next run")
            stop.wait(interval)

    thread = threading.Thread(target=loop, name="retention", daemon=True)
    thread.start()
    return thread


def _chunks(items: list[str], size: int = 500):
    # Bound-parameter lists stay well below SQLite's variable limit.
    for start in range(0, len(items), size):
        yield items[start : start + size]
