"""What the pages and the CLI ask of the database: filtered conversation
lists, transcripts, the training inbox and the dashboard numbers."""

import datetime as dt
import json
import time
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from clinicbot.safety import CRISIS, EMERGENCY, SafetyOverride, model_ranking
from clinicbot.topics import ALL_TOPICS
from console import db, followup
from console.followup import FollowUp
from console.index import FALLBACK, FEEDBACK_INTENT, FLAGS, LOW_CONFIDENCE, message_row

PAGE_SIZE = 25
REVIEW_STATUSES = ("reviewed", "unreviewed")


@dataclass
class Filters:
    """The list's filters, as typed in the page's form or on the command line."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None  # inclusive
    flag: str = ""
    intent: str = ""
    status: str = ""
    q: str = ""

    @classmethod
    def from_args(cls, args: dict[str, str]) -> "Filters":
        return cls(
            date_from=parse_date(args.get("from", "")),
            date_to=parse_date(args.get("to", "")),
            flag=args.get("flag", "") if args.get("flag", "") in FLAGS else "",
            intent=args.get("intent", "").strip()[:255],
            status=args.get("status", "") if args.get("status", "") in REVIEW_STATUSES else "",
            q=args.get("q", "").strip()[:200],
        )

    def as_args(self) -> dict[str, str]:
        """For links that keep the filters (pagination, export)."""
        values = {
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "flag": self.flag,
            "intent": self.intent,
            "status": self.status,
            "q": self.q,
        }
        return {key: value for key, value in values.items() if value}

    def describe(self) -> str:
        return json.dumps(self.as_args(), sort_keys=True)


def parse_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def day_start(day: dt.date) -> float:
    """Local midnight, as the epoch seconds Rasa stores."""
    return time.mktime(day.timetuple())


def like_pattern(text: str) -> str:
    """A LIKE pattern that matches `text` literally (% and _ included)."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _where(filters: Filters) -> list[Any]:
    c = db.conversations.c
    clauses: list[Any] = []
    if filters.date_from:
        clauses.append(c.started_at >= day_start(filters.date_from))
    if filters.date_to:
        clauses.append(c.started_at < day_start(filters.date_to + dt.timedelta(days=1)))
    if filters.flag:
        clauses.append(getattr(c, filters.flag).is_(True))
    # correlate_except: the list query joins console_reviews itself, and the
    # sub-query must still read its own copy of it.
    reviewed = (
        sa.select(db.reviews.c.sender_id)
        .where(db.reviews.c.sender_id == c.sender_id)
        .correlate_except(db.reviews)
        .exists()
    )
    if filters.status == "reviewed":
        clauses.append(reviewed)
    elif filters.status == "unreviewed":
        clauses.append(~reviewed)
    m = db.messages.c
    if filters.intent:
        clauses.append(
            sa.exists()
            .where(m.sender_id == c.sender_id)
            .where(sa.or_(m.intent == filters.intent, m.predicted_intent == filters.intent))
        )
    if filters.q:
        clauses.append(
            sa.exists()
            .where(m.sender_id == c.sender_id)
            .where(sa.func.lower(m.text).like(like_pattern(filters.q), escape="\\"))
        )
    return clauses


@dataclass
class Conversation:
    sender_id: str
    started_at: float
    last_at: float
    turns: int
    topics: list[str]
    flags: list[str]
    reviewed_by: str | None
    reviewed_at: float | None
    tags: list[str] = field(default_factory=list)
    # What the list shows under the time: for a crisis or emergency, the
    # message that raised it (stored redacted); otherwise the patient's first
    # words, not a button's payload such as "/greet".
    preview: str = ""
    followup: FollowUp = field(default_factory=FollowUp)

    @property
    def topic_titles(self) -> list[str]:
        return [ALL_TOPICS.get(name, name) for name in self.topics]

    @property
    def flag_labels(self) -> list[str]:
        return [FLAGS[name] for name in self.flags]

    def as_dict(self) -> dict[str, Any]:
        return {
            "sender_id": self.sender_id,
            "started_at": iso(self.started_at),
            "last_at": iso(self.last_at),
            "turns": self.turns,
            "topics": self.topics,
            "flags": self.flags,
            "reviewed_by": self.reviewed_by,
            "reviewed_at": iso(self.reviewed_at),
            "tags": self.tags,
        }


def iso(ts: float | None) -> str | None:
    return dt.datetime.fromtimestamp(ts).astimezone().isoformat(timespec="seconds") if ts else None


def _conversation_query():
    c = db.conversations.c
    return sa.select(db.conversations, db.reviews.c.reviewed_by, db.reviews.c.reviewed_at).select_from(
        db.conversations.outerjoin(db.reviews, db.reviews.c.sender_id == c.sender_id)
    )


def _to_conversation(row: Any) -> Conversation:
    return Conversation(
        sender_id=row.sender_id,
        started_at=row.started_at,
        last_at=row.last_at,
        turns=row.turns,
        topics=[t for t in row.topics.split(",") if t],
        flags=[name for name in FLAGS if getattr(row, name)],
        reviewed_by=row.reviewed_by,
        reviewed_at=row.reviewed_at,
    )


def _attach_details(conn, items: list[Conversation]) -> list[Conversation]:
    if items:
        by_sender = {item.sender_id: item for item in items}
        rows = conn.execute(
            sa.select(db.tags.c.sender_id, db.tags.c.tag)
            .where(db.tags.c.sender_id.in_(list(by_sender)))
            .order_by(db.tags.c.tag)
        )
        for sender_id, tag in rows:
            by_sender[sender_id].tags.append(tag)
        # The patient's words tell conversations of the same minute apart.
        m = db.messages.c
        alarmed = [item.sender_id for item in items if {"crisis", "emergency"} & set(item.flags)]
        candidates = [
            sa.select(m.sender_id, sa.func.min(m.event_id).label("event_id"))
            .where(m.sender_id.in_(list(by_sender)))
            .where(~m.text.startswith("/"))
            .group_by(m.sender_id)
        ]
        if alarmed:
            candidates.append(
                sa.select(m.sender_id, sa.func.min(m.event_id).label("event_id"))
                .where(m.sender_id.in_(alarmed))
                .where(m.intent.in_([CRISIS, EMERGENCY]))
                .group_by(m.sender_id)
            )
        for query in candidates:  # the crisis message, when there is one, wins
            chosen = query.subquery()
            for sender_id, text in conn.execute(
                sa.select(m.sender_id, m.text).join(chosen, chosen.c.event_id == m.event_id)
            ):
                by_sender[sender_id].preview = text
        for sender_id, follow in followup.for_many(conn, list(by_sender)).items():
            by_sender[sender_id].followup = follow
    return items


def list_conversations(
    conn, filters: Filters, page: int = 1, page_size: int | None = None
) -> tuple[list[Conversation], int]:
    """One page, newest first, and the number of matches."""
    page_size = page_size or PAGE_SIZE
    where = _where(filters)
    total = conn.execute(sa.select(sa.func.count()).select_from(db.conversations).where(*where)).scalar()
    rows = conn.execute(
        _conversation_query()
        .where(*where)
        .order_by(db.conversations.c.started_at.desc(), db.conversations.c.sender_id)
        .limit(page_size)
        .offset(max(page - 1, 0) * page_size)
    ).all()
    return _attach_details(conn, [_to_conversation(row) for row in rows]), total


def all_conversations(conn, filters: Filters) -> list[Conversation]:
    rows = conn.execute(
        _conversation_query()
        .where(*_where(filters))
        .order_by(db.conversations.c.started_at.desc(), db.conversations.c.sender_id)
    ).all()
    return _attach_details(conn, [_to_conversation(row) for row in rows])


def get_conversation(conn, sender_id: str) -> Conversation | None:
    row = conn.execute(_conversation_query().where(db.conversations.c.sender_id == sender_id)).first()
    return _attach_details(conn, [_to_conversation(row)])[0] if row else None


def urgent_unreviewed(conn, limit: int = 50) -> list[Conversation]:
    """Open crisis and emergency conversations, oldest first: nobody has
    reviewed them or recorded a follow-up outcome yet."""
    c = db.conversations.c
    f = db.followups.c
    closed = sa.select(f.sender_id).where(f.outcome.is_not(None))
    rows = conn.execute(
        _conversation_query()
        .where(sa.or_(c.crisis.is_(True), c.emergency.is_(True)))
        .where(db.reviews.c.sender_id.is_(None))
        .where(c.sender_id.not_in(closed))
        .order_by(c.last_at)
        .limit(limit)
    ).all()
    return _attach_details(conn, [_to_conversation(row) for row in rows])


@dataclass
class Turn:
    """One line of a transcript: a user message, a bot reply or an action."""

    kind: str  # user, bot, action
    ts: float
    text: str = ""
    intent: str | None = None
    predicted_intent: str | None = None
    confidence: float | None = None
    ranking: list[dict[str, Any]] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)
    override: SafetyOverride | None = None
    feedback: str | None = None
    buttons: list[str] = field(default_factory=list)
    name: str | None = None  # action name, or the response a bot message came from
    event_id: int = 0

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "at": iso(self.ts), "text": self.text}
        if self.kind == "user":
            out.update(
                intent=self.intent,
                predicted_intent=self.predicted_intent,
                confidence=self.confidence,
                entities=[{"entity": e.get("entity"), "value": e.get("value")} for e in self.entities],
                feedback=self.feedback,
                safety_override=self.override.as_dict() if self.override else None,
            )
        elif self.name:
            out["name"] = self.name
        return out


# Bookkeeping actions that say nothing to a reader of the transcript; utter_*
# actions show as the bot message they sent, which names them.
QUIET_ACTIONS = {"action_listen", "action_session_start"}


def transcript(conn, sender_id: str) -> list[Turn]:
    """Every turn, straight from Rasa's events, in the order Rasa wrote them."""
    rows = conn.execute(
        sa.select(db.events.c.id, db.events.c.type_name, db.events.c.data)
        .where(db.events.c.sender_id == sender_id)
        .where(db.events.c.type_name.in_(["user", "bot", "action"]))
        .order_by(db.events.c.id)
    ).all()
    turns = []
    for row in rows:
        data = db.event_data(row.id, row.data)
        ts = data.get("timestamp") or 0.0
        if row.type_name == "user":
            parse = data.get("parse_data") or {}
            msg = message_row(row.id, sender_id, data)
            turns.append(
                Turn(
                    "user",
                    ts,
                    msg["text"],
                    msg["intent"],
                    msg["predicted_intent"],
                    msg["confidence"],
                    ranking=model_ranking(parse)[:3],
                    entities=[e for e in parse.get("entities") or [] if e.get("entity") != "feedback"],
                    override=SafetyOverride.from_parse(parse),
                    feedback=msg["feedback"],
                    event_id=row.id,
                )
            )
        elif row.type_name == "bot":
            buttons = [b.get("title", "") for b in ((data.get("data") or {}).get("buttons") or [])]
            turns.append(
                Turn(
                    "bot",
                    ts,
                    data.get("text") or "",
                    buttons=buttons,
                    name=(data.get("metadata") or {}).get("utter_action"),
                    event_id=row.id,
                )
            )
        elif data.get("name") not in QUIET_ACTIONS and not (data.get("name") or "").startswith("utter_"):
            turns.append(Turn("action", ts, name=data.get("name"), event_id=row.id))
    return turns


def notes_for(conn, sender_id: str) -> list[Any]:
    return conn.execute(sa.select(db.notes).where(db.notes.c.sender_id == sender_id).order_by(db.notes.c.at)).all()


def known_intents(conn) -> list[str]:
    rows = conn.execute(sa.select(db.messages.c.intent).distinct().where(db.messages.c.intent.isnot(None)))
    return sorted(name for (name,) in rows)


# --- training inbox -----------------------------------------------------------


def _inbox_where():
    m = db.messages.c
    return sa.and_(
        m.intent != FEEDBACK_INTENT,
        m.override_rule.is_(None),
        sa.or_(m.intent == FALLBACK, m.confidence < LOW_CONFIDENCE),
    )


def inbox(conn, show: str = "open", page: int = 1, page_size: int | None = None) -> tuple[list[Any], int]:
    """Fallback and low-confidence messages, newest first, with any correction."""
    page_size = page_size or PAGE_SIZE
    m, k = db.messages.c, db.corrections.c
    query = (
        sa.select(db.messages, k.intent.label("corrected_intent"), k.corrected_by)
        .select_from(db.messages.outerjoin(db.corrections, k.event_id == m.event_id))
        .where(_inbox_where())
    )
    if show == "open":
        query = query.where(k.event_id.is_(None))
    elif show == "done":
        query = query.where(k.event_id.isnot(None))
    total = conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar()
    rows = conn.execute(
        query.order_by(m.ts.desc(), m.event_id.desc()).limit(page_size).offset(max(page - 1, 0) * page_size)
    ).all()
    return rows, total


def is_inbox_message(conn, event_id: int) -> Any | None:
    return conn.execute(sa.select(db.messages).where(db.messages.c.event_id == event_id).where(_inbox_where())).first()


def corrected_examples(conn) -> dict[str, list[str]]:
    """intent -> texts, for the NLU export."""
    rows = conn.execute(
        sa.select(db.corrections.c.intent, db.messages.c.text)
        .select_from(db.corrections.join(db.messages, db.messages.c.event_id == db.corrections.c.event_id))
        .order_by(db.corrections.c.intent, db.messages.c.event_id)
    ).all()
    grouped: dict[str, list[str]] = {}
    for intent, text in rows:
        grouped.setdefault(intent, []).append(text)
    return grouped


# --- dashboard ----------------------------------------------------------------


@dataclass
class Stats:
    days: list[dt.date]
    per_day: list[int]
    top_topics: list[tuple[str, int]]
    messages: int
    fallbacks: int
    crises: int
    emergencies: int
    helpful: int
    not_helpful: int
    conversations: int

    @property
    def fallback_rate(self) -> float:
        return self.fallbacks / self.messages if self.messages else 0.0


def stats(conn, days: int = 30, today: dt.date | None = None) -> Stats:
    today = today or dt.date.today()
    first = today - dt.timedelta(days=days - 1)
    since = day_start(first)
    c, m = db.conversations.c, db.messages.c
    counts: dict[dt.date, int] = {}
    for (started,) in conn.execute(sa.select(c.started_at).where(c.started_at >= since)):
        day = dt.date.fromtimestamp(started)
        counts[day] = counts.get(day, 0) + 1
    span = [first + dt.timedelta(days=i) for i in range(days)]
    topics = conn.execute(
        sa.select(m.intent, sa.func.count())
        .where(m.ts >= since)
        .where(m.intent.in_(list(ALL_TOPICS)))
        .group_by(m.intent)
        .order_by(sa.func.count().desc(), m.intent)
        .limit(8)
    ).all()
    recent = sa.and_(m.ts >= since, m.intent != FEEDBACK_INTENT)
    total = conn.execute(sa.select(sa.func.count()).where(recent)).scalar()
    fallbacks = conn.execute(sa.select(sa.func.count()).where(recent).where(m.intent == FALLBACK)).scalar()
    ratings = dict(
        conn.execute(
            sa.select(m.feedback, sa.func.count())
            .where(m.ts >= since)
            .where(m.feedback.isnot(None))
            .group_by(m.feedback)
        ).all()
    )
    in_range = c.started_at >= since
    return Stats(
        days=span,
        per_day=[counts.get(day, 0) for day in span],
        top_topics=[(ALL_TOPICS[name], n) for name, n in topics],
        messages=total,
        fallbacks=fallbacks,
        crises=conn.execute(sa.select(sa.func.count()).where(in_range).where(c.crisis.is_(True))).scalar(),
        emergencies=conn.execute(sa.select(sa.func.count()).where(in_range).where(c.emergency.is_(True))).scalar(),
        helpful=ratings.get("helpful", 0),
        not_helpful=ratings.get("not_helpful", 0),
        conversations=sum(counts.values()),
    )
