"""A staff member's morning in a real browser (Debian's chromium through
Playwright; no browser download): sign in, filter to crises, read one, mark it
reviewed, export CSV, look at the dashboard. Screenshots go to results/console/."""

import csv
import io
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from clinicbot.settings import PROJECT_ROOT
from console import accounts, db
from launcher import servers
from tests.console.conftest import PASSWORD, USER

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
RESULTS = Path(__file__).resolve().parents[2] / "results" / "console"


@pytest.fixture
def console_db_url(clone, backend) -> str:
    """A database of the test's own, cloned from the recorded conversations."""
    return clone(backend)


@pytest.fixture
def console_server(console_db_url, tmp_path):
    """The console as `make run` starts it (python -m console serve, waitress),
    on a free port, over a database of its own."""
    url = console_db_url
    engine = db.make_engine(url)
    accounts.create_user(engine, USER, PASSWORD, role=accounts.ADMIN)
    engine.dispose()
    port = servers.free_port()
    env = {
        **os.environ,
        "CONSOLE_SECRET_KEY": "browser-test-" + "s" * 40,
        "TRACKER_DB_URL": url,
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    service = servers.Service(
        "staff console",
        [sys.executable, "-m", "console", "serve", "--port", str(port)],
        f"http://127.0.0.1:{port}/login",
        env,
        tmp_path / "console.log",
    ).start()
    try:
        service.wait_ready(timeout=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        service.stop()


@contextmanager
def chromium_page(**context_options) -> Iterator:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing (Debian package chromium; `make browser` installs it).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, **context_options)
        context.set_default_timeout(20_000)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


@pytest.fixture
def browser_page():
    with chromium_page(accept_downloads=True) as page:
        yield page


@pytest.fixture
def scan_page():
    """A page whose context lets axe-core in past the console's CSP."""
    with chromium_page(bypass_csp=True) as page:
        yield page


def test_review_a_crisis_in_the_browser(console_server, browser_page, recorded, backend):
    page, base = browser_page, console_server
    RESULTS.mkdir(parents=True, exist_ok=True)
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    target = recorded.senders["crisis_browser"]

    page.goto(base + "/conversations")
    assert page.url.startswith(base + "/login")
    page.screenshot(path=str(RESULTS / f"{backend}-1-login.png"))
    page.get_by_label("User name").fill(USER)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert page.url.startswith(base + "/conversations")

    page.get_by_label("Flag").select_option(label="Crisis")
    page.get_by_role("button", name="Apply filters").click()
    assert "flag=crisis" in page.url
    rows = page.locator("table tbody tr")
    assert rows.count() == 2
    assert page.locator("caption").inner_text().startswith("2 conversations")
    page.screenshot(path=str(RESULTS / f"{backend}-2-crisis-list.png"), full_page=True)

    page.locator(f'a[href*="id={target}"]').click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Conversation of")
    assert page.get_by_text("i feel suicidal tonight").is_visible()
    page.get_by_role("button", name="Mark as reviewed").click()
    assert page.get_by_role("status").inner_text() == "Marked as reviewed."
    assert page.get_by_text(f"Reviewed by {USER}").first.is_visible()
    page.screenshot(path=str(RESULTS / f"{backend}-3-transcript.png"), full_page=True)

    page.get_by_role("link", name="Export", exact=True).click()
    page.get_by_label("Flag").select_option(label="Crisis")
    page.get_by_label("CSV (one row per message)").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download").click()
    saved = RESULTS / f"{backend}-crisis-export.csv"
    download.value.save_as(str(saved))
    exported = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert {row["sender_id"] for row in exported} == {target, recorded.senders["crisis"]}
    assert [row["reviewed_by"] for row in exported if row["sender_id"] == target][0] == USER

    page.get_by_role("link", name="Dashboard").click()
    urgent = page.locator("section.card").first
    assert recorded.senders["crisis"] in urgent.inner_html()
    assert target not in urgent.inner_html()  # reviewed: no longer waiting
    assert page.locator(".charts img").count() == 4
    # Every chart really loads (a broken image has no natural width). Polled
    # from Python: the page's CSP rightly forbids evaluating strings.
    deadline = time.monotonic() + 20
    while not all(
        image.evaluate("img => img.complete && img.naturalWidth > 0") for image in page.locator(".charts img").all()
    ):
        assert time.monotonic() < deadline, "a dashboard chart did not load"
        page.wait_for_timeout(200)
    page.screenshot(path=str(RESULTS / f"{backend}-4-dashboard.png"), full_page=True)

    assert all(url.startswith(base) for url in requested), [u for u in requested if not u.startswith(base)]


def test_every_console_page_has_no_wcag_violations(console_server, console_db_url, scan_page, recorded):
    from clinicbot import callbacks
    from tests.axe import violations

    page, base = scan_page, console_server
    page.goto(base + "/login")
    assert violations(page) == [], "sign-in"
    page.get_by_label("User name").fill(USER)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    engine = db.make_engine(console_db_url)  # a callback request, so its page has a row
    callbacks.save_name(engine, recorded.senders["crisis"], "Maria")
    callbacks.save_phone(engine, recorded.senders["crisis"], "5550100123")
    engine.dispose()
    pages = {
        "dashboard": "/dashboard",
        "conversations": "/conversations?flag=crisis",
        "transcript": f"/transcript?id={recorded.senders['crisis']}",
        "callbacks": "/callbacks",
        "training inbox": "/inbox",
        "export": "/export",
    }
    found = {}
    for name, path in pages.items():
        page.goto(base + path)
        found[name] = violations(page)
    assert found == {name: [] for name in pages}
