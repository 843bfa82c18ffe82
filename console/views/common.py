"""What every page shares: the database, the access log, roles, paging, downloads."""

import functools
import time

import sqlalchemy as sa
from flask import Response, current_app, g, render_template, request

from console import accounts, db


def engine() -> sa.engine.Engine:
    return current_app.extensions["console_engine"]


def domain_intents() -> list[str]:
    return current_app.extensions["console_intents"]


def record_access(action: str, sender_id: str | None = None, detail: str = "") -> None:
    with engine().begin() as conn:
        conn.execute(
            db.access_log.insert().values(
                username=g.user, action=action, sender_id=sender_id, detail=detail, at=time.time()
            )
        )


def is_admin() -> bool:
    return g.get("role") == accounts.ADMIN


def admin_only(view):
    """Exports (and un-reviewing) are for admins; a reviewer is told so plainly."""

    @functools.wraps(view)
    def guarded(*args, **kwargs):
        if not is_admin():
            return forbidden()
        return view(*args, **kwargs)

    return guarded


def forbidden():
    message = "This is for admins: exports and un-reviewing a conversation. Ask an admin if you need it."
    return render_template("error.html", title="Admins only", message=message), 403


def page_number() -> int:
    try:
        return max(int(request.args.get("page", "1")), 1)
    except ValueError:
        return 1


def download(body: str, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
