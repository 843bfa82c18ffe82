"""Rasa's SQL tracker store, storing user messages with personal details removed.

The assistant has already understood the original message when the tracker
is saved; only the stored copy is redacted. Enabled in endpoints.yml as
`type: clinicbot.tracker_store.RedactingSQLTrackerStore`."""
import copy
from typing import Any, Iterator

import sqlalchemy as sa
import sqlalchemy.orm

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from clinicbot.redaction import redact


def redacted(event: Event) -> Event:
    if not isinstance(event, UserUttered) or not event.text:
        return event
    clean = copy.deepcopy(event)
    clean.text = redact(event.text)
    if isinstance(clean.parse_data, dict) and clean.parse_data.get("text"):
        clean.parse_data["text"] = redact(clean.parse_data["text"])
    return clean


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


class RedactingSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            # SQLAlchemy 1.4 opens and closes a connection per message for an
            # SQLite file (NullPool); closing the last one checkpoints the log
            # with fsyncs. A pool keeps connections (Rasa uses them from its
            # event-loop thread, one at a time).
            url = self.engine.url
            self.engine.dispose()
            self.engine = sa.create_engine(url, poolclass=sa.pool.QueuePool,
                                           connect_args={"check_same_thread": False})
            sa.event.listen(self.engine, "connect", _sqlite_write_ahead_log)
            self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)

    def _additional_events(self, session, tracker: DialogueStateTracker) -> Iterator[Event]:
        # The events the base class is about to write; nothing else changes.
        for event in super()._additional_events(session, tracker):
            yield redacted(event)
