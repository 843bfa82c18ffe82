"""The console's settings: where it listens and its secrets from environment
variables (README table); how sign-in behaves from clinic.yml's
staff_console section."""

import os
from pathlib import Path

from clinicbot import settings as clinic_settings

SECRET_FILE = clinic_settings.PROJECT_ROOT / "var" / "console_secret"
DEFAULT_HOST = "127.0.0.1"  # localhost only, unless someone decides otherwise
DEFAULT_PORT = 8081


def secret_key(generate_into: Path = SECRET_FILE) -> str:
    """CONSOLE_SECRET_KEY, or (for `make run` on one machine) a random key kept
    in var/console_secret (git-ignored) so sessions survive a restart."""
    key = os.environ.get("CONSOLE_SECRET_KEY", "")
    if key:
        return key
    return clinic_settings.kept_secret(generate_into)


def secure_cookies() -> bool:
    """Set CONSOLE_SECURE_COOKIES=1 when the console is served over HTTPS."""
    return os.environ.get("CONSOLE_SECURE_COOKIES", "") == "1"


def host() -> str:
    return os.environ.get("CONSOLE_HOST", DEFAULT_HOST)


def port() -> int:
    return int(os.environ.get("CONSOLE_PORT", DEFAULT_PORT))


def domain_intents() -> list:
    """The intents staff can pick in the training inbox: the assistant's own."""
    return sorted(n for n in clinic_settings.domain_intents() if n not in ("give_feedback", "nlu_fallback"))


def _staff_console() -> dict:
    return clinic_settings.load().get("staff_console", {}) or {}


def idle_timeout_seconds() -> float:
    """A session unused this long is over (staff_console.idle_timeout_minutes, 15)."""
    return float(_staff_console().get("idle_timeout_minutes", 15)) * 60


def session_lifetime_seconds() -> float:
    """However busy, a session ends this long after sign-in (staff_console.session_hours, 12)."""
    return float(_staff_console().get("session_hours", 12)) * 3600


def require_totp() -> bool:
    """staff_console.require_totp: refuse sign-in to accounts without a second factor."""
    return bool(_staff_console().get("require_totp", False))
