"""Fixtures for the staff console tests.

The data are real conversations: the trained bot (tests/fixtures.py `bot`,
a real Rasa server over REST) talks into a temporary SQLite tracker store.
Every test then runs twice: on a copy of that SQLite file and on a fresh
PostgreSQL database (127.0.0.1:5432, user postgres) that Rasa's own tracker
store filled with the same conversations. PostgreSQL must be reachable: the
tests fail, never skip, when it is not."""

import asyncio
import json
import re
import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from clinicbot.settings import PROJECT_ROOT
from console import accounts, db, index
from console.web import create_app

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
USER, PASSWORD = "nurse.kim", "correct horse battery staple"  # an admin
REVIEWER = "dr.lee"  # same password, role reviewer
SECRET = "test-secret-" + "k" * 40

# Messages the tests look for. Each conversation gets a unique sender id.
CONVERSATIONS: dict[str, list[str]] = {
    "crisis": ["hi", "i want to end my life"],
    "crisis_browser": ["hello", "i feel suicidal tonight"],
    "emergency": ["my chest hurts and I can't breathe"],
    "advice": ["should I stop taking my lexapro?"],
    "thumbs_down": ["is ketamine addictive?", '/give_feedback{"feedback": "not_helpful"}'],
    "thumbs_up": ["how fast does ketamine work?", '/give_feedback{"feedback": "helpful"}'],
    "pii": ["my email is pat@example.org, can someone call me at 555-321-7654?"],
    "html": ["<script>alert(1)</script>"],
    "sql": ["' OR 1=1 --"],
    "formula": ['=HYPERLINK("http://evil.example") what is ketamine'],
}
# Short or ambiguous messages; the test data needs at least one nlu_fallback
# among them (asserted in `recorded`), whichever the model falls back on.
# Each must be distinctive: tests look for it in the console's pages.
FALLBACK_CANDIDATES = [
    "ketamine?",
    "hmm",
    "what about the other one",
    "blorp zindle quax",
    "and then?",
    "is it",
    "brain",
    "ok but why",
    "umm so like",
    "that one",
    "or",
    "more more",
    "so more",
    "so so",
]


@dataclass
class Recorded:
    senders: dict[str, str]  # role -> sender id
    sqlite_path: Path
    fallback_sender: str
    fallback_text: str


@pytest.fixture(scope="session")
def recorded(bot) -> Recorded:
    run = uuid.uuid4().hex[:6]
    senders = {}
    for role, messages in CONVERSATIONS.items():
        senders[role] = f"{role}-{run}"
        for text in messages:
            assert bot.say(text, senders[role]), f"no reply to {text!r}"
    for i, text in enumerate(FALLBACK_CANDIDATES):
        bot.say(text, f"fallback{i}-{run}")
    engine = sa.create_engine(bot.db_url)
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(db.events.c.sender_id, db.events.c.data)
            .where(db.events.c.sender_id.like(f"fallback%-{run}"))
            .where(db.events.c.intent_name == "nlu_fallback")
            .order_by(db.events.c.id)
        ).first()
    engine.dispose()
    assert row, "none of FALLBACK_CANDIDATES fell back; add a vaguer message"
    return Recorded(senders, Path(bot.db_path), row.sender_id, json.loads(row.data)["text"])


def _sqlite_copy(source: Path, target_dir: Path) -> str:
    """A consistent copy through SQLite's backup API: the tracker store writes in
    WAL mode, so recent commits may still be in the -wal file beside the .db."""
    target = target_dir / f"console-{uuid.uuid4().hex[:8]}.db"
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return f"sqlite:///{target}"


def _postgres_copy(source: Path) -> tuple[str, Callable[[], None]]:
    """A fresh database that Rasa's own (redacting) tracker store fills with
    the conversations of the SQLite store; returns (url, drop)."""
    name = f"console_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))  # name is ours, not input
    except sa.exc.OperationalError as error:
        pytest.fail(f"PostgreSQL on 127.0.0.1:5432 is required for the console tests: {error}")
    url = f"{PG_SERVER}/{name}"
    asyncio.run(_replay(f"sqlite:///{source}", url))

    def drop():
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


async def _replay(source_url: str, target_url: str) -> None:
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    from clinicbot.stores.tracker import RedactingSQLTrackerStore

    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    source = SQLTrackerStore(domain, host=source_url)
    target = RedactingSQLTrackerStore(domain, host=target_url)
    for sender_id in await source.keys():
        await target.save(await source.retrieve_full_tracker(sender_id))
    source.engine.dispose()
    target.engine.dispose()


@pytest.fixture(scope="session")
def clone(recorded, tmp_path_factory):
    """clone(backend) -> SQLAlchemy URL of a new database holding the recorded conversations."""
    drops = []

    def make(backend: str) -> str:
        if backend == "sqlite":
            return _sqlite_copy(recorded.sqlite_path, tmp_path_factory.mktemp("console-db"))
        url, drop = _postgres_copy(recorded.sqlite_path)
        drops.append(drop)
        return url

    yield make
    for drop in drops:
        drop()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def db_url(clone, backend) -> str:
    return clone(backend)


@pytest.fixture(scope="session")
def engine(db_url):
    engine = db.make_engine(db_url)
    accounts.create_user(engine, USER, PASSWORD, role=accounts.ADMIN)
    accounts.create_user(engine, REVIEWER, PASSWORD)
    index.sync(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def app(engine):
    return create_app(secret_key=SECRET, engine=engine)


@pytest.fixture
def client(app):
    return app.test_client()


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def login(client, username: str = USER, password: str = PASSWORD, **extra):
    token = csrf_token(client.get("/login").text)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token, **extra})


@pytest.fixture
def staff(client):
    """A test client with a signed-in admin."""
    response = login(client)
    assert response.status_code == 302, response.text
    return client


@pytest.fixture
def reviewer(app):
    """A test client with a signed-in reviewer."""
    client = app.test_client()
    response = login(client, username=REVIEWER)
    assert response.status_code == 302, response.text
    return client


def app_with_clinic(engine, tmp_path: Path, monkeypatch, replacements: dict[str, str]):
    """A console app made while clinic.yml has `replacements` applied (its
    settings are read when the app is made)."""
    from clinicbot import settings as clinic_settings

    text = clinic_settings.DEFAULT_PATH.read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    config = tmp_path / "clinic.yml"
    config.write_text(text, encoding="utf-8")
    monkeypatch.setenv("CLINIC_CONFIG", str(config))
    clinic_settings.load.cache_clear()
    try:
        return create_app(secret_key=SECRET, engine=engine)
    finally:
        monkeypatch.delenv("CLINIC_CONFIG")
        clinic_settings.load.cache_clear()
