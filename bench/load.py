"""Run one Locust phase headless (from .venv-bench) and read its figures.

Locust's own requirements move Rasa's pins, so it runs as a separate program
from its own virtual environment; we only read the CSV it writes."""

import csv
import json
import os
import random
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench import nlu_trial
from clinicbot.settings import PROJECT_ROOT
from corpus import load_yaml, strip_annotations

BENCH_VENV = Path(os.environ.get("BENCH_VENV", PROJECT_ROOT / ".venv-bench"))
LOCUSTFILE = PROJECT_ROOT / "bench" / "locustfile.py"


@dataclass
class Phase:
    shape: str  # capacity | realistic | single
    users: int
    seconds: int
    think: tuple[float, float]  # pause between a patient's messages
    spawn_rate: float = 0.0  # users started per second; 0: all at once

    @property
    def key(self) -> str:
        return f"{self.shape}-{self.users}"


@dataclass
class Stats:
    requests: int
    failures: int
    p50: float
    p95: float
    p99: float
    rps: float


def conversations(stories_dir: Path = PROJECT_ROOT / "tests" / "stories", per_patient: int = 3) -> list[list[str]]:
    """What the simulated patients say: the user turns of every multi-turn
    test story, in order (annotations removed), and single questions grouped
    `per_patient` at a time. The single questions are the one-question test
    stories plus every regression question (nlu_trial.QUESTION_SET): story
    texts are tidy, and those questions are written as patients write
    (long, misspelt), which is what decides whether our intent classifier
    needs its sentence encoder. Shuffled with a fixed seed, so runs compare."""
    multi, questions = [], []
    for path in sorted(stories_dir.glob("*.yml")):
        for story in load_yaml(path).get("stories", []):
            turns = [strip_annotations(step["user"].strip()) for step in story["steps"] if "user" in step]
            if len(turns) > 1:
                multi.append(turns)
            elif turns:
                questions.append(turns[0])
    for pairs in nlu_trial.load_sets(names=(nlu_trial.QUESTION_SET,)).values():
        questions += [text for _, text in pairs]
    random.Random(0).shuffle(questions)
    return multi + [questions[i : i + per_patient] for i in range(0, len(questions), per_patient)]


def write_conversations(path: Path) -> Path:
    path.write_text(json.dumps(conversations()), encoding="utf-8")
    return path


def locust_binary() -> Path:
    binary = BENCH_VENV / "bin" / "locust"
    if not binary.exists():
        raise FileNotFoundError(f"{binary} is missing: run `make bench-install`.")
    return binary


def run(phase: Phase, host: str, conversations_file: Path, out: Path) -> Stats:
    """Drive `host` for phase.seconds; stats exclude the ramp-up (--reset-stats)."""
    out.mkdir(parents=True, exist_ok=True)
    prefix = out / phase.key
    env = {**os.environ, "BENCH_CONVERSATIONS": str(conversations_file), "BENCH_THINK": ",".join(map(str, phase.think))}
    command = [
        str(locust_binary()),
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--host",
        host,
        "--users",
        str(phase.users),
        "--spawn-rate",
        str(phase.spawn_rate or phase.users),
        "--run-time",
        f"{phase.seconds}s",
        "--reset-stats",
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--exit-code-on-error",
        "0",
    ]
    with open(f"{prefix}.log", "wb") as log:
        # Bounded: Locust stops itself after run-time; the timeout is a backstop.
        subprocess.run(
            command,
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=phase.seconds + 120,
            check=True,
        )
    return read_stats(Path(f"{prefix}_stats.csv"))


def read_stats(path: Path) -> Stats:
    with path.open(newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["Name"] == "Aggregated")

    def number(column: str) -> float:
        value = row.get(column, "")
        return float(value) if value not in ("", "N/A") else float("nan")

    return Stats(
        int(row["Request Count"]),
        int(row["Failure Count"]),
        number("50%"),
        number("95%"),
        number("99%"),
        number("Requests/s"),
    )
