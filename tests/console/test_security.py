"""Sessions, CSRF, escaping, injection and redaction."""

import sqlalchemy as sa

from console import accounts, auth, db
from console.web import PUBLIC_ENDPOINTS
from tests.console.conftest import PASSWORD, USER, csrf_token, login

EXAMPLE_ARGS = {"name": "per-day"}


def test_every_route_without_a_session_redirects_to_login(app, client):
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = rule.rule.replace("<name>", EXAMPLE_ARGS["name"])
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(url, method=method)
            assert response.status_code == 302, (method, url, response.status_code)
            assert response.headers["Location"].startswith("/login"), (method, url)
            checked += 1
    assert checked >= 14  # every page, chart, form and download


def test_static_files_hold_no_patient_data(client):
    assert client.get("/static/console.css").status_code == 200
    assert client.get("/static/../db.py").status_code == 404


def test_login_cookies_are_httponly_and_samesite(client):
    response = login(client)
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    assert any(cookie.startswith("console_session=") for cookie in cookies)
    for cookie in cookies:
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie, cookie


def test_login_without_csrf_token_is_refused(client):
    response = client.post("/login", data={"username": USER, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/dashboard").status_code == 302  # still signed out


def test_form_without_csrf_token_is_refused(staff, recorded, engine):
    sender = recorded.senders["advice"]
    response = staff.post("/transcript/review", data={"id": sender, "reviewed": "1"})
    assert response.status_code == 400
    response = staff.post("/transcript/note", data={"id": sender, "note": "forged", "csrf_token": "forged"})
    assert response.status_code == 400
    with engine.connect() as conn:
        assert conn.execute(sa.select(db.reviews).where(db.reviews.c.sender_id == sender)).first() is None
        assert conn.execute(sa.select(db.notes).where(db.notes.c.text == "forged")).first() is None


def test_wrong_password_is_refused_logged_and_slowed(client, engine):
    client.environ_base["REMOTE_ADDR"] = "10.0.0.7"  # its own address: the brake is per address too
    before = auth.delay_for(0)
    response = login(client, password="not the password")
    assert response.status_code == 401
    assert "Wrong user name, password or code" in response.text
    with engine.connect() as conn:
        row = conn.execute(sa.select(db.login_attempts).where(db.login_attempts.c.remote_addr == "10.0.0.7")).first()
    assert row.username == USER and row.success is False
    assert before == 0 and auth.delay_for(1) < auth.delay_for(3) <= auth.MAX_DELAY


def test_repeated_failures_lock_the_account(client, engine, monkeypatch):
    monkeypatch.setattr(auth, "delay_for", lambda failures: 0.0)  # the lock, not the wait, is tested here
    client.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    name = "locked.user"
    accounts.create_user(engine, name, PASSWORD)
    for _ in range(auth.LOCK_AFTER):
        assert login(client, username=name, password="guess").status_code == 401
    response = login(client, username=name, password=PASSWORD)
    assert response.status_code == 429
    assert client.get("/dashboard").status_code == 302


def test_unknown_user_cannot_sign_in(client):
    client.environ_base["REMOTE_ADDR"] = "10.0.0.8"
    assert login(client, username="nobody", password=PASSWORD).status_code == 401


def test_logout_ends_the_session(staff):
    token = csrf_token(staff.get("/dashboard").text)
    assert staff.post("/logout", data={"csrf_token": token}).status_code == 302
    assert staff.get("/dashboard").status_code == 302


def test_login_redirects_only_to_this_site(client):
    response = login(client, next="https://evil.example/")
    assert response.headers["Location"] == "/dashboard"
    response = login(client, next="//evil.example/x")
    assert response.headers["Location"] == "/dashboard"


def test_stored_script_renders_escaped(staff, recorded):
    sender = recorded.senders["html"]
    for url in (f"/transcript?id={sender}", "/conversations?q=script"):
        page = staff.get(url, query_string=None).text
        assert "<script>alert(1)</script>" not in page
    page = staff.get("/transcript", query_string={"id": sender}).text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "script-src 'none'" in staff.get("/dashboard").headers["Content-Security-Policy"]


def test_sql_in_search_finds_only_itself(staff, recorded):
    page = staff.get("/conversations", query_string={"q": "' OR 1=1 --"}).text
    assert "1 conversation," in page
    assert page.count("/transcript?id=") == 1
    assert recorded.senders["sql"] in page


def test_sql_in_filters_is_plain_text(staff):
    page = staff.get(
        "/conversations", query_string={"intent": "' OR 1=1 --", "flag": "crisis' --", "from": "2020-01-01' OR 1=1"}
    ).text
    assert "0 conversations" in page


def test_like_wildcards_in_search_are_literal(staff):
    page = staff.get("/conversations", query_string={"q": "%"}).text
    assert "0 conversations" in page


def test_redaction_removed_email_and_phone_from_the_database(recorded, engine, backend):
    secrets = ("pat@example.org", "555-321-7654", "5553217654")
    if backend == "sqlite":
        raw = recorded.sqlite_path.read_bytes()
        assert not any(s.encode() in raw for s in secrets)
    with engine.connect() as conn:
        stored = " ".join(text for (text,) in conn.execute(sa.select(db.events.c.data)))
        copied = " ".join(text for (text,) in conn.execute(sa.select(db.messages.c.text)))
    for s in secrets:
        assert s not in stored and s not in copied
    assert "[email]" in copied and "[phone]" in copied
