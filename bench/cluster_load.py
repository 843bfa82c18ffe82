"""Realistic patients against a running `make run-cluster` (two Rasa servers
behind nginx, PostgreSQL tracker store, Redis lock store):

    make run-cluster                      # in one terminal
    .venv/bin/python -m bench.cluster_load [--users 200] [--seconds 60]

The same Locust shape as `make bench`'s realistic phase (3-6 s between a
patient's messages), through nginx on CLUSTER_PORT (5080). Prints p50/p95/p99,
messages per second and errors; Locust's CSVs go to results/bench/cluster/."""

import argparse
import os
import sys
import tempfile
from pathlib import Path

from bench import load
from clinicbot.settings import PROJECT_ROOT


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--url", default=f"http://127.0.0.1:{os.environ.get('CLUSTER_PORT', '5080')}")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        conversations = load.write_conversations(Path(tmp) / "conversations.json")
        phase = load.Phase("realistic", args.users, args.seconds, (3, 6), spawn_rate=20)
        st = load.run(phase, args.url, conversations, PROJECT_ROOT / "results" / "bench" / "cluster")
    print(
        f"{args.users} realistic patients through {args.url}: p50 {st.p50:.0f} ms, p95 {st.p95:.0f} ms, "
        f"p99 {st.p99:.0f} ms, {st.rps:.1f} msg/s, {st.failures}/{st.requests} failed"
    )
    return 1 if st.failures else 0


if __name__ == "__main__":
    sys.exit(main())
