"""The staff console's web app (Flask), assembled from the blueprints in
console/views/. Every page but sign-in needs a server-side session
(console/sessions.py; its cookie holds only a random token); every form
carries a CSRF token (Flask-WTF, whose signed cookie holds the CSRF value and
flash messages, never who is signed in); every transcript view and export is
written to the access log (console.views.common.record_access)."""

import datetime as dt
import logging

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect

from console import db, followup, index, sessions
from console import settings as console_settings
from console.index import FLAGS, LOW_CONFIDENCE
from console.views import callbacks, conversations, dashboard, exports, inbox
from console.views import session as session_views
from console.views.common import engine, is_admin

log = logging.getLogger("console")
BLUEPRINTS = (session_views.bp, dashboard.bp, conversations.bp, callbacks.bp, inbox.bp, exports.bp)
PUBLIC_ENDPOINTS = {"session.login", "static"}


def create_app(db_url: str = "", secret_key: str = "", engine: sa.engine.Engine | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secret_key or console_settings.secret_key(),
        SESSION_COOKIE_NAME="console_form",  # Flask's own: CSRF value and flash messages only
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_SECURE=console_settings.secure_cookies(),
        CONSOLE_IDLE_SECONDS=console_settings.idle_timeout_seconds(),
        CONSOLE_SESSION_SECONDS=console_settings.session_lifetime_seconds(),
        CONSOLE_REQUIRE_TOTP=console_settings.require_totp(),
        WTF_CSRF_TIME_LIMIT=int(console_settings.session_lifetime_seconds()),
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    app.extensions["console_engine"] = engine or db.make_engine(db_url)
    app.extensions["console_intents"] = console_settings.domain_intents()
    app.before_request(require_login)
    app.after_request(security_headers)
    app.register_error_handler(CSRFError, csrf_error)
    # Globals, not a context processor: imported macros see globals only.
    app.jinja_env.globals.update(
        fmt_time=fmt_time,
        fmt_age=followup.age,
        FLAGS=FLAGS,
        LOW_CONFIDENCE=LOW_CONFIDENCE,
        OUTCOMES=followup.OUTCOMES,
        is_admin=is_admin,
    )
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    # After require_login: the login check runs first, so a signed-out POST is
    # sent to the login page rather than told about a token.
    CSRFProtect(app)
    return app


def require_login():
    g.user = g.role = None
    account = sessions.current(
        engine(),
        request.cookies.get(sessions.COOKIE, ""),
        idle=current_app.config["CONSOLE_IDLE_SECONDS"],
        lifetime=current_app.config["CONSOLE_SESSION_SECONDS"],
    )
    if account:
        g.user, g.role = account.username, account.role
    if g.user is None and request.endpoint not in PUBLIC_ENDPOINTS:
        return redirect(url_for("session.login", next=request.full_path if request.query_string else request.path))
    if g.user:
        index.sync(engine())
    return None


def security_headers(response: Response) -> Response:
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


def csrf_error(error):
    return render_template(
        "error.html",
        title="Form expired",
        message="The form was missing its security token or it expired. Go back, reload the page and try again.",
    ), 400


def fmt_time(ts: float | None) -> str:
    if not ts:
        return ""
    return dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")
