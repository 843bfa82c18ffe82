"""`make run`: start the whole product on localhost and stop it on Ctrl-C."""
import sys

from clinicbot import servers

LOGS = servers.ROOT / "var" / "log"

BANNER = """
The assistant is running.
  Demo clinic page with the chat:  http://localhost:8080/
  Staff console (localhost only):  http://127.0.0.1:8081/   (create an account: .venv/bin/python -m console create-user NAME)
  Talk to it over REST:            curl -s localhost:5005/webhooks/rest/webhook -d '{"sender": "me", "message": "hi"}'
  Or in a terminal:                make shell
Press Ctrl-C to stop."""


def main() -> int:
    env = servers.default_env(action_port=5055)
    python = str(servers.VENV_BIN / "python")
    services = [
        servers.action_server(5055, env, LOGS / "actions.log"),
        servers.rasa_server(5005, env, LOGS / "rasa.log"),
        servers.Service("staff console", [python, "-m", "console", "serve"],
                        "http://127.0.0.1:8081/login", env, LOGS / "console.log"),
        servers.Service("web page", [python, "-m", "clinicbot.webpage", "--port", "8080",
                                     "--bot-url", "http://127.0.0.1:5005"],
                        "http://127.0.0.1:8080/", env, LOGS / "web.log"),
    ]
    return servers.supervise(
        start=lambda: servers.start_all(services, report=lambda line: print(line, flush=True)),
        stop=lambda: [service.stop() for service in reversed(services)],
        banner=lambda: BANNER,
    )


if __name__ == "__main__":
    sys.exit(main())
