"""The demo page and rasa-webchat in Debian's chromium, against real servers."""

import json
import sqlite3
import time
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.helpers import ends_with_referral
from tests.web.widget import REPLY, Widget

XSS = "<img src=x onerror=alert(1)>"


def stored_events(db_path, sender_id):
    with sqlite3.connect(str(db_path)) as db:
        rows = db.execute("SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id", (sender_id,)).fetchall()
    return [(type_name, json.loads(data)) for type_name, data in rows]


def wait_for_events(db_path, sender_id, found, timeout=30.0):
    """Rasa saves the tracker just after replying: poll until `found(events)`."""
    deadline = time.monotonic() + timeout
    while True:
        events = stored_events(db_path, sender_id)
        if found(events) or time.monotonic() > deadline:
            return events
        time.sleep(0.2)


def test_page_shows_the_clinic_and_the_greeting_with_its_disclaimer(page_url, visit):
    page = visit.new_page(page_url)
    expect(page.locator(".clinic-name")).to_have_text("Harbor Ketamine Clinic")
    expect(page.locator(".clinic-phone a")).to_have_text("(555) 010-0199")
    expect(page.locator(".clinic-phone a")).to_have_attribute("href", "tel:5550100199")

    greeting = Widget(page).open().greeting()
    assert "automated assistant" in greeting
    assert "stored and reviewed by clinic staff" in greeting
    expect(page.locator(".rw-reply", has_text="How fast does ketamine work?")).to_be_visible()


def test_typed_question_gets_an_answer_about_hours_ending_with_a_referral(page_url, visit):
    widget = Widget(visit.new_page(page_url)).open()
    widget.greeting()
    before = widget.ask("how fast does ketamine work?")
    answer = widget.wait_for_replies(before, "hours")[0]
    assert "hours" in answer
    assert ends_with_referral(answer), answer


def test_quick_reply_button_gets_its_answer(page_url, visit):
    widget = Widget(visit.new_page(page_url)).open()
    widget.greeting()
    before = widget.click_reply("How is ketamine different from antidepressants?")
    answer = widget.wait_for_replies(before, "glutamate")[0]
    assert ends_with_referral(answer), answer


def test_crisis_message_gets_988_in_the_first_reply(page_url, visit):
    widget = Widget(visit.new_page(page_url)).open()
    widget.greeting()
    before = widget.ask("I want to kill myself")
    first = widget.wait_for_replies(before)[0]
    assert "988" in first


def test_a_question_said_with_crisis_words_gets_the_crisis_lines_then_its_answer(page_url, visit, results_dir):
    widget = Widget(visit.new_page(page_url)).open()
    widget.greeting()
    before = widget.ask(
        "i feel suicidal at times, but right now i just want to know: is ketamine given through an iv or as a pill?"
    )
    crisis, lead_in, answer = widget.wait_for_replies(before, "intravenous")
    assert "988" in crisis
    assert lead_in.startswith("You also asked about how each treatment is given"), lead_in
    assert ends_with_referral(answer), answer
    # The crisis lines are scrolled back into view once the turn is complete.
    expect(widget.page.locator(REPLY, has_text="988").last).to_be_in_viewport(timeout=5_000)
    widget.page.screenshot(path=str(results_dir / "widget-after-crisis.png"))


def test_thumbs_down_is_stored_in_the_tracker_store(page_url, visit, bot):
    widget = Widget(visit.new_page(page_url)).open()
    widget.greeting()
    widget.wait_for_replies(widget.ask("what are the side effects of ketamine?"))
    before = widget.click_reply("👎 Not helpful")  # waits for the answer's buttons
    assert "Thank you" in widget.wait_for_replies(before, "Thank you")[0]

    def rated(events):
        return any(t == "slot" and e.get("name") == "feedback" for t, e in events)

    events = wait_for_events(bot.db_path, widget.session_id(), rated)
    ratings = [e for t, e in events if t == "user" and e["parse_data"]["intent"]["name"] == "give_feedback"]
    assert ratings, events
    entities = ratings[-1]["parse_data"]["entities"]
    assert {"entity": "feedback", "value": "not_helpful"}.items() <= entities[0].items()
    slots = [e["value"] for t, e in events if t == "slot" and e.get("name") == "feedback"]
    assert slots[-1] == "not_helpful"


def test_conversation_survives_a_reload_but_not_a_new_tab(page_url, visit):
    page = visit.new_page(page_url)
    widget = Widget(page).open()
    widget.greeting()
    widget.wait_for_replies(widget.ask("how fast does ketamine work?"), "hours")
    session = widget.session_id()

    page.reload()
    expect(page.locator(".rw-client", has_text="how fast does ketamine work?")).to_be_visible()
    assert widget.session_id() == session

    page.close()
    fresh = Widget(visit.new_page(page_url))
    fresh.open().greeting()
    assert fresh.user_messages() == []
    assert fresh.session_id() != session


def test_html_in_a_message_is_shown_as_text_and_runs_nothing(page_url, visit):
    page = visit.new_page(page_url)
    widget = Widget(page).open()
    widget.greeting()
    before = widget.ask(XSS)
    widget.wait_for_replies(before)
    expect(page.locator(".rw-client").last).to_have_text(XSS)
    assert page.locator(".rw-messages-container img").count() == 0
    assert visit.dialogs == []


@pytest.mark.parametrize("where", [".chat-controls", ".rw-header"])
def test_start_over_restarts_the_conversation(page_url, visit, bot, where):
    page = visit.new_page(page_url)
    widget = Widget(page).open()
    widget.greeting()
    widget.wait_for_replies(widget.ask("how fast does ketamine work?"), "hours")
    old_session = widget.session_id()

    # The page reloads once Rasa has answered the restart; wait for that load,
    # or the old page's greeting is read while it goes away.
    with page.expect_navigation():
        page.locator(where).get_by_role("button", name="Start over").click()
    greeting = widget.greeting()  # the reloaded page reopens the chat
    assert "automated assistant" in greeting
    expect(page.locator(REPLY)).to_have_count(1)
    assert widget.user_messages() == []
    assert widget.session_id() not in (None, old_session)

    events = wait_for_events(bot.db_path, old_session, lambda ev: any(t == "restart" for t, _ in ev))
    assert any(t == "restart" for t, _ in events), [t for t, _ in events]


def test_page_talks_only_to_its_own_server_and_the_bot(page_url, visit, bot):
    blocked = []
    visit.context.on("requestfailed", lambda request: blocked.append((request.url, request.failure)))
    widget = Widget(visit.new_page(page_url)).open()
    widget.greeting()
    widget.wait_for_replies(widget.ask("how fast does ketamine work?"), "hours")

    local = {"127.0.0.1", "localhost"}
    foreign = [url for url in visit.requests if urlsplit(url).hostname not in local]
    # The bundle's Google font import is refused by the page's CSP before it
    # leaves the browser; anything else foreign would be a leak.
    sent = [url for url in foreign if (url, "csp") not in blocked]
    assert sent == []
    ports = {urlsplit(url).port for url in visit.requests if urlsplit(url).hostname in local}
    assert ports <= {urlsplit(page_url).port, urlsplit(bot.url).port}


def test_embedding_snippet_works_on_another_page(page_url, visit):
    """README: the bundle, chat.js and a config element on a clinic's own page."""
    page = visit.new_page(page_url + "embed.html")
    widget = Widget(page).open()
    assert "automated assistant" in widget.greeting()
    expect(page.locator('[role="log"][aria-live="polite"]')).to_contain_text("automated assistant")
    expect(page.locator(".rw-launcher")).to_have_accessible_name("Close the chat")
