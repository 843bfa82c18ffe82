"""On PostgreSQL Rasa may commit an event long after later ones (a slow
transaction holds its id). The index must still pick it up, however many
events were indexed in between, so a late crisis is never missed."""

import uuid

import pytest
import sqlalchemy as sa

from console import db, index


@pytest.fixture
def pg(clone):
    engine = db.make_engine(clone("postgresql"))
    index.sync(engine)
    yield engine
    engine.dispose()


def _crisis_event(conn) -> dict:
    e = db.events.c
    row = conn.execute(
        sa.select(e.type_name, e.data, e.intent_name, e.action_name, e.timestamp)
        .where(e.type_name == "user")
        .where(e.intent_name == "crisis")
        .limit(1)
    ).first()
    assert row is not None, "the recorded conversations hold a crisis message"
    return dict(row._mapping)


def _flagged(engine, sender: str) -> bool | None:
    with engine.connect() as conn:
        return conn.execute(sa.select(db.conversations.c.crisis).where(db.conversations.c.sender_id == sender)).scalar()


def test_an_event_committed_after_many_later_ones_is_still_indexed(pg):
    late_sender = f"late-{uuid.uuid4().hex[:8]}"
    with pg.connect() as conn:
        crisis = _crisis_event(conn)
        first_id = conn.execute(sa.select(sa.func.max(db.events.c.id))).scalar() + 1
    slow = pg.connect()
    held = slow.begin()  # holds the smaller id, uncommitted
    slow.execute(db.events.insert().values(id=first_id, sender_id=late_sender, **crisis))
    with pg.begin() as conn:  # meanwhile 2,500 other events are committed (more than a batch)
        conn.execute(
            db.events.insert(),
            [
                {**crisis, "id": first_id + i, "sender_id": f"busy-{i % 50}", "intent_name": "greet"}
                for i in range(1, 2501)
            ],
        )
    index.sync(pg)
    assert _flagged(pg, late_sender) is None  # not committed yet: nothing to index
    held.commit()
    slow.close()

    index.sync(pg)
    assert _flagged(pg, late_sender) is True
    with pg.connect() as conn:
        waiting = conn.execute(sa.select(sa.func.count()).select_from(db.index_gaps)).scalar()
    assert waiting == 0  # the gap was filled and forgotten
    assert index.sync(pg) == 0  # and is not read again


def test_a_gap_that_never_fills_is_forgotten_after_a_day(pg, monkeypatch):
    with pg.connect() as conn:
        crisis = _crisis_event(conn)
        next_id = conn.execute(sa.select(sa.func.max(db.events.c.id))).scalar() + 1
    with pg.begin() as conn:  # ids next_id .. next_id+9 are never used (rolled back)
        conn.execute(db.events.insert().values(id=next_id + 10, sender_id="after-gap", **crisis))
    index.sync(pg)
    with pg.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(db.index_gaps)).scalar() == 10
    monkeypatch.setattr(index, "GAP_KEEP_SECONDS", -1)
    index.sync(pg)
    with pg.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(db.index_gaps)).scalar() == 0
