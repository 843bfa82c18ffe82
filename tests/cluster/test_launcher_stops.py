"""`make run-cluster` (launcher.cluster) as an operator meets it: stopped with
SIGTERM (a service manager, or Ctrl-C's cousin) or killed outright, it leaves
no server behind, neither supervisord nor any of its programs."""

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest

from clinicbot.settings import PROJECT_ROOT
from launcher import cluster as clusters
from launcher import servers
from launcher.supervisor import Supervisor
from tests.launcher.test_launcher import port_is_free, wait_for_line


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[-1][0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["term", "kill"])
def test_no_server_outlives_the_cluster_launcher(tmp_path, sig):
    db_url = f"postgresql://postgres@127.0.0.1:5432/clinicbot_test_{uuid.uuid4().hex[:10]}"
    ports = {
        "CLUSTER_PORT": servers.free_port(),
        "CLUSTER_RASA_PORTS": servers.free_port(),
        "CLUSTER_ACTION_PORT": servers.free_port(),
        "CLUSTER_CONSOLE_PORT": servers.free_port(),
    }
    var = tmp_path / "cluster"
    env = {
        **os.environ,
        **{name: str(port) for name, port in ports.items()},
        "TRACKER_DB_URL": db_url,
        "CLUSTER_VAR_DIR": str(var),
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    launcher = subprocess.Popen(
        [sys.executable, "-m", "launcher.cluster"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for_line(launcher, "Press Ctrl-C to stop.", timeout=300)
        supervisor = Supervisor(var, {}, {})  # only to reach the running supervisord's socket
        pids = [info["pid"] for info in supervisor.rpc().getAllProcessInfo()]
        pids.append(supervisor.rpc().getPID())
        assert len(pids) == 5 and all(alive(pid) for pid in pids)
        assert not any(port_is_free(port) for port in ports.values())

        launcher.send_signal(sig)
        launcher.wait(timeout=60)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(alive(pid) for pid in pids):
            time.sleep(0.5)
        assert not [pid for pid in pids if alive(pid)], "processes outlived the launcher"
        assert all(port_is_free(port) for port in ports.values())
    finally:
        if launcher.poll() is None:
            launcher.kill()
        clusters.drop_database(db_url)
