"""Browser fixtures: the demo page served on `web_origin`, talking to the
`bot` fixture's Rasa server, and Debian's chromium driven by Playwright.

Playwright never downloads a browser here (no `playwright install`): it
launches /usr/bin/chromium, which `make test-web` installs when missing."""
import threading
from pathlib import Path
from typing import Iterator, List
from urllib.parse import urlsplit

import pytest

from clinicbot import webpage

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--headless=new", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
RESULTS = Path(__file__).resolve().parents[2] / "results" / "web"
TIMEOUT_MS = 60_000  # the first reply of a fresh Rasa server can take a while


@pytest.fixture(scope="session")
def page_url(bot, web_origin) -> Iterator[str]:
    """The demo page, served in this process on the origin the bot accepts."""
    server = webpage.make_server(urlsplit(web_origin).port, bot.url)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield web_origin + "/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test-web` installs Debian's chromium.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class Visit:
    """One browser context (a fresh profile) and what its pages did."""

    def __init__(self, context):
        self.context = context
        self.requests: List[str] = []
        self.dialogs: List[str] = []
        context.on("request", lambda request: self.requests.append(request.url))
        context.on("page", self._watch)

    def _watch(self, page) -> None:
        def dismiss(dialog):
            self.dialogs.append(dialog.message)
            dialog.dismiss()
        page.on("dialog", dismiss)

    def new_page(self, url: str):
        page = self.context.new_page()
        page.goto(url)
        return page


@pytest.fixture
def visit(browser) -> Iterator[Visit]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield Visit(context)
    finally:
        context.close()


@pytest.fixture(scope="session")
def results_dir() -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    return RESULTS
