"""Database access: the engine, Rasa's events table (read-only) and our tables.

Everything goes through SQLAlchemy Core with bound parameters, so the same
code runs on SQLite and PostgreSQL."""

import json
import logging
import os
import re
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from clinicbot import callbacks, settings

DEFAULT_URL = f"sqlite:///{settings.PROJECT_ROOT / 'var' / 'conversations.db'}"

# Rasa's table, described here only to query it. It has its own MetaData so
# that create_all() below can never create or alter it: Rasa owns it.
rasa_metadata = sa.MetaData()
events = sa.Table(
    "events",
    rasa_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)

metadata = sa.MetaData()

users = sa.Table(
    "console_users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(80), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    # Added after the first release; migrate_users() adds them to older databases.
    sa.Column("role", sa.String(20), nullable=False, server_default="reviewer"),  # reviewer | admin
    sa.Column("disabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("totp_secret", sa.String(64)),  # base32; NULL = no second factor
    sa.Column("totp_last_step", sa.Integer),  # the last code's time step: a code works once
)

# Signed-in staff. The cookie holds a random token; only its SHA-256 is kept
# here, so a copy of the database cannot sign anyone in.
sessions = sa.Table(
    "console_sessions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("username", sa.String(80), nullable=False, index=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("last_seen", sa.Float, nullable=False),
    sa.Column("revoked_at", sa.Float),
)

login_attempts = sa.Table(
    "console_login_attempts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(80), nullable=False, index=True),
    sa.Column("remote_addr", sa.String(64)),
    sa.Column("at", sa.Float, nullable=False, index=True),
    sa.Column("success", sa.Boolean, nullable=False),
)

access_log = sa.Table(
    "console_access_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(80), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("sender_id", sa.String(255), index=True),
    sa.Column("detail", sa.Text),
    sa.Column("at", sa.Float, nullable=False),
)

# One row per user message, copied from `events` with the confidence the
# model really had, so lists, search and the inbox are plain SQL.
messages = sa.Table(
    "console_messages",
    metadata,
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("ts", sa.Float, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("intent", sa.String(255)),  # what the bot acted on
    sa.Column("predicted_intent", sa.String(255)),  # the model's best real intent
    sa.Column("confidence", sa.Float),  # ... and its real confidence
    sa.Column("override_rule", sa.String(80)),  # crisis guard rule, if it fired
    sa.Column("feedback", sa.String(32)),  # helpful / not_helpful
)

conversations = sa.Table(
    "console_conversations",
    metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("started_at", sa.Float, nullable=False, index=True),
    sa.Column("last_at", sa.Float, nullable=False),
    sa.Column("turns", sa.Integer, nullable=False),
    sa.Column("topics", sa.Text, nullable=False),  # FAQ intents, comma-separated
    sa.Column("crisis", sa.Boolean, nullable=False),
    sa.Column("emergency", sa.Boolean, nullable=False),
    sa.Column("fallback", sa.Boolean, nullable=False),
    sa.Column("personal_advice", sa.Boolean, nullable=False),
    sa.Column("thumbs_down", sa.Boolean, nullable=False),
    sa.Column("low_confidence", sa.Boolean, nullable=False),
)

reviews = sa.Table(
    "console_reviews",
    metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("reviewed_by", sa.String(80), nullable=False),
    sa.Column("reviewed_at", sa.Float, nullable=False),
)

tags = sa.Table(
    "console_tags",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("tag", sa.String(40), nullable=False),
    sa.UniqueConstraint("sender_id", "tag"),
)

notes = sa.Table(
    "console_notes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("author", sa.String(80), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("at", sa.Float, nullable=False),
)

corrections = sa.Table(
    "console_corrections",
    metadata,
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("intent", sa.String(255), nullable=False),
    sa.Column("corrected_by", sa.String(80), nullable=False),
    sa.Column("corrected_at", sa.Float, nullable=False),
)

# Follow-up of a crisis or emergency conversation: who has it, and what came
# of it (console/followup.py). One row per conversation.
followups = sa.Table(
    "console_followups",
    metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("assigned_to", sa.String(80)),
    sa.Column("assigned_at", sa.Float),
    sa.Column("outcome", sa.String(40)),
    sa.Column("outcome_note", sa.Text),
    sa.Column("outcome_by", sa.String(80)),
    sa.Column("outcome_at", sa.Float),
)

# One staff alert per crisis or emergency conversation (console/alerts.py):
# the primary key is what makes it one, however often the loop runs.
alerts = sa.Table(
    "console_alerts",
    metadata,
    sa.Column("sender_id", sa.String(255), primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),  # crisis | emergency
    sa.Column("queued_at", sa.Float, nullable=False),
    sa.Column("sent_at", sa.Float),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_try_at", sa.Float, nullable=False),
    sa.Column("last_error", sa.Text),
)

# Key/value bookkeeping, e.g. the last events.id copied into console_messages.
state = sa.Table(
    "console_state",
    metadata,
    sa.Column("key", sa.String(40), primary_key=True),
    sa.Column("value", sa.Integer, nullable=False),
)

# Event ids skipped while indexing: on PostgreSQL, Rasa may commit an event
# long after later ones. The index re-reads these until they arrive (or a day
# has passed: then the insert was rolled back and the id is never used).
index_gaps = sa.Table(
    "console_index_gaps",
    metadata,
    sa.Column("event_id", sa.Integer, primary_key=True),
    sa.Column("noticed_at", sa.Float, nullable=False),
)

# Tables whose rows belong to one conversation: the purge removes them too.
# The access log stays: it says who looked when, not what the patient wrote.
PER_CONVERSATION = (messages, conversations, reviews, tags, notes, corrections, alerts, followups)


def database_url() -> str:
    return os.environ.get("TRACKER_DB_URL") or DEFAULT_URL


def make_engine(url: str = "") -> sa.engine.Engine:
    url = url or database_url()
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
        # Rasa writes the same file; wait for its lock rather than fail.
        engine = sa.create_engine(url, future=True, connect_args={"timeout": 30, "check_same_thread": False})
    else:
        engine = sa.create_engine(url, future=True, pool_pre_ping=True)
    metadata.create_all(engine)
    migrate_users(engine)
    callbacks.metadata.create_all(engine)  # the action server writes it; the console lists it
    return engine


# Columns console_users gained after databases were already in use. Accounts
# made before roles existed could do everything, so they become admins: no
# clinic is left without someone who can export or manage accounts. New
# accounts get their role explicitly (default reviewer).
_USER_COLUMNS_ADDED = {
    "role": "VARCHAR(20) NOT NULL DEFAULT 'admin'",
    "disabled": "BOOLEAN NOT NULL DEFAULT FALSE",
    "totp_secret": "VARCHAR(64)",
    "totp_last_step": "INTEGER",
}


def migrate_users(engine: sa.engine.Engine) -> None:
    have = {c["name"] for c in sa.inspect(engine).get_columns(users.name)}
    for name, ddl in _USER_COLUMNS_ADDED.items():
        if name in have:
            continue
        try:
            with engine.begin() as conn:
                # Names and types are the constants above, never input.
                conn.execute(sa.text(f"ALTER TABLE {users.name} ADD COLUMN {name} {ddl}"))
        except sa.exc.DBAPIError:
            # Another console process added it first.
            if name not in {c["name"] for c in sa.inspect(engine).get_columns(users.name)}:
                raise


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
log = logging.getLogger("console.db")


def storable(value: Any) -> Any:
    """A decoded JSON value whose strings can be written as UTF-8 and stored
    in PostgreSQL: lone surrogates become U+FFFD, NULs are dropped."""
    if isinstance(value, str):
        return _UNSTORABLE.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", value)
    if isinstance(value, list):
        return [storable(v) for v in value]
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    return value


def event_data(event_id: int, raw: str | None) -> dict[str, Any]:
    """One Rasa event's data, safe to index, show and export. A row that is
    not a JSON object is logged and read as empty, so one bad row never
    stops the console."""
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        log.warning("event %s is not valid JSON; shown as empty", event_id)
        return {}
    if not isinstance(data, dict):
        log.warning("event %s is not a JSON object; shown as empty", event_id)
        return {}
    return storable(data)


def has_events_table(engine: sa.engine.Engine) -> bool:
    """False until Rasa has started once against this database."""
    return sa.inspect(engine).has_table("events")
