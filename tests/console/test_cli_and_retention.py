"""The command line, and the retention purge on a database of its own."""

import csv
import io
import threading
import time

import pytest
import sqlalchemy as sa

from console import __main__ as cli
from console import db, index, retention


def run(capsys, db_url, *argv):
    code = cli.main(["--db", db_url, *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_list_with_filters(capsys, db_url, recorded, engine):
    code, out, _ = run(capsys, db_url, "list", "--flag", "crisis")
    assert code == 0
    assert recorded.senders["crisis"] in out and recorded.senders["advice"] not in out
    code, out, _ = run(capsys, db_url, "list", "--q", "' OR 1=1 --")
    assert "1 conversation(s)" in out and recorded.senders["sql"] in out


def test_cli_show_prints_and_logs(capsys, db_url, recorded, engine):
    sender = recorded.senders["pii"]
    code, out, _ = run(capsys, db_url, "show", sender)
    assert code == 0 and "[email]" in out and "pat@example.org" not in out
    with engine.connect() as conn:
        who = (
            conn.execute(
                sa.select(db.access_log.c.username)
                .where(db.access_log.c.sender_id == sender)
                .where(db.access_log.c.action == "view")
            )
            .scalars()
            .all()
        )
    assert any(name.startswith("cli:") for name in who)
    assert run(capsys, db_url, "show", "no-such-conversation")[0] == 1


def test_cli_export_csv_and_jsonl(capsys, db_url, recorded, tmp_path):
    target = tmp_path / "out.csv"
    assert run(capsys, db_url, "export", "--format", "csv", "--flag", "emergency", "--out", str(target))[0] == 0
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert {r["sender_id"] for r in rows} == {recorded.senders["emergency"]}
    assert target.stat().st_mode & 0o777 == 0o600, "an export holds patients' words"
    code, out, _ = run(capsys, db_url, "export", "--format", "jsonl", "--intent", "ask_personal_advice")
    assert recorded.senders["advice"] in out and recorded.senders["crisis"] not in out


def test_cli_inbox_export_is_rasa_nlu(capsys, db_url):
    code, out, _ = run(capsys, db_url, "inbox-export")
    assert code == 0 and out.startswith('version: "3.1"') and "nlu:" in out


def test_cli_create_user_rules(capsys, db_url, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    code, _, err = run(capsys, db_url, "create-user", "dr.who", "--password-stdin")
    assert code == 1 and "at least" in err
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough passphrase\n"))
    assert run(capsys, db_url, "create-user", "dr.who", "--password-stdin")[0] == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough passphrase\n"))
    code, _, err = run(capsys, db_url, "create-user", "dr.who", "--password-stdin")
    assert code == 1 and "exists" in err


@pytest.fixture
def aged(clone, backend, recorded):
    """A database of its own where two conversations are 100 days old and
    have console rows (review, tag, note, message copies)."""
    url = clone(backend)
    engine = db.make_engine(url)
    index.sync(engine)
    old = [recorded.senders["crisis"], recorded.senders["sql"]]
    shift = 100 * 86400
    with engine.begin() as conn:
        # Test set-up only: move two conversations into the past.
        conn.execute(
            db.events.update().where(db.events.c.sender_id.in_(old)).values(timestamp=db.events.c.timestamp - shift)
        )
        conn.execute(db.reviews.insert().values(sender_id=old[0], reviewed_by="x", reviewed_at=time.time()))
        conn.execute(db.tags.insert().values(sender_id=old[0], tag="old"))
        conn.execute(db.notes.insert().values(sender_id=old[0], author="x", text="n", at=time.time()))
    yield url, engine, old
    engine.dispose()


TABLES = db.PER_CONVERSATION  # before any test patches it


def _counts(engine, senders):
    with engine.connect() as conn:
        counts = {"events": conn.execute(sa.select(sa.func.count()).where(db.events.c.sender_id.in_(senders))).scalar()}
        for table in TABLES:
            counts[table.name] = conn.execute(
                sa.select(sa.func.count()).select_from(table).where(table.c.sender_id.in_(senders))
            ).scalar()
    return counts


def test_purge_dry_run_deletes_nothing(capsys, aged, recorded):
    url, engine, old = aged
    before = _counts(engine, old)
    code, out, _ = run(capsys, url, "purge", "--dry-run")  # default days from clinic.yml (90)
    assert code == 0 and "Would delete 2 conversation(s)" in out
    assert all(sender in out for sender in old)
    assert _counts(engine, old) == before and before["events"] > 0 and before["console_tags"] == 1


def test_purge_removes_whole_old_conversations_only(capsys, aged, recorded):
    url, engine, old = aged
    kept = [recorded.senders["advice"], recorded.senders["thumbs_down"]]
    kept_before = _counts(engine, kept)
    code, out, _ = run(capsys, url, "purge", "--days", "90")
    assert code == 0 and "Deleted 2 conversation(s)" in out
    assert set(_counts(engine, old).values()) == {0}
    assert _counts(engine, kept) == kept_before
    assert run(capsys, url, "purge", "--days", "0")[0] == 1  # refuses to delete everything by accident


def test_purge_is_all_or_nothing(aged, monkeypatch):
    url, engine, old = aged
    before = _counts(engine, old)
    broken = sa.Table("console_missing_table", sa.MetaData(), sa.Column("sender_id", sa.String(255)))
    # Fails after the events were deleted inside the transaction.
    monkeypatch.setattr(db, "PER_CONVERSATION", db.PER_CONVERSATION + (broken,))
    with pytest.raises(sa.exc.DBAPIError):
        retention.purge(engine, 90)
    assert _counts(engine, old) == before


def test_a_message_arriving_while_the_purge_runs_is_kept(aged, monkeypatch):
    url, engine, old = aged
    planned = retention.plan

    def plan_then_a_message_arrives(conn, days, now=None):
        found = planned(conn, days, now)
        e = db.events.c
        latest = conn.execute(
            sa.select(e.type_name, e.data, e.intent_name, e.action_name)
            .where(e.sender_id == old[0])
            .where(e.type_name == "user")
            .order_by(e.id.desc())
        ).first()
        next_id = conn.execute(sa.select(sa.func.max(e.id))).scalar() + 1  # Rasa's sequence is client-side
        conn.execute(db.events.insert().values(id=next_id, sender_id=old[0], timestamp=time.time(), **latest._mapping))
        return found

    monkeypatch.setattr(retention, "plan", plan_then_a_message_arrives)
    retention.purge(engine, 90)
    survivor = _counts(engine, [old[0]])
    assert survivor["events"] == 1, "the new message is kept"
    assert survivor["console_reviews"] == 1 and survivor["console_tags"] == 1 and survivor["console_notes"] == 1
    assert set(_counts(engine, [old[1]]).values()) == {0}


def test_the_console_purges_by_itself(aged):
    url, engine, old = aged
    stop = threading.Event()
    retention.run_daily(engine, interval=0.2, stop=stop)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and _counts(engine, old)["events"]:
            time.sleep(0.2)
    finally:
        stop.set()
    assert set(_counts(engine, old).values()) == {0}


def test_the_purge_forgets_old_sign_in_attempts_and_the_details_of_old_access(aged):
    url, engine, old = aged
    long_ago, recent = time.time() - 100 * 86400, time.time()
    with engine.begin() as conn:
        for at in (long_ago, recent):
            conn.execute(
                db.login_attempts.insert().values(username="kim", remote_addr="10.0.0.1", at=at, success=False)
            )
            conn.execute(
                db.access_log.insert().values(username="kim", action="export", detail="search='my pills'", at=at)
            )
    retention.purge(engine, 90)
    with engine.connect() as conn:
        attempts = conn.execute(sa.select(db.login_attempts.c.at).where(db.login_attempts.c.username == "kim")).all()
        log = conn.execute(
            sa.select(db.access_log.c.at, db.access_log.c.action, db.access_log.c.detail)
            .where(db.access_log.c.username == "kim")
            .order_by(db.access_log.c.at)
        ).all()
    assert [round(a) for (a,) in attempts] == [round(recent)]
    assert [(action, detail) for _, action, detail in log] == [("export", ""), ("export", "search='my pills'")]
