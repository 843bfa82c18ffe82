"""The safety vocabulary that every reader of a parse shares.

The crisis guard (clinicbot.nlu.crisis_guard) is the only writer: when it
overrides the classifier it leaves a `SafetyOverride` on the message, and
when an everyday saying calms a weak crisis lean it leaves a note. The
response generator, the actions, the staff console and the measurement
code read them back through `SafetyOverride.from_parse`, never by hand.
"""

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Optional

CRISIS = "crisis"
EMERGENCY = "medical_emergency"
# Talk about suicide that is not the asker's own crisis: 988 first, no alarm.
ABOUT_SUICIDE = "ask_about_suicide"
# Intents whose replies must come first and must never be second-guessed.
SAFETY_INTENTS = (CRISIS, EMERGENCY)

# Keys on Rasa's parse data.
OVERRIDE_KEY = "safety_override"
NOTE_KEY = "safety_note"

# Rasa's FallbackClassifier puts this intent first when the model is unsure;
# its confidence is then only the threshold, and the model's own guesses
# follow it in the ranking.
FALLBACK = "nlu_fallback"

# The one rule that is a probability, not a deterministic phrase rule.
MODEL_PROBABILITY = "model_probability"
EVERYDAY_SAYING = "everyday_saying"
# A crisis rule's words in what the classifier reads as talk about suicide.
READS_AS_TALK_ABOUT_SUICIDE = "reads_as_talk_about_suicide"


@dataclass(frozen=True)
class SafetyOverride:
    """Why the guard replaced the classifier's intent, and what the
    classifier itself had said (kept for staff and for the PR curve)."""

    rule: str
    model_intent: str | None = None
    model_confidence: float | None = None
    model_scores: dict[str, float] = field(default_factory=dict)

    @property
    def by_model(self) -> bool:
        """Only the classifier's probability said crisis; no phrase rule fired."""
        return self.rule == MODEL_PROBABILITY

    @property
    def model_safety_score(self) -> float:
        return float(sum(self.model_scores.values()))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_parse(cls, parse_data: Mapping[str, Any] | None) -> Optional["SafetyOverride"]:
        """The override stored on a parse, or None. Tolerates anything a
        stored event may hold (older events, hand-edited rows)."""
        raw = (parse_data or {}).get(OVERRIDE_KEY) if isinstance(parse_data, Mapping) else None
        if not isinstance(raw, Mapping) or not isinstance(raw.get("rule"), str):
            return None
        confidence = raw.get("model_confidence")
        scores = raw.get("model_scores")
        return cls(
            rule=raw["rule"],
            model_intent=raw.get("model_intent") if isinstance(raw.get("model_intent"), str) else None,
            model_confidence=float(confidence) if isinstance(confidence, (int, float)) else None,
            model_scores={str(k): float(v) for k, v in scores.items() if isinstance(v, (int, float))}
            if isinstance(scores, Mapping)
            else {},
        )


def model_ranking(parse_data: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The classifier's own ranking, best first, without Rasa's fallback entry."""
    ranking = (parse_data or {}).get("intent_ranking") or []
    return [entry for entry in ranking if entry.get("name") != FALLBACK]
