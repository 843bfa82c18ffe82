"""Staff accounts and what an admin does to them, from the command line only
(`python -m console create-user`, `disable-user`, ...): there is no default
account, no sign-up page and no account page on the web.

Two roles: a reviewer reads conversations, marks them reviewed, follows up
crises and handles callbacks; an admin can also export and un-review, and
manages accounts."""

import re
import time
from dataclasses import dataclass

import pyotp
import sqlalchemy as sa
from argon2 import PasswordHasher

from console import db, sessions

USERNAME = re.compile(r"^[A-Za-z0-9._@-]{2,80}$")
REVIEWER, ADMIN = "reviewer", "admin"
ROLES = (REVIEWER, ADMIN)
MIN_PASSWORD = 12
ISSUER = "Clinic staff console"  # what the authenticator app shows beside the name
hasher = PasswordHasher()


class AccountError(ValueError):
    pass


@dataclass(frozen=True)
class Summary:
    username: str
    role: str
    disabled: bool
    totp: bool
    created_at: float


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Passwords need at least {MIN_PASSWORD} characters.")


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AccountError(f"The role is one of: {', '.join(ROLES)}.")


def create_user(engine: sa.engine.Engine, username: str, password: str, role: str = REVIEWER) -> None:
    if not USERNAME.match(username):
        raise AccountError("User names are 2-80 letters, digits or . _ @ -")
    _check_password(password)
    _check_role(role)
    with engine.begin() as conn:
        exists = conn.execute(sa.select(db.users.c.id).where(db.users.c.username == username)).first()
        if exists:
            raise AccountError(f"User {username!r} exists already.")
        conn.execute(
            db.users.insert().values(
                username=username, password_hash=hasher.hash(password), created_at=time.time(), role=role
            )
        )


def _update(engine: sa.engine.Engine, username: str, **values) -> None:
    with engine.begin() as conn:
        found = conn.execute(db.users.update().where(db.users.c.username == username).values(**values)).rowcount
    if not found:
        raise AccountError(f"No user {username!r}.")


def set_role(engine: sa.engine.Engine, username: str, role: str) -> None:
    _check_role(role)
    _update(engine, username, role=role)


def disable(engine: sa.engine.Engine, username: str) -> int:
    """No more sign-ins, and every open session ends now; returns how many."""
    _update(engine, username, disabled=True)
    return sessions.revoke_all(engine, username)


def enable(engine: sa.engine.Engine, username: str) -> None:
    _update(engine, username, disabled=False)


def reset_password(engine: sa.engine.Engine, username: str, password: str) -> int:
    """A new password; whoever knew the old one is signed out. Returns the
    number of sessions ended."""
    _check_password(password)
    _update(engine, username, password_hash=hasher.hash(password))
    return sessions.revoke_all(engine, username)


def enable_totp(engine: sa.engine.Engine, username: str, replace: bool = False) -> str:
    """A new second-factor secret; returns the otpauth:// URI to show once."""
    with engine.connect() as conn:
        current = conn.execute(sa.select(db.users.c.totp_secret).where(db.users.c.username == username)).first()
    if current is None:
        raise AccountError(f"No user {username!r}.")
    if current.totp_secret and not replace:
        raise AccountError(f"{username} has a second factor already (--replace makes a new one).")
    secret = pyotp.random_base32()
    _update(engine, username, totp_secret=secret, totp_last_step=None)
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=ISSUER)


def disable_totp(engine: sa.engine.Engine, username: str) -> None:
    _update(engine, username, totp_secret=None, totp_last_step=None)


def list_users(conn) -> list[Summary]:
    u = db.users.c
    rows = conn.execute(
        sa.select(u.username, u.role, u.disabled, u.totp_secret, u.created_at).order_by(u.username)
    ).all()
    return [Summary(r.username, r.role, bool(r.disabled), bool(r.totp_secret), r.created_at) for r in rows]


def usernames(conn) -> list[str]:
    """Every active staff account, for the follow-up's "assign to" choice."""
    u = db.users.c
    return list(conn.execute(sa.select(u.username).where(u.disabled.is_(False)).order_by(u.username)).scalars())
