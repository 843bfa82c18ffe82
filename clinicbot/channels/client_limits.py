"""Per-client limits inside the Rasa server, for `make run`, where no nginx
stands in front of it: the same numbers as deploy/nginx.conf.template, so a
flood from one address is refused while other patients are still answered.

The machine's own address is exempt, as in nginx: in the cluster every
request arrives from nginx on 127.0.0.1 (nginx has limited it already), and
health checks and `make bench` run on the host."""

import time
from collections.abc import Callable

MESSAGES_PER_SECOND = 10.0
BURST = 40
CONNECTIONS_PER_CLIENT = 20
EXEMPT = frozenset({"127.0.0.1", "::1", ""})
# Addresses remembered at most; past this, the ones whose bucket has refilled are forgotten.
_MAX_TRACKED = 10_000

TOO_FAST = (
    "You're sending messages faster than I can read them. Please wait a few seconds and try again. "
    "If you need help now, call or text 988."
)


class MessageRate:
    """A token bucket per address: BURST messages at once, then MESSAGES_PER_SECOND."""

    def __init__(
        self, rate: float = MESSAGES_PER_SECOND, burst: int = BURST, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self._buckets: dict[str, tuple[float, float]] = {}  # address -> (tokens, when)

    def allow(self, address: str) -> bool:
        if address in EXEMPT:
            return True
        now = self.clock()
        tokens, then = self._buckets.get(address, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - then) * self.rate)
        if len(self._buckets) >= _MAX_TRACKED:
            self._forget_idle(now)
        if tokens < 1:
            self._buckets[address] = (tokens, now)
            return False
        self._buckets[address] = (tokens - 1, now)
        return True

    def _forget_idle(self, now: float) -> None:
        full_after = self.burst / self.rate
        for address, (_, then) in list(self._buckets.items()):
            if now - then >= full_after:
                del self._buckets[address]


class Connections:
    """Open socket.io connections per address, at most CONNECTIONS_PER_CLIENT."""

    def __init__(self, limit: int = CONNECTIONS_PER_CLIENT) -> None:
        self.limit = limit
        self._open: dict[str, int] = {}

    def open(self, address: str) -> bool:
        if address in EXEMPT:
            return True
        if self._open.get(address, 0) >= self.limit:
            return False
        self._open[address] = self._open.get(address, 0) + 1
        return True

    def close(self, address: str) -> None:
        if address in self._open:
            self._open[address] -= 1
            if self._open[address] <= 0:
                del self._open[address]


# One of each per server process, shared by the REST and socket.io channels.
messages = MessageRate()
connections = Connections()
