"""Server-side sessions: the cookie holds a random token, the database its
hash, who it belongs to, when it began and when it was last used.

A session ends when it is idle too long, when it is older than its lifetime,
when its user signs out, is disabled or has every session revoked by an
admin (`python -m console revoke-sessions USER`). A copied cookie dies with it."""

import hashlib
import secrets
import time
from dataclasses import dataclass

import sqlalchemy as sa

from console import db

COOKIE = "console_session"
# last_seen is written at most this often, not on every request: the idle
# timeout is minutes, and SQLite shares its lock with Rasa.
TOUCH_EVERY = 30.0


@dataclass(frozen=True)
class Account:
    username: str
    role: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(engine: sa.engine.Engine, username: str, now: float | None = None) -> str:
    """A new session for a user who has just signed in; returns the cookie's token."""
    token = secrets.token_urlsafe(32)
    now = time.time() if now is None else now
    with engine.begin() as conn:
        conn.execute(
            db.sessions.insert().values(token_hash=_hash(token), username=username, created_at=now, last_seen=now)
        )
    return token


def current(
    engine: sa.engine.Engine, token: str, idle: float, lifetime: float, now: float | None = None
) -> Account | None:
    """The account a cookie's token signs in, or None when the session is
    unknown, revoked, idle too long, too old, or its user is disabled."""
    if not token:
        return None
    now = time.time() if now is None else now
    s, u = db.sessions.c, db.users.c
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(s.id, s.created_at, s.last_seen, s.revoked_at, u.username, u.role, u.disabled)
            .join_from(db.sessions, db.users, s.username == u.username)
            .where(s.token_hash == _hash(token))
        ).first()
    if row is None or row.revoked_at is not None or row.disabled:
        return None
    if now - row.last_seen > idle or now - row.created_at > lifetime:
        return None
    if now - row.last_seen > TOUCH_EVERY:
        with engine.begin() as conn:
            conn.execute(db.sessions.update().where(s.id == row.id).values(last_seen=now))
    return Account(row.username, row.role)


def revoke(engine: sa.engine.Engine, token: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            db.sessions.update()
            .where(db.sessions.c.token_hash == _hash(token), db.sessions.c.revoked_at.is_(None))
            .values(revoked_at=time.time())
        )


def revoke_all(engine: sa.engine.Engine, username: str) -> int:
    """Ends every session of one user; returns how many were still open."""
    with engine.begin() as conn:
        return conn.execute(
            db.sessions.update()
            .where(db.sessions.c.username == username, db.sessions.c.revoked_at.is_(None))
            .values(revoked_at=time.time())
        ).rowcount


def delete_expired(engine: sa.engine.Engine, idle: float, lifetime: float, now: float | None = None) -> int:
    """Forgets sessions that can no longer sign anyone in (the daily purge)."""
    now = time.time() if now is None else now
    s = db.sessions.c
    with engine.begin() as conn:
        return conn.execute(
            db.sessions.delete().where(
                sa.or_(s.revoked_at.is_not(None), s.last_seen < now - idle, s.created_at < now - lifetime)
            )
        ).rowcount
