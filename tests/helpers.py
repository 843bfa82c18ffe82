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


def post_from(source: str, base_url: str, text: str) -> int:
    """POST a message from another loopback address, as another client (a
    stranger: no token, no sender id) would; returns the HTTP status."""
    import http.client
    import json
    from urllib.parse import urlsplit

    where = urlsplit(base_url)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=120, source_address=(source, 0))
    try:
        body = json.dumps({"message": text})
        connection.request("POST", "/webhooks/rest/webhook", body, {"Content-Type": "application/json"})
        return connection.getresponse().status
    finally:
        connection.close()


def flood(base_url: str, source: str = "127.0.0.2", messages: int = 120, at_once: int = 60) -> list[int]:
    """Statuses of many messages from one address, more at once than one client may send."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=at_once) as pool:
        return list(pool.map(lambda _: post_from(source, base_url, "hi"), range(messages)))
