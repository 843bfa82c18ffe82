"""Staff accounts: argon2 password hashes, and a brake on guessing.

Accounts are made only on the command line (`python -m console create-user`);
there is no default account and no sign-up page."""

import logging
import re
import time

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from console import db

log = logging.getLogger("console.auth")
hasher = PasswordHasher()

USERNAME = re.compile(r"^[A-Za-z0-9._@-]{2,80}$")
MIN_PASSWORD = 12
# Failed attempts for one account or one address within WINDOW seconds:
# each costs a growing delay, and from LOCK_AFTER on the login is refused
# until the window has passed.
WINDOW = 15 * 60
LOCK_AFTER = 5
MAX_DELAY = 3.0
# Verifying against a real hash when the account does not exist keeps the
# answer time the same, so timing does not reveal which names exist.
_DUMMY_HASH = hasher.hash("not a real password, only for equal timing")


class AccountError(ValueError):
    pass


def create_user(engine: sa.engine.Engine, username: str, password: str) -> None:
    if not USERNAME.match(username):
        raise AccountError("User names are 2-80 letters, digits or . _ @ -")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Passwords need at least {MIN_PASSWORD} characters.")
    with engine.begin() as conn:
        exists = conn.execute(sa.select(db.users.c.id).where(db.users.c.username == username)).first()
        if exists:
            raise AccountError(f"User {username!r} exists already.")
        conn.execute(
            db.users.insert().values(username=username, password_hash=hasher.hash(password), created_at=time.time())
        )


def recent_failures(conn, username: str, remote_addr: str) -> tuple[int, int]:
    """Failed attempts in the window: for this account since its last good
    login, and from this address. Everyone shares 127.0.0.1 on a localhost
    console, so only the account's count locks; the address's count slows."""
    a = db.login_attempts.c
    since = time.time() - WINDOW
    last_ok = (
        conn.execute(sa.select(sa.func.max(a.at)).where(a.username == username).where(a.success.is_(True))).scalar()
        or 0.0
    )
    failed = sa.select(sa.func.count()).where(a.success.is_(False))
    for_user = conn.execute(failed.where(a.username == username).where(a.at >= max(since, last_ok))).scalar()
    for_addr = conn.execute(failed.where(a.remote_addr == remote_addr).where(a.at >= since)).scalar()
    return for_user, for_addr


def delay_for(failures: int) -> float:
    return min(0.25 * (2**failures) if failures else 0.0, MAX_DELAY)


def check_login(engine: sa.engine.Engine, username: str, password: str, remote_addr: str) -> str | None:
    """The user name when the password is right; None otherwise (and logged).
    Raises Locked when too many recent attempts failed."""
    username = username.strip()[:80]
    with engine.connect() as conn:
        failures, from_addr = recent_failures(conn, username, remote_addr)
        row = conn.execute(sa.select(db.users).where(db.users.c.username == username)).first()
    if failures >= LOCK_AFTER:
        _record(engine, username, remote_addr, False)
        log.warning("login refused (locked): user=%r addr=%s failures=%d", username, remote_addr, failures)
        raise Locked(WINDOW // 60)
    time.sleep(delay_for(max(failures, from_addr)))
    ok = _verify(row.password_hash if row else _DUMMY_HASH, password) and row is not None
    _record(engine, username, remote_addr, ok)
    if not ok:
        log.warning("login failed: user=%r addr=%s recent failures=%d", username, remote_addr, failures + 1)
        return None
    if hasher.check_needs_rehash(row.password_hash):
        with engine.begin() as conn:
            conn.execute(db.users.update().where(db.users.c.id == row.id).values(password_hash=hasher.hash(password)))
    log.info("login: user=%r addr=%s", username, remote_addr)
    return row.username


def user_exists(conn, username: str) -> bool:
    return conn.execute(sa.select(db.users.c.id).where(db.users.c.username == username)).first() is not None


class Locked(Exception):
    def __init__(self, minutes: int):
        super().__init__(f"Too many failed attempts. Try again in {minutes} minutes.")


def usernames(conn) -> list[str]:
    """Every staff account, for the follow-up's "assign to" choice."""
    return list(conn.execute(sa.select(db.users.c.username).order_by(db.users.c.username)).scalars())


def _verify(password_hash: str, password: str) -> bool:
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _record(engine: sa.engine.Engine, username: str, remote_addr: str, success: bool) -> None:
    with engine.begin() as conn:
        conn.execute(
            db.login_attempts.insert().values(
                username=username, remote_addr=remote_addr, at=time.time(), success=success
            )
        )
