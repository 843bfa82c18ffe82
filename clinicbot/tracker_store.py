"""Rasa's SQL tracker store, storing user messages with personal details removed.

The assistant has already understood the original message when the tracker
is saved; only the stored copy is redacted. Enabled in endpoints.yml as
`type: clinicbot.tracker_store.RedactingSQLTrackerStore`."""
import copy
from typing import Iterator

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


class RedactingSQLTrackerStore(SQLTrackerStore):
    def _additional_events(self, session, tracker: DialogueStateTracker) -> Iterator[Event]:
        # The events the base class is about to write; nothing else changes.
        for event in super()._additional_events(session, tracker):
            yield redacted(event)
