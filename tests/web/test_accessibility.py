"""Keyboard, screen-reader and phone use of the chat, and screenshots for people."""

from playwright.sync_api import expect

from tests.helpers import ends_with_referral
from tests.web.widget import INPUT, LAUNCHER, Widget

PHONE = {"width": 390, "height": 844}


def tab_until(page, selector: str, limit: int = 40) -> int:
    """Press Tab until `selector` has the focus; returns how many presses."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return presses
    raise AssertionError(f"Tab never reached {selector}")


def test_keyboard_alone_opens_the_chat_asks_and_picks_a_quick_reply(page_url, visit):
    page = visit.new_page(page_url)
    launcher = page.locator(LAUNCHER)
    expect(launcher).to_have_accessible_name("Open the chat with our assistant")
    expect(launcher).to_have_attribute("aria-expanded", "false")

    tab_until(page, LAUNCHER)
    page.keyboard.press("Enter")
    widget = Widget(page)
    widget.greeting()
    expect(launcher).to_have_accessible_name("Close the chat")
    expect(launcher).to_have_attribute("aria-expanded", "true")
    expect(page.locator(INPUT)).to_have_accessible_name("Your question for the assistant")
    expect(page.locator(".rw-send")).to_have_accessible_name("Send")

    page.locator("body").focus()  # start again from the top of the page
    page.evaluate("document.activeElement.blur()")
    tab_until(page, INPUT)
    before = len(widget.replies())
    page.keyboard.type("how fast does ketamine work?")
    page.keyboard.press("Enter")
    assert ends_with_referral(widget.wait_for_replies(before, "hours")[0])

    # Quick replies are <div>s in rasa-webchat; chat.js makes them buttons.
    tab_until(page, '.rw-reply[role="button"]')
    focused = page.evaluate("document.activeElement.innerText")
    before = len(widget.replies())
    page.keyboard.press("Enter")
    expect(page.locator(".rw-client").last).to_have_text(focused)
    widget.wait_for_replies(before)

    page.keyboard.press("Escape")
    expect(page.locator(INPUT)).to_have_count(0)
    expect(launcher).to_be_focused()


def test_new_replies_are_announced_to_screen_readers(page_url, visit):
    page = visit.new_page(page_url)
    announcer = page.locator("#chat-announcer")
    expect(announcer).to_have_attribute("aria-live", "polite")
    widget = Widget(page).open()
    widget.greeting()
    expect(announcer).to_contain_text("Assistant: Hi, I'm the automated assistant")
    widget.wait_for_replies(widget.ask("how fast does ketamine work?"), "hours")
    expect(announcer.locator("p").last).to_contain_text("hours")

    # Reopening shows the history again; it is not announced a second time.
    count = announcer.locator("p").count()
    page.keyboard.press("Escape")
    widget.open()
    expect(page.locator(".rw-client")).to_have_count(1)
    assert announcer.locator("p").count() == count


def test_screenshots_of_the_open_widget_on_desktop_and_phone(page_url, browser, results_dir):
    for name, viewport in (("desktop", {"width": 1280, "height": 800}), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport, is_mobile=name == "phone", has_touch=name == "phone")
        context.set_default_timeout(60_000)
        try:
            page = context.new_page()
            page.goto(page_url)
            page.screenshot(path=str(results_dir / f"page-{name}.png"), full_page=True)
            # Readable without sideways scrolling.
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
            widget = Widget(page).open()
            widget.greeting()
            widget.wait_for_replies(widget.ask("how fast does ketamine work?"), "hours")
            expect(page.locator(".rw-reply", has_text="Not helpful")).to_be_visible()
            page.screenshot(path=str(results_dir / f"widget-{name}.png"))
            assert (results_dir / f"widget-{name}.png").stat().st_size > 10_000
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        finally:
            context.close()
