"""A group of servers run by supervisord, which starts again any that dies.

    launcher ──(parent-death signal)──> supervisord -n -c <var>/supervisord.conf
                                          ├─ setpriv --pdeathsig TERM -- rasa run …
                                          └─ …   (autorestart: a crash is not an outage)

`make run` and `make run-cluster` use it; the cluster tests start the same
group on free ports. The configuration comes from deploy/supervisord.conf.template.
The launcher talks to supervisord over its owner-only UNIX socket (XML-RPC)
to wait for the servers, to report deaths and restarts on the terminal, and
to stop or start one server (the fault tests). On a clinic's servers systemd
does the same job (deploy/systemd/)."""

import os
import shlex
import shutil
import signal
import subprocess
import time
import xmlrpc.client
from pathlib import Path
from typing import Any

from clinicbot.settings import PROJECT_ROOT
from launcher import servers

TEMPLATE = PROJECT_ROOT / "deploy" / "supervisord.conf.template"
PROGRAM_MARKER = "; ---- one section like this per server ----\n"
ALIVE = ("STARTING", "RUNNING", "STOPPING")


def _config_value(value: str) -> str:
    """`value` as supervisord reads it back: its %-expansion doubled."""
    if "\n" in value:
        raise ValueError(f"a newline cannot go into supervisord's configuration: {value!r}")
    return value.replace("%", "%%")


def _environment(program: str, values: dict[str, str], hidden: dict[str, str]) -> str:
    """The environment= line for `values`: references to supervisord's own
    environment, where the values go (into `hidden`), so no value (a URL with
    a password among them) is written to the file."""
    entries = []
    for key, value in values.items():
        # supervisord splits KEY="value",… with a non-POSIX shlex: no escapes.
        if '"' in value or "\n" in value or not key.replace("_", "").isalnum():
            raise ValueError(f"{key} cannot be passed through supervisord's environment= line")
        name = f"CLINICBOT_{program.upper().replace('-', '_')}_{key}"
        hidden[name] = value
        entries.append(f'{key}="%(ENV_{name})s"')
    return ",".join(entries)


class ProgramProcess:
    """One run of a supervised server, as tests and the soak run use a Popen:
    its pid, and poll()/wait() that say when that very process has ended
    (a restart is a new ProgramProcess)."""

    def __init__(self, service: "SupervisedService", pid: int):
        self.service, self.pid = service, pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                info = self.service.info()
            except OSError:  # supervisord itself is gone, and its servers with it
                self.returncode = -signal.SIGTERM
                return self.returncode
            if info["pid"] != self.pid or info["statename"] not in ALIVE:
                self.returncode = info["exitstatus"] if info["pid"] in (0, self.pid) else -1
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0)
            time.sleep(0.2)
        assert self.returncode is not None
        return self.returncode


class SupervisedService:
    """A servers.Service run by supervisord as program `program`: the same
    name, command, ready URL and log; start() and stop() ask supervisord."""

    def __init__(self, group: "Supervisor", program: str, service: servers.Service, priority: int):
        self.group, self.program, self.priority = group, program, priority
        self.name, self.command, self.ready_url = service.name, service.command, service.ready_url
        self.env, self.log_path = service.env, service.log_path
        self._process: ProgramProcess | None = None

    def info(self) -> dict[str, Any]:
        return self.group.rpc().getProcessInfo(self.program)

    @property
    def process(self) -> Any:
        """The server's current ProgramProcess, or None before the first; after
        it ended, the last one (whose poll() says so). Typed Any because callers
        written for servers.Service use it as the Popen it stands in for."""
        try:
            pid = self.info()["pid"]
        except OSError:
            pid = 0
        if pid and (self._process is None or self._process.pid != pid):
            self._process = ProgramProcess(self, pid)
        return self._process

    def start(self) -> "SupervisedService":
        try:
            self.group.rpc().startProcess(self.program, False)
        except xmlrpc.client.Fault as fault:
            if "ALREADY_STARTED" not in fault.faultString:
                raise
        return self

    def stop(self, timeout: float = 15.0) -> None:
        """Stop it for good (until start()): supervisord does not restart a server it was asked to stop."""
        try:
            self.group.rpc().stopProcess(self.program, True)
        except xmlrpc.client.Fault as fault:
            if "NOT_RUNNING" not in fault.faultString:
                raise
        except OSError:
            pass  # supervisord is gone, and the server with it

    def exited(self) -> str | None:
        """Why waiting for it is pointless (supervisord gave up on it), else None."""
        try:
            info = self.info()
        except OSError as error:
            return f"supervisord does not answer ({error})"
        if info["statename"] == "FATAL":
            return f"it exited {self.group.tries} times in a row while starting; supervisord gave up"
        return None

    def wait_ready(self, timeout: float = 180.0) -> float:
        return servers.wait_until_ready(self.name, self.ready_url, self.exited, self.log_tail, timeout)

    def log_tail(self, lines: int = 30) -> str:
        return servers.log_tail(self.log_path, lines)


class Supervisor:
    """supervisord with one program per service. `services` maps program
    names (letters, digits, "-") to the servers.Service each one runs; the
    group starts them in that order and waits for them in that order. Its
    socket, configuration and pid file go to `var_dir`, its log to `log_dir`."""

    tries = 5  # startretries in the template

    def __init__(
        self, var_dir: Path, env: dict[str, str], services: dict[str, servers.Service], log_dir: Path | None = None
    ):
        self.var_dir, self.env, self.log_dir = var_dir, env, log_dir or var_dir / "logs"
        self.socket = var_dir / "supervisord.sock"
        if len(str(self.socket)) > 100:  # sun_path holds 108 bytes
            raise ValueError(f"{var_dir} is too long a path for supervisord's socket")
        self.conf = var_dir / "supervisord.conf"
        self.log_path = self.log_dir / "supervisord.log"
        self.services = {
            program: SupervisedService(self, program, service, priority=100 * (n + 1))
            for n, (program, service) in enumerate(services.items())
        }
        self.process: subprocess.Popen | None = None
        self._known: dict[str, dict[str, Any]] = {}
        self._hidden: dict[str, str] = {}  # each program's own values, passed in supervisord's environment

    def rpc(self) -> Any:
        """A fresh XML-RPC proxy (one per call, so threads may share the group)."""
        from supervisor.xmlrpc import SupervisorTransport

        transport = SupervisorTransport(None, None, f"unix://{self.socket}")
        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport).supervisor

    def render(self) -> Path:
        head, program = TEMPLATE.read_text().split(PROGRAM_MARKER)
        self.var_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        text = (
            head.replace("@SOCKET@", _config_value(str(self.socket)))
            .replace("@LOG@", _config_value(str(self.log_path)))
            .replace("@PIDFILE@", _config_value(str(self.var_dir / "supervisord.pid")))
            .replace("@LOGDIR@", _config_value(str(self.log_dir)))
        )
        setpriv = shutil.which("setpriv")
        guard = [setpriv, "--pdeathsig", "TERM", "--"] if setpriv else []
        for name, service in self.services.items():
            service.log_path.parent.mkdir(parents=True, exist_ok=True)
            extra = {key: value for key, value in service.env.items() if self.env.get(key) != value}
            environment = _environment(name, extra, self._hidden)
            text += (
                program.replace("@NAME@", name)
                .replace("@COMMAND@", _config_value(shlex.join(guard + service.command)))
                .replace("@DIRECTORY@", _config_value(str(PROJECT_ROOT)))
                .replace("@ENVIRONMENT@", environment)
                .replace("@PRIORITY@", str(service.priority))
                .replace("@LOGFILE@", _config_value(str(service.log_path)))
                + "\n"
            )
        self.conf.unlink(missing_ok=True)
        with os.fdopen(os.open(self.conf, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as handle:
            handle.write(text)
        return self.conf

    def start(self, report=lambda line: None) -> "Supervisor":
        """Start supervisord (which starts every server), then wait until each answers."""
        conf = self.render()
        self.socket.unlink(missing_ok=True)
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                [str(servers.VENV_BIN / "supervisord"), "-n", "-c", str(conf)],
                cwd=PROJECT_ROOT,
                env={**self.env, **self._hidden},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Ctrl-C reaches the launcher only, which stops the group
                preexec_fn=servers.die_with_parent(os.getpid()),
            )
        deadline = time.monotonic() + 30
        while True:
            try:
                self.rpc().getState()
                break
            except OSError as error:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"supervisord did not start ({error}):\n{servers.log_tail(self.log_path)}"
                    ) from error
                time.sleep(0.2)
        for service in self.services.values():
            report(f"Starting {service.name} (log: {service.log_path})…")
        for service in self.services.values():
            seconds = service.wait_ready()
            report(f"  {service.name} ready after {seconds:.0f}s at {service.ready_url}")
        self._known = {}
        self.watch(lambda line: None)  # what runs now is what later reports compare with
        return self

    def watch(self, report, impact=lambda service: "") -> bool:
        """Report what happened since the last call: a server died (with
        `impact(service)`, what that means for patients), answers again, or
        was given up on. False when supervisord itself has stopped."""
        if self.process is None or self.process.poll() is not None:
            report(f"supervisord stopped, and every server with it:\n{servers.log_tail(self.log_path)}")
            return False
        try:
            infos = self.rpc().getAllProcessInfo()
        except OSError:
            return self.process.poll() is None
        for info in infos:
            service = self.services[info["name"]]
            known = self._known.setdefault(service.program, {"pid": info["pid"], "down_since": None})
            if known["pid"] and info["pid"] != known["pid"]:
                how = info["description"] if info["statename"] in ("EXITED", "BACKOFF") else "its process ended"
                said = f"{service.name} stopped unexpectedly ({how}); supervisord is starting it again."
                report(" ".join(filter(None, [said, impact(service), f"Log: {service.log_path}"])))
                known["down_since"] = known["down_since"] or time.monotonic()
            known["pid"] = info["pid"]
            if info["statename"] == "FATAL" and known.get("fatal") is None:
                known["fatal"] = True
                report(f"{service.name} could not be started again and stays down:\n{service.log_tail()}")
            elif (
                known["down_since"] is not None
                and info["statename"] in ("STARTING", "RUNNING")
                and servers.answers(service.ready_url)
            ):
                report(f"{service.name} is back after {time.monotonic() - known['down_since']:.0f}s.")
                known["down_since"] = None
        return True

    def stop(self) -> None:
        """Stop supervisord, which stops every server (reverse start order)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15 + 10 * len(self.services))
            except subprocess.TimeoutExpired:
                self.process.kill()  # its servers get their parent-death signal
                self.process.wait()
        for path in (self.socket, self.conf, self.var_dir / "supervisord.pid"):
            path.unlink(missing_ok=True)
        try:
            self.var_dir.rmdir()  # when nothing else is kept there
        except OSError:
            pass
