"""Chat ids the socket.io channel issues: kept across reloads, never made up."""

from clinicbot.channels import session_ids


def test_an_issued_id_is_recognised_and_a_made_up_or_altered_one_is_not(monkeypatch):
    monkeypatch.setenv(session_ids.SECRET_ENV, "a" * 64)
    issued = session_ids.issue()
    assert session_ids.is_issued(issued)
    assert issued != session_ids.issue()
    random_part, mac = issued.split(".")
    for forged in ("me", "x", random_part, f"{random_part}.{'0' * 20}", f"{'f' * 32}.{mac}", None, 42, issued + " "):
        assert not session_ids.is_issued(forged), forged
    monkeypatch.setenv(session_ids.SECRET_ENV, "b" * 64)  # another deployment's secret
    assert not session_ids.is_issued(issued)
