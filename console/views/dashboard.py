"""The dashboard: urgent conversations first, then the figures and charts."""

import time

from flask import Blueprint, Response, abort, redirect, render_template, url_for

from clinicbot import callbacks
from console import charts, queries
from console.views.common import engine

bp = Blueprint("dashboard", __name__)


@bp.route("/")
def home():
    return redirect(url_for("dashboard.index"))


@bp.route("/dashboard")
def index():
    with engine().connect() as conn:
        urgent = queries.urgent_unreviewed(conn)
        numbers = queries.stats(conn)
    waiting = len(callbacks.open_requests(engine()))
    return render_template(
        "dashboard.html",
        callbacks_waiting=waiting,
        title="Dashboard",
        urgent=urgent,
        stats=numbers,
        charts=charts.CHARTS,
        stamp=int(time.time()),
        now=time.time(),
    )


@bp.route("/charts/<name>.png")
def chart(name: str):
    if name not in charts.CHARTS:
        abort(404)
    with engine().connect() as conn:
        numbers = queries.stats(conn)
    return Response(charts.CHARTS[name](numbers), mimetype="image/png")
