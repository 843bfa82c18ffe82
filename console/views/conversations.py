"""The conversation list and one conversation's transcript, with what staff
add to it: reviewed or not, tags, notes. Every transcript view is logged."""

import math
import time

import sqlalchemy as sa
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from console import accounts, db, followup, queries
from console.views.common import engine, forbidden, is_admin, page_number, record_access

bp = Blueprint("conversations", __name__)
TAG_MAX = 40


@bp.route("/conversations")
def index():
    filters = queries.Filters.from_args(request.args)
    page = page_number()
    with engine().connect() as conn:
        items, total = queries.list_conversations(conn, filters, page)
        intents = queries.known_intents(conn)
    return render_template(
        "conversations.html",
        title="Conversations",
        items=items,
        total=total,
        page=page,
        pages=max(math.ceil(total / queries.PAGE_SIZE), 1),
        filters=filters,
        args=filters.as_args(),
        intents=intents,
    )


@bp.route("/transcript")
def transcript():
    sender_id = request.args.get("id", "")
    with engine().connect() as conn:
        item = queries.get_conversation(conn, sender_id)
        if item is None:
            abort(404)
        turns = queries.transcript(conn, sender_id)
        notes = queries.notes_for(conn, sender_id)
        staff = accounts.usernames(conn)
    record_access("view", sender_id)
    return render_template(
        "transcript.html", title="Conversation", item=item, turns=turns, notes=notes, staff=staff, now=time.time()
    )


def _conversation_form() -> str:
    """The conversation a form is about; 404 unless it exists."""
    sender_id = request.form.get("id", "")
    with engine().connect() as conn:
        if queries.get_conversation(conn, sender_id) is None:
            abort(404)
    return sender_id


@bp.route("/transcript/review", methods=["POST"])
def review():
    sender_id = _conversation_form()
    reviewed = request.form.get("reviewed") == "1"
    if not reviewed and not is_admin():
        return forbidden()  # a reviewed crisis stays reviewed unless an admin says otherwise
    with engine().begin() as conn:
        conn.execute(db.reviews.delete().where(db.reviews.c.sender_id == sender_id))
        if reviewed:
            conn.execute(db.reviews.insert().values(sender_id=sender_id, reviewed_by=g.user, reviewed_at=time.time()))
    record_access("review" if reviewed else "unreview", sender_id)
    flash("Marked as reviewed." if reviewed else "Marked as not reviewed.")
    return redirect(url_for("conversations.transcript", id=sender_id))


@bp.route("/transcript/tag", methods=["POST"])
def add_tag():
    sender_id = _conversation_form()
    tag = " ".join(request.form.get("tag", "").split())[:TAG_MAX]
    if tag:
        with engine().begin() as conn:
            exists = conn.execute(
                sa.select(db.tags.c.id).where(db.tags.c.sender_id == sender_id).where(db.tags.c.tag == tag)
            ).first()
            if not exists:
                conn.execute(db.tags.insert().values(sender_id=sender_id, tag=tag))
        flash(f"Tag “{tag}” added.")
    return redirect(url_for("conversations.transcript", id=sender_id))


@bp.route("/transcript/untag", methods=["POST"])
def remove_tag():
    sender_id = _conversation_form()
    with engine().begin() as conn:
        conn.execute(
            db.tags.delete().where(db.tags.c.sender_id == sender_id).where(db.tags.c.tag == request.form.get("tag", ""))
        )
    flash("Tag removed.")
    return redirect(url_for("conversations.transcript", id=sender_id))


@bp.route("/transcript/note", methods=["POST"])
def add_note():
    sender_id = _conversation_form()
    text = request.form.get("note", "").strip()[:4000]
    if text:
        with engine().begin() as conn:
            conn.execute(db.notes.insert().values(sender_id=sender_id, author=g.user, text=text, at=time.time()))
        flash("Note added.")
    return redirect(url_for("conversations.transcript", id=sender_id))


@bp.route("/transcript/assign", methods=["POST"])
def assign():
    sender_id = _conversation_form()
    who = request.form.get("assignee", "")
    with engine().begin() as conn:
        if who and who not in accounts.usernames(conn):
            abort(400)
        followup.assign(conn, sender_id, who or None)
    record_access("assign", sender_id, detail=who or "nobody")
    flash(f"Follow-up given to {who}." if who else "Nobody has this follow-up now.")
    return redirect(url_for("conversations.transcript", id=sender_id))


@bp.route("/transcript/outcome", methods=["POST"])
def outcome():
    sender_id = _conversation_form()
    result = request.form.get("outcome", "")
    if result == "reopen":
        with engine().begin() as conn:
            followup.reopen(conn, sender_id)
        record_access("reopen_follow_up", sender_id)
        flash("Follow-up reopened.")
        return redirect(url_for("conversations.transcript", id=sender_id))
    if result not in followup.OUTCOMES:
        flash("Choose what came of the follow-up.")
        return redirect(url_for("conversations.transcript", id=sender_id))
    with engine().begin() as conn:
        followup.record_outcome(conn, sender_id, result, request.form.get("note", ""), g.user)
    record_access("follow_up", sender_id, detail=result)
    flash(f"Outcome recorded: {followup.OUTCOMES[result]}.")
    return redirect(url_for("conversations.transcript", id=sender_id))
