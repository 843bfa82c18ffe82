"""The launcher as a supervisor meets it: `make run` (launcher.run) killed
with SIGKILL leaves no server behind holding a port; a server that crashes
is started again and the terminal says what that means meanwhile; and
`make train` of an unchanged project trains nothing."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import xmlrpc.client

import pytest

from clinicbot.settings import PROJECT_ROOT
from launcher import servers, train


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def wait_for_line(process: subprocess.Popen, text: str, timeout: float) -> list[str]:
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            if process.poll() is not None:
                break
            continue
        seen.append(line.rstrip())
        if text in line:
            return seen
    pytest.fail(f"the launcher never printed {text!r}; it printed:\n" + "\n".join(seen))


def start_launcher(tmp_path) -> tuple[subprocess.Popen, dict[str, int]]:
    ports = {name: servers.free_port() for name in ("RASA_PORT", "ACTION_PORT", "CONSOLE_PORT", "WEB_PORT")}
    env = {
        **os.environ,
        **{name: str(value) for name, value in ports.items()},
        "TRACKER_DB_URL": f"sqlite:///{tmp_path / 'conversations.db'}",
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    launcher = subprocess.Popen(
        [sys.executable, "-m", "launcher.run"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return launcher, ports


def test_a_crashed_server_is_started_again_and_the_terminal_says_so(tmp_path):
    launcher, ports = start_launcher(tmp_path)
    try:
        wait_for_line(launcher, "The assistant is running.", timeout=300)
        # The launcher's supervisord, on its owner-only socket (launcher/supervisor.py).
        from supervisor.xmlrpc import SupervisorTransport

        sock = PROJECT_ROOT / "var" / "supervisord" / str(ports["RASA_PORT"]) / "supervisord.sock"
        rpc = xmlrpc.client.ServerProxy("http://127.0.0.1", transport=SupervisorTransport(None, None, f"unix://{sock}"))
        pid = rpc.supervisor.getProcessInfo("rasa")["pid"]
        os.killpg(pid, signal.SIGKILL)
        killed = time.monotonic()
        said = wait_for_line(launcher, "is back after", timeout=120)
        back = time.monotonic() - killed
        stopped = [line for line in said if "Rasa server stopped unexpectedly" in line]
        assert stopped and "the assistant is DOWN" in stopped[0], said
        assert said[-1].startswith("Rasa server is back after"), said
        assert servers.answers(f"http://127.0.0.1:{ports['RASA_PORT']}/")
        assert rpc.supervisor.getProcessInfo("rasa")["pid"] != pid
        print(f"\nmake run: the killed Rasa server answered again after {back:.1f}s")
        launcher.send_signal(signal.SIGINT)  # Ctrl-C
        assert launcher.wait(timeout=60) == 0
        assert all(port_is_free(port) for port in ports.values())
    finally:
        if launcher.poll() is None:
            launcher.kill()


@pytest.mark.parametrize(
    "signals", [[signal.SIGKILL], [signal.SIGTERM, signal.SIGKILL]], ids=["kill", "term-then-kill"]
)
def test_no_server_outlives_a_killed_launcher(tmp_path, signals):
    launcher, ports = start_launcher(tmp_path)
    try:
        wait_for_line(launcher, "The assistant is running.", timeout=300)
        assert not any(port_is_free(port) for port in ports.values()), "every server should hold its port"
        private = [tmp_path / "conversations.db", PROJECT_ROOT / "var", *(PROJECT_ROOT / "var" / "log").glob("*.log")]
        readable = {str(p): oct(p.stat().st_mode & 0o777) for p in private if p.exists() and p.stat().st_mode & 0o077}
        assert not readable, f"conversations and logs must be readable by their owner only: {readable}"
        for sig in signals:  # a supervisor's TERM and, without waiting, KILL
            launcher.send_signal(sig)
        launcher.wait(timeout=10)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not all(port_is_free(port) for port in ports.values()):
            time.sleep(0.5)
        held = {name: port for name, port in ports.items() if not port_is_free(port)}
        assert not held, f"servers outlived the launcher and still hold {held}"
    finally:
        if launcher.poll() is None:
            launcher.kill()
        # A killed launcher cannot tidy up its supervisord's files.
        shutil.rmtree(PROJECT_ROOT / "var" / "supervisord" / str(ports["RASA_PORT"]), ignore_errors=True)


def test_an_unchanged_project_trains_nothing():
    # `make test` trains first, so the model for this project exists.
    model = train.model_path()
    assert model.exists(), "make train should have written the model named after its inputs"
    before = {p.name: p.stat().st_mtime_ns for p in model.parent.glob("*.tar.gz")}
    result = subprocess.run(
        [sys.executable, "-m", "launcher.train"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout
    after = {p.name: p.stat().st_mtime_ns for p in model.parent.glob("*.tar.gz")}
    assert after == {model.name: before[model.name]}, "no new model, and only the current one is kept"


def test_the_digest_follows_the_training_inputs(tmp_path):
    for name in ("config.yml", "domain.yml", "data/nlu/a.yml", "clinicbot/nlu/x.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(f"{name}\n")
    first = train.digest(tmp_path)
    assert train.digest(tmp_path) == first, "the same inputs give the same digest"
    (tmp_path / "README.md").write_text("not a training input")
    (tmp_path / "clinicbot/nlu/__pycache__").mkdir()
    (tmp_path / "clinicbot/nlu/__pycache__/x.pyc").write_bytes(b"\0")
    assert train.digest(tmp_path) == first, "files that do not feed training change nothing"
    (tmp_path / "data/nlu/a.yml").write_text("data/nlu/a.yml changed\n")
    assert train.digest(tmp_path) != first
    (tmp_path / "data/nlu/a.yml").write_text("data/nlu/a.yml\n")
    assert train.digest(tmp_path) == first
    (tmp_path / "data/nlu/a.yml").rename(tmp_path / "data/nlu/b.yml")
    assert train.digest(tmp_path) != first, "a renamed file counts"
