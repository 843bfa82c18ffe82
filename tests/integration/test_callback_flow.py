"""A callback request through the real Rasa server and action server, with
the office closed (tests/fixtures.py `closed_clinic`): consent, a first name
and a number reach the callback table, and neither reaches the stored
conversation. A crisis in the middle ends the form with the crisis lines."""

import sqlite3

from tests.helpers import ends_with_referral


def texts(replies):
    return " ".join(r["text"] for r in replies)


def stored(bot, sender):
    with sqlite3.connect(bot.db_path) as db:
        events = " ".join(d for (d,) in db.execute("select data from events where sender_id = ?", (sender,)))
        requests = db.execute(
            "select first_name, phone, status from callback_requests where sender_id = ?", (sender,)
        ).fetchall()
    return events, requests


def test_a_callback_request_keeps_the_name_and_number_out_of_the_conversation(bot):
    sender = "e2e-callback"
    offer = bot.say("can I talk to a real person please", sender)
    assert "call you back" in texts(offer) and "988" in texts(offer)
    assert [b["title"] for b in offer[0]["buttons"]] == ["Yes, call me back", "No, thanks"]
    consent = texts(bot.say("/affirm", sender))
    assert "deleted once the team has called" in consent
    assert "first name" in texts(bot.say("/affirm", sender))
    assert "Please type just your first name" in texts(bot.say("what does it cost?", sender))
    assert "phone number" in texts(bot.say("Quentinella", sender))
    assert "does not look like a phone number" in texts(bot.say("555-0101", sender))
    done = bot.say("(555) 010-0177", sender)
    assert "call you back in office hours" in texts(done)
    assert all(ends_with_referral(r["text"]) for r in done)
    events, requests = stored(bot, sender)
    assert requests == [("Quentinella", "5550100177", "open")]
    assert "Quentinella" not in events and "010-0177" not in events and "5550100177" not in events
    assert "kept only for the callback" in events
    # The form is over: the next question is answered as usual.
    assert "ketamine" in texts(bot.say("how fast does ketamine work?", sender)).lower()


def test_no_thanks_and_no_consent_keep_nothing(bot):
    sender = "e2e-callback-no"
    bot.say("I want to speak to someone", sender)
    assert "nothing was saved" in texts(bot.say("/deny", sender))
    bot.say("I want to speak to someone", sender)
    bot.say("/affirm", sender)
    assert "nothing was saved" in texts(bot.say("/deny", sender))
    assert stored(bot, sender)[1] == []


def test_a_crisis_while_giving_the_name_gets_the_crisis_lines_and_ends_the_form(bot):
    sender = "e2e-callback-crisis"
    bot.say("I would like to talk to a person", sender)
    bot.say("/affirm", sender)
    bot.say("/affirm", sender)
    bot.say("Sam", sender)  # the name is saved, the number not yet
    crisis = texts(bot.say("i want to kill myself tonight", sender))
    assert "988" in crisis and "phone number" not in crisis
    assert stored(bot, sender)[1] == []
    assert "ketamine" in texts(bot.say("what are the side effects of ketamine?", sender)).lower()
