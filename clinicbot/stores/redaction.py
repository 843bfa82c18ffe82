"""Personal details removed from patients' messages before they are stored."""

import re
from re import Pattern

# Order matters: an email or a social-security number must be caught before
# the generic digit run swallows part of it.
_RULES: list[tuple[Pattern[str], str]] = [
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "[email]"),
    (re.compile(r"\b\d{3}-\d{2}-\d{4}\b"), "[number]"),
    (re.compile(r"(?<![\w])(?:\+?\d{1,3}[\s.-]?)?(?:\(\d{3}\)|\d{3})[\s.-]?\d{3}[\s.-]?\d{4}\b"), "[phone]"),
    # Insurance, member or card numbers: seven or more digits, maybe spaced.
    (re.compile(r"(?<![\w])\d(?:[\s.-]?\d){6,}\b"), "[number]"),
]


def redact(text: str) -> str:
    for pattern, placeholder in _RULES:
        text = pattern.sub(placeholder, text)
    return text
