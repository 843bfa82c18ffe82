"""bench.cluster_load drives the cluster through nginx (a 2-patient smoke run;
the measurement itself is in bench/README.md)."""

from bench import cluster_load, load
from clinicbot.settings import PROJECT_ROOT


def test_realistic_patients_through_nginx_get_answers(cluster):
    assert cluster_load.main(["--users", "2", "--seconds", "5", "--url", cluster.url]) == 0
    stats = load.read_stats(PROJECT_ROOT / "results" / "bench" / "cluster" / "realistic-2_stats.csv")
    assert stats.requests > 0 and stats.failures == 0
