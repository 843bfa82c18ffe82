"""Rasa's SQL tracker store, storing user messages with personal details removed.

The assistant has already understood the original message when the tracker
is saved; only the stored copy is redacted. Enabled in endpoints.yml as
`type: clinicbot.stores.tracker.RedactingSQLTrackerStore`."""

import copy
import json
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActiveLoop, Event, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from clinicbot.callbacks import GIVEN
from clinicbot.stores.redaction import redact


def redacted(event: Event) -> Event:
    """The stored copy of an event: the patient's text, the entity values
    found in it, its metadata and any text slot value, redacted."""
    if isinstance(event, SlotSet) and isinstance(event.value, str):
        return SlotSet(event.key, redact(event.value), event.timestamp, event.metadata)
    if not isinstance(event, UserUttered) or not event.text:
        return event
    clean = copy.deepcopy(event)
    clean.text = redact(event.text)
    if isinstance(clean.parse_data, dict):
        if clean.parse_data.get("text"):
            clean.parse_data["text"] = redact(clean.parse_data["text"])
        _redact_entities(clean.parse_data.get("entities"))
    _redact_entities(clean.entities)
    if isinstance(clean.metadata, dict):
        clean.metadata = _redact_values(clean.metadata)
    return clean


def _redact_entities(entities: Any) -> None:
    for entity in entities if isinstance(entities, list) else ():
        if isinstance(entity, dict) and isinstance(entity.get("value"), str):
            entity["value"] = redact(entity["value"])


def _redact_values(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _redact_values(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact_values(item) for item in value]
    return value


# A callback request's answers (actions/callback.py) are kept only in
# clinicbot.callbacks, never in the stored conversation.
CALLBACK_ANSWERS = {
    "callback_name": "[first name, kept only for the callback]",
    "callback_phone": "[phone number, kept only for the callback]",
}


def blanked(event: UserUttered, placeholder: str) -> UserUttered:
    clean = copy.deepcopy(event)
    clean.text = placeholder
    if isinstance(clean.parse_data, dict):
        clean.parse_data["text"] = placeholder
        clean.parse_data["entities"] = []
    clean.entities = []
    return clean


def stored_copies(events, first_new: int) -> Iterator[Event]:
    """The events from `first_new` on as they are stored: redacted, and a
    message that answered the callback form's name or number blanked."""
    requested = ""
    for index, event in enumerate(events):
        if index >= first_new:
            placeholder = CALLBACK_ANSWERS.get(requested)
            if isinstance(event, UserUttered) and event.text and placeholder:
                yield blanked(event, placeholder)
            elif isinstance(event, SlotSet) and event.key in CALLBACK_ANSWERS and event.value not in (None, GIVEN):
                # Rasa's slot extraction sets the raw answer before the form's
                # validation replaces it with "given".
                yield SlotSet(event.key, CALLBACK_ANSWERS[event.key], event.timestamp, event.metadata)
            else:
                yield redacted(event)
        if isinstance(event, SlotSet) and event.key == "requested_slot":
            requested = str(event.value or "")
        elif isinstance(event, ActiveLoop) and event.name is None:
            requested = ""


def _sqlite_write_ahead_log(connection, _record) -> None:
    """Per SQLite connection: a commit appends to a write-ahead log instead of
    rewriting a rollback journal with several fsyncs, and readers (the staff
    console) no longer block the bot. With synchronous=NORMAL a commit survives
    a crash of the process; a power cut may lose the last few. Under load the
    commit took a fifth of the Rasa server's time, blocking its event loop
    (bench/profile.py; results/BENCHMARK.md)."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# The events of a conversation's latest session (from its last SessionStarted,
# or all of them when there is none), in the order they were stored: what
# Rasa's SQLTrackerStore._event_query selects, written once as plain SQL.
# Rasa builds that query with the ORM for every message, twice; under load
# building and compiling it, and turning rows into ORM objects, took about a
# third of the server's time (bench/profile.py).
_LATEST_SESSION = """
    FROM events
    WHERE sender_id = :sender_id
      AND (timestamp >= (SELECT max(timestamp) FROM events
                         WHERE sender_id = :sender_id AND type_name = :session_started)
           OR NOT EXISTS (SELECT 1 FROM events
                          WHERE sender_id = :sender_id AND type_name = :session_started))
"""
_SELECT_LATEST_SESSION = sa.text(f"SELECT data {_LATEST_SESSION} ORDER BY id")
_COUNT_LATEST_SESSION = sa.text(f"SELECT count(*) {_LATEST_SESSION}")


class RedactingSQLTrackerStore(SQLTrackerStore):
    engine: sa.engine.Engine

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            # SQLAlchemy 1.4 opens and closes a connection per message for an
            # SQLite file (NullPool); closing the last one checkpoints the log
            # with fsyncs. A pool keeps connections (Rasa uses them from its
            # event-loop thread, one at a time).
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(url, poolclass=sa.pool.QueuePool, connect_args={"check_same_thread": False})
            sa.event.listen(self.engine, "connect", _sqlite_write_ahead_log)
            self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)

    @staticmethod
    def _parameters(sender_id: str) -> dict[str, str]:
        return {"sender_id": sender_id, "session_started": SessionStarted.type_name}

    async def _retrieve(self, sender_id: str, fetch_events_from_all_sessions: bool) -> DialogueStateTracker | None:
        if fetch_events_from_all_sessions:  # the full history: rare, Rasa's own query
            return await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        with self.session_scope() as session:
            rows = session.execute(_SELECT_LATEST_SESSION, self._parameters(sender_id)).scalars().all()
        if not (self.domain and rows):
            return None
        return DialogueStateTracker.from_dict(sender_id, [json.loads(row) for row in rows], self.domain.slots)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Rasa's save (new events only, redacted), with one plain count query
        and one multi-row insert instead of ORM objects."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            rows = [self._row(tracker.sender_id, event) for event in self._additional_events(session, tracker)]
            if rows:
                session.execute(self.SQLEvent.__table__.insert(), rows)
            session.commit()

    def _additional_events(self, session, tracker: DialogueStateTracker) -> Iterator[Event]:
        stored = session.execute(_COUNT_LATEST_SESSION, self._parameters(tracker.sender_id)).scalar()
        yield from stored_copies(tracker.events, stored)

    @staticmethod
    def _row(sender_id: str, event: Event) -> dict[str, Any]:
        """The columns Rasa's SQLTrackerStore writes for an event."""
        data = event.as_dict()
        return {
            "sender_id": sender_id,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }
