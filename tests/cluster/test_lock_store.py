"""The Redis lock store hands out each ticket once, however many servers ask
at the same moment (Rasa's own RedisLockStore does not: clinicbot/stores/lock.py)."""

import uuid
from concurrent.futures import ThreadPoolExecutor

from clinicbot.stores.lock import AtomicRedisLockStore


def test_simultaneous_tickets_are_all_different():
    servers = [AtomicRedisLockStore(host="127.0.0.1", port=6379, db=1) for _ in range(4)]
    conversation = f"tickets-{uuid.uuid4().hex}"
    with ThreadPoolExecutor(max_workers=16) as pool:
        tickets = list(pool.map(lambda i: servers[i % 4].issue_ticket(conversation, 30), range(64)))
    try:
        assert sorted(tickets) == list(range(64))
    finally:
        servers[0].delete_lock(conversation)


def test_finishing_keeps_the_tickets_of_others():
    servers = [AtomicRedisLockStore(host="127.0.0.1", port=6379, db=1) for _ in range(2)]
    conversation = f"cleanup-{uuid.uuid4().hex}"
    first = servers[0].issue_ticket(conversation, 30)
    with ThreadPoolExecutor(max_workers=8) as pool:
        later = list(pool.map(lambda i: servers[i % 2].issue_ticket(conversation, 30), range(8)))
        pool.submit(servers[0].cleanup, conversation, first).result()
    try:
        lock = servers[1].get_lock(conversation)
        assert sorted(t.number for t in lock.tickets) == sorted(later)
    finally:
        servers[0].delete_lock(conversation)
