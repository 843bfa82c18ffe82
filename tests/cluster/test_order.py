"""Order and completeness: 50 conversations of 10 messages, sent concurrently,
each message to the other Rasa server than the one before. PostgreSQL must
then hold every user message followed by the bot replies it got, in order,
and nothing else."""

import uuid
from concurrent.futures import ThreadPoolExecutor

from tests.cluster.support import QUESTIONS, expected_turns, send, texts

CONVERSATIONS, MESSAGES, WORKERS = 50, 10, 12


def test_every_conversation_is_stored_whole_and_in_order(cluster):
    run = uuid.uuid4().hex[:8]

    def converse(index):
        sender = f"order-{run}-{index:02d}"
        exchanges, problems = [], []
        for n in range(MESSAGES):
            server = cluster.rasa_urls[(index + n) % 2]  # alternate; half start on each server
            text = QUESTIONS[n]
            status, body = send(server, sender, text)
            if status != 200 or not body:
                problems.append((n, status, body))
            else:
                exchanges.append((text, texts(body)))
        return sender, exchanges, problems

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        results = list(pool.map(converse, range(CONVERSATIONS)))

    assert [p for _, _, problems in results for p in problems] == []
    assert len(cluster.store.senders(f"order-{run}-")) == CONVERSATIONS
    for sender, exchanges, _ in results:
        assert cluster.store.turns(sender) == expected_turns(exchanges), sender
        # The follow-up was answered from the history the other server stored.
        follow_ups = [replies for text, replies in exchanges if text == QUESTIONS[1]]
        assert "SSRI" in follow_ups[0][0] or "antidepressant" in follow_ups[0][0].lower()


def test_simultaneous_messages_of_one_conversation_are_taken_in_turn(cluster):
    """Two messages of one conversation at the same moment, one per server:
    the Redis lock store makes the servers take them one after the other, so
    each stored user message is followed by its own replies, none lost."""
    run = uuid.uuid4().hex[:8]
    senders = [f"pair-{run}-{i:02d}" for i in range(10)]
    jobs = [
        (sender, url, text)
        for sender in senders
        for url, text in zip(cluster.rasa_urls, ["is ketamine addictive?", "how is ketamine given?"])
    ]
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        answers = list(pool.map(lambda job: (job, send(job[1], job[0], job[2])), jobs))

    by_sender = {}
    for (sender, _, text), (status, body) in answers:
        assert status == 200 and body, (sender, status, body)
        by_sender.setdefault(sender, []).append((text, texts(body)))
    for sender, exchanges in by_sender.items():
        turns = cluster.store.turns(sender)
        # Stored in whichever order the lock granted, but never interleaved.
        assert turns in (expected_turns(exchanges), expected_turns(exchanges[::-1])), sender
