"""Where the Rasa server's time goes under load: py-spy samples (from
.venv-bench) taken while 10 patients chat without pause, grouped by stage."""

import re
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench import load

# Checked in order against a whole stack: the first match names the stage.
STAGES = [
    ("tracker store (SQL)", ("tracker_store.py", "sqlalchemy", "sqlite")),
    (
        "NLU pipeline",
        ("rasa/nlu/", "crisis_guard.py", "linear_classifier.py", "sentence_encoder.py", "tensorflow", "keras"),
    ),
    ("dialogue policies", ("rasa/core/policies/",)),
    ("responses and actions", ("rasa/core/nlg", "clinicbot/nlg.py", "rasa/core/actions/")),
    ("model graph plumbing", ("rasa/engine/",)),
    ("HTTP, channel and event loop", ("sanic", "asyncio", "uvloop", "rest_channel", "rasa/core/channels")),
]
_IDLE = re.compile(r"^serve \(.*sanic/.*runners\.py")
_LINE = re.compile(r":\d+\)$")  # "parse (rasa/core/agent.py:123)" -> "parse (rasa/core/agent.py)"


@dataclass
class Profile:
    samples: int  # busy samples (the shares are of these)
    idle: int  # samples of the event loop waiting
    stages: list[tuple[str, float]]  # stage, share of samples
    functions: list[tuple[str, float]]  # rasa/clinicbot function, inclusive share
    raw: Path


def record(pid: int, url: str, conversations_file: Path, seconds: int, out: Path) -> Profile:
    raw = out / "bench" / "profile-ours.txt"
    raw.parent.mkdir(parents=True, exist_ok=True)
    spy = subprocess.Popen(
        [
            str(load.BENCH_VENV / "bin" / "py-spy"),
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(seconds),
            "--rate",
            "100",
            "--format",
            "raw",
            "--nonblocking",
            "--output",
            str(raw),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    load.run(load.Phase("profile", 10, seconds, (0, 0)), url, conversations_file, out / "bench" / "profile")
    _, error = spy.communicate(timeout=seconds + 60)
    if spy.returncode or not raw.exists():
        raise RuntimeError(f"py-spy failed: {error.decode(errors='replace')[-500:]}")
    return summarise(raw)


def summarise(raw: Path, top: int = 15) -> Profile:
    stages: Counter[str] = Counter()
    functions: Counter[str] = Counter()
    total, idle = 0, 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n = int(count)
        if _IDLE.search(stack.rsplit(";", 1)[-1]):
            idle += n  # the event loop waiting in uvloop's C code: not work
            continue
        total += n
        stages[next((name for name, marks in STAGES if any(m in stack for m in marks)), "other")] += n
        # Inclusive: each of our or Rasa's functions once per stack.
        for frame in {_LINE.sub(")", f) for f in stack.split(";") if "rasa/" in f or "clinicbot/" in f}:
            functions[frame] += n
    # Entry points (main, serve_application…) are in every stack and say nothing.
    functions = Counter({k: v for k, v in functions.items() if v < 0.9 * total})
    share = lambda counter: [(k, v / max(total, 1)) for k, v in counter.most_common(top)]  # noqa: E731
    return Profile(total, idle, share(stages), share(functions), raw)
