"""Start, wait for and stop the product's processes.

Used by `make run` (launcher.run) and by the tests that need real servers,
so both start things the same way."""

import ctypes
import glob
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from clinicbot import settings
from clinicbot.channels import session_ids
from clinicbot.settings import PROJECT_ROOT

VENV_BIN = Path(sys.executable).parent
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent(parent: int):
    """A child's pre-exec hook: Linux sends it SIGTERM when the launcher dies,
    however it dies (SIGKILL included), so no server outlives it and holds
    its port. The setting survives exec."""

    def hook() -> None:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the launcher died before the prctl
            os._exit(1)

    return hook


def keep_private() -> None:
    """Conversations and logs are health information: everything this process
    and its children create is readable by its owner only (files 0600,
    folders 0700), and var/ with what it already holds is made so too."""
    os.umask(0o077)
    var = PROJECT_ROOT / "var"
    var.mkdir(exist_ok=True)
    for path in [var, *var.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o700 if path.is_dir() else 0o600)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def latest_model(models_dir: Path = PROJECT_ROOT / "models") -> Path:
    models = sorted(glob.glob(str(models_dir / "*.tar.gz")), key=os.path.getmtime)
    if not models:
        raise FileNotFoundError(f"No trained model in {models_dir}: run `make train` first.")
    return Path(models[-1])


def sqlite_url(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


LOCK_STORE_DEFAULTS = {
    "LOCK_STORE_TYPE": "in_memory",
    "LOCK_STORE_HOST": "127.0.0.1",
    "LOCK_STORE_PORT": "6379",
    "LOCK_STORE_DB": "1",
    "LOCK_STORE_PASSWORD": "",
}


def rest_token() -> str:
    """The REST integration token: CHAT_REST_TOKEN, or the one kept in var/."""
    return os.environ.get(session_ids.REST_TOKEN_ENV) or settings.kept_secret(PROJECT_ROOT / "var" / "chat_rest_token")


def default_env(action_port: int = 5055, db_path: Path | None = None) -> dict[str, str]:
    """Environment for both servers; values already set by the caller win."""
    env = dict(os.environ)
    env.setdefault("ACTION_ENDPOINT_URL", f"http://127.0.0.1:{action_port}/webhook")
    env.setdefault("TRACKER_DB_URL", sqlite_url(db_path or PROJECT_ROOT / "var" / "conversations.db"))
    env.setdefault("CLINIC_ALLOWED_ORIGINS", ",".join(settings.allowed_origins()))
    # endpoints.yml's lock store: in-memory for one server; `redis` for several.
    for name, value in LOCK_STORE_DEFAULTS.items():
        env.setdefault(name, value)
    # One secret for every Rasa server, so each accepts the chat ids the
    # others issued (clinicbot/channels/session_ids.py).
    if not env.get(session_ids.SECRET_ENV):
        env[session_ids.SECRET_ENV] = settings.kept_secret(PROJECT_ROOT / "var" / "chat_session_secret")
    # The token of integrations that choose their own REST sender ids (tests, make bench).
    env.setdefault(session_ids.REST_TOKEN_ENV, rest_token())
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    # Quieter TensorFlow start-up; nothing is downloaded at run time.
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    # The sentence encoder multiplies matrices of a few rows per message: one
    # BLAS thread did it faster than two on this 2-core machine while another
    # job loaded it (17 against 31 ms a message).
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    return env


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False


def wait_until_ready(name: str, url: str, exited, tail, timeout: float) -> float:
    """Seconds until `url` answered; raises with tail() once exited() gives a reason to stop waiting."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        reason = exited()
        if reason:
            raise RuntimeError(f"{name}: {reason}:\n{tail()}")
        if answers(url):
            return time.monotonic() - started
        time.sleep(0.3)
    raise TimeoutError(f"{name} not ready after {timeout:.0f}s:\n{tail()}")


def log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class Service:
    """One child process with a URL that answers once it is ready."""

    def __init__(self, name: str, command: list[str], ready_url: str, env: dict[str, str], log: Path):
        self.name, self.command, self.ready_url, self.env, self.log_path = name, command, ready_url, env, log
        self.process: subprocess.Popen | None = None

    def start(self) -> "Service":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        os.chmod(self.log_path, 0o600)  # an older log may predate keep_private()
        # Own process group, so stopping also stops any worker processes.
        self.process = subprocess.Popen(
            self.command,
            cwd=PROJECT_ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=die_with_parent(os.getpid()),
        )
        return self

    def exited(self) -> str | None:
        if self.process and self.process.poll() is not None:
            return f"it exited with {self.process.returncode}"
        return None

    def wait_ready(self, timeout: float = 180.0) -> float:
        """Seconds until the service answered; raises with the log tail if it died."""
        return wait_until_ready(self.name, self.ready_url, self.exited, self.log_tail, timeout)

    def log_tail(self, lines: int = 30) -> str:
        return log_tail(self.log_path, lines)

    def stop(self, timeout: float = 15.0) -> None:
        if not self.process or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=timeout)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()


def action_server(port: int, env: dict[str, str], log: Path) -> Service:
    env = {**env, "SANIC_HOST": "127.0.0.1"}  # the action server is never public
    command = [str(VENV_BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(port)]
    return Service("action server", command, f"http://127.0.0.1:{port}/health", env, log)


def rasa_server(
    port: int,
    env: dict[str, str],
    log: Path,
    model: Path | None = None,
    credentials: str = "credentials.yml",
    endpoints: str = "endpoints.yml",
) -> Service:
    origins = [o for o in env.get("CLINIC_ALLOWED_ORIGINS", "").split(",") if o]
    command = [
        str(VENV_BIN / "rasa"),
        "run",
        "--model",
        str(model or latest_model()),
        "--endpoints",
        endpoints,
        "--credentials",
        credentials,
        "--interface",
        env.get("RASA_INTERFACE", "127.0.0.1"),
        "--port",
        str(port),
    ]
    if origins:
        command += ["--cors", *origins]
    # Sanic reads a body of up to 100 MB before any channel can refuse it;
    # 2 MB is what nginx lets through too (room for socket.io's friendly
    # "too long" reply to a 1 MB message). The action server keeps Sanic's
    # default: Rasa sends it whole trackers.
    env = {**env, "SANIC_REQUEST_MAX_SIZE": env.get("SANIC_REQUEST_MAX_SIZE", str(2 * 1024 * 1024))}
    return Service("Rasa server", command, f"http://127.0.0.1:{port}/", env, log)


def console_service(port: int, env: dict[str, str], log: Path) -> Service:
    """The staff console, on localhost only, reading the same database."""
    env = {**env, "CONSOLE_HOST": "127.0.0.1", "CONSOLE_PORT": str(port)}
    return Service(
        "staff console",
        [str(VENV_BIN / "python"), "-m", "console", "serve"],
        f"http://127.0.0.1:{port}/login",
        env,
        log,
    )


def web_page_service(port: int, bot_url: str, env: dict[str, str], log: Path) -> Service:
    """The demo clinic page with the chat widget (web/serve.py)."""
    command = [str(VENV_BIN / "python"), "-m", "web.serve", "--port", str(port), "--bot-url", bot_url]
    return Service("web page", command, f"http://127.0.0.1:{port}/", env, log)


def start_all(group: list[Service], report=lambda line: None) -> list[Service]:
    """Start a group together, then wait until each one answers."""
    for service in group:
        service.start()
        report(f"Starting {service.name} (log: {service.log_path})…")
    for service in group:
        seconds = service.wait_ready()
        report(f"  {service.name} ready after {seconds:.0f}s at {service.ready_url}")
    return group


def supervise(start, stop, banner, watch) -> int:
    """`make run` and `make run-cluster`: start(), print banner(), then call
    watch() every second (it reports servers that died and came back) until
    Ctrl-C, SIGTERM or watch() returning False (the supervisor itself is
    gone); always stop() once. Returns the exit code."""
    stopped: list[bool] = []

    def stop_once(*_):
        if not stopped:
            stopped.append(True)
            print("\nStopping…", flush=True)
            stop()
            print("Stopped.", flush=True)

    signal.signal(signal.SIGTERM, lambda *_: (stop_once(), sys.exit(0)))
    try:
        start()
        print(banner(), flush=True)
        while watch():
            time.sleep(1)
        return 1
    except KeyboardInterrupt:
        return 0
    except (RuntimeError, TimeoutError, OSError) as error:
        print(error, file=sys.stderr)
        return 1
    finally:
        stop_once()
