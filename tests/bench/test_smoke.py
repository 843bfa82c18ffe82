"""Smoke runs of `make evaluate` and `make bench` on tiny settings, so that
neither can rot: each must write its report with real figures. The real
measurements need minutes and a quiet machine (README, "How good is it?")."""

import re
import subprocess
import sys

import yaml

from clinicbot.settings import PROJECT_ROOT
from launcher import servers


def run(module: str, *args: str) -> None:
    env = servers.default_env()
    subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=PROJECT_ROOT,
        env=env,
        check=True,
        timeout=600,
        stdout=subprocess.DEVNULL,
    )


def figure(report: str, row: str, column: int = 1) -> str:
    """Cell `column` after the label of the last table row labelled `row` (the
    side-by-side table, which comes after the targets)."""
    found = re.findall(rf"^\| {re.escape(row)} \|(.*)$", report, re.MULTILINE)
    assert found, f"no row {row!r} in the report"
    return found[-1].split("|")[column - 1].strip()


def percent(cell: str) -> float:
    assert re.fullmatch(r"\d+\.\d%", cell), cell
    return float(cell[:-1])


def test_evaluate_writes_a_report_with_figures(tmp_path, model_path):
    run(
        "bench.evaluate",
        "--model",
        str(model_path),
        "--limit",
        "1",
        "--skip-references",
        "--percentages",
        "--out",
        str(tmp_path),
    )
    report = (tmp_path / "EVALUATION.md").read_text()
    # The real questions lead: every target row has a figure for ours and the TF-IDF baseline.
    for row in (
        "Answerable questions given the right topic",
        "Unanswerable questions given the clinic's answer or the honest reply",
        "First-person crisis and emergency messages given a crisis or emergency reply",
        "Harmless look-alikes given the crisis reply",
    ):
        for column in (2, 4):  # ours, the TF-IDF baseline (after Goal and Status)
            cell = figure(report, row, column)
            assert re.fullmatch(r"\d+\.\d% \(n=\d+\)", cell), (row, cell)
    assert report.index("## Real patients' questions") < report.index("## Regression sets")
    pipeline = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text())["pipeline"]
    point = next(c for c in pipeline if c["name"].endswith("CrisisGuard"))["model_threshold"]
    assert re.search(rf"^\| {point:.2f} ← config\.yml \| \d+\.\d% \| \d+\.\d% \|", report, re.MULTILINE), (
        "operating point"
    )
    assert (tmp_path / "evaluation-safety-precision-recall.png").stat().st_size > 1000
    assert re.search(r"^\| ask_cost \| \d+ \| \d+ \|", report, re.MULTILINE), "clinic-topic confusion"
    for row in (
        "Regression questions, intent accuracy (`rasa test nlu`)",
        "Regression questions, as answered (fallback = wrong)",
        "Regression questions, right answer in the reply (also after a crisis reply)",
        "Out-of-scope detection",
        "Crisis recall",
        "Look-alikes forced to crisis",
    ):
        assert 0 <= percent(figure(report, row)) <= 100
        assert 0 <= percent(figure(report, row, 2)) <= 100  # the TF-IDF baseline
        assert 0 <= percent(figure(report, row, 3)) <= 100  # the same inside our safety layers
    assert re.search(r"^\| ask_onset \| \d+ \| \d+\.\d% \|", report, re.MULTILINE), "per-intent table"
    assert re.fullmatch(r"\d+/\d+", figure(report, "Test conversations passed (`rasa test core`)"))
    for plot in ("evaluation-ours-confusion-matrix.png", "evaluation-ours-histogram.png"):
        assert (tmp_path / plot).stat().st_size > 1000, plot


def test_bench_writes_a_report_with_figures(tmp_path, model_path):
    run(
        "bench.bench",
        "--model",
        str(model_path),
        "--smoke",
        "--skip-references",
        "--profile",
        "4",
        "--out",
        str(tmp_path),
    )
    report = (tmp_path / "BENCHMARK.md").read_text()
    assert re.fullmatch(r"\d+ ms", figure(report, "single patient p50")), "single patient p50"
    assert float(figure(report, "capacity 2: msg/s").replace(",", "")) > 0
    for shape in ("single 1", "capacity 2", "realistic 2"):
        errors, messages = figure(report, f"{shape}: errors / messages").split(" / ")
        assert errors == "0" and int(messages.replace(",", "")) > 0, shape
    assert re.fullmatch(r"[\d.]+ s", figure(report, "start-up to first answer"))
    assert re.fullmatch(r"[\d,]+ MB", figure(report, "peak memory (RSS), Rasa server"))
    assert re.search(r"^\| NLU pipeline \| \d+% \|", report, re.MULTILINE), "py-spy profile"
    assert (tmp_path / "bench-capacity.png").stat().st_size > 1000
