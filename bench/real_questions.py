"""Scoring real patients' questions (corpus/real/): what `make evaluate` leads with.

Each question falls in one category by its label:
- answerable: an article topic; right when that topic answers it;
- unanswerable: a topic the articles don't cover (or out of scope, or
  personal advice); right when it gets its own clinic answer or an honest
  reply, never another topic's answer;
- crisis: the asker's own crisis or an emergency; right when a crisis or
  emergency reply comes;
- about_suicide: talk about suicide; right when the informational reply
  (988 first, no crisis wording) comes;
- lookalike: alarming words in an everyday message; right when no crisis or
  emergency reply comes.
A crisis or emergency reply to anything but a crisis is also counted as a
false alarm, whatever the category."""

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from clinicbot.safety import ABOUT_SUICIDE, SAFETY_INTENTS, SafetyOverride, model_ranking
from clinicbot.topics import CLINIC_TOPICS, FAQ_TOPICS, HONEST_REPLIES
from corpus import DEV_LABELS, Question

CATEGORIES = ("answerable", "unanswerable", "crisis", "about_suicide", "lookalike", "other")
UNANSWERABLE_LABELS = ("out_of_scope", "ask_personal_advice", "ask_clinic_info")
ABOUT_REPLIES = (ABOUT_SUICIDE, "ask_suicidal_thoughts")


def category(label: str, vocabulary: str = "project") -> str:
    if vocabulary == "dev":
        if label == "out_of_scope":
            return "unanswerable"
        return "answerable" if label in DEV_LABELS else "other"
    if label in FAQ_TOPICS:
        return "answerable"
    if label in CLINIC_TOPICS or label in UNANSWERABLE_LABELS:
        return "unanswerable"
    if label in SAFETY_INTENTS:
        return "crisis"
    if label in (ABOUT_SUICIDE, "about_suicide"):
        return "about_suicide"
    if label == "lookalike":
        return "lookalike"
    return "other"


def is_right(label: str, decided: str, vocabulary: str = "project") -> bool:
    kind = category(label, vocabulary)
    if kind == "answerable":
        return decided in (DEV_LABELS[label] if vocabulary == "dev" else (label,))
    if kind == "unanswerable":
        if decided in HONEST_REPLIES:
            return True
        # The shared set's out_of_scope covers every clinic topic at once.
        return decided in CLINIC_TOPICS if vocabulary == "dev" else decided == label
    if kind == "crisis":
        return decided in SAFETY_INTENTS
    if kind == "about_suicide":
        return decided in ABOUT_REPLIES
    if kind == "lookalike":
        return decided not in SAFETY_INTENTS
    return decided == label


def figures(questions: Sequence[Question], decided: Sequence[str], vocabulary: str = "project") -> dict[str, float]:
    """Share right per category, overall and per source kind, and false alarms."""
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    alarms: Counter[str] = Counter()
    harmless: Counter[str] = Counter()
    for q, d in zip(questions, decided):
        kind = category(q.label, vocabulary)
        for key in (kind, f"{kind}@{q.kind or 'unknown'}"):
            total[key] += 1
            right[key] += is_right(q.label, d, vocabulary)
        if kind != "crisis":
            for key in ("all", q.kind or "unknown"):
                harmless[key] += 1
                alarms[key] += d in SAFETY_INTENTS
    out = {f"{key}": right[key] / total[key] for key in total}
    out.update({f"n_{key}": float(total[key]) for key in total})
    out.update({f"false_alarms@{key}": alarms[key] / harmless[key] for key in harmless})
    out.update({f"n_harmless@{key}": float(harmless[key]) for key in harmless})
    return out


def misses(
    questions: Sequence[Question], decided: Sequence[str], vocabulary: str = "project"
) -> list[tuple[str, str, str, str]]:
    """(category, label, decided, text) of every question not answered right."""
    return [
        (category(q.label, vocabulary), q.label, d, q.text)
        for q, d in zip(questions, decided)
        if not is_right(q.label, d, vocabulary)
    ]


def confusion(questions: Sequence[Question], decided: Sequence[str]) -> dict[str, Counter]:
    """Among the clinic topics: what each was answered with."""
    table: dict[str, Counter] = defaultdict(Counter)
    for q, d in zip(questions, decided):
        if q.label in CLINIC_TOPICS:
            table[q.label][d] += 1
    return table


def safety_score(parsed: dict) -> float:
    """The classifier's own crisis + emergency probability for a message,
    before the crisis guard (which keeps it in safety_override)."""
    override = SafetyOverride.from_parse(parsed)
    if override is not None:
        return override.model_safety_score
    scores = {r["name"]: r["confidence"] for r in parsed.get("intent_ranking", [])}
    return float(sum(scores.get(name, 0.0) for name in SAFETY_INTENTS))


def fired_by_rule(parsed: dict) -> bool:
    override = SafetyOverride.from_parse(parsed)
    return override is not None and not override.by_model


def precision_recall(
    questions: Sequence[Question], parsed: Sequence[dict], thresholds: Iterable[float]
) -> list[dict[str, float]]:
    """The safety decision at each threshold: a message gets a crisis or
    emergency reply when a deterministic rule fired, or the classifier gives
    crisis + emergency at least the threshold (or its top intent is one)."""
    points = []
    truth = [category(q.label) == "crisis" for q in questions]
    lookalike = [category(q.label) == "lookalike" for q in questions]
    for t in thresholds:
        flagged = [fired_by_rule(p) or safety_score(p) >= t or top_model_intent(p) in SAFETY_INTENTS for p in parsed]
        tp = sum(f and y for f, y in zip(flagged, truth))
        fp = sum(f and not y for f, y in zip(flagged, truth))
        fn = sum(y and not f for f, y in zip(flagged, truth))
        la = sum(f and y for f, y in zip(flagged, lookalike))
        points.append(
            {
                "threshold": t,
                "precision": tp / max(tp + fp, 1),
                "recall": tp / max(tp + fn, 1),
                "false_alarms": fp,
                "lookalike_alarms": la / max(sum(lookalike), 1),
                "missed": fn,
            }
        )
    return points


def top_model_intent(parsed: dict) -> str | None:
    override = SafetyOverride.from_parse(parsed)
    if override is not None:
        return override.model_intent
    ranking = model_ranking(parsed)
    return ranking[0]["name"] if ranking else parsed.get("intent", {}).get("name")
