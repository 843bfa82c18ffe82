"""Redacted exports: conversations as CSV or JSON Lines, and the training
inbox's corrections as a Rasa NLU file."""

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator

from console import queries

CSV_COLUMNS = [
    "sender_id",
    "conversation_started",
    "flags",
    "reviewed_by",
    "tags",
    "at",
    "speaker",
    "text",
    "intent",
    "predicted_intent",
    "confidence",
    "feedback",
]
# A cell starting with one of these runs as a formula in spreadsheet apps;
# patients' text must stay text (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def conversation_rows(conn, items: Iterable[queries.Conversation]) -> Iterator[dict]:
    for item in items:
        for turn in queries.transcript(conn, item.sender_id):
            if turn.kind == "action":
                continue
            yield {
                "sender_id": item.sender_id,
                "conversation_started": queries.iso(item.started_at),
                "flags": " ".join(item.flags),
                "reviewed_by": item.reviewed_by or "",
                "tags": " ".join(item.tags),
                "at": queries.iso(turn.ts),
                "speaker": turn.kind,
                "text": turn.text,
                "intent": turn.intent or "",
                "predicted_intent": turn.predicted_intent or "",
                "confidence": "" if turn.confidence is None else f"{turn.confidence:.3f}",
                "feedback": turn.feedback or "",
            }


def to_csv(conn, items: Iterable[queries.Conversation]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for row in conversation_rows(conn, items):
        writer.writerow({key: _cell(value) for key, value in row.items()})
    return out.getvalue()


def to_jsonl(conn, items: Iterable[queries.Conversation]) -> str:
    lines = []
    for item in items:
        record = item.as_dict()
        record["turns"] = [turn.as_dict() for turn in queries.transcript(conn, item.sender_id)]
        lines.append(json.dumps(record, ensure_ascii=False))
    return "".join(line + "\n" for line in lines)


def _example(text: str) -> str:
    """One line of an `examples: |` block: a single line, and brackets that
    Rasa would read as entity annotations ([x](y), [x]{...}) kept as text."""
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"\]([({])", r"] \1", text)


def to_nlu_yaml(grouped: dict[str, list[str]]) -> str:
    lines = [
        'version: "3.1"',
        "",
        "# Corrected in the staff console's training inbox.",
        "# Review, then add to data/nlu/ and retrain.",
        "nlu:",
    ]
    for intent in sorted(grouped):
        examples = sorted({_example(text) for text in grouped[intent] if text.strip()})
        if not examples:
            continue
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        lines.extend(f"    - {text}" for text in examples)
    return "\n".join(lines) + "\n"
