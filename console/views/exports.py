"""Exports of conversations (CSV or JSON Lines), each one logged with its filters."""

import datetime as dt

from flask import Blueprint, render_template, request

from console import exports, queries
from console.views.common import admin_only, download, engine, record_access

bp = Blueprint("exports", __name__)


@bp.route("/export")
@admin_only
def index():
    filters = queries.Filters.from_args(request.args)
    fmt = request.args.get("format", "")
    if fmt not in ("csv", "jsonl"):
        with engine().connect() as conn:
            intents = queries.known_intents(conn)
        return render_template("export.html", title="Export", filters=filters, intents=intents)
    with engine().connect() as conn:
        items = queries.all_conversations(conn, filters)
        body = exports.to_csv(conn, items) if fmt == "csv" else exports.to_jsonl(conn, items)
    record_access("export", detail=f"{fmt} {filters.describe()} conversations={len(items)}")
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        return download(body, "text/csv", f"conversations-{stamp}.csv")
    return download(body, "application/x-ndjson", f"conversations-{stamp}.jsonl")
