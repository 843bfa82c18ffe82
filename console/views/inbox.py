"""The training inbox: messages the assistant was unsure of, for staff to
file under the right intent, and those corrections as Rasa NLU data."""

import math
import time

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from console import db, exports, queries
from console.views.common import admin_only, domain_intents, download, engine, page_number, record_access

bp = Blueprint("inbox", __name__)


@bp.route("/inbox")
def index():
    show = request.args.get("show", "open")
    show = show if show in ("open", "done", "all") else "open"
    page = page_number()
    with engine().connect() as conn:
        rows, total = queries.inbox(conn, show, page)
    return render_template(
        "inbox.html",
        title="Training inbox",
        rows=rows,
        total=total,
        page=page,
        pages=max(math.ceil(total / queries.PAGE_SIZE), 1),
        show=show,
        intents=domain_intents(),
    )


@bp.route("/inbox/correct", methods=["POST"])
def correct():
    try:
        event_id = int(request.form.get("event_id", ""))
    except ValueError:
        abort(400)
    intent = request.form.get("intent", "")
    if intent not in domain_intents():
        abort(400)
    with engine().begin() as conn:
        message = queries.is_inbox_message(conn, event_id)
        if message is None:
            abort(404)
        conn.execute(db.corrections.delete().where(db.corrections.c.event_id == event_id))
        conn.execute(
            db.corrections.insert().values(
                event_id=event_id,
                sender_id=message.sender_id,
                intent=intent,
                corrected_by=g.user,
                corrected_at=time.time(),
            )
        )
    flash(f"Saved as {intent}.")
    return redirect(url_for("inbox.index", show=request.form.get("show", "open"), page=request.form.get("page", "1")))


@bp.route("/inbox/export.yml")
@admin_only
def export():
    with engine().connect() as conn:
        text = exports.to_nlu_yaml(queries.corrected_examples(conn))
    record_access("inbox-export")
    return download(text, "text/yaml", "corrected_nlu.yml")
