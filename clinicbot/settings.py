"""The clinic's own details, read once from clinic.yml.

CLINIC_CONFIG may point at another file (a second clinic, or a test)."""

import functools
import os
from pathlib import Path
from typing import Any

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


def retention_days() -> int:
    return int(load().get("staff_console", {}).get("retention_days", 90))
