"""The staff console's web pages (Flask). Every page but /login needs a
session; every form carries a CSRF token (Flask-WTF); every transcript view
and export is written to the access log."""

import datetime as dt
import logging
import math
import time
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Flask, Response, abort, flash, g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect

from console import auth, charts, db, exports, index, queries
from console import settings as console_settings
from console.index import FLAGS, LOW_CONFIDENCE

log = logging.getLogger("console")
PUBLIC_ENDPOINTS = {"login", "static"}
TAG_MAX = 40


def create_app(db_url: str = "", secret_key: str = "", engine: sa.engine.Engine | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secret_key or console_settings.secret_key(),
        SESSION_COOKIE_NAME="console_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=console_settings.secure_cookies(),
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=8),
        WTF_CSRF_TIME_LIMIT=8 * 3600,
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    app.extensions["console_engine"] = engine or db.make_engine(db_url)
    app.extensions["console_intents"] = console_settings.domain_intents()
    _register(app)
    # After _register: the login check runs first, so a signed-out POST is
    # sent to the login page rather than told about a token.
    CSRFProtect(app)
    return app


def engine() -> sa.engine.Engine:
    from flask import current_app

    return current_app.extensions["console_engine"]


def record_access(action: str, sender_id: str | None = None, detail: str = "") -> None:
    with engine().begin() as conn:
        conn.execute(
            db.access_log.insert().values(
                username=g.user, action=action, sender_id=sender_id, detail=detail, at=time.time()
            )
        )


def _safe_next(target: str) -> str:
    """Only paths on this site: no scheme, no host, no //evil.example."""
    parts = urlsplit(target or "")
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("dashboard")
    return target


def _page() -> int:
    try:
        return max(int(request.args.get("page", "1")), 1)
    except ValueError:
        return 1


def _register(app: Flask) -> None:

    @app.before_request
    def require_login():
        g.user = None
        username = session.get("user")
        if username:
            with engine().connect() as conn:
                if auth.user_exists(conn, username):
                    g.user = username
                else:
                    session.clear()
        if g.user is None and request.endpoint not in PUBLIC_ENDPOINTS:
            return redirect(url_for("login", next=request.full_path if request.query_string else request.path))
        if g.user:
            index.sync(engine())
        return None

    @app.after_request
    def headers(response: Response) -> Response:
        # Nothing on these pages comes from anywhere but this server.
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'none'; "
            "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        if request.endpoint != "static":
            response.headers["Cache-Control"] = "no-store"  # health information
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_template(
            "error.html",
            title="Form expired",
            message="The form was missing its security token or it expired. Go back, reload the page and try again.",
        ), 400

    # Globals, not a context processor: imported macros see globals only.
    app.jinja_env.globals.update(fmt_time=_fmt_time, FLAGS=FLAGS, LOW_CONFIDENCE=LOW_CONFIDENCE)

    # --- session ------------------------------------------------------------

    @app.route("/login", methods=["GET", "POST"])
    def login():
        if request.method == "GET":
            return render_template("login.html", title="Sign in", next=request.args.get("next", ""))
        username = request.form.get("username", "")
        try:
            user = auth.check_login(engine(), username, request.form.get("password", ""), request.remote_addr or "")
        except auth.Locked as locked:
            return render_template(
                "login.html", title="Sign in", error=str(locked), next=request.form.get("next", "")
            ), 429
        if not user:
            return render_template(
                "login.html", title="Sign in", error="Wrong user name or password.", next=request.form.get("next", "")
            ), 401
        session.clear()  # a fresh session: nothing from before the login survives
        session["user"] = user
        session.permanent = True
        return redirect(_safe_next(request.form.get("next", "")))

    @app.route("/logout", methods=["POST"])
    def logout():
        session.clear()
        flash("You are signed out.")
        return redirect(url_for("login"))

    # --- pages --------------------------------------------------------------

    @app.route("/")
    def home():
        return redirect(url_for("dashboard"))

    @app.route("/dashboard")
    def dashboard():
        with engine().connect() as conn:
            urgent = queries.urgent_unreviewed(conn)
            numbers = queries.stats(conn)
        return render_template(
            "dashboard.html",
            title="Dashboard",
            urgent=urgent,
            stats=numbers,
            charts=charts.CHARTS,
            stamp=int(time.time()),
        )

    @app.route("/charts/<name>.png")
    def chart(name: str):
        if name not in charts.CHARTS:
            abort(404)
        with engine().connect() as conn:
            numbers = queries.stats(conn)
        return Response(charts.CHARTS[name](numbers), mimetype="image/png")

    @app.route("/conversations")
    def conversations():
        filters = queries.Filters.from_args(request.args)
        page = _page()
        with engine().connect() as conn:
            items, total = queries.list_conversations(conn, filters, page)
            intents = queries.known_intents(conn)
        pages = max(math.ceil(total / queries.PAGE_SIZE), 1)
        return render_template(
            "conversations.html",
            title="Conversations",
            items=items,
            total=total,
            page=page,
            pages=pages,
            filters=filters,
            args=filters.as_args(),
            intents=intents,
        )

    @app.route("/transcript")
    def transcript():
        sender_id = request.args.get("id", "")
        with engine().connect() as conn:
            item = queries.get_conversation(conn, sender_id)
            if item is None:
                abort(404)
            turns = queries.transcript(conn, sender_id)
            notes = queries.notes_for(conn, sender_id)
        record_access("view", sender_id)
        return render_template("transcript.html", title="Conversation", item=item, turns=turns, notes=notes)

    def _conversation_form() -> str:
        sender_id = request.form.get("id", "")
        with engine().connect() as conn:
            if queries.get_conversation(conn, sender_id) is None:
                abort(404)
        return sender_id

    @app.route("/transcript/review", methods=["POST"])
    def review():
        sender_id = _conversation_form()
        with engine().begin() as conn:
            conn.execute(db.reviews.delete().where(db.reviews.c.sender_id == sender_id))
            if request.form.get("reviewed") == "1":
                conn.execute(
                    db.reviews.insert().values(sender_id=sender_id, reviewed_by=g.user, reviewed_at=time.time())
                )
        record_access("review" if request.form.get("reviewed") == "1" else "unreview", sender_id)
        flash("Marked as reviewed." if request.form.get("reviewed") == "1" else "Marked as not reviewed.")
        return redirect(url_for("transcript", id=sender_id))

    @app.route("/transcript/tag", methods=["POST"])
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
        return redirect(url_for("transcript", id=sender_id))

    @app.route("/transcript/untag", methods=["POST"])
    def remove_tag():
        sender_id = _conversation_form()
        with engine().begin() as conn:
            conn.execute(
                db.tags.delete()
                .where(db.tags.c.sender_id == sender_id)
                .where(db.tags.c.tag == request.form.get("tag", ""))
            )
        flash("Tag removed.")
        return redirect(url_for("transcript", id=sender_id))

    @app.route("/transcript/note", methods=["POST"])
    def add_note():
        sender_id = _conversation_form()
        text = request.form.get("note", "").strip()[:4000]
        if text:
            with engine().begin() as conn:
                conn.execute(db.notes.insert().values(sender_id=sender_id, author=g.user, text=text, at=time.time()))
            flash("Note added.")
        return redirect(url_for("transcript", id=sender_id))

    @app.route("/inbox")
    def inbox():
        show = request.args.get("show", "open")
        show = show if show in ("open", "done", "all") else "open"
        page = _page()
        with engine().connect() as conn:
            rows, total = queries.inbox(conn, show, page)
        pages = max(math.ceil(total / queries.PAGE_SIZE), 1)
        return render_template(
            "inbox.html",
            title="Training inbox",
            rows=rows,
            total=total,
            page=page,
            pages=pages,
            show=show,
            intents=app.extensions["console_intents"],
        )

    @app.route("/inbox/correct", methods=["POST"])
    def correct():
        try:
            event_id = int(request.form.get("event_id", ""))
        except ValueError:
            abort(400)
        intent = request.form.get("intent", "")
        if intent not in app.extensions["console_intents"]:
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
        return redirect(url_for("inbox", show=request.form.get("show", "open"), page=request.form.get("page", "1")))

    @app.route("/inbox/export.yml")
    def inbox_export():
        with engine().connect() as conn:
            text = exports.to_nlu_yaml(queries.corrected_examples(conn))
        record_access("inbox-export")
        return _download(text, "text/yaml", "corrected_nlu.yml")

    @app.route("/export")
    def export():
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
            return _download(body, "text/csv", f"conversations-{stamp}.csv")
        return _download(body, "application/x-ndjson", f"conversations-{stamp}.jsonl")


def _download(body: str, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _fmt_time(ts: float | None) -> str:
    if not ts:
        return ""
    return dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")
