"""What every page shares: the database, the access log, paging, downloads."""

import time

import sqlalchemy as sa
from flask import Response, current_app, g, request

from console import db


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


def page_number() -> int:
    try:
        return max(int(request.args.get("page", "1")), 1)
    except ValueError:
        return 1


def download(body: str, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
