"""Callback requests: office hours, what counts as a name and a number, the
form's validation against a real SQLite file, and nothing of either in the
stored conversation."""

import sqlite3
from datetime import datetime

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_sdk.executor import CollectingDispatcher

from actions.callback import (
    GIVEN,
    ActionCancelCallback,
    ActionSubmitCallback,
    ValidateCallbackForm,
    first_name,
    phone_number,
)
from clinicbot import callbacks, settings
from clinicbot.stores.tracker import RedactingSQLTrackerStore
from tests.unit.test_actions import tracker


@pytest.mark.parametrize(
    "moment,is_open",
    [
        ("2026-12-07T17:30:00+00:00", True),  # Monday 09:30 in Los Angeles
        ("2026-12-07T15:59:00+00:00", False),  # Monday 07:59 there
        ("2026-12-08T00:59:00+00:00", True),  # Monday 16:59 there
        ("2026-12-08T01:00:00+00:00", False),  # Monday 17:00 there: closed
        ("2026-12-05T18:00:00+00:00", False),  # Saturday
    ],
)
def test_office_hours_are_read_in_the_clinics_time_zone(moment, is_open):
    assert settings.office_is_open(datetime.fromisoformat(moment)) is is_open


@pytest.mark.parametrize(
    "text,name",
    [("maria", "Maria"), ("My name is José", "José"), ("Mary Ann", "Mary Ann"), ("o'neil", "O'neil")],
)
def test_a_first_name_is_taken_as_given(text, name):
    assert first_name(text) == name


@pytest.mark.parametrize("text", ["", "how long does an infusion take?", "R2D2", "x" * 41, "<b>Bo</b>", "555 0101"])
def test_anything_but_a_first_name_is_asked_again(text):
    assert first_name(text) is None


@pytest.mark.parametrize(
    "text,phone",
    [("(555) 010-0123", "5550100123"), ("555.010.0123", "5550100123"), ("+44 20 7946 0958", "+442079460958")],
)
def test_a_phone_number_with_its_area_code_is_kept_as_digits(text, phone):
    assert phone_number(text) == phone


@pytest.mark.parametrize("text", ["010-0123", "call me maybe", "5550100123; drop table", "1" * 16])
def test_anything_but_a_phone_number_is_asked_again(text):
    assert phone_number(text) is None


@pytest.fixture
def db_url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'conversations.db'}"
    monkeypatch.setenv("TRACKER_DB_URL", url)
    return url


def responses(dispatcher):
    return [m["response"] for m in dispatcher.messages]


async def test_the_form_keeps_the_name_and_number_in_the_callback_table_only(db_url):
    form = ValidateCallbackForm()
    patient = tracker([], slots={"callback_consent": True})
    dispatcher = CollectingDispatcher()
    assert form.validate_callback_name("maria", dispatcher, patient, {}) == {"callback_name": GIVEN}
    assert callbacks.open_requests(callbacks.engine(db_url)) == []  # no number yet: not for staff
    assert form.validate_callback_phone("(555) 010-0123", dispatcher, patient, {}) == {"callback_phone": GIVEN}
    [request] = callbacks.open_requests(callbacks.engine(db_url))
    assert (request.sender_id, request.first_name, request.phone) == ("patient", "Maria", "5550100123")
    done = tracker([], slots={"callback_consent": True, "callback_name": GIVEN, "callback_phone": GIVEN})
    events = await ActionSubmitCallback().run(dispatcher, done, {})
    assert responses(dispatcher) == ["utter_callback_saved"]
    assert {e["name"]: e["value"] for e in events} == {
        "callback_consent": None,
        "callback_name": None,
        "callback_phone": None,
    }


async def test_a_bad_answer_is_asked_again_and_nothing_is_saved(db_url):
    form = ValidateCallbackForm()
    dispatcher = CollectingDispatcher()
    patient = tracker([])
    assert form.validate_callback_name("what does ketamine cost?", dispatcher, patient, {}) == {"callback_name": None}
    assert responses(dispatcher) == ["utter_callback_bad_name"]
    # A number without a name (the name was never saved) starts over at the name.
    answer = form.validate_callback_phone("555 010 0123", dispatcher, patient, {})
    assert answer == {"callback_phone": None, "callback_name": None}
    assert callbacks.open_requests(callbacks.engine(db_url)) == []


async def test_no_consent_asks_nothing_more_and_a_stopped_form_keeps_nothing(db_url):
    form = ValidateCallbackForm()
    dispatcher = CollectingDispatcher()
    declined = tracker([], slots={"callback_consent": False})
    slots = ["callback_consent", "callback_name", "callback_phone"]
    assert await form.required_slots(slots, dispatcher, declined, {}) == ["callback_consent"]
    await ActionSubmitCallback().run(dispatcher, declined, {})
    assert responses(dispatcher) == ["utter_callback_declined"]

    form.validate_callback_name("Maria", dispatcher, tracker([], slots={"callback_consent": True}), {})
    await ActionCancelCallback().run(dispatcher, tracker([]), {})
    db = callbacks.engine(db_url)
    with db.connect() as connection:
        assert connection.execute(callbacks.requests.select()).fetchall() == []


def test_handling_a_request_erases_the_name_and_number_and_the_purge_removes_it(db_url):
    db = callbacks.engine(db_url)
    callbacks.save_name(db, "patient", "Maria")
    callbacks.save_phone(db, "patient", "5550100123")
    [request] = callbacks.open_requests(db)
    assert callbacks.mark_handled(db, request.id, "nurse") == "patient"
    assert callbacks.mark_handled(db, request.id, "nurse") is None  # once only
    assert callbacks.open_requests(db) == []
    with db.connect() as connection:
        row = connection.execute(callbacks.requests.select()).one()
    assert (row.first_name, row.phone, row.handled_by) == (None, None, "nurse")
    callbacks.save_name(db, "other", "Sam")  # never finished
    assert callbacks.purge(db, retention_days=90) == 0
    later = request.created_at + 2 * 86400
    assert callbacks.purge(db, retention_days=90, now=later) == 1  # the unfinished one
    assert callbacks.purge(db, retention_days=1, now=later) == 1  # the handled one


async def test_the_stored_conversation_never_holds_the_callback_answers(tmp_path):
    path = tmp_path / "conversations.db"
    domain = Domain.load(str(settings.PROJECT_ROOT / "domain.yml"))
    store = RedactingSQLTrackerStore(domain=domain, host=f"sqlite:///{path}")
    events = [
        ActionExecuted("action_listen"),
        UserUttered("yes", intent={"name": "affirm", "confidence": 1.0}),
        ActionExecuted("callback_form"),
        ActiveLoop("callback_form"),
        SlotSet("requested_slot", "callback_name"),
        BotUttered("What first name should the team ask for?"),
        ActionExecuted("action_listen"),
        UserUttered("Quentinella", intent={"name": "nlu_fallback", "confidence": 0.3}),
        SlotSet("callback_name", "Quentinella"),  # Rasa's extraction, before validation
        SlotSet("callback_name", GIVEN),
        SlotSet("requested_slot", "callback_phone"),
        ActionExecuted("action_listen"),
        UserUttered("five five five 0100199 7", intent={"name": "nlu_fallback", "confidence": 0.3}),
        SlotSet("callback_phone", "five five five 0100199 7"),
        SlotSet("callback_phone", GIVEN),
        ActiveLoop(None),
        SlotSet("requested_slot", None),
        ActionExecuted("action_listen"),
        UserUttered("thanks Quentinella here", intent={"name": "thank", "confidence": 0.9}),
    ]
    await store.save(DialogueStateTracker.from_events("patient-2", events, domain.slots))
    assert (await store.retrieve("patient-2")).get_slot("callback_name") == GIVEN
    raw = path.read_bytes()
    assert b"0100199" not in raw
    texts = [r[0] for r in sqlite3.connect(path).execute("select data from events where type_name = 'user'")]
    assert [t for t in texts if "Quentinella" in t] == [texts[-1]]  # only the message after the form
    assert "kept only for the callback" in texts[1] and "kept only for the callback" in texts[2]
    assert "yes" in texts[0]
