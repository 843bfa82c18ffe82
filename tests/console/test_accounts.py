"""Staff accounts: roles, the account commands, the second factor, and the
migration of a database made before roles existed."""

import io
import re
import time
import uuid

import pyotp
import pytest
import sqlalchemy as sa

from console import accounts, db
from console.views.session import REFUSED
from console.web import create_app
from tests.console.conftest import PASSWORD, REVIEWER, SECRET, USER, app_with_clinic, csrf_token, login
from tests.console.test_cli_and_retention import run

EXPORTS = ("/export", "/export?format=csv", "/export?format=jsonl", "/inbox/export.yml")


def post(client, url, **data):
    token = csrf_token(client.get("/dashboard").text)
    return client.post(url, data={**data, "csrf_token": token})


def fresh_name(prefix: str) -> str:
    return f"{prefix}.{uuid.uuid4().hex[:6]}"


def signed_in(client) -> bool:
    return client.get("/dashboard").status_code == 200


# Roles


def test_a_reviewer_is_refused_every_export_with_a_clear_page(reviewer):
    for url in EXPORTS:
        response = reviewer.get(url)
        assert response.status_code == 403, url
        assert "Admins only" in response.text and "Ask an admin" in response.text
        assert "sender_id" not in response.text  # no export body


def test_a_reviewer_is_shown_no_export_links(reviewer, staff):
    for url in ("/dashboard", "/conversations", "/inbox"):
        page = reviewer.get(url).text
        assert 'href="/export' not in page and "/inbox/export.yml" not in page, url
    assert f"<strong>{REVIEWER}</strong> (reviewer)" in reviewer.get("/dashboard").text
    # ... which an admin has.
    assert f"<strong>{USER}</strong> (admin)" in staff.get("/dashboard").text
    assert 'href="/export"' in staff.get("/dashboard").text
    assert 'href="/export' in staff.get("/conversations").text
    assert "/inbox/export.yml" in staff.get("/inbox").text
    assert staff.get("/export?format=csv").status_code == 200


def test_a_reviewer_reviews_follows_up_and_handles_callbacks(reviewer, recorded, engine):
    sender = recorded.senders["crisis_browser"]
    assert post(reviewer, "/transcript/review", id=sender, reviewed="1").status_code == 302
    assert post(reviewer, "/transcript/assign", id=sender, assignee=REVIEWER).status_code == 302
    assert post(reviewer, "/transcript/outcome", id=sender, outcome="reached").status_code == 302
    assert reviewer.get("/callbacks").status_code == 200
    with engine.connect() as conn:
        review = conn.execute(sa.select(db.reviews).where(db.reviews.c.sender_id == sender)).first()
        follow = conn.execute(sa.select(db.followups).where(db.followups.c.sender_id == sender)).first()
    assert review.reviewed_by == REVIEWER
    assert follow.assigned_to == REVIEWER and follow.outcome == "reached" and follow.outcome_by == REVIEWER
    # Un-reviewing a crisis is for an admin: the reviewer has no button and is refused.
    page = reviewer.get("/transcript", query_string={"id": sender}).text
    assert "Mark as not reviewed" not in page and "Only an admin can mark it as not reviewed" in page
    assert post(reviewer, "/transcript/review", id=sender, reviewed="0").status_code == 403
    with engine.connect() as conn:
        assert conn.execute(sa.select(db.reviews).where(db.reviews.c.sender_id == sender)).first() is not None


def test_cli_create_user_role_defaults_to_reviewer(capsys, monkeypatch, db_url, app):
    name, boss = fresh_name("cli.rev"), fresh_name("cli.admin")
    for argv in ((name,), (boss, "--role", "admin")):
        code, out, _ = run_with_password(capsys, monkeypatch, db_url, "create-user", *argv)
        assert code == 0, out
    code, out, _ = run(capsys, db_url, "list-users")
    assert re.search(rf"^{re.escape(name)}  role=reviewer  active  totp=off", out, re.M), out
    assert re.search(rf"^{re.escape(boss)}  role=admin  active  totp=off", out, re.M), out
    client = app.test_client()
    assert login(client, username=name).status_code == 302
    assert client.get("/export").status_code == 403
    assert run(capsys, db_url, "set-role", name, "admin")[0] == 0
    assert client.get("/export").status_code == 200  # the role is read on every request
    with pytest.raises(SystemExit):
        run(capsys, db_url, "set-role", name, "owner")  # not a role


def run_with_password(capsys, monkeypatch, db_url, *argv, password=PASSWORD):
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    return run(capsys, db_url, *argv, "--password-stdin")


# Disable, enable, reset


def test_disabling_ends_sessions_and_refuses_like_a_wrong_password(capsys, db_url, app, engine):
    name = fresh_name("to.disable")
    accounts.create_user(engine, name, PASSWORD)
    client, wrong = app.test_client(), app.test_client()
    client.environ_base["REMOTE_ADDR"] = wrong.environ_base["REMOTE_ADDR"] = "10.3.0.1"
    assert login(client, username=name).status_code == 302 and signed_in(client)
    code, out, _ = run(capsys, db_url, "disable-user", name)
    assert code == 0 and "1 session(s) ended" in out
    assert not signed_in(client)
    refused, bad_password = login(client, username=name), login(wrong, username=name, password="not it at all")
    assert refused.status_code == bad_password.status_code == 401
    assert REFUSED in refused.text and REFUSED in bad_password.text
    assert re.search(rf"^{re.escape(name)}  role=reviewer  DISABLED", run(capsys, db_url, "list-users")[1], re.M)
    assert run(capsys, db_url, "enable-user", name)[0] == 0
    assert login(client, username=name).status_code == 302 and signed_in(client)
    assert run(capsys, db_url, "disable-user", "no.such.user")[0] == 1


def test_reset_password_replaces_it_and_signs_out(capsys, monkeypatch, db_url, app, engine):
    name, new = fresh_name("to.reset"), "a brand new passphrase"
    accounts.create_user(engine, name, PASSWORD)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.3.0.2"
    assert login(client, username=name).status_code == 302
    assert run_with_password(capsys, monkeypatch, db_url, "reset-password", name, password="short")[0] == 1
    code, out, _ = run_with_password(capsys, monkeypatch, db_url, "reset-password", name, password=new)
    assert code == 0 and "1 session(s) ended" in out
    assert not signed_in(client)
    assert login(client, username=name).status_code == 401
    assert login(client, username=name, password=new).status_code == 302


def test_account_commands_are_in_the_access_log(capsys, monkeypatch, db_url, engine):
    name = fresh_name("logged")
    run_with_password(capsys, monkeypatch, db_url, "create-user", name)
    run(capsys, db_url, "disable-user", name)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(db.access_log.c.username, db.access_log.c.action).where(db.access_log.c.detail.contains(name))
        ).all()
    assert {action for _, action in rows} == {"create-user", "disable-user"}
    assert all(who.startswith("cli:") for who, _ in rows)


# Second factor


def enable_totp(capsys, db_url, name) -> pyotp.TOTP:
    code, out, _ = run(capsys, db_url, "enable-totp", name)
    assert code == 0, out
    uri = re.search(r"otpauth://\S+", out).group()
    secret = re.search(r"secret: ([A-Z2-7]+)", out).group(1)
    assert f"secret={secret}" in uri and name in uri
    return pyotp.TOTP(secret)


def test_totp_account_needs_its_code_once(capsys, db_url, app, engine):
    name = fresh_name("with.totp")
    accounts.create_user(engine, name, PASSWORD)
    totp = enable_totp(capsys, db_url, name)
    assert "totp=on" in run(capsys, db_url, "list-users")[1]
    assert run(capsys, db_url, "enable-totp", name)[0] == 1  # not replaced by accident
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.4.0.1"
    page = client.get("/login").text
    assert '<label for="code">' in page and 'autocomplete="one-time-code"' in page
    for code in ("", "000000" if totp.now() != "000000" else "111111"):
        response = login(client, username=name, code=code)
        assert response.status_code == 401 and REFUSED in response.text
    now = totp.now()
    assert login(client, username=name, code=now).status_code == 302 and signed_in(client)
    replay = app.test_client()
    replay.environ_base["REMOTE_ADDR"] = "10.4.0.2"
    assert login(replay, username=name, code=now).status_code == 401  # a code works once
    assert not signed_in(replay)


def test_required_totp_refuses_accounts_without_it(capsys, db_url, engine, tmp_path, monkeypatch):
    app = app_with_clinic(engine, tmp_path, monkeypatch, {"require_totp: false": "require_totp: true"})
    without, with_totp = fresh_name("no.totp"), fresh_name("has.totp")
    for name in (without, with_totp):
        accounts.create_user(engine, name, PASSWORD)
    totp = enable_totp(capsys, db_url, with_totp)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.4.0.3"
    response = login(client, username=without)
    assert response.status_code == 403
    assert "requires a second factor" in response.text and "Ask an admin" in response.text
    assert not signed_in(client)
    # A wrong password learns nothing about the second factor.
    response = login(client, username=without, password="not the password")
    assert response.status_code == 401 and REFUSED in response.text and "requires a second factor" not in response.text
    assert login(client, username=with_totp, code=totp.now()).status_code == 302 and signed_in(client)


# Migration


# console_users as the first release created it.
OLD_USERS = sa.Table(
    "console_users",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(80), nullable=False, unique=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)


def test_accounts_of_a_database_from_before_roles_keep_working_as_admins(clone, backend):
    url = clone(backend)
    old = sa.create_engine(url)
    OLD_USERS.drop(old, checkfirst=True)
    OLD_USERS.create(old)
    with old.begin() as conn:
        conn.execute(
            OLD_USERS.insert().values(
                username="old.timer", password_hash=accounts.hasher.hash(PASSWORD), created_at=time.time()
            )
        )
    old.dispose()
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            (summary,) = accounts.list_users(conn)
        assert (summary.username, summary.role, summary.disabled, summary.totp) == ("old.timer", "admin", False, False)
        db.make_engine(url).dispose()  # a second start finds nothing to add
        client = create_app(secret_key=SECRET, engine=engine).test_client()
        assert login(client, username="old.timer").status_code == 302
        assert client.get("/export?format=csv").status_code == 200
        accounts.create_user(engine, "new.comer", PASSWORD)
        with engine.connect() as conn:
            roles = {s.username: s.role for s in accounts.list_users(conn)}
        assert roles == {"old.timer": "admin", "new.comer": "reviewer"}
    finally:
        engine.dispose()
