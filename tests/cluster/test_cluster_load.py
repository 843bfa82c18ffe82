"""`python -m bench.cluster_load` drives the cluster through nginx, run as a
user runs it (a 2-patient smoke run; bench/README.md says what it measures)."""

import re
import subprocess
import sys

from clinicbot.settings import PROJECT_ROOT


def test_realistic_patients_through_nginx_get_answers(cluster):
    result = subprocess.run(
        [sys.executable, "-m", "bench.cluster_load", "--users", "2", "--seconds", "5", "--url", cluster.url],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    counts = re.search(r"(\d+)/(\d+) failed", result.stdout)
    assert counts, result.stdout
    failed, sent = map(int, counts.groups())
    assert sent > 0 and failed == 0
    assert (PROJECT_ROOT / "results" / "bench" / "cluster" / "realistic-2_stats.csv").exists()
