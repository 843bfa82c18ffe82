"""Soak run: steady load on the scaled-out cluster, memory over time, every error.

    python -m bench.soak --minutes 10          (`make soak`; SOAK_MINUTES=1 for a quick look)

Starts its own cluster (launcher/cluster.py) on free ports against a
database of its own (dropped afterwards), sends conversations through nginx
at a steady rate, samples the resident memory of every service each
--sample seconds, and writes results/soak/soak-<time>.json and .csv. Exits 1
if any message failed."""

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from clinicbot.settings import PROJECT_ROOT
from launcher import client, servers
from launcher import cluster as clusters

QUESTIONS = [
    "how fast does ketamine work?",
    "and for SSRIs?",
    "what are the side effects of ketamine?",
    "is ketamine addictive?",
    "how is ketamine given?",
    "thanks",
]


def send(url: str, sender: str, text: str) -> tuple[int, str]:
    """(status, problem): problem is empty when the bot answered."""
    reply = client.say(url, text, sender)
    if reply.status == 200:
        return reply.status, "" if reply.body else "empty reply"
    return reply.status, str(reply.body)[:200]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--rate", type=float, default=8, help="messages per second in all (default 8)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--sample", type=float, default=15, help="seconds between memory samples")
    args = parser.parse_args(argv)

    db_name = f"clinicbot_soak_{uuid.uuid4().hex[:8]}"
    action_port = servers.free_port()
    env = {
        **servers.default_env(action_port=action_port),
        "TRACKER_DB_URL": f"postgresql://postgres@127.0.0.1:5432/{db_name}",
        "LOCK_STORE_TYPE": clusters.LOCK_STORE,
    }
    var = Path(tempfile.mkdtemp(prefix="soak-"))
    cluster = clusters.Cluster(env, var, servers.free_port(), [servers.free_port(), servers.free_port()], action_port)
    stats: dict[str, Any] = {"sent": 0, "ok": 0, "errors": {}, "latencies": [], "error_samples": []}
    lock, stop = threading.Lock(), threading.Event()
    interval = args.workers / args.rate  # each worker's pace

    def worker(number: int) -> None:
        conversation = 0
        while not stop.is_set():
            conversation += 1
            sender = f"soak-{number}-{conversation}"
            for text in QUESTIONS:
                if stop.is_set():
                    return
                started = time.monotonic()
                status, problem = send(cluster.url, sender, text)
                took = time.monotonic() - started
                with lock:
                    stats["sent"] += 1
                    stats["latencies"].append(took)
                    if status == 200 and not problem:
                        stats["ok"] += 1
                    else:
                        key = f"{status} {problem[:60]}"
                        stats["errors"][key] = stats["errors"].get(key, 0) + 1
                        if len(stats["error_samples"]) < 20:
                            stats["error_samples"].append(
                                {"sender": sender, "text": text, "status": status, "problem": problem}
                            )
                stop.wait(max(0.0, interval - took))

    samples = []
    try:
        print(f"Starting the cluster (logs in {var})…", flush=True)
        cluster.start(report=lambda line: print(line, flush=True))
        names = {
            "actions": cluster.actions,
            "rasa-1": cluster.rasa[0],
            "rasa-2": cluster.rasa[1],
            "nginx": cluster.nginx,
        }
        processes: dict[str, subprocess.Popen] = {}
        for label, service in names.items():
            assert service.process is not None  # cluster.start() started every service
            processes[label] = service.process
        threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(args.workers)]
        began = time.monotonic()
        for thread in threads:
            thread.start()
        print(f"Load: {args.rate:g} messages/s for {args.minutes:g} min through {cluster.url}", flush=True)
        while True:
            elapsed = time.monotonic() - began
            with lock:
                row = {
                    "seconds": round(elapsed),
                    "sent": stats["sent"],
                    "ok": stats["ok"],
                    "errors": sum(stats["errors"].values()),
                }
            row.update({name: client.memory_mb(p.pid) for name, p in processes.items()})
            samples.append(row)
            print("  " + "  ".join(f"{k}={v}" for k, v in row.items()), flush=True)
            dead = [name for name, p in processes.items() if p.poll() is not None]
            if dead or elapsed >= args.minutes * 60:
                break
            time.sleep(min(args.sample, max(0.5, args.minutes * 60 - elapsed)))
        stop.set()
        for thread in threads:
            thread.join(70)
    finally:
        stop.set()
        cluster.stop()
        try:
            clusters.drop_database(env["TRACKER_DB_URL"])
        except Exception as error:
            print(f"Could not drop {db_name}: {error}", file=sys.stderr)

    latencies = sorted(stats["latencies"]) or [0.0]
    pick = lambda q: round(latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000)  # noqa: E731
    memory = (
        {
            name: {"first_mb": samples[0][name], "last_mb": samples[-1][name], "max_mb": max(s[name] for s in samples)}
            for name in names
        }
        if samples
        else {}
    )
    report = {
        "minutes": args.minutes,
        "rate_per_s": args.rate,
        "sent": stats["sent"],
        "ok": stats["ok"],
        "errors": stats["errors"],
        "error_samples": stats["error_samples"],
        "latency_ms": {"p50": pick(0.5), "p95": pick(0.95), "max": round(latencies[-1] * 1000)},
        "memory": memory,
        "dead_services": dead,
        "samples": samples,
    }
    out = PROJECT_ROOT / "results" / "soak"
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (out / f"soak-{stamp}.json").write_text(json.dumps(report, indent=2))
    with open(out / f"soak-{stamp}.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(samples[0]) if samples else ["seconds"])
        writer.writeheader()
        writer.writerows(samples)
    print(
        f"\nSent {report['sent']}, answered {report['ok']}, errors {sum(stats['errors'].values())} "
        f"{stats['errors'] or ''}\nLatency p50 {report['latency_ms']['p50']} ms, p95 {report['latency_ms']['p95']} "
        f"ms\nMemory (MB, first → last, max): "
        + "; ".join(f"{n} {m['first_mb']} → {m['last_mb']} ({m['max_mb']})" for n, m in memory.items())
        + f"\nWritten: results/soak/soak-{stamp}.json and .csv"
    )
    return 1 if stats["errors"] or dead else 0


if __name__ == "__main__":
    sys.exit(main())
