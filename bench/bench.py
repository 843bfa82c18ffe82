"""`make bench`: does the assistant stay fast when many patients chat at once?

    python -m bench.bench [--model M.tar.gz] [--smoke] [--skip-references] [--out results]

Starts the real servers as `make run` does (launcher.servers: SQL tracker
store on a temporary SQLite file, action server, our REST channel), one Rasa
server per model: ours (config.yml), Rasa's default config on our data and a
one-intent floor model. Then drives them with Locust (bench.load), phase by
phase, the models taking turns so that machine noise hits all of them alike.
Writes <out>/BENCHMARK.md and its plots (bench.bench_report)."""

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import load, training
from bench.bench_report import render
from clinicbot.settings import PROJECT_ROOT
from launcher import client, servers

DEFAULT_CONFIG = PROJECT_ROOT / "bench" / "configs" / "rasa_default.yml"
# Realistic patients pause 3-6 s between messages (reading the answer, typing).
FULL = (
    [load.Phase("single", 1, 30, (0.5, 1.0))]
    + [load.Phase("capacity", n, 20, (0, 0)) for n in (1, 10, 50)]
    + [load.Phase("realistic", n, 60, (3, 6), spawn_rate=20) for n in (50, 200)]
)
SMOKE = [
    load.Phase("single", 1, 5, (0.2, 0.4)),
    load.Phase("capacity", 2, 5, (0, 0)),
    load.Phase("realistic", 2, 5, (0.2, 0.5)),
]
# The floor has no conversations worth holding: capacity and single only.
FLOOR_SHAPES = ("single", "capacity")


@dataclass
class Subject:
    """One model under test and its running Rasa server."""

    trained: training.Trained
    label: str
    startup: float = float("nan")  # process start to first webhook answer
    peak_rss_mb: float = float("nan")
    stats: dict[str, load.Stats] = field(default_factory=dict)
    server: servers.Service | None = None
    url: str = ""


def start(subject: Subject, env: dict[str, str], logs: Path) -> None:
    port = servers.free_port()
    subject.url = f"http://127.0.0.1:{port}"
    subject.server = servers.rasa_server(
        port, env, logs / f"rasa-{subject.trained.name}.log", model=subject.trained.path
    )
    started = time.monotonic()
    subject.server.start()
    subject.server.wait_ready(timeout=300)
    client.messages(subject.url, "hello", "bench-startup")
    subject.startup = time.monotonic() - started
    # Warm-up, not measured: the first calls into TensorFlow are slow.
    for i, turns in enumerate(load.conversations()[:10]):
        for text in turns:
            client.messages(subject.url, text, f"bench-warmup-{i}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", help="benchmark this trained model as ours instead of training config.yml")
    parser.add_argument("--smoke", action="store_true", help="2 users for 5 s per shape (make test)")
    parser.add_argument("--skip-references", action="store_true", help="only our model")
    parser.add_argument(
        "--default-model",
        help="a trained model of bench/configs/rasa_default.yml to reuse "
        "(its training takes about half an hour on this machine)",
    )
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="SECONDS",
        help="also record py-spy samples of our server under 10 users",
    )
    parser.add_argument("--out", default=str(PROJECT_ROOT / "results"))
    args = parser.parse_args(argv)
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    phases = SMOKE if args.smoke else FULL
    load.locust_binary()  # fail before training or starting anything

    with tempfile.TemporaryDirectory(prefix="clinicbot-bench-") as tmp_name:
        tmp = Path(tmp_name)
        ours = (
            training.existing("ours", Path(args.model))
            if args.model
            else training.train("ours", PROJECT_ROOT / "config.yml")
        )
        subjects = [Subject(ours, "ours (config.yml)")]
        if not args.skip_references:
            default = (
                training.existing("rasa_default", Path(args.default_model))
                if args.default_model
                else training.train("rasa_default", DEFAULT_CONFIG)
            )
            subjects += [
                Subject(default, "Rasa default on our data"),
                Subject(training.train_floor(tmp / "floor"), "Rasa floor (1 intent)"),
            ]
        for s in subjects:
            print(
                f"{s.trained.name}: {s.trained.megabytes:.1f} MB, "
                f"{'cached' if s.trained.cached else f'trained in {s.trained.seconds:.0f}s'}",
                flush=True,
            )
        action_port = servers.free_port()
        env = servers.default_env(action_port=action_port, db_path=tmp / "conversations.db")
        env["TRACKER_DB_URL"] = servers.sqlite_url(tmp / "conversations.db")
        env["ACTION_ENDPOINT_URL"] = f"http://127.0.0.1:{action_port}/webhook"
        logs = out / "bench" / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        action = servers.action_server(action_port, env, logs / "actions.log")
        conversations_file = load.write_conversations(tmp / "conversations.json")
        profile = None
        try:
            action.start()
            action.wait_ready(timeout=300)
            # One at a time, so that start-up times are not inflated by each other.
            for s in subjects:
                start(s, env, logs)
                print(f"{s.trained.name}: answering {s.startup:.1f}s after process start", flush=True)
            for phase in phases:
                for s in subjects:
                    if s.trained.name == "floor" and phase.shape not in FLOOR_SHAPES:
                        continue
                    s.stats[phase.key] = load.run(phase, s.url, conversations_file, out / "bench" / s.trained.name)
                    st = s.stats[phase.key]
                    print(
                        f"{s.trained.name} {phase.key}: p50 {st.p50:.0f} ms p95 {st.p95:.0f} ms "
                        f"{st.rps:.1f} msg/s, {st.failures}/{st.requests} failed",
                        flush=True,
                    )
            if args.profile:
                from bench.profile import record

                ours_server = subjects[0].server
                assert ours_server is not None and ours_server.process is not None  # started above
                profile = record(ours_server.process.pid, subjects[0].url, conversations_file, args.profile, out)
            for s in subjects:
                assert s.server is not None and s.server.process is not None  # started above
                s.peak_rss_mb = client.memory_mb(s.server.process.pid, "VmHWM")
            assert action.process is not None  # started above
            action_rss = client.memory_mb(action.process.pid, "VmHWM")
        finally:
            for s in subjects:
                if s.server:
                    s.server.stop()
            action.stop()
    (out / "BENCHMARK.md").write_text(render(subjects, phases, action_rss, profile, out, smoke=args.smoke))
    print(f"wrote {out / 'BENCHMARK.md'}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
