"""Signing in: argon2 password hashes, an optional TOTP second factor, and a
brake on guessing that slows a stranger without locking the real user out.

Accounts themselves are managed in console/accounts.py (command line only)."""

import hmac
import logging
import time

import pyotp
import sqlalchemy as sa
from argon2.exceptions import InvalidHashError, VerificationError

from console import db
from console.accounts import USERNAME, AccountError, create_user, hasher  # noqa: F401 (older callers import them here)

log = logging.getLogger("console.auth")

# The brake (docs/console.md, "Failed sign-ins"). Failed attempts within
# WINDOW seconds:
# - for one account from one address: from LOCK_AFTER on, that address is
#   refused for that account until the window has passed. Other addresses
#   are not, so a stranger cannot keep the real user out.
# - for one account from anywhere, or from one address for any account: each
#   costs a growing delay, capped at MAX_DELAY, so a crowd of addresses slows
#   everyone's next try by at most a few seconds.
WINDOW = 15 * 60
LOCK_AFTER = 5
MAX_DELAY = 3.0
# Verifying against a real hash when the account does not exist keeps the
# answer time the same, so timing does not reveal which names exist.
_DUMMY_HASH = hasher.hash("not a real password, only for equal timing")


class Locked(Exception):
    def __init__(self, minutes: int):
        super().__init__(f"Too many failed attempts from here. Try again in {minutes} minutes.")


class TotpRequired(Exception):
    """The password was right, but the clinic requires a second factor and
    this account has none."""

    def __init__(self, username: str):
        super().__init__(
            "This console requires a second factor (an authenticator app) and your account does not have one yet. "
            f"Ask an admin to set it up: python -m console enable-totp {username}"
        )


def recent_failures(conn, username: str, remote_addr: str) -> tuple[int, int]:
    """(from here, slowing): failed attempts in the window for this account
    from this address since its last good sign-in from there, which lock;
    and the larger of this account's failures from every address since its
    last good sign-in and this address's failures for any account, which
    only slow."""
    a = db.login_attempts.c
    since = time.time() - WINDOW

    def last_success(*where) -> float:
        query = sa.select(sa.func.max(a.at)).where(a.success.is_(True), *where)
        return conn.execute(query).scalar() or 0.0

    failed = sa.select(sa.func.count()).where(a.success.is_(False))
    account, address = a.username == username, a.remote_addr == remote_addr
    pair_since = max(since, last_success(account, address))
    from_here = conn.execute(failed.where(account, address, a.at >= pair_since)).scalar()
    for_account = conn.execute(failed.where(account, a.at >= max(since, last_success(account)))).scalar()
    for_addr = conn.execute(failed.where(address, a.at >= since)).scalar()
    return from_here, max(for_account, for_addr)


def delay_for(failures: int) -> float:
    return min(0.25 * (2**failures) if failures else 0.0, MAX_DELAY)


def check_login(
    engine: sa.engine.Engine,
    username: str,
    password: str,
    remote_addr: str,
    code: str = "",
    require_totp: bool = False,
) -> str | None:
    """The user name when the password (and the account's TOTP code, if it
    has one) is right and the account is enabled; None otherwise, logged,
    with nothing to tell a wrong password from a disabled account or a wrong
    code. Raises Locked after too many failures from this address, and
    TotpRequired when require_totp is set and the account has no second factor."""
    username = username.strip()[:80]
    with engine.connect() as conn:
        from_here, slowing = recent_failures(conn, username, remote_addr)
        row = conn.execute(sa.select(db.users).where(db.users.c.username == username)).first()
    if from_here >= LOCK_AFTER:
        _record(engine, username, remote_addr, False)
        log.warning("login refused (locked): user=%r addr=%s failures=%d", username, remote_addr, from_here)
        raise Locked(WINDOW // 60)
    time.sleep(delay_for(slowing))
    ok = _verify(row.password_hash if row else _DUMMY_HASH, password) and row is not None and not row.disabled
    if ok and row.totp_secret:
        ok = _use_totp_code(engine, row, code)
    if ok and require_totp and not row.totp_secret:
        log.warning("login refused (no second factor, required): user=%r addr=%s", username, remote_addr)
        raise TotpRequired(row.username)
    _record(engine, username, remote_addr, ok)
    if not ok:
        log.warning("login failed: user=%r addr=%s recent failures=%d", username, remote_addr, from_here + 1)
        return None
    if hasher.check_needs_rehash(row.password_hash):
        with engine.begin() as conn:
            conn.execute(db.users.update().where(db.users.c.id == row.id).values(password_hash=hasher.hash(password)))
    log.info("login: user=%r addr=%s", username, remote_addr)
    return row.username


def totp_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step a 6-digit code belongs to, or None. One step either side
    is accepted: a phone's clock may be half a minute off."""
    code = code.replace(" ", "").strip()
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    step = int((time.time() if now is None else now) // totp.interval)
    for candidate in (step - 1, step, step + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def _use_totp_code(engine: sa.engine.Engine, row, code: str) -> bool:
    """A right code that is newer than the last one used: a code seen over
    someone's shoulder cannot be used a second time."""
    step = totp_step(row.totp_secret, code)
    if step is None:
        return False
    u = db.users.c
    with engine.begin() as conn:
        fresh = conn.execute(
            db.users.update()
            .where(u.id == row.id, sa.or_(u.totp_last_step.is_(None), u.totp_last_step < step))
            .values(totp_last_step=step)
        ).rowcount
    return bool(fresh)


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
