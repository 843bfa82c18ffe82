"""Train the models that evaluate and bench compare, timed, as `rasa train` does.

A model is kept under results/models/ with its training time, keyed by a hash
of its config, domain, data and Rasa version: `make evaluate` and `make bench`
then share one training, and a change to any input trains again."""

import hashlib
import json
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from clinicbot.settings import PROJECT_ROOT
from launcher import servers

# Rasa's default config (DIET with a transformer, TED, UnexpecTED) took 17
# minutes on 2,700 examples and more than 30 on 3,500 longer ones on the
# 2-core machine; the timeout only catches a training that hangs.
TRAINING_TIMEOUT = 3 * 60 * 60

MODELS = PROJECT_ROOT / "results" / "models"


@dataclass
class Trained:
    name: str
    path: Path
    seconds: float  # wall time of `rasa train`, process start to model written
    trained_at: str  # when that training ran (UTC)
    cached: bool  # reused from an earlier run with the same inputs

    @property
    def megabytes(self) -> float:
        return self.path.stat().st_size / 1e6


def fingerprint(paths: list[Path]) -> str:
    import rasa

    digest = hashlib.sha256(rasa.__version__.encode())
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(path if path.is_dir() else path.parent)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


def train(
    name: str,
    config: Path,
    domain: Path = PROJECT_ROOT / "domain.yml",
    data: Path = PROJECT_ROOT / "data",
    out: Path = MODELS,
    reuse: bool = True,
    log: Path | None = None,
) -> Trained:
    key = f"{name}-{fingerprint([config, domain, data])}"
    model, meta = out / f"{key}.tar.gz", out / f"{key}.json"
    if reuse and model.exists() and meta.exists():
        recorded = json.loads(meta.read_text())
        return Trained(name, model, recorded["seconds"], recorded["trained_at"], cached=True)
    out.mkdir(parents=True, exist_ok=True)
    command = [
        str(servers.VENV_BIN / "rasa"),
        "train",
        "--config",
        str(config),
        "--domain",
        str(domain),
        "--data",
        str(data),
        "--out",
        str(out),
        "--fixed-model-name",
        key,
        "--force",
        "--quiet",
    ]
    log = log or out / f"{key}.log"
    started = time.monotonic()
    with open(log, "wb") as handle:
        done = subprocess.run(
            command,
            cwd=PROJECT_ROOT,
            env=servers.default_env(),
            stdout=handle,
            stderr=subprocess.STDOUT,
            timeout=TRAINING_TIMEOUT,
        )
    seconds = time.monotonic() - started
    if done.returncode or not model.exists():
        raise RuntimeError(f"rasa train {config} failed; see {log}")
    trained_at = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    meta.write_text(json.dumps({"seconds": seconds, "trained_at": trained_at}))
    return Trained(name, model, seconds, trained_at, cached=False)


def existing(name: str, model: Path) -> Trained:
    """A model trained elsewhere (e.g. by `make train`), with the training time
    recorded next to it when it came from train()."""
    meta = model.with_name(model.name.replace(".tar.gz", ".json"))
    if meta.exists():
        recorded = json.loads(meta.read_text())
        return Trained(name, model, recorded["seconds"], recorded["trained_at"], cached=True)
    return Trained(name, model, float("nan"), "before this run", cached=True)


FLOOR_DOMAIN = """version: "3.1"
intents:
  - greet
responses:
  utter_greet:
    - text: "Hello!"
  utter_default:
    - text: "Sorry, I didn't get that."
"""
FLOOR_DATA = """version: "3.1"
nlu:
  - intent: greet
    examples: |
      - hello
      - hi
rules:
  - rule: greet
    steps:
      - intent: greet
      - action: utter_greet
"""
# Rasa's floor: the cheapest pipeline and one policy. Messages that are not a
# greeting get RulePolicy's core fallback (utter_default): still one reply
# through the same channel, tracker store and NLG as the real bot.
FLOOR_CONFIG = """recipe: default.v1
assistant_id: rasa-floor-reference
language: en
pipeline:
  - name: KeywordIntentClassifier
policies:
  - name: RulePolicy
"""


def train_floor(work: Path, out: Path = MODELS, reuse: bool = True) -> Trained:
    """The minimal one-intent project, written into `work` and trained."""
    (work / "data").mkdir(parents=True, exist_ok=True)
    (work / "domain.yml").write_text(FLOOR_DOMAIN)
    (work / "data" / "floor.yml").write_text(FLOOR_DATA)
    (work / "config.yml").write_text(FLOOR_CONFIG)
    return train("floor", work / "config.yml", work / "domain.yml", work / "data", out, reuse)
