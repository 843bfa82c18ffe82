"""Signing in and out."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for

from console import auth
from console.views.common import engine

bp = Blueprint("session", __name__)


def _safe_next(target: str) -> str:
    """Only paths on this site: no scheme, no host, no //evil.example."""
    parts = urlsplit(target or "")
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("dashboard.index")
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("login.html", title="Sign in", next=request.args.get("next", ""))
    username = request.form.get("username", "")
    try:
        user = auth.check_login(engine(), username, request.form.get("password", ""), request.remote_addr or "")
    except auth.Locked as locked:
        return render_template("login.html", title="Sign in", error=str(locked), next=request.form.get("next", "")), 429
    if not user:
        return render_template(
            "login.html", title="Sign in", error="Wrong user name or password.", next=request.form.get("next", "")
        ), 401
    session.clear()  # a fresh session: nothing from before the login survives
    session["user"] = user
    session.permanent = True
    return redirect(_safe_next(request.form.get("next", "")))


@bp.route("/logout", methods=["POST"])
def logout():
    session.clear()
    flash("You are signed out.")
    return redirect(url_for("session.login"))
