"""Small Markdown helpers shared by EVALUATION.md and BENCHMARK.md."""

import math
import os
import subprocess
from collections.abc import Iterable
from datetime import datetime, timezone

from clinicbot.settings import PROJECT_ROOT


def table(headers: list[str], rows: Iterable[Iterable]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def pct(value: float | None) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.1%}"


def num(value: float | None, digits: int = 0, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:,.{digits}f}{unit}"


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def provenance() -> str:
    """When, on what code and on how busy a machine the figures were taken."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True)
        return done.stdout.strip()

    dirty = git("status", "--porcelain", "--", "config.yml", "domain.yml", "data", "clinicbot", "actions")
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC} on commit {git('rev-parse', '--short', 'HEAD')}"
        f"{' with uncommitted changes to config/domain/data/code' if dirty else ''}; "
        f"{os.cpu_count()} CPUs, load average {load} at the end of the run."
    )
