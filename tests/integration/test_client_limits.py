"""A single Rasa server (make run, no nginx) limits each client itself: a
flood from one address is refused while another patient is answered."""

from tests.helpers import flood, post_from


def test_a_flood_from_one_address_is_refused_while_other_patients_are_answered(bot):
    statuses = flood(bot.url, source="127.0.0.2")
    assert statuses.count(429) > 0, statuses
    assert 200 in statuses  # limited, not locked out
    assert set(statuses) <= {200, 429}
    assert post_from("127.0.0.3", bot.url, "how fast does ketamine work?") == 200
