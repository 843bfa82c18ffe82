"""A callback request made in the widget (the test bot's office is closed:
tests/fixtures.py `closed_clinic`) reaches the staff console's Callbacks page."""

from playwright.sync_api import expect

from console import auth, db
from console.web import create_app
from tests.console.conftest import PASSWORD, SECRET, USER, login
from tests.web.widget import Widget


def test_a_callback_asked_for_in_the_widget_reaches_the_console(page_url, visit, bot):
    page = visit.new_page(page_url)
    widget = Widget(page).open()
    widget.greeting()
    widget.wait_for_replies(widget.ask("can I talk to a real person?"), "call you back")
    widget.wait_for_replies(widget.click_reply("Yes, call me back"), "deleted once the team has called")
    widget.wait_for_replies(widget.click_reply("Yes, that's okay"), "first name")
    widget.wait_for_replies(widget.ask("Quentinella"), "phone number")
    widget.wait_for_replies(widget.ask("(555) 010-0177"), "call you back in office hours")
    expect(page.locator(".rw-client").last).to_have_text("(555) 010-0177")  # the patient sees what they typed

    engine = db.make_engine(bot.db_url)
    auth.create_user(engine, USER + "-web", PASSWORD)
    console = create_app(secret_key=SECRET, engine=engine).test_client()
    login(console, USER + "-web")
    listed = console.get("/callbacks").text
    assert "Quentinella" in listed and 'href="tel:5550100177"' in listed
    assert widget.session_id() in listed  # the link to the conversation
