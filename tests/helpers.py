"""Small readers shared by the tests: the domain, NLU files and referral check."""

import re

from clinicbot.settings import PROJECT_ROOT

# NLU files and sets are read by corpus/, shared with bench/.
from corpus import load_yaml, nlu_examples, strip_annotations, training_examples  # noqa: F401

# The last sentence of every reply must send the reader to a professional.
REFERRAL = re.compile(
    r"\b(doctor|psychiatrist|prescriber|medical team|mental health professional|"
    r"healthcare (professional|provider)|clinician)s?\b",
    re.IGNORECASE,
)


def last_sentence(text: str) -> str:
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]
    return sentences[-1] if sentences else ""


def ends_with_referral(text: str) -> bool:
    return bool(REFERRAL.search(last_sentence(text)))


def domain() -> dict:
    return load_yaml(PROJECT_ROOT / "domain.yml")


def examples_by_intent(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for intent, text in pairs:
        grouped.setdefault(intent, []).append(text)
    return grouped
