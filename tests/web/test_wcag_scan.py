"""An automated WCAG 2.2 AA scan (axe-core) of the demo page in every state a
patient meets: closed, the open chat with an answer and its buttons, a crisis
reply with its links, the "Get help now" panel and the privacy screen, on a
desktop and at 320 px wide, where nothing may need sideways scrolling."""

import pytest
from playwright.sync_api import expect

from tests.axe import violations
from tests.web.widget import Widget

NARROW = {"width": 320, "height": 640}


@pytest.fixture
def scanned(browser):
    """A page whose context lets axe-core in past our CSP."""

    def open_page(url: str, viewport: dict | None = None):
        context = browser.new_context(viewport=viewport or {"width": 1280, "height": 800}, bypass_csp=True)
        context.set_default_timeout(60_000)
        contexts.append(context)
        page = context.new_page()
        page.goto(url)
        return page

    contexts: list = []
    yield open_page
    for context in contexts:
        context.close()


@pytest.mark.parametrize("viewport", [None, NARROW], ids=["desktop", "320px"])
def test_the_demo_page_and_the_chat_have_no_wcag_violations(page_url, scanned, viewport):
    page = scanned(page_url, viewport)
    assert violations(page) == [], "closed chat"
    widget = Widget(page).open()
    widget.greeting()
    before = widget.ask("how fast does ketamine work?")
    widget.wait_for_replies(before)
    assert violations(page) == [], "an answer"
    before = widget.ask("I want to kill myself")
    widget.wait_for_replies(before, "988")
    # The crisis words opened "Get help now" too (web/chat.js).
    expect(page.get_by_role("dialog", name="Get help now")).to_be_visible()
    assert violations(page) == [], "a crisis reply with its links, and the Get help now panel"
    if viewport:
        # Reflow (WCAG 1.4.10): no sideways scrolling at 320 CSS pixels.
        assert page.evaluate("() => document.documentElement.scrollWidth") <= NARROW["width"]


def test_the_privacy_screen_has_no_wcag_violations(page_url, scanned):
    page = scanned(page_url + "idle.html")
    Widget(page).open().greeting()
    expect(page.get_by_role("dialog", name="Your chat is hidden")).to_be_visible(timeout=10_000)
    assert violations(page) == []


def test_the_scan_finds_a_violation_when_there_is_one(page_url, scanned):
    page = scanned(page_url)
    page.evaluate("() => { const b = document.createElement('button'); document.body.appendChild(b); }")
    assert any(line.startswith("button-name") for line in violations(page))
