"""`make shell`: rasa shell in the terminal, with the action server beside it."""

import subprocess
import sys

from clinicbot.settings import PROJECT_ROOT
from launcher import servers


def main() -> int:
    env = servers.default_env(action_port=5055)
    actions = servers.action_server(5055, env, PROJECT_ROOT / "var" / "log" / "actions.log").start()
    try:
        actions.wait_ready()
        command = [
            str(servers.VENV_BIN / "rasa"),
            "shell",
            "--model",
            str(servers.latest_model()),
            "--endpoints",
            "endpoints.yml",
        ]
        return subprocess.call(command, cwd=PROJECT_ROOT, env=env)
    except KeyboardInterrupt:
        return 0
    finally:
        actions.stop()


if __name__ == "__main__":
    sys.exit(main())
