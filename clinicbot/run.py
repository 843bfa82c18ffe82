"""`make run`: start the whole product on localhost and stop it on Ctrl-C."""
import signal
import sys
import time

from clinicbot import servers

ROOT = servers.ROOT
LOGS = ROOT / "var" / "log"


def main() -> int:
    env = servers.default_env(action_port=5055)
    services = [
        servers.action_server(5055, env, LOGS / "actions.log"),
        servers.rasa_server(5005, env, LOGS / "rasa.log"),
        # One line per further part of the product (web page, staff console).
        servers.Service("staff console", [str(servers.VENV_BIN / "python"), "-m", "console", "serve"],
                        "http://127.0.0.1:8081/login", env, LOGS / "console.log"),
        servers.Service("web page", [sys.executable, "-m", "clinicbot.webpage", "--port", "8080", "--bot-url", "http://127.0.0.1:5005"], "http://127.0.0.1:8080/", env, LOGS / "web.log"),
    ]
    stopping = False

    def stop(*_):
        nonlocal stopping
        if stopping:
            return
        stopping = True
        print("\nStopping…", flush=True)
        for service in reversed(services):
            service.stop()
        print("Stopped.", flush=True)

    signal.signal(signal.SIGTERM, lambda *_: (stop(), sys.exit(0)))
    try:
        for service in services:
            service.start()
            print(f"Starting {service.name} (log: {service.log_path.relative_to(ROOT)})…", flush=True)
        for service in services:
            seconds = service.wait_ready()
            print(f"  {service.name} ready after {seconds:.0f}s at {service.ready_url}", flush=True)
        print(
            "\nThe assistant is running.\n"
            "  Talk to it over REST:  curl -s localhost:5005/webhooks/rest/webhook "
            "-d '{\"sender\": \"me\", \"message\": \"hi\"}'\n"
            "  Or in a terminal:      make shell\n"
            "Press Ctrl-C to stop.",
            flush=True,
        )
        while all(s.process.poll() is None for s in services):
            time.sleep(1)
        dead = [s for s in services if s.process.poll() is not None]
        for service in dead:
            print(f"{service.name} stopped unexpectedly:\n{service.log_tail()}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    except (RuntimeError, TimeoutError) as error:
        print(error, file=sys.stderr)
        return 1
    finally:
        stop()


if __name__ == "__main__":
    sys.exit(main())
