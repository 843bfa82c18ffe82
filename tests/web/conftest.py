"""Browser fixtures: the demo page served on `web_origin`, talking to the
`bot` fixture's Rasa server, and Debian's chromium driven by Playwright.

Playwright never downloads a browser here (no `playwright install`): it
launches /usr/bin/chromium, which `make test-web` installs when missing."""

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from launcher import servers
from tests.relay import TcpProxy
from web import serve

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
RESULTS = Path(__file__).resolve().parents[2] / "results" / "web"
TIMEOUT_MS = 60_000  # the first reply of a fresh Rasa server can take a while


# The README's embedding snippet on a page of the clinic's own: no Start over
# button and no announcer element of ours.
EMBED_PAGE = """<!doctype html><html lang="en"><head><title>A clinic's own page</title></head><body>
<h1>Our clinic</h1>
<div id="chat-config" hidden data-socket-url="{bot}" data-title="Our clinic"
     data-subtitle="Automated assistant, not a clinician"></div>
<script src="/webchat.js" defer></script>
<script src="/chat.js" defer></script>
</body></html>"""


@pytest.fixture(scope="session")
def slow_link(bot) -> Iterator[TcpProxy]:
    """A relay to the bot whose replies a test can hold back (/slow.html uses it)."""
    link = TcpProxy(target_port=urlsplit(bot.url).port, listen_port=servers.free_port()).start()
    try:
        yield link
    finally:
        link.stop()


@pytest.fixture(scope="session")
def page_url(bot, web_origin, slow_link) -> Iterator[str]:
    """The demo page, served in this process on the origin the bot accepts,
    plus /embed.html (EMBED_PAGE) with the same headers, and /slow.html: the
    demo page talking to the bot through `slow_link`, and /idle.html: the demo
    page with a 3-second privacy screen."""
    server = serve.make_server(urlsplit(web_origin).port, bot.url)
    embed = EMBED_PAGE.format(bot=bot.url).encode()

    class WithEmbedPage(server.RequestHandlerClass):
        def _serve(self, send_body: bool) -> None:
            if self.path == "/slow.html":
                return self._send(serve.render_page(slow_link.url), serve.security_headers(slow_link.url))
            if self.path == "/idle.html":  # the privacy screen after 3 s, not minutes
                page = re.sub(rb'data-idle-ms="\d+"', b'data-idle-ms="3000"', serve.render_page(bot.url))
                return self._send(page, serve.security_headers(bot.url))
            if self.path == "/embed.html":
                return self._send(embed, serve.security_headers(bot.url))
            return super()._serve(send_body)

        def _send(self, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

    server.RequestHandlerClass = WithEmbedPage
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
        self.requests: list[str] = []
        self.dialogs: list[str] = []
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
