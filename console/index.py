"""Copies new user messages from Rasa's events table into console_messages
and keeps one summary row per conversation in console_conversations.

Runs at the start of every page and CLI command; it reads only the events
after the last one it saw, so it costs little once caught up."""

import threading
import time
from typing import Any

import sqlalchemy as sa

from clinicbot.safety import CRISIS, EMERGENCY, FALLBACK, SafetyOverride, model_ranking
from clinicbot.topics import ALL_TOPICS
from console import db

# Below this real confidence a message is "low confidence". It sits above
# the FallbackClassifier's threshold (config.yml): between the two, the bot
# answered, but on a guess that staff should check.
LOW_CONFIDENCE = 0.7
FEEDBACK_INTENT = "give_feedback"
# The values the feedback buttons send (clinicbot/nlg.py); anything else a
# client typed is not feedback.
FEEDBACK_VALUES = ("helpful", "not_helpful")
BATCH = 2000
# Rasa (on PostgreSQL) can commit a smaller id after a larger one, however
# late: each id skipped over is kept in console_index_gaps and read again at
# every sync until its event arrives (db.index_gaps). A jump wider than this
# is ids that were never handed out (a purge, a restarted sequence).
GAP_WIDEST = 1000
GAP_KEEP_SECONDS = 24 * 3600

FLAGS = {
    "crisis": "Crisis",
    "emergency": "Medical emergency",
    "fallback": "Fallback",
    "personal_advice": "Personal advice",
    "thumbs_down": "👎 feedback",
    "low_confidence": "Low confidence",
}

_lock = threading.Lock()
EVENT_COLUMNS = (db.events.c.id, db.events.c.sender_id, db.events.c.type_name, db.events.c.timestamp, db.events.c.data)


def real_prediction(parse_data: dict[str, Any]) -> tuple[str | None, float | None]:
    """The model's best intent and confidence. For nlu_fallback the intent
    carries only the threshold; the real scores are in intent_ranking."""
    intent = parse_data.get("intent") or {}
    ranking = model_ranking(parse_data)
    if intent.get("name") == FALLBACK or not intent.get("name"):
        if ranking:
            return ranking[0].get("name"), ranking[0].get("confidence")
        return intent.get("name"), None
    return intent.get("name"), intent.get("confidence")


def message_row(event_id: int, sender_id: str, data: dict[str, Any]) -> dict[str, Any]:
    parse = data.get("parse_data") or {}
    predicted, confidence = real_prediction(parse)
    feedback = next((e.get("value") for e in parse.get("entities") or [] if e.get("entity") == "feedback"), None)
    override = SafetyOverride.from_parse(parse)
    return {
        "event_id": event_id,
        "sender_id": sender_id,
        "ts": data.get("timestamp") or 0.0,
        "text": data.get("text") or "",
        "intent": (parse.get("intent") or {}).get("name"),
        "predicted_intent": predicted,
        "confidence": confidence,
        "override_rule": override.rule if override else None,
        "feedback": feedback if feedback in FEEDBACK_VALUES else None,
    }


def is_low_confidence(row: Any) -> bool:
    if row.intent == FEEDBACK_INTENT or row.override_rule or row.confidence is None:
        return False
    return row.confidence < LOW_CONFIDENCE


def summarise(rows: list[Any]) -> dict[str, Any]:
    intents = {row.intent for row in rows}
    return {
        "turns": sum(1 for row in rows if row.intent != FEEDBACK_INTENT),
        "topics": ",".join(sorted({row.intent for row in rows if row.intent in ALL_TOPICS})),
        "crisis": CRISIS in intents,
        "emergency": EMERGENCY in intents,
        "fallback": FALLBACK in intents,
        "personal_advice": "ask_personal_advice" in intents,
        "thumbs_down": any(row.feedback == "not_helpful" for row in rows),
        "low_confidence": any(is_low_confidence(row) for row in rows),
    }


def sync(engine: sa.engine.Engine) -> int:
    """Copy what Rasa stored since the last call; returns events read."""
    if not db.has_events_table(engine):
        return 0
    with _lock:
        with engine.connect() as conn:
            mark = conn.execute(sa.select(db.state.c.value).where(db.state.c.key == "events_seen")).scalar()
        start, total, retries = mark or 0, 0, 3
        while True:
            try:
                with engine.begin() as conn:
                    total += _fill_gaps(conn)
                    rows = conn.execute(
                        sa.select(*EVENT_COLUMNS).where(db.events.c.id > start).order_by(db.events.c.id).limit(BATCH)
                    ).all()
                    if rows:
                        _note_gaps(conn, start if mark is not None else rows[0].id - 1, [r.id for r in rows])
                        _store(conn, rows)
                        _set_mark(conn, rows[-1].id)
            except sa.exc.IntegrityError:
                # Another process (the CLI, a second worker) copied them first.
                retries -= 1
                if retries:
                    continue
                raise
            total += len(rows)
            if len(rows) < BATCH:
                return total
            start, mark = rows[-1].id, rows[-1].id


def _note_gaps(conn, previous: int, ids: list[int]) -> None:
    missing: list[int] = []
    for event_id in ids:
        if 1 < event_id - previous <= GAP_WIDEST:
            missing.extend(range(previous + 1, event_id))
        previous = event_id
    if missing:
        now = time.time()
        conn.execute(db.index_gaps.insert(), [{"event_id": i, "noticed_at": now} for i in missing])


def _fill_gaps(conn) -> int:
    """Index the late events that have arrived in the gaps; returns how many."""
    gaps = db.index_gaps.c
    conn.execute(db.index_gaps.delete().where(gaps.noticed_at < time.time() - GAP_KEEP_SECONDS))
    waiting = list(conn.execute(sa.select(gaps.event_id)).scalars())
    arrived: list[Any] = []
    for i in range(0, len(waiting), 500):
        arrived += conn.execute(
            sa.select(*EVENT_COLUMNS).where(db.events.c.id.in_(waiting[i : i + 500])).order_by(db.events.c.id)
        ).all()
    if arrived:
        _store(conn, arrived)
        conn.execute(db.index_gaps.delete().where(gaps.event_id.in_([r.id for r in arrived])))
    return len(arrived)


def _set_mark(conn, last_id: int) -> None:
    mark = conn.execute(sa.select(db.state.c.value).where(db.state.c.key == "events_seen")).scalar()
    if mark is None:
        conn.execute(db.state.insert().values(key="events_seen", value=last_id))
    elif last_id > mark:
        conn.execute(db.state.update().where(db.state.c.key == "events_seen").values(value=last_id))


def _store(conn, rows: list[Any]) -> None:
    user_ids = [r.id for r in rows if r.type_name == "user"]
    known = (
        set(conn.execute(sa.select(db.messages.c.event_id).where(db.messages.c.event_id.in_(user_ids))).scalars())
        if user_ids
        else set()
    )
    new_messages = []
    spans: dict[str, list[float]] = {}
    for row in rows:
        if row.timestamp is not None:
            span = spans.setdefault(row.sender_id, [row.timestamp, row.timestamp])
            span[0], span[1] = min(span[0], row.timestamp), max(span[1], row.timestamp)
        if row.type_name == "user" and row.id not in known:
            new_messages.append(message_row(row.id, db.storable(row.sender_id), db.event_data(row.id, row.data)))
    if new_messages:
        conn.execute(db.messages.insert(), new_messages)
    changed = {m["sender_id"] for m in new_messages}
    for sender_id, (first, last) in spans.items():
        _update_conversation(conn, sender_id, first, last, sender_id in changed)


def _update_conversation(conn, sender_id: str, first: float, last: float, new_messages: bool) -> None:
    existing = conn.execute(
        sa.select(db.conversations.c.started_at, db.conversations.c.last_at).where(
            db.conversations.c.sender_id == sender_id
        )
    ).first()
    if existing and not new_messages and existing.started_at <= first and existing.last_at >= last:
        return  # re-read overlap: nothing new for this conversation
    rows = conn.execute(sa.select(db.messages).where(db.messages.c.sender_id == sender_id)).all()
    if not rows:
        return  # a session start without a message yet
    summary = summarise(rows)
    if existing is None:
        conn.execute(db.conversations.insert().values(sender_id=sender_id, started_at=first, last_at=last, **summary))
    else:
        conn.execute(
            db.conversations.update()
            .where(db.conversations.c.sender_id == sender_id)
            .values(started_at=min(first, existing.started_at), last_at=max(last, existing.last_at), **summary)
        )
