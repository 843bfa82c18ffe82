"""`make run-cluster` (launcher.cluster) as an operator meets it: it makes
the database role and uses it, talks to a Redis with a password, prints
neither password; stopped with SIGTERM (a service manager, or Ctrl-C's
cousin) or killed outright, it leaves no server behind, neither supervisord
nor any of its programs."""

import os
import secrets
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
from tests.cluster.support import start_redis
from tests.launcher.test_launcher import port_is_free, wait_for_line


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[-1][0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["term", "kill"])
def test_no_server_outlives_the_cluster_launcher(tmp_path, sig):
    db_name = f"clinicbot_test_{uuid.uuid4().hex[:10]}"
    admin_url = f"postgresql://postgres@127.0.0.1:5432/{db_name}"
    redis_password = secrets.token_hex(16)
    redis_process, redis_client = start_redis(redis_password)
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
        "TRACKER_DB_ADMIN_URL": admin_url,
        "TRACKER_DB_ROLE": f"{db_name}_app",
        "LOCK_STORE_PORT": str(redis_client.connection_pool.connection_kwargs["port"]),
        "LOCK_STORE_PASSWORD": redis_password,
        "CLUSTER_VAR_DIR": str(var),
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    env.pop("TRACKER_DB_URL", None)  # the launcher makes the role and its URL
    launcher = subprocess.Popen(
        [sys.executable, "-m", "launcher.cluster"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        printed = wait_for_line(launcher, "Press Ctrl-C to stop.", timeout=300)
        db_password = (var / "db_password").read_text().strip()
        supervisor = Supervisor(var, {}, {})  # only to reach the running supervisord's socket
        pids = [info["pid"] for info in supervisor.rpc().getAllProcessInfo()]
        pids.append(supervisor.rpc().getPID())
        assert len(pids) == 5 and all(alive(pid) for pid in pids)
        assert not any(port_is_free(port) for port in ports.values())

        launcher.send_signal(sig)
        launcher.wait(timeout=60)
        assert launcher.stdout is not None
        printed += launcher.stdout.read().splitlines()
        assert f"postgresql://{db_name}_app:***@127.0.0.1:5432/{db_name}" in "\n".join(printed)
        for secret in (db_password, redis_password):
            assert not [line for line in printed if secret in line], "a password was printed"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(alive(pid) for pid in pids):
            time.sleep(0.5)
        assert not [pid for pid in pids if alive(pid)], "processes outlived the launcher"
        assert all(port_is_free(port) for port in ports.values())
    finally:
        if launcher.poll() is None:
            launcher.kill()
        redis_process.terminate()
        redis_process.wait()
        clusters.drop_database(admin_url)
        clusters.drop_role(admin_url, f"{db_name}_app")
