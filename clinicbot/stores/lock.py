"""Rasa's Redis lock store, made safe for several Rasa servers.

Rasa 3.6's RedisLockStore reads a conversation's ticket lock from Redis,
changes it in Python and writes it back. When two servers do that at the same
moment one overwrites the other: both get the same ticket, both process the
conversation at once, and the SQL tracker store then drops the events of one
of the messages although the patient got an answer (caught by
tests/cluster/test_order.py). Here each read-modify-write runs under a short
per-conversation mutex in Redis (redis-py's Lock, made of atomic commands).

Chosen in endpoints.yml by LOCK_STORE_TYPE=clinicbot.stores.lock.AtomicRedisLockStore
(README, "Scaling out")."""

from typing import Any

from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

# Holding the mutex takes a few Redis round trips; it expires on its own if
# a server dies while holding it.
MUTEX_SECONDS = 5


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig | None = None, **kwargs: Any) -> None:
        if endpoint_config is not None:  # how Rasa creates a lock store named by its module path
            kwargs = {"host": endpoint_config.url or "localhost", **endpoint_config.kwargs}
        super().__init__(**kwargs)

    def _mutex(self, conversation_id: str):
        return self.red.lock(
            f"{self.key_prefix}{conversation_id}:mutex",
            timeout=MUTEX_SECONDS,
            sleep=0.01,
            blocking_timeout=MUTEX_SECONDS,
        )

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with self._mutex(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: str) -> None:
        with self._mutex(conversation_id):
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        # finish_serving, is_someone_waiting and delete_lock as one step.
        with self._mutex(conversation_id):
            super().cleanup(conversation_id, ticket_number)
