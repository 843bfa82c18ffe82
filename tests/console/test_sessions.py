"""Server-side sessions (idle timeout, lifetime, logout and revocation that
really end them, the daily purge of dead ones) and the sign-in brake that
slows a stranger without locking the real user out."""

import hashlib
import time
import uuid

import sqlalchemy as sa

from console import accounts, auth, db, retention, sessions
from console import settings as console_settings
from tests.console.conftest import PASSWORD, app_with_clinic, csrf_token, login
from tests.console.test_cli_and_retention import run


def fresh_user(engine, prefix="s") -> str:
    name = f"{prefix}.{uuid.uuid4().hex[:6]}"
    accounts.create_user(engine, name, PASSWORD)
    return name


def signed_in(client) -> bool:
    return client.get("/dashboard").status_code == 200


def token_of(client) -> str:
    return client.get_cookie(sessions.COOKIE).value


def copy_cookie(client, app):
    """Another browser holding a copy of this one's session cookie."""
    thief = app.test_client()
    thief.set_cookie(sessions.COOKIE, token_of(client))
    return thief


def session_row(engine, token):
    hashed = hashlib.sha256(token.encode()).hexdigest()
    with engine.connect() as conn:
        return conn.execute(sa.select(db.sessions).where(db.sessions.c.token_hash == hashed)).first()


def age_session(engine, token, created_ago: float, seen_ago: float) -> None:
    """Test set-up: move one session's times into the past."""
    now = time.time()
    hashed = hashlib.sha256(token.encode()).hexdigest()
    with engine.begin() as conn:
        conn.execute(
            db.sessions.update()
            .where(db.sessions.c.token_hash == hashed)
            .values(created_at=now - created_ago, last_seen=now - seen_ago)
        )


def test_the_cookie_holds_only_a_random_token_kept_hashed(app, client, engine):
    name = fresh_user(engine)
    assert login(client, username=name).status_code == 302
    token = token_of(client)
    assert len(token) >= 40 and name not in token
    row = session_row(engine, token)
    assert row.username == name and row.revoked_at is None
    with engine.connect() as conn:
        stored = " ".join(str(v) for r in conn.execute(sa.select(db.sessions)) for v in r)
    assert token not in stored
    # Flask's own signed cookie carries the CSRF value, not who is signed in.
    form_cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    if form_cookie is not None:
        data = app.session_interface.get_signing_serializer(app).loads(form_cookie.value)
        assert name not in str(data) and set(data) <= {"csrf_token", "_flashes"}


def test_logout_revokes_the_session_so_a_copied_cookie_dies_too(app, client, engine):
    name = fresh_user(engine)
    assert login(client, username=name).status_code == 302
    thief = copy_cookie(client, app)
    assert signed_in(thief)  # a copy works while the session lives...
    token = csrf_token(client.get("/dashboard").text)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert not signed_in(client)
    assert not signed_in(thief)  # ... and not after the logout
    assert session_row(engine, thief.get_cookie(sessions.COOKIE).value).revoked_at is not None


def test_a_new_login_does_not_keep_the_old_session(app, client, engine):
    name = fresh_user(engine)
    login(client, username=name)
    before = copy_cookie(client, app)
    assert login(client, username=name).status_code == 302
    assert token_of(client) != before.get_cookie(sessions.COOKIE).value
    assert signed_in(client) and not signed_in(before)


def test_idle_timeout_is_15_minutes_by_default(app, client, engine):
    assert console_settings.idle_timeout_seconds() == 15 * 60
    assert app.config["CONSOLE_IDLE_SECONDS"] == 15 * 60
    name = fresh_user(engine)
    login(client, username=name)
    age_session(engine, token_of(client), created_ago=20 * 60, seen_ago=14 * 60)
    assert signed_in(client)  # used 14 minutes ago, and now again
    assert time.time() - session_row(engine, token_of(client)).last_seen < 5
    age_session(engine, token_of(client), created_ago=20 * 60, seen_ago=16 * 60)
    assert not signed_in(client)
    assert client.get("/dashboard").headers["Location"].startswith("/login")


def test_idle_timeout_and_lifetime_come_from_clinic_yml(engine, tmp_path, monkeypatch):
    app = app_with_clinic(
        engine,
        tmp_path,
        monkeypatch,
        {"idle_timeout_minutes: 15": "idle_timeout_minutes: 2", "session_hours: 12": "session_hours: 1"},
    )
    client = app.test_client()
    login(client, username=fresh_user(engine))
    age_session(engine, token_of(client), created_ago=3 * 60, seen_ago=3 * 60)
    assert not signed_in(client)  # 3 idle minutes are past this clinic's 2
    login(client, username=fresh_user(engine))
    age_session(engine, token_of(client), created_ago=61 * 60, seen_ago=0)
    assert not signed_in(client)  # busy, but older than its hour


def test_a_busy_session_still_ends_after_its_lifetime(client, engine):
    assert console_settings.session_lifetime_seconds() == 12 * 3600
    login(client, username=fresh_user(engine))
    age_session(engine, token_of(client), created_ago=11.9 * 3600, seen_ago=60)
    assert signed_in(client)
    age_session(engine, token_of(client), created_ago=12.1 * 3600, seen_ago=60)
    assert not signed_in(client)


def test_an_admin_revokes_every_session_of_a_user(capsys, db_url, app, engine):
    name = fresh_user(engine)
    laptop, phone, other = app.test_client(), app.test_client(), app.test_client()
    for client in (laptop, phone):
        assert login(client, username=name).status_code == 302
    login(other, username=fresh_user(engine))
    code, out, _ = run(capsys, db_url, "revoke-sessions", name)
    assert code == 0 and "Ended 2 session(s)" in out
    assert not signed_in(laptop) and not signed_in(phone)
    assert signed_in(other)  # someone else's session is untouched
    assert login(laptop, username=name).status_code == 302  # a new sign-in works
    assert run(capsys, db_url, "revoke-sessions", "no.such.user")[0] == 1


def test_the_purge_forgets_dead_sessions(engine):
    name = fresh_user(engine)
    live, idle, old, revoked = (sessions.start(engine, name) for _ in range(4))
    age_session(engine, idle, created_ago=3600, seen_ago=16 * 60)
    age_session(engine, old, created_ago=13 * 3600, seen_ago=60)
    sessions.revoke(engine, revoked)
    retention.purge(engine, 90)
    assert session_row(engine, live) is not None
    assert [session_row(engine, t) for t in (idle, old, revoked)] == [None, None, None]


# The sign-in brake


def test_a_stranger_locks_only_their_own_address_out(app, engine, monkeypatch):
    monkeypatch.setattr(auth, "delay_for", lambda failures: 0.0)  # the lock, not the wait, is tested here
    name = fresh_user(engine, "target")
    stranger, nurse = app.test_client(), app.test_client()
    stranger.environ_base["REMOTE_ADDR"] = "10.66.0.1"
    nurse.environ_base["REMOTE_ADDR"] = "10.77.0.1"
    for _ in range(auth.LOCK_AFTER + 3):
        assert login(stranger, username=name, password="guess").status_code in (401, 429)
    assert login(stranger, username=name).status_code == 429  # even the right password, from there
    response = login(nurse, username=name)
    assert response.status_code == 302 and signed_in(nurse)


def test_failures_from_many_addresses_only_add_a_capped_delay(app, engine):
    name = fresh_user(engine, "crowded")
    now = time.time()
    with engine.begin() as conn:  # test set-up: a crowd of addresses has just guessed
        for i in range(60):
            conn.execute(
                db.login_attempts.insert().values(
                    username=name, remote_addr=f"10.88.{i // 250}.{i % 250}", at=now - i, success=False
                )
            )
    nurse = app.test_client()
    nurse.environ_base["REMOTE_ADDR"] = "10.99.0.1"
    token = csrf_token(nurse.get("/login").text)
    started = time.monotonic()
    response = nurse.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": token})
    took = time.monotonic() - started
    assert response.status_code == 302 and signed_in(nurse)
    assert auth.MAX_DELAY - 0.1 <= took < auth.MAX_DELAY + 2.0, took  # slowed, by the cap at most
    # Her good sign-in resets the slowing for her next one.
    token = csrf_token(nurse.get("/login").text)
    started = time.monotonic()
    nurse.post("/login", data={"username": name, "password": PASSWORD, "csrf_token": token})
    assert time.monotonic() - started < 1.5
