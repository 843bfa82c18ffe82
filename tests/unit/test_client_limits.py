"""Per-client limits of the Rasa server itself (clinicbot/channels/client_limits.py)."""

from clinicbot.channels.client_limits import Connections, MessageRate


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_is_allowed_then_the_rate_and_other_addresses_are_untouched():
    clock = Clock()
    rate = MessageRate(rate=10, burst=40, clock=clock)
    allowed = [rate.allow("203.0.113.9") for _ in range(60)]
    assert allowed.count(True) == 40 and not any(allowed[40:])
    assert rate.allow("198.51.100.4")  # another patient
    clock.now += 0.5  # half a second refills five
    assert [rate.allow("203.0.113.9") for _ in range(6)] == [True] * 5 + [False]


def test_the_machines_own_address_is_exempt():
    rate = MessageRate(rate=1, burst=1, clock=Clock())
    assert all(rate.allow("127.0.0.1") for _ in range(100))


def test_idle_addresses_are_forgotten_when_many_are_tracked(monkeypatch):
    from clinicbot.channels import client_limits

    monkeypatch.setattr(client_limits, "_MAX_TRACKED", 100)
    clock = Clock()
    rate = MessageRate(rate=10, burst=40, clock=clock)
    for i in range(100):
        rate.allow(f"10.0.0.{i}")
    clock.now += 10  # every bucket has refilled
    rate.allow("10.0.1.1")
    assert len(rate._buckets) == 1


def test_connections_per_address_are_capped_and_freed_on_close():
    connections = Connections(limit=2)
    assert connections.open("203.0.113.9") and connections.open("203.0.113.9")
    assert not connections.open("203.0.113.9")
    assert connections.open("198.51.100.4")
    connections.close("203.0.113.9")
    assert connections.open("203.0.113.9")
