"""On a shared computer the transcript hides itself after a few idle minutes
(/idle.html: after 3 s) behind "Continue / Start over", and never hides the
crisis lines."""

from playwright.sync_api import expect

from tests.web.widget import Widget

IDLE_WAIT_MS = 3_000 + 6_000


def privacy_screen(page):
    return page.get_by_role("dialog", name="Your chat is hidden")


def test_an_idle_chat_is_hidden_until_the_patient_continues(page_url, visit):
    page = visit.new_page(page_url + "idle.html")
    widget = Widget(page).open()
    widget.greeting()
    before = widget.ask("how long does a ketamine infusion take?")
    widget.wait_for_replies(before)
    screen = privacy_screen(page)
    expect(screen).to_be_visible(timeout=IDLE_WAIT_MS)
    expect(screen.get_by_role("button", name="Continue")).to_be_focused()
    expect(page.locator(".rw-messages-container")).to_be_hidden()
    page.keyboard.press("Escape")  # not a way round the screen
    expect(screen).to_be_visible()
    screen.get_by_role("button", name="Continue").click()
    expect(screen).to_be_hidden()
    expect(page.locator(".rw-messages-container")).to_be_visible()
    assert widget.user_messages()[-1] == "how long does a ketamine infusion take?"


def test_start_over_from_the_privacy_screen_begins_a_new_conversation(page_url, visit):
    page = visit.new_page(page_url + "idle.html")
    widget = Widget(page).open()
    widget.greeting()
    first = widget.session_id()
    before = widget.ask("does ketamine help with anxiety?")
    widget.wait_for_replies(before)
    screen = privacy_screen(page)
    expect(screen).to_be_visible(timeout=IDLE_WAIT_MS)
    screen.get_by_role("button", name="Start over").click()
    page.wait_for_load_state()
    widget = Widget(page)
    widget.greeting()
    assert widget.user_messages() == []
    assert widget.session_id() not in (None, first)


def test_the_crisis_lines_are_never_hidden_by_the_privacy_screen(page_url, visit):
    page = visit.new_page(page_url + "idle.html")
    Widget(page).open().greeting()
    page.locator(".rw-header").get_by_role("button", name="Get help now").click()
    help_panel = page.get_by_role("dialog", name="Get help now")
    expect(help_panel).to_be_visible()
    page.wait_for_timeout(IDLE_WAIT_MS)
    expect(privacy_screen(page)).to_be_hidden()
    expect(help_panel).to_be_visible()
