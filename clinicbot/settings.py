"""The clinic's own details, read once from clinic.yml.

CLINIC_CONFIG may point at another file (a second clinic, or a test)."""

import functools
import os
import re
import secrets
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATH = PROJECT_ROOT / "clinic.yml"


@functools.cache
def load(path: str = "") -> dict[str, Any]:
    chosen = Path(path or os.environ.get("CLINIC_CONFIG") or DEFAULT_PATH)
    with chosen.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


@functools.cache
def domain() -> dict[str, Any]:
    """domain.yml as written (the channels and the console read its intents and buttons)."""
    with (PROJECT_ROOT / "domain.yml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


def domain_intents() -> list[str]:
    return [i if isinstance(i, str) else next(iter(i)) for i in domain().get("intents", [])]


def response_values() -> dict[str, str]:
    """The placeholders that responses may use, e.g. {clinic_phone}."""
    settings = load()
    clinic = settings.get("clinic", {})
    lines = settings.get("crisis_lines", {})
    return {
        "clinic_name": clinic.get("name", "the clinic"),
        "clinic_phone": clinic.get("phone", ""),
        "clinic_email": clinic.get("email", ""),
        "clinic_hours": clinic.get("hours", ""),
        "clinic_address": clinic.get("address", ""),
        "booking_url": clinic.get("booking_url", ""),
        "crisis_lifeline": lines.get("lifeline", "call or text 988"),
        "emergency_number": lines.get("emergency", "911"),
        "poison_control": lines.get("poison_control", "1-800-222-1222"),
    }


# Only links that start a call or a text: a typo in clinic.yml must never
# put a web or script link under a crisis reply.
HELP_LINK = re.compile(r"^(tel|sms):\+?[0-9]{2,15}$")


def kept_secret(path: Path) -> str:
    """A random secret kept in a file of its own (owner-only), made on first
    use, so that a restart keeps it; two processes starting at once agree."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it a moment ago
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32) + "\n")
    return path.read_text().strip()


def phone_link(phone: str) -> str:
    return "tel:" + re.sub(r"[^0-9+]", "", phone)


def help_links(kind: str = "crisis") -> list[dict[str, str]]:
    """The one-tap links for a crisis ("crisis") or an emergency
    ("emergency") reply: clinic.yml's list, then the clinic's own number."""
    settings = load()
    listed = (settings.get("crisis_lines") or {}).get(f"{kind}_links") or []
    links = [
        {"title": str(link["title"]), "url": str(link["url"])}
        for link in listed
        if isinstance(link, dict) and link.get("title") and HELP_LINK.match(str(link.get("url", "")))
    ]
    clinic = settings.get("clinic", {})
    if clinic.get("phone") and HELP_LINK.match(phone_link(clinic["phone"])):
        links.append({"title": "Call the clinic", "url": phone_link(clinic["phone"])})
    return links


def clinic_answers() -> dict[str, str]:
    """The clinic's own answers per topic (clinic.yml `answers:`), by key."""
    answers = load().get("answers") or {}
    return {str(key): str(text).strip() for key, text in answers.items() if text and str(text).strip()}


def allowed_origins() -> list[str]:
    from_env = os.environ.get("CLINIC_ALLOWED_ORIGINS")
    if from_env:
        return [origin.strip() for origin in from_env.split(",") if origin.strip()]
    return list(load().get("allowed_origins", []))


def max_message_chars() -> int:
    return int(load().get("chat", {}).get("max_message_chars", 2000))


def idle_minutes() -> float:
    """Minutes of inactivity before the widget hides the transcript (0: never)."""
    return max(0.0, float(load().get("chat", {}).get("idle_minutes", 5)))


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def office_is_open(now: datetime | None = None) -> bool:
    """Whether clinic.yml's office_hours cover `now` (default: this moment) in
    the clinic's time zone. No office_hours at all: always open, so a clinic
    that has not set them never offers callbacks."""
    hours = load().get("office_hours")
    if not hours:
        return True
    zone = ZoneInfo(hours.get("timezone", "UTC"))
    local = (now or datetime.now(timezone.utc)).astimezone(zone)
    if DAYS[local.weekday()] not in [str(d).lower()[:3] for d in hours.get("days", [])]:
        return False
    return str(hours.get("open", "00:00")) <= local.strftime("%H:%M") < str(hours.get("close", "24:00"))


def retention_days() -> int:
    return int(load().get("staff_console", {}).get("retention_days", 90))
