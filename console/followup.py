"""Following up a crisis or emergency conversation: a staff member takes it
(assigned), then records what came of it. A crisis stays open on the
dashboard, with its age, until an outcome is recorded."""

import time
from dataclasses import dataclass

import sqlalchemy as sa

from console import db

OUTCOMES = {
    "reached": "Reached the patient",
    "not_reached": "Could not reach the patient",
    "no_follow_up_needed": "No follow-up needed",
}
NOTE_MAX = 2000


@dataclass(frozen=True)
class FollowUp:
    assigned_to: str | None = None
    assigned_at: float | None = None
    outcome: str | None = None
    outcome_note: str | None = None
    outcome_by: str | None = None
    outcome_at: float | None = None

    @property
    def is_open(self) -> bool:
        return self.outcome is None

    @property
    def outcome_label(self) -> str:
        return OUTCOMES.get(self.outcome or "", "")


def get(conn, sender_id: str) -> FollowUp:
    row = conn.execute(sa.select(db.followups).where(db.followups.c.sender_id == sender_id)).first()
    if row is None:
        return FollowUp()
    return FollowUp(row.assigned_to, row.assigned_at, row.outcome, row.outcome_note, row.outcome_by, row.outcome_at)


def for_many(conn, sender_ids: list[str]) -> dict[str, FollowUp]:
    if not sender_ids:
        return {}
    rows = conn.execute(sa.select(db.followups).where(db.followups.c.sender_id.in_(sender_ids)))
    return {
        r.sender_id: FollowUp(r.assigned_to, r.assigned_at, r.outcome, r.outcome_note, r.outcome_by, r.outcome_at)
        for r in rows
    }


def _upsert(conn, sender_id: str, **values) -> None:
    exists = conn.execute(sa.select(db.followups.c.sender_id).where(db.followups.c.sender_id == sender_id)).first()
    if exists:
        conn.execute(db.followups.update().where(db.followups.c.sender_id == sender_id).values(**values))
    else:
        conn.execute(db.followups.insert().values(sender_id=sender_id, **values))


def assign(conn, sender_id: str, username: str | None, now: float | None = None) -> None:
    """Give the follow-up to a staff member (None: nobody)."""
    _upsert(
        conn, sender_id, assigned_to=username, assigned_at=(time.time() if now is None else now) if username else None
    )


def record_outcome(conn, sender_id: str, outcome: str, note: str, by: str, now: float | None = None) -> None:
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    _upsert(
        conn,
        sender_id,
        outcome=outcome,
        outcome_note=note.strip()[:NOTE_MAX] or None,
        outcome_by=by,
        outcome_at=time.time() if now is None else now,
    )


def reopen(conn, sender_id: str) -> None:
    _upsert(conn, sender_id, outcome=None, outcome_note=None, outcome_by=None, outcome_at=None)


def age(seconds: float) -> str:
    """'5 min', '3 h 20 min', '2 days' — for the open-crises list."""
    minutes = max(int(seconds // 60), 0)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} days"
