"""Help is one tap away: crisis links under crisis replies, "Get help now" in
the chat header, and the crisis lines from the page itself when the server is
slow, unreachable, or a message says crisis words."""

import pytest
from playwright.sync_api import expect

from launcher import servers
from tests.web.page import serving
from tests.web.widget import Widget

# How long web/chat.js waits for an answer or a connection (BACKSTOP_MS), plus room.
BACKSTOP_WAIT_MS = 8_000 + 7_000


def help_panel(page):
    return page.get_by_role("dialog", name="Get help now")


def test_a_crisis_reply_carries_call_and_text_links_that_send_nothing(page_url, visit):
    page = visit.new_page(page_url)
    page.context.on("page", lambda opened: opened.close())  # a tel: tab, if the browser opens one
    widget = Widget(page).open()
    widget.greeting()
    before = widget.ask("I want to kill myself")
    widget.wait_for_replies(before, "988")
    call = page.locator("a.rw-reply[href='tel:988']").last
    expect(call).to_have_text("Call 988")
    expect(page.locator("a.rw-reply[href='sms:988']").last).to_have_text("Text 988")
    expect(page.locator("a.rw-reply[href='tel:5550100199']").last).to_have_text("Call the clinic")
    call.click()
    # The link went to the phone, not to the assistant: the next message is
    # the next thing the transcript holds.
    before = widget.ask("thank you")
    widget.wait_for_replies(before)
    assert widget.user_messages()[-2:] == ["I want to kill myself", "thank you"]


def test_get_help_now_in_the_header_opens_the_crisis_lines(page_url, visit):
    page = visit.new_page(page_url)
    Widget(page).open().greeting()
    page.locator(".rw-header").get_by_role("button", name="Get help now").click()
    panel = help_panel(page)
    expect(panel).to_be_visible()
    expect(panel.get_by_role("link", name="Call 988")).to_be_focused()
    expect(panel.get_by_role("link", name="Text 988")).to_have_attribute("href", "sms:988")
    expect(panel.get_by_role("link", name="Call 911")).to_have_attribute("href", "tel:911")
    expect(panel.get_by_role("link", name="Call the clinic")).to_have_attribute("href", "tel:5550100199")
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(page.get_by_role("button", name="Get help now")).to_be_focused()


def test_when_replies_stop_coming_the_page_shows_the_crisis_lines_and_nothing_is_lost(page_url, visit, slow_link):
    page = visit.new_page(page_url + "slow.html")
    widget = Widget(page).open()
    widget.greeting()
    with slow_link.held():
        before = widget.ask("how long does a ketamine infusion take?")
        panel = help_panel(page)
        expect(panel).to_be_visible(timeout=BACKSTOP_WAIT_MS)
        expect(panel).to_contain_text("Reconnecting")
        expect(panel.get_by_role("link", name="Call 988")).to_have_attribute("href", "tel:988")
    answer = widget.wait_for_replies(before)[0]
    assert answer


def test_crisis_words_get_the_crisis_lines_from_the_page_before_any_answer(page_url, visit, slow_link):
    page = visit.new_page(page_url + "slow.html")
    widget = Widget(page).open()
    widget.greeting()
    with slow_link.held():
        widget.ask("honestly i want to die")
        panel = help_panel(page)
        expect(panel).to_be_visible()
        expect(panel).to_contain_text("ending your life")
        assert len(widget.replies()) == 1  # only the greeting: the server has not answered
    panel.get_by_role("button", name="Close", exact=True).click()
    before = widget.ask("is ketamine used for suicidal thoughts?")  # a question, not a crisis
    widget.wait_for_replies(before)
    expect(panel).to_be_hidden()


@pytest.fixture
def page_without_server():
    """The demo page pointing at a port where no server listens."""
    with serving(f"http://127.0.0.1:{servers.free_port()}") as origin:
        yield origin + "/"


def test_with_the_server_down_the_page_shows_the_crisis_lines_itself(page_without_server, visit):
    page = visit.new_page(page_without_server)
    page.locator(".rw-launcher").click()
    panel = help_panel(page)
    expect(panel).to_be_visible(timeout=BACKSTOP_WAIT_MS)
    expect(panel).to_contain_text("Reconnecting")
    expect(panel.get_by_role("link", name="Text 988")).to_have_attribute("href", "sms:988")


def test_a_message_typed_when_the_connection_drops_is_kept_until_it_can_be_sent(page_url, visit, slow_link):
    page = visit.new_page(page_url + "slow.html")
    widget = Widget(page).open()
    widget.greeting()
    draft = "how long does a ketamine infusion take?"
    page.locator(".rw-new-message").press_sequentially(draft)
    with slow_link.cut():
        expect(help_panel(page)).to_be_visible(timeout=BACKSTOP_WAIT_MS)
        expect(help_panel(page)).to_contain_text("Reconnecting")
        page.reload()  # what a worried patient does
        page.wait_for_timeout(2_000)
    widget = Widget(page)
    if not page.locator(".rw-new-message").count():
        widget.open()
    expect(page.locator(".rw-new-message")).to_be_enabled(timeout=BACKSTOP_WAIT_MS)
    expect(page.locator(".rw-new-message")).to_have_value(draft)
    before = len(widget.replies())
    page.locator(".rw-new-message").press("Enter")
    widget.wait_for_replies(before)
    assert widget.user_messages()[-1] == draft
    expect(page.locator(".rw-new-message")).to_have_value("")
    page.reload()  # sent: not put back again
    widget = Widget(page)
    if not page.locator(".rw-new-message").count():
        widget.open()
    expect(page.locator(".rw-new-message")).to_have_value("")
