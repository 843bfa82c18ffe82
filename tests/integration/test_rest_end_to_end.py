"""The real Rasa server and action server, talked to over the REST channel."""

import sqlite3

from tests.helpers import ends_with_referral

CONVERSATION = [
    "hi",
    "what are the side effects of ketamine?",
    "and for SSRIs?",
    "how fast does it work?",
    "can i take ketamine with my lexapro",
    "who are you, a real person?",
    "how much is an infusion",
    "what's the capital of france",
    "thank you",
]


def test_every_reply_ends_with_a_referral(bot):
    sender = "e2e-referrals"
    for text in CONVERSATION:
        replies = bot.say(text, sender)
        assert replies, f"no reply to {text!r}"
        for reply in replies:
            assert ends_with_referral(reply["text"]), f"{text!r} -> {reply['text']!r}"
            assert "{" not in reply["text"], f"unfilled placeholder: {reply['text']!r}"


def test_follow_ups_switch_treatment(bot):
    sender = "e2e-followup"
    ketamine = bot.say("what are the side effects of ketamine?", sender)[0]["text"]
    ssri = bot.say("and for SSRIs?", sender)[0]["text"]
    onset = bot.say("how fast does it work?", sender)[0]["text"]
    assert "dissociation" in ketamine and "weight gain" not in ketamine
    assert "weight gain" in ssri and "dissociation" not in ssri
    assert "weeks" in onset and "hours" not in onset  # still about antidepressants


def test_crisis_message_gets_988_in_the_first_reply(bot):
    replies = bot.say("i can't take it anymore, i want to end my life", "e2e-crisis")
    assert "988" in replies[0]["text"] and "911" in replies[0]["text"]


def test_faq_answer_offers_rating_buttons(bot):
    reply = bot.say("is ketamine addictive?", "e2e-buttons")[0]
    assert [b["title"] for b in reply["buttons"]] == ["👍 Helpful", "👎 Not helpful"]


def test_conversation_is_stored_redacted(bot):
    bot.say("my email is pat@example.org, can someone call me at 555-321-7654?", "e2e-redact")
    rows = (
        sqlite3.connect(bot.db_path)
        .execute("select data from events where sender_id = ? and type_name = 'user'", ("e2e-redact",))
        .fetchall()
    )
    assert rows and all("pat@example.org" not in r[0] and "555-321-7654" not in r[0] for r in rows)


def test_an_ordinary_question_after_crisis_words_is_answered_after_the_crisis_lines(bot):
    """The crisis guard acts on "suicidal" whatever else is said; the classifier
    saw a question about dependency, so that answer follows (actions/safety.py)."""
    replies = bot.say(
        "i feel suicidal some days but mostly i wonder, can you get hooked on ketamine?", "e2e-after-crisis"
    )
    texts = [reply["text"] for reply in replies]
    assert "988" in texts[0]
    assert len(texts) == 3 and "You also asked about dependency" in texts[1], texts
    assert "misuse" in texts[2] or "dependen" in texts[2], texts


def test_a_crisis_without_a_question_gets_only_the_crisis_reply(bot):
    replies = bot.say("i don't want to be here anymore, i've decided", "e2e-crisis-only")
    assert len(replies) == 1 and "988" in replies[0]["text"]


# What a new user met on the demo page before the topics patients really ask
# had homes of their own, and before safety read whose words they were.
CRISIS_WORDING = ("so sorry you're going through", "I want to be sure you are safe", "medical emergency")


def _first(bot, text, sender):
    replies = bot.say(text, sender)
    assert replies, text
    return replies[0]["text"]


def test_how_long_a_session_takes_is_not_answered_with_how_fast_it_works(bot):
    reply = _first(bot, "How long does a ketamine infusion session take?", "e2e-session")
    assert "articles I draw on" in reply and "hours to" not in reply


def test_an_insurance_complaint_gets_the_cost_topic_not_the_crisis_reply(bot):
    reply = _first(bot, "Why won't my insurance cover this?", "e2e-insurance")
    assert "insurance" in reply.lower() and not any(w in reply for w in CRISIS_WORDING)


def test_asking_how_to_help_a_friend_puts_988_first_without_crisis_wording(bot):
    reply = _first(bot, "How do I ask a friend if they are thinking about suicide?", "e2e-friend")
    assert "988" in reply[:80] and not any(w in reply for w in CRISIS_WORDING)


def test_the_clinics_own_answer_is_given_for_booking(bot):
    reply = _first(bot, "how do i book a first consultation with you", "e2e-booking")
    assert "first consultation" in reply and "articles I draw on" not in reply
