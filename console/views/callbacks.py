"""Callback requests that patients left outside office hours (first name and
phone number, with their consent): staff call, then mark each one handled,
which erases the name and number (clinicbot.callbacks). Viewing the list and
handling a request are written to the access log."""

import time

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from clinicbot import callbacks
from console.views.common import engine, record_access

bp = Blueprint("callbacks", __name__)


@bp.route("/callbacks")
def index():
    waiting = callbacks.open_requests(engine())
    record_access("view_callbacks", detail=f"{len(waiting)} open")
    return render_template("callbacks.html", title="Callbacks", waiting=waiting, now=time.time())


@bp.route("/callbacks/handled", methods=["POST"])
def handled():
    try:
        request_id = int(request.form.get("id", ""))
    except ValueError:
        abort(400)
    sender_id = callbacks.mark_handled(engine(), request_id, g.user)
    if sender_id is None:
        flash("That request was already handled.")
    else:
        record_access("callback_handled", sender_id)
        flash("Marked as handled. The name and phone number were deleted.")
    return redirect(url_for("callbacks.index"))
