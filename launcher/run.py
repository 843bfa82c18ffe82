"""`make run`: start the whole product on localhost and stop it on Ctrl-C.
supervisord (launcher/supervisor.py) runs the servers and starts again any
that dies; the terminal says which one stopped and what that means.

The ports are the documented ones unless RASA_PORT, ACTION_PORT,
CONSOLE_PORT or WEB_PORT say otherwise (the launcher's own test uses free
ports so it never meets a running product)."""

import os
import sys

from clinicbot.settings import PROJECT_ROOT
from launcher import servers
from launcher.supervisor import Supervisor

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


# A server that dies is started again by supervisord (as in `make run-cluster`),
# and the terminal says what that means until it is back: with one Rasa
# server, a crash is a short outage rather than a long one that lasts until
# someone notices the terminal.
IMPACT = {
    "rasa": "Until it is back, the assistant is DOWN: patients get no answer.",
    "actions": "Until it is back, follow-up questions get an apology; the FAQs are answered.",
    "console": "Until it is back, staff cannot use the console; patients are answered.",
    "web": "Until it is back, the demo page does not load; the assistant answers over REST.",
}


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
    group = Supervisor(
        # One per Rasa port: the launcher's own test may run beside a `make run`.
        PROJECT_ROOT / "var" / "supervisord" / str(ports["rasa"]),
        env,
        {
            "actions": servers.action_server(ports["actions"], env, LOGS / "actions.log"),
            "rasa": servers.rasa_server(ports["rasa"], env, LOGS / "rasa.log"),
            "console": servers.console_service(ports["console"], env, LOGS / "console.log"),
            "web": servers.web_page_service(ports["web"], f"http://127.0.0.1:{ports['rasa']}", env, LOGS / "web.log"),
        },
        log_dir=LOGS,
    )

    def say(line: str) -> None:
        print(line, flush=True)

    return servers.supervise(
        start=lambda: group.start(report=say),
        stop=group.stop,
        banner=lambda: BANNER.format(**ports),
        watch=lambda: group.watch(say, lambda service: IMPACT[service.program]),
    )


if __name__ == "__main__":
    sys.exit(main())
