"""Small readers shared by the tests: the domain, NLU files and referral check."""
import re
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent

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


def load_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def domain() -> dict:
    return load_yaml(ROOT / "domain.yml")


def nlu_examples(path: Path) -> List[Tuple[str, str]]:
    """(intent, text) pairs of a Rasa NLU YAML file, annotations stripped."""
    pairs = []
    for block in load_yaml(path).get("nlu", []):
        if "intent" not in block:
            continue
        for line in block["examples"].splitlines():
            line = line.strip()
            if line.startswith("- "):
                pairs.append((block["intent"], strip_annotations(line[2:])))
    return pairs


def strip_annotations(text: str) -> str:
    return re.sub(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})", r"\1", text)


def training_examples() -> List[Tuple[str, str]]:
    pairs = []
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        pairs += nlu_examples(path)
    return pairs


def examples_by_intent(pairs: List[Tuple[str, str]]) -> Dict[str, List[str]]:
    grouped: Dict[str, List[str]] = {}
    for intent, text in pairs:
        grouped.setdefault(intent, []).append(text)
    return grouped
