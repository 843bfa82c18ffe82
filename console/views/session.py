"""Signing in and out. A sign-in starts a server-side session whose random
token is the only thing in the console_session cookie; signing out revokes it,
so a copy of the cookie stops working too."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for

from console import auth, sessions
from console.views.common import engine

bp = Blueprint("session", __name__)
# One message for every refusal, so it tells a stranger nothing about which
# names exist, which are disabled or which have a second factor.
REFUSED = "Wrong user name, password or code."


def _safe_next(target: str) -> str:
    """Only paths on this site: no scheme, no host, no //evil.example."""
    parts = urlsplit(target or "")
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("dashboard.index")
    return target


def _login_page(error: str, status: int):
    return render_template("login.html", title="Sign in", error=error, next=request.form.get("next", "")), status


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("login.html", title="Sign in", next=request.args.get("next", ""))
    try:
        user = auth.check_login(
            engine(),
            request.form.get("username", ""),
            request.form.get("password", ""),
            request.remote_addr or "",
            code=request.form.get("code", ""),
            require_totp=current_app.config["CONSOLE_REQUIRE_TOTP"],
        )
    except auth.Locked as locked:
        return _login_page(str(locked), 429)
    except auth.TotpRequired as required:
        return _login_page(str(required), 403)
    if not user:
        return _login_page(REFUSED, 401)
    old = request.cookies.get(sessions.COOKIE)
    if old:
        sessions.revoke(engine(), old)  # a fresh session: nothing from before the login survives
    session.clear()
    response = redirect(_safe_next(request.form.get("next", "")))
    _set_cookie(response, sessions.start(engine(), user))
    return response


def _set_cookie(response, token: str) -> None:
    response.set_cookie(
        sessions.COOKIE,
        token,
        max_age=int(current_app.config["CONSOLE_SESSION_SECONDS"]),
        httponly=True,
        samesite="Strict",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )


@bp.route("/logout", methods=["POST"])
def logout():
    sessions.revoke(engine(), request.cookies.get(sessions.COOKIE, ""))
    session.clear()
    flash("You are signed out.")
    response = redirect(url_for("session.login"))
    response.delete_cookie(sessions.COOKIE, httponly=True, samesite="Strict")
    return response
