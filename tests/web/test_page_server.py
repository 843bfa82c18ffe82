"""The demo page server: what it serves, and the headers that keep visits private."""

import re
import urllib.error
import urllib.request

import pytest

from clinicbot import settings
from tests.web.page import serving
from web import serve

BOT_URL = "http://127.0.0.1:5999"


@pytest.fixture
def served():
    with serving(BOT_URL) as origin:
        yield origin


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def test_csp_allows_only_the_page_and_the_bot(served):
    status, headers, _ = get(served + "/")
    assert status == 200
    policy = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'"
    assert policy["connect-src"] == f"'self' {BOT_URL} ws://127.0.0.1:5999"
    # No font or style host: the bundle's Google font import is refused.
    assert "googleapis" not in headers["Content-Security-Policy"]
    assert policy["font-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"


def test_serves_the_widget_bundle_from_node_modules(served):
    status, headers, body = get(served + "/webchat.js")
    assert status == 200
    assert headers["Content-Type"].startswith("text/javascript")
    bundle = serve.BUNDLE.read_text(encoding="utf-8")
    assert "fonts.googleapis.com" in bundle  # rasa-webchat 1.0.1 imports a Google font…
    # …which is cut out, so a page without our CSP asks no third party either.
    assert "@import url(http" not in body and "googleapis" not in body
    assert body == re.sub(r"@import url\(https?://[^)]*\);?", "", bundle)


@pytest.mark.parametrize(
    "path",
    [
        "/clinic.yml",
        "/../clinic.yml",
        "/node_modules/rasa-webchat/package.json",
        "/web/index.html",
        "/%2e%2e/clinic.yml",
    ],
)
def test_serves_nothing_else(served, path):
    status, headers, _ = get(served + path)
    assert status == 404
    assert "Content-Security-Policy" in headers


def test_clinic_details_are_escaped_into_the_page(served, tmp_path, monkeypatch):
    clinic = tmp_path / "clinic.yml"
    clinic.write_text('clinic: {name: "<b>Bold & Co</b>", phone: "+1 (555) 010-0000"}\n', encoding="utf-8")
    monkeypatch.setenv("CLINIC_CONFIG", str(clinic))
    settings.load.cache_clear()
    try:
        _, _, body = get(served + "/")
    finally:
        settings.load.cache_clear()
    assert "&lt;b&gt;Bold &amp; Co&lt;/b&gt;" in body
    assert "<b>" not in body
    assert 'href="tel:+15550100000"' in body
    assert f'data-socket-url="{BOT_URL}"' in body
