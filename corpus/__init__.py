"""Every evaluation and training set, and the one module that reads them.

`corpus/manifest.yml` lists each set with its role, origin and date; nothing
else lists sets. Real patient questions live in `corpus/real/*.tsv` (one row
per question, with the page it came from); Rasa NLU files are read and
written here too, so bench/ and tests/ both import this module and neither
imports the other.

Roles:
- train: real questions whose pages feed data/nlu/real_questions.yml.
- tune: real questions from other sites, read while choosing thresholds.
- heldout: real questions from sites never trained on nor read; scored blind.
- dev: the shared development set (read while building; its figure flatters).
- regression: sets written to imitate patients; they guard against
  regressions and are no longer a measurement."""

import csv
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import yaml

from clinicbot.settings import PROJECT_ROOT

CORPUS = PROJECT_ROOT / "corpus"
MANIFEST = CORPUS / "manifest.yml"
COLUMNS = ("question", "label", "source", "edit", "kind")
KINDS = ("clinic_faq", "health_site", "forum", "crisis_material")
EDIT_CODES = ("V", "H", "M", "C")


@dataclass(frozen=True)
class Question:
    text: str
    label: str
    source: str
    edit: str
    kind: str

    @property
    def site(self) -> str:
        return site_of(self.source)


@dataclass(frozen=True)
class EvalSet:
    name: str
    file: Path
    role: str
    origin: str
    date: str
    labels: str  # "project" (our intent names) or "dev" (the shared set's vocabulary)
    blind: bool  # scored without anyone reading it


def load_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def manifest() -> dict[str, EvalSet]:
    sets = {}
    for name, entry in load_yaml(MANIFEST)["sets"].items():
        sets[name] = EvalSet(
            name,
            PROJECT_ROOT / entry["file"],
            entry["role"],
            entry["origin"],
            str(entry["date"]),
            entry.get("labels", "project"),
            bool(entry.get("blind", False)),
        )
    return sets


def sets_with_role(role: str) -> list[EvalSet]:
    return [s for s in manifest().values() if s.role == role]


def site_of(url: str) -> str:
    """The site a page belongs to (www. dropped): the unit of the split, so
    that two pages of one clinic never sit on both sides."""
    host = urlparse(url).netloc.lower()
    return host[4:] if host.startswith("www.") else host


# Share of sites per role; the split is a hash of the site, so it never
# changes when rows are added, and a new site lands in one place only.
SPLIT = (("train", 60), ("tune", 15), ("heldout", 25))


def split_of(url: str) -> str:
    bucket = int(hashlib.sha256(site_of(url).encode()).hexdigest(), 16) % 100
    for role, share in SPLIT:
        if bucket < share:
            return role
        bucket -= share
    return SPLIT[-1][0]


def read_questions(path: Path) -> list[Question]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        missing = {"question", "label", "source"} - set(reader.fieldnames or ())
        if missing:
            # Without this a file with no header line reads as no rows at all.
            raise ValueError(f"{path}: the first line must name the columns {COLUMNS}; missing {sorted(missing)}")
        rows = list(reader)
    return [
        Question(
            clean(r["question"]),
            r["label"].strip(),
            r["source"].strip(),
            r.get("edit", "").strip(),
            r.get("kind", "").strip(),
        )
        for r in rows
        if (r.get("question") or "").strip()
    ]


def write_questions(questions: Iterable[Question], path: Path) -> None:
    lines = ["\t".join(COLUMNS)] + ["\t".join((q.text, q.label, q.source, q.edit, q.kind)) for q in questions]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def clean(text: str) -> str:
    """One line of text as a row holds it (gatherers escaped some quotes)."""
    return " ".join(text.replace('\\"', '"').replace("\\", "").split())


def questions(name: str) -> list[Question]:
    return read_questions(manifest()[name].file)


# ---- Rasa NLU files ----


def strip_annotations(text: str) -> str:
    return re.sub(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})", r"\1", text)


def nlu_examples(path: Path) -> list[tuple[str, str]]:
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


def set_examples(name: str) -> list[tuple[str, str]]:
    """(label, text) pairs of any set in the manifest, TSV or NLU YAML."""
    entry = manifest()[name]
    if entry.file.suffix == ".tsv":
        return [(q.label, q.text) for q in read_questions(entry.file)]
    return nlu_examples(entry.file)


def training_examples() -> list[tuple[str, str]]:
    pairs = []
    for path in sorted((PROJECT_ROOT / "data" / "nlu").glob("*.yml")):
        pairs += nlu_examples(path)
    return pairs


def write_nlu(pairs: Iterable[tuple[str, str]], path: Path, header: str | None = None) -> Path:
    """A Rasa NLU file of (intent, text) pairs, grouped by intent in order of
    first appearance."""
    grouped: dict[str, list[str]] = {}
    for intent, text in pairs:
        grouped.setdefault(intent, []).append(text)
    lines = [f"# {line}" if line else "#" for line in (header or "").splitlines()]
    lines += ['version: "3.1"', "nlu:"]
    for intent, texts in grouped.items():
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {one_line(text)}" for text in texts]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def one_line(text: str) -> str:
    """A training example as Rasa's `- ` list item holds it: one line, and no
    brackets that Rasa would read as an entity annotation."""
    return re.sub(r"\s+", " ", text.replace("[", "(").replace("]", ")")).strip()


# ---- Labels ----

# The shared development set labels topics in its own words; each maps to the
# intents that answer it. Its out_of_scope means "the articles don't answer
# it": any clinic topic or honest reply is right for it. Where that set files a
# question our topic map gives a home of its own (its README names these), the
# own home counts too: "how long does a session take" (administration there)
# is ask_session here, "how long will I take sertraline" (dosing_frequency)
# ask_antidepressant_duration, "should I stop my meds" (choosing)
# ask_personal_advice, "who is (not) a candidate" (safety, choosing)
# ask_booking.
DEV_LABELS: dict[str, tuple[str, ...]] = {
    "onset": ("ask_onset",),
    "mechanism": ("ask_mechanism",),
    "neuroplasticity": ("ask_neuroplasticity", "ask_mechanism"),
    "efficacy": ("ask_efficacy",),
    "treatment_resistant": ("ask_treatment_resistant",),
    "administration": ("ask_administration", "ask_session"),
    "dosing_frequency": ("ask_dosing_frequency", "ask_relief_duration", "ask_antidepressant_duration"),
    "side_effects": ("ask_side_effects",),
    "addiction": ("ask_dependency",),
    # "is it still experimental" is labelled safety there.
    "safety": ("ask_safety", "ask_research_status", "ask_booking"),
    "conditions": ("ask_conditions",),
    "suicidal_thoughts": ("ask_suicidal_thoughts", "ask_about_suicide"),
    "choosing": ("ask_choosing", "ask_combination", "ask_personal_advice", "ask_booking"),
}
