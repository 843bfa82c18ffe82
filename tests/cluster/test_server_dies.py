"""A crash is not an outage: `kill -9` of one Rasa server while patients
talk through nginx. The other server answers; after the first seconds no
message fails; supervisord starts the killed one again, which answers within
a minute and carries on the conversations with their history; every message
that got a 200 is stored. The figures go to results/cluster/server_dies.json."""

import json
import os
import signal
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from clinicbot.settings import PROJECT_ROOT
from launcher import servers
from tests.cluster.support import FOLLOW_UP, QUESTIONS, send, texts

WORKERS, MESSAGES = 8, 10  # patients at once; messages in each conversation
KILL_AFTER = 40  # answered messages before the kill
GRACE = 5.0  # seconds after the kill in which the messages in flight may fail
BACK_WITHIN = 60.0
AFTER_BACK = 5.0  # the load goes on this long once the killed server answers again


def _matched(turns, exchange, start):
    """Index after `exchange` (user text, replies) found contiguously at or after `start`, else None."""
    text, replies = exchange
    block = [("user", text)] + [("bot", r) for r in replies]
    for i in range(start, len(turns) - len(block) + 1):
        if turns[i : i + len(block)] == block:
            return i + len(block)
    return None


def test_a_killed_server_is_restarted_while_the_other_answers(cluster):
    run = uuid.uuid4().hex[:8]
    victim = cluster.handle.rasa[0]
    victim_url = cluster.rasa_urls[0] + "/"
    before = victim.process
    assert before is not None and before.poll() is None
    answered, lock = [0], threading.Lock()
    loaded, stop = threading.Event(), threading.Event()
    killed_at: list[float] = []
    back_at: list[float] = []

    def patient(worker):
        """Conversations of MESSAGES messages each, one after another, until told to stop."""
        log = []
        n = 0
        while not stop.is_set():
            sender = f"dies-{run}-{worker}-{n}"
            for text in QUESTIONS[:MESSAGES]:
                started = time.monotonic()
                status, body = send(cluster.url, sender, text)
                ok = status == 200
                log.append(
                    {
                        "sender": sender,
                        "text": text,
                        "status": status,
                        "replies": texts(body) if ok else [],
                        "started": started,
                        "ended": time.monotonic(),
                        "body": None if ok else body,
                    }
                )
                if ok:
                    with lock:
                        answered[0] += 1
                        if answered[0] >= KILL_AFTER:
                            loaded.set()
            n += 1
        return log

    def kill_then_watch():
        assert loaded.wait(300), "the cluster never answered enough messages"
        os.killpg(before.pid, signal.SIGKILL)  # the whole process group, no goodbye
        killed_at.append(time.monotonic())
        try:
            while time.monotonic() - killed_at[0] < BACK_WITHIN + 30:
                if before.poll() is not None and servers.answers(victim_url):
                    back_at.append(time.monotonic())
                    time.sleep(AFTER_BACK)  # the restarted server takes its share again
                    return
                time.sleep(0.5)
        finally:
            stop.set()

    watcher = threading.Thread(target=kill_then_watch)
    watcher.start()
    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        logs = list(pool.map(patient, range(WORKERS)))
    load_seconds = time.monotonic() - began
    watcher.join()
    entries = [entry for log in logs for entry in log]
    assert killed_at, "the load finished before the kill"
    killed = killed_at[0]

    # Back within a minute, as a new process that supervisord started.
    assert back_at, f"the killed server did not answer within {BACK_WITHIN + 30:.0f}s:\n{victim.log_tail()}"
    back_seconds = back_at[0] - killed
    after = victim.process
    assert after is not None and after.pid != before.pid and after.poll() is None

    # After the first seconds, no message fails; before that only those in flight.
    failed = [e for e in entries if e["status"] != 200]
    late_failures = [e for e in failed if e["started"] >= killed + GRACE]
    in_grace = [e for e in failed if e["started"] < killed + GRACE]
    while_down = [e for e in entries if killed + GRACE <= e["started"] < back_at[0]]
    after_back = [e for e in entries if e["started"] >= back_at[0]]

    # Every 200 is stored, in order; a failed message adds at most itself.
    lost = 0
    for sender in {e["sender"] for e in entries}:
        turns = cluster.store.turns(sender)
        sent = [e for e in entries if e["sender"] == sender]
        position = 0
        for entry in sent:
            if entry["status"] == 200:
                found = _matched(turns, (entry["text"], entry["replies"]), position)
                if found is None:
                    lost += 1
                else:
                    position = found
        stored_users = sum(1 for kind, _ in turns if kind == "user")
        ok_count = sum(1 for e in sent if e["status"] == 200)
        assert ok_count <= stored_users <= len(sent), (sender, turns)

    # The restarted server carries on conversations from before the kill.
    continued = sorted({e["sender"] for e in entries if e["ended"] < killed and e["status"] == 200})[:WORKERS]
    for sender in continued:
        status, body = send(cluster.rasa_urls[0], sender, QUESTIONS[0])
        assert status == 200, body
        status, body = send(cluster.rasa_urls[0], sender, FOLLOW_UP)
        assert status == 200, body
        follow_up = texts(body)
        assert "SSRI" in follow_up[0] or "antidepressant" in follow_up[0].lower(), follow_up

    errors: dict[str, int] = {}
    for entry in failed:
        errors[str(entry["status"])] = errors.get(str(entry["status"]), 0) + 1
    figures = {
        "messages_sent": len(entries),
        "answered_200": len(entries) - len(failed),
        "lost_of_200": lost,
        "failed_in_first_seconds": len(in_grace),
        "failed_after_first_seconds": len(late_failures),
        "grace_seconds": GRACE,
        "errors_by_status": errors,
        "messages_while_down": len(while_down),
        "messages_after_back": len(after_back),
        "seconds_until_killed_server_answers_again": round(back_seconds, 1),
        "load_seconds": round(load_seconds, 1),
        "conversations_continued_on_restarted_server": len(continued),
    }
    out = PROJECT_ROOT / "results" / "cluster"
    out.mkdir(parents=True, exist_ok=True)
    (out / "server_dies.json").write_text(json.dumps(figures, indent=2))
    print("\nA server dies:", json.dumps(figures))
    assert lost == 0, figures
    assert not late_failures, (figures, late_failures[:3])
    assert len(in_grace) <= WORKERS, figures  # at most the messages in flight at the kill
    assert back_seconds <= BACK_WITHIN, figures
    assert while_down and after_back, figures  # the load went on throughout
