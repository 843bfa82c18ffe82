"""Shared fixtures. Real servers for the tests that need them: one Rasa server and one action
server per test session, on free ports, with a fresh SQLite tracker store."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from clinicbot.settings import PROJECT_ROOT
from launcher import client, servers


@dataclass
class Bot:
    url: str  # Rasa server, e.g. http://127.0.0.1:41234
    db_url: str  # SQLAlchemy URL of its tracker store
    db_path: Path
    origins: list[str]  # page origins it accepts

    def say(self, text: Any, sender: str = "") -> list[dict[str, Any]]:
        """POST to the REST channel; returns the bot's messages."""
        return client.messages(self.url, text, sender or None)


@pytest.fixture(scope="session")
def model_path() -> Path:
    return servers.latest_model()


@pytest.fixture(scope="session")
def web_origin() -> str:
    """A page origin the bot accepts (the web tests serve their page there)."""
    return f"http://127.0.0.1:{servers.free_port()}"


def closed_clinic(folder: Path) -> Path:
    """clinic.yml with the office never open, so that "talk to a person" and
    a second miss offer a callback whatever the time of the test run (the
    in-hours reply is tested in tests/unit/test_callback.py)."""
    clinic = yaml.safe_load((PROJECT_ROOT / "clinic.yml").read_text(encoding="utf-8"))
    clinic["office_hours"]["days"] = []
    path = folder / "clinic.yml"
    path.write_text(yaml.safe_dump(clinic, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def bot(tmp_path_factory, model_path, web_origin):
    logs = tmp_path_factory.mktemp("logs")
    db_path = tmp_path_factory.mktemp("db") / "conversations.db"
    action_port, rasa_port = servers.free_port(), servers.free_port()
    env = servers.default_env(action_port=action_port, db_path=db_path)
    env["TRACKER_DB_URL"] = servers.sqlite_url(db_path)
    env["ACTION_ENDPOINT_URL"] = f"http://127.0.0.1:{action_port}/webhook"
    env["CLINIC_ALLOWED_ORIGINS"] = web_origin
    env["CLINIC_CONFIG"] = str(closed_clinic(tmp_path_factory.mktemp("clinic")))
    started = [
        servers.action_server(action_port, env, logs / "actions.log").start(),
        servers.rasa_server(rasa_port, env, logs / "rasa.log", model=model_path).start(),
    ]
    try:
        for service in started:
            service.wait_ready()
        yield Bot(f"http://127.0.0.1:{rasa_port}", env["TRACKER_DB_URL"], db_path, [web_origin])
    finally:
        for service in reversed(started):
            service.stop()


@pytest.fixture(scope="session")
def agent(model_path):
    """The trained model in-process, for parsing without HTTP."""
    import logging

    import structlog
    from rasa.core.agent import Agent

    # Rasa's structured logger prints every parse at debug level otherwise.
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    return Agent.load(str(model_path))
