"""Conversation ids on the REST channel are the server's: a stranger cannot
choose one (and so cannot read or write another patient's conversation);
only an integration with the token keeps its own (clinicbot/channels/rest.py)."""

import json
import sqlite3

from launcher import client
from tests.helpers import ends_with_referral

NO_TOKEN = {"Authorization": None}


def _post(bot, body: dict, headers=NO_TOKEN):
    return client.post(bot.url + client.REST_PATH, json.dumps(body).encode(), headers)


def _stored_senders(bot) -> set[str]:
    return {row[0] for row in sqlite3.connect(bot.db_path).execute("select distinct sender_id from events")}


def test_a_message_without_sender_starts_a_conversation_the_replies_name(bot):
    first = _post(bot, {"message": "how fast does ketamine work?"})
    assert first.status == 200 and ends_with_referral(first.body[-1]["text"])
    issued = first.body[0]["recipient_id"]
    assert {reply["recipient_id"] for reply in first.body} == {issued}
    # The id it was given carries the conversation on, with no token.
    second = _post(bot, {"sender": issued, "message": "is it addictive?"})
    assert second.status == 200 and second.body[0]["recipient_id"] == issued
    texts = [
        json.loads(data)["text"]
        for (data,) in sqlite3.connect(bot.db_path).execute(
            "select data from events where sender_id = ? and type_name = 'user' order by id", (issued,)
        )
    ]
    assert texts == ["how fast does ketamine work?", "is it addictive?"]


def test_a_chosen_or_forged_id_is_refused_and_nothing_is_stored(bot):
    issued = _post(bot, {"message": "hello"}).body[0]["recipient_id"]
    tampered = issued[:-1] + ("0" if issued[-1] != "0" else "1")
    for sender in ["me", "x", "another-patient-42", tampered]:
        reply = _post(bot, {"sender": sender, "message": "/restart"})
        assert reply.status == 403, (sender, reply)
        assert "not issued by this assistant" in reply.body["error"]
        assert sender not in _stored_senders(bot)
    wrong_token = _post(bot, {"sender": "me", "message": "hi"}, {"Authorization": "Bearer not-the-token"})
    assert wrong_token.status == 403


def test_an_integration_with_the_token_keeps_its_own_ids(bot):
    reply = client.say(bot.url, "how fast does ketamine work?", sender="portal-patient-7")
    assert reply.status == 200 and reply.body[0]["recipient_id"] == "portal-patient-7"
    assert "portal-patient-7" in _stored_senders(bot)
