"""The process supervisors' configurations: the systemd units in
deploy/systemd/ restart their server and are hardened; the supervisord file
the launcher renders is one supervisord itself accepts, restarts every
program and keeps the common environment (secrets) out of the file."""

import configparser
import sys
from pathlib import Path

import pytest

from clinicbot.settings import PROJECT_ROOT
from launcher import servers
from launcher.supervisor import Supervisor

UNITS = sorted((PROJECT_ROOT / "deploy" / "systemd").glob("*.service"))
HARDENING = {
    "NoNewPrivileges": "yes",
    "ProtectSystem": "strict",
    "ReadWritePaths": "/opt/clinicbot/var",
    "PrivateTmp": "yes",
    "ProtectHome": "yes",
    "UMask": "0077",
}


def read_unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read_string(path.read_text(), source=str(path))
    return parser


def test_there_is_a_unit_for_each_server():
    assert [p.name for p in UNITS] == [
        "clinicbot-actions.service",
        "clinicbot-console.service",
        "clinicbot-rasa@.service",
    ]


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_each_unit_restarts_its_server_as_an_unprivileged_user(unit):
    service = read_unit(unit)["Service"]
    assert service["Restart"] == "always"
    assert service["User"] == service["Group"] == "clinicbot"
    assert {key: service.get(key) for key in HARDENING} == HARDENING
    assert service["CapabilityBoundingSet"] == ""
    assert service["ExecStart"].startswith("/opt/clinicbot/.venv/bin/")
    assert "127.0.0.1" in service["ExecStart"] + service.get("Environment", "")  # never a public interface


def test_the_rendered_supervisord_file_is_what_supervisord_reads(tmp_path, monkeypatch):
    from supervisor.datatypes import RestartUnconditionally
    from supervisor.options import ServerOptions

    common = {"PATH": "/usr/bin:/bin", "TRACKER_DB_URL": "postgresql://app:s3cr%t@db/clinicbot"}
    port = servers.free_port()
    service = servers.Service(
        "web",
        [sys.executable, "-m", "http.server", str(port)],
        f"http://127.0.0.1:{port}/",
        {**common, "EXTRA": "a,b 100%"},
        tmp_path / "logs" / "web.log",
    )
    group = Supervisor(tmp_path, common, {"web": service, "other": service})
    text = group.render().read_text()
    assert (group.conf.stat().st_mode & 0o777) == 0o600
    assert "s3cr" not in text and "100%" not in text, "values stay in supervisord's own environment"

    for name, value in group._hidden.items():  # what Supervisor.start() gives supervisord's environment
        monkeypatch.setenv(name, value)
    options = ServerOptions()
    options.realize(args=["-c", str(group.conf)])
    programs = {config.name: config.process_configs[0] for config in options.process_group_configs}
    assert list(programs) == ["web", "other"]
    web = programs["web"]
    assert web.autorestart is RestartUnconditionally and web.stopasgroup and web.killasgroup
    assert web.environment == {"EXTRA": "a,b 100%"}
    assert web.command.split()[-4:] == [sys.executable, "-m", "http.server", str(port)]
