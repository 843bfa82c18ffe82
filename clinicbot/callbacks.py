"""Callback requests: a first name and a phone number, given with consent
outside office hours, until a staff member has called.

The action server writes them (actions/callback.py) into the conversation
database (TRACKER_DB_URL); the staff console lists them and marks them handled.
The name and number live only here, never in a slot or a stored message
(clinicbot/stores/tracker.py blanks the answers), and are erased as soon as a
request is handled; what remains is who handled it and when. The console's
daily purge deletes handled requests with the conversation's retention, and
unfinished ones (a name but no number) after a day."""

import os
import time
from dataclasses import dataclass

import sqlalchemy as sa

metadata = sa.MetaData()
requests = sa.Table(
    "callback_requests",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("first_name", sa.String(40)),
    sa.Column("phone", sa.String(20)),
    sa.Column("created_at", sa.Float, nullable=False),
    # draft: a name, no number yet; open: waiting for a call; handled: erased.
    sa.Column("status", sa.String(10), nullable=False, index=True),
    sa.Column("handled_by", sa.String(80)),
    sa.Column("handled_at", sa.Float),
)

UNFINISHED_SECONDS = 24 * 3600
# What the form's slots hold instead of the name and number.
GIVEN = "given"


@dataclass(frozen=True)
class Request:
    id: int
    sender_id: str
    first_name: str
    phone: str
    created_at: float


_engines: dict[str, sa.engine.Engine] = {}


def engine(url: str = "") -> sa.engine.Engine:
    """One engine per database URL, with the table created on first use."""
    url = url or os.environ.get("TRACKER_DB_URL") or ""
    if not url:
        raise RuntimeError("TRACKER_DB_URL is not set: nowhere to keep callback requests")
    if url not in _engines:
        args = {"timeout": 30, "check_same_thread": False} if url.startswith("sqlite") else {}
        created = sa.create_engine(url, future=True, connect_args=args)
        metadata.create_all(created)
        _engines[url] = created
    return _engines[url]


def save_name(db: sa.engine.Engine, sender_id: str, first_name: str) -> None:
    """Start (or restart) this conversation's unfinished request."""
    with db.begin() as connection:
        connection.execute(requests.delete().where(requests.c.sender_id == sender_id, requests.c.status == "draft"))
        connection.execute(
            requests.insert().values(sender_id=sender_id, first_name=first_name, created_at=time.time(), status="draft")
        )


def save_phone(db: sa.engine.Engine, sender_id: str, phone: str) -> bool:
    """Complete the unfinished request; False when there is none (the name was
    never given, or a purge took it)."""
    with db.begin() as connection:
        done = connection.execute(
            requests.update()
            .where(requests.c.sender_id == sender_id, requests.c.status == "draft")
            .values(phone=phone, status="open", created_at=time.time())
        )
    return bool(done.rowcount)


def discard_unfinished(db: sa.engine.Engine, sender_id: str) -> None:
    with db.begin() as connection:
        connection.execute(requests.delete().where(requests.c.sender_id == sender_id, requests.c.status == "draft"))


def open_requests(db: sa.engine.Engine) -> list[Request]:
    """Waiting for a call, oldest first."""
    query = sa.select(requests).where(requests.c.status == "open").order_by(requests.c.created_at, requests.c.id)
    with db.connect() as connection:
        return [
            Request(r.id, r.sender_id, r.first_name or "", r.phone or "", r.created_at)
            for r in connection.execute(query)
        ]


def mark_handled(db: sa.engine.Engine, request_id: int, username: str) -> str | None:
    """Erase the name and number; returns the request's conversation id, or
    None when it was not open (already handled, or never existed)."""
    with db.begin() as connection:
        row = connection.execute(
            sa.select(requests.c.sender_id).where(requests.c.id == request_id, requests.c.status == "open")
        ).first()
        if row is None:
            return None
        connection.execute(
            requests.update()
            .where(requests.c.id == request_id)
            .values(first_name=None, phone=None, status="handled", handled_by=username, handled_at=time.time())
        )
    return row.sender_id


def purge(db: sa.engine.Engine, retention_days: int, now: float | None = None) -> int:
    """Delete handled and open requests past the retention, unfinished ones
    after a day; returns how many went."""
    now = now or time.time()
    with db.begin() as connection:
        gone = connection.execute(
            requests.delete().where(
                sa.or_(
                    requests.c.created_at < now - retention_days * 86400,
                    sa.and_(requests.c.status == "draft", requests.c.created_at < now - UNFINISHED_SECONDS),
                )
            )
        )
    return gone.rowcount
