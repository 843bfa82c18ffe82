"""`make run`: start the whole product on localhost and stop it on Ctrl-C.

The ports are the documented ones unless RASA_PORT, ACTION_PORT,
CONSOLE_PORT or WEB_PORT say otherwise (the launcher's own test uses free
ports so it never meets a running product)."""

import os
import sys

from clinicbot.settings import PROJECT_ROOT
from launcher import servers

LOGS = PROJECT_ROOT / "var" / "log"

BANNER = """
The assistant is running.
  Demo clinic page with the chat:  http://localhost:{web}/
  Staff console (localhost only):  http://127.0.0.1:{console}/
    (create an account: .venv/bin/python -m console create-user NAME)
  Talk to it over REST:
    curl -s localhost:{rasa}/webhooks/rest/webhook -d '{{"sender": "me", "message": "hi"}}'
  Or in a terminal:                make shell
Press Ctrl-C to stop."""


def port(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def main() -> int:
    servers.keep_private()
    ports = {
        "rasa": port("RASA_PORT", 5005),
        "actions": port("ACTION_PORT", 5055),
        "console": port("CONSOLE_PORT", 8081),
        "web": port("WEB_PORT", 8080),
    }
    env = servers.default_env(action_port=ports["actions"])
    services = [
        servers.action_server(ports["actions"], env, LOGS / "actions.log"),
        servers.rasa_server(ports["rasa"], env, LOGS / "rasa.log"),
        servers.console_service(ports["console"], env, LOGS / "console.log"),
        servers.web_page_service(ports["web"], f"http://127.0.0.1:{ports['rasa']}", env, LOGS / "web.log"),
    ]

    def stop() -> None:
        for service in reversed(services):
            service.stop()

    return servers.supervise(
        start=lambda: servers.start_all(services, report=lambda line: print(line, flush=True)),
        stop=stop,
        banner=lambda: BANNER.format(**ports),
    )


if __name__ == "__main__":
    sys.exit(main())
