"""Personal details never reach the database file."""

import sqlite3

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from clinicbot.stores.redaction import redact
from clinicbot.stores.tracker import RedactingSQLTrackerStore


@pytest.mark.parametrize(
    "text,expected",
    [
        ("mail me at jane.doe+clinic@example.co.uk please", "mail me at [email] please"),
        ("call 555-123-4567 or (555) 987 6543", "call [phone] or [phone]"),
        ("my number is +1 555 123 4567", "my number is [phone]"),
        ("ssn 123-45-6789", "ssn [number]"),
        ("member id 8834 5521 9901", "member id [number]"),
        (
            "i've been on 20 mg for 3 weeks, bp 140/90, since 2021",
            "i've been on 20 mg for 3 weeks, bp 140/90, since 2021",
        ),
    ],
)
def test_redact(text, expected):
    assert redact(text) == expected


async def test_database_file_holds_no_email_or_phone(tmp_path):
    path = tmp_path / "conversations.db"
    store = RedactingSQLTrackerStore(domain=Domain.empty(), host=f"sqlite:///{path}")
    secret = "I'm jane@example.com, call me on 555-222-3333 about ketamine"
    tracker = DialogueStateTracker.from_events(
        "patient-1",
        [
            ActionExecuted("action_listen"),
            UserUttered(secret, intent={"name": "request_human", "confidence": 0.9}, parse_data={"text": secret}),
            BotUttered("Our team will help."),
        ],
    )
    await store.save(tracker)
    # The live tracker keeps the original words for this turn.
    assert tracker.latest_message.text == secret
    raw = path.read_bytes()
    assert b"jane@example.com" not in raw and b"555-222-3333" not in raw
    rows = sqlite3.connect(path).execute("select data from events where type_name = 'user'").fetchall()
    assert len(rows) == 1 and "[email]" in rows[0][0] and "[phone]" in rows[0][0]
    stored = await store.retrieve("patient-1")
    assert stored.latest_message.text == "I'm [email], call me on [phone] about ketamine"


async def test_entity_slot_and_metadata_values_are_redacted_too(tmp_path):
    from rasa.shared.core.events import SlotSet

    path = tmp_path / "conversations.db"
    store = RedactingSQLTrackerStore(domain=Domain.empty(), host=f"sqlite:///{path}")
    text = "reach me on 949-555-0142"
    entity = {"entity": "contact", "start": 12, "end": 24, "value": "949-555-0142"}
    tracker = DialogueStateTracker.from_events(
        "patient-3",
        [
            ActionExecuted("action_listen"),
            UserUttered(
                text,
                intent={"name": "request_human", "confidence": 0.9},
                entities=[entity],
                parse_data={"text": text, "entities": [dict(entity)]},
                metadata={"note": "DOB 03/14/1985", "nested": [{"mail": "jo(at)example.com"}]},
            ),
            SlotSet("contact", "jo@example.com"),
        ],
    )
    await store.save(tracker)
    raw = path.read_bytes()
    for secret in (b"949-555-0142", b"03/14/1985", b"jo(at)example.com", b"jo@example.com"):
        assert secret not in raw, secret


def test_the_redaction_cases_are_all_caught_and_nothing_else_is_lost():
    import subprocess
    import sys

    from clinicbot.settings import PROJECT_ROOT

    run = subprocess.run(
        [sys.executable, "-m", "bench.redaction", "--strict"], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr
    for kind in ("email", "phone", "date", "address", "zip", "record", "name"):
        assert kind in run.stdout
