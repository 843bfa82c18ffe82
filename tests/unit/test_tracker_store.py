"""Our tracker store reads and writes exactly what Rasa's SQLTrackerStore does
(its faster queries are plain SQL), on the same database file."""

import sqlite3

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from clinicbot.stores.tracker import RedactingSQLTrackerStore

DOMAIN = Domain.from_yaml("""
version: "3.1"
slots:
  treatment:
    type: any
    mappings: [{type: custom}]
""")


def _turn(text, t):
    return [
        UserUttered(text, intent={"name": "ask_onset", "confidence": 0.9}, timestamp=t),
        ActionExecuted("utter_onset", timestamp=t + 0.1),
        BotUttered(f"answer to {text}", timestamp=t + 0.2),
        ActionExecuted("action_listen", timestamp=t + 0.3),
    ]


def _stores(path):
    url = f"sqlite:///{path}"
    return RedactingSQLTrackerStore(domain=DOMAIN, host=url), SQLTrackerStore(domain=DOMAIN, host=url)


def _events(tracker):
    return [e.as_dict() for e in tracker.events]


async def test_latest_session_and_full_history_match_rasas_store(tmp_path):
    ours, rasas = _stores(tmp_path / "c.db")
    first = [
        ActionExecuted("action_session_start", timestamp=1.0),
        SessionStarted(timestamp=1.1),
        ActionExecuted("action_listen", timestamp=1.2),
    ] + _turn("how fast", 2.0)
    await ours.save(DialogueStateTracker.from_events("p1", first, DOMAIN.slots))
    # As Rasa's processor does: retrieve, add the new turn's events, save.
    tracker = await ours.retrieve("p1")
    second = [
        ActionExecuted("action_session_start", timestamp=10.0),
        SessionStarted(timestamp=10.1),
        SlotSet("treatment", "ketamine", timestamp=10.15),
        ActionExecuted("action_listen", timestamp=10.2),
    ]
    for event in second:
        tracker.update(event)
    await ours.save(tracker)
    tracker = await ours.retrieve("p1")
    third = _turn("and ketamine", 11.0)
    for event in third:
        tracker.update(event)
    await ours.save(tracker)
    await ours.save(tracker)  # nothing new: nothing written twice

    latest, expected = await ours.retrieve("p1"), await rasas.retrieve("p1")
    assert _events(latest) == _events(expected)
    # The latest session starts at its SessionStarted event.
    assert _events(latest)[0]["event"] == "session_started" and len(latest.events) == len(second) - 1 + len(third)
    assert latest.get_slot("treatment") == "ketamine"
    assert _events(await ours.retrieve_full_tracker("p1")) == _events(await rasas.retrieve_full_tracker("p1"))
    rows = sqlite3.connect(tmp_path / "c.db").execute("select count(*) from events where sender_id='p1'").fetchone()
    assert rows[0] == len(first) + len(second) + len(third)


async def test_conversations_without_session_start_and_unknown_senders(tmp_path):
    ours, rasas = _stores(tmp_path / "c.db")
    tracker = DialogueStateTracker.from_events(
        "p2", [ActionExecuted("action_listen", timestamp=1.0)] + _turn("hi", 2.0)
    )
    await ours.save(tracker)
    await rasas.save(DialogueStateTracker.from_events("p3", _turn("written by rasa", 3.0)))
    assert _events(await ours.retrieve("p2")) == _events(await rasas.retrieve("p2"))
    assert _events(await ours.retrieve("p3")) == _events(await rasas.retrieve("p3"))
    assert await ours.retrieve("nobody") is None


async def test_columns_match_what_rasa_writes(tmp_path):
    path = tmp_path / "c.db"
    ours, rasas = _stores(path)
    events = [ActionExecuted("action_listen", timestamp=1.0)] + _turn("how fast", 2.0)
    await ours.save(DialogueStateTracker.from_events("ours", events))
    await rasas.save(DialogueStateTracker.from_events("rasa", events))
    query = "select type_name, timestamp, intent_name, action_name, data from events where sender_id=? order by id"
    db = sqlite3.connect(path)
    assert db.execute(query, ("ours",)).fetchall() == db.execute(query, ("rasa",)).fetchall()
