"""Train an NLU pipeline on data/ and score it on the regression sets.

    python -m bench.nlu_trial config.yml [other.yml …]

Prints training time, intent accuracy, crisis recall, out-of-scope detection
and look-alike false alarms on the regression sets for each config, to check
a change breaks nothing. They were written to imitate patients and tuned
against, so they guard and never measure: real questions measure
(`make evaluate`, bench/real_questions.py)."""

import asyncio
import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import cast

from actions.safety import question_behind_crisis_reply
from clinicbot.safety import SAFETY_INTENTS, SafetyOverride, model_ranking
from clinicbot.settings import PROJECT_ROOT
from corpus import Question, manifest, read_questions, set_examples

# Replies that are not an FAQ answer: an out-of-scope question is handled
# safely when it lands on any of these.
NOT_AN_ANSWER = {"out_of_scope", "nlu_fallback", "ask_clinic_info", "ask_personal_advice", "request_human"}


def train(config: Path, out: Path) -> tuple[Path, float]:
    from rasa.model_training import train_nlu

    started = time.monotonic()
    model = train_nlu(str(config), str(PROJECT_ROOT / "data"), str(out), fixed_model_name=config.stem)
    return Path(model), time.monotonic() - started


# The regression sets of corpus/manifest.yml (role `regression`).
QUESTION_SET = "regression_questions"
CRISIS_SET = "regression_crisis"
LOOKALIKE_SET = "regression_lookalikes"
SETS = (QUESTION_SET, CRISIS_SET, LOOKALIKE_SET)


# Real patients' questions (corpus/manifest.yml): what the evaluation leads with.
REAL_SETS = tuple(s.name for s in manifest().values() if s.role in ("heldout", "tune", "dev"))


def load_real(limit: int | None = None) -> dict[str, list[Question]]:
    """The real measurement sets; `limit` keeps the first few of each label."""
    sets = {name: read_questions(manifest()[name].file) for name in REAL_SETS}
    if limit is None:
        return sets
    kept: dict[str, list[Question]] = {}
    for name, rows in sets.items():
        counts: dict[str, int] = {}
        kept[name] = [
            q
            for q in rows
            if counts.setdefault(q.label, 0) < limit and not counts.update({q.label: counts[q.label] + 1})
        ]
    return kept


def load_sets(limit: int | None = None, names=SETS) -> dict[str, list[tuple[str, str]]]:
    """Sets of the manifest as (intent, text) pairs; `limit` keeps the first
    few examples of each intent (smoke tests)."""
    sets = {name: set_examples(name) for name in names}
    if limit is None:
        return sets
    kept: dict[str, list[tuple[str, str]]] = {}
    for name, pairs in sets.items():
        counts: dict[str, int] = {}
        kept[name] = []
        for intent, text in pairs:
            counts[intent] = counts.get(intent, 0) + 1
            if counts[intent] <= limit:
                kept[name].append((intent, text))
    return kept


async def parse_sets(model: Path, sets: dict[str, list[tuple[str, str]]]) -> dict[str, list[dict]]:
    from rasa.core.agent import Agent

    return await parse_with(Agent.load(str(model)), sets)  # once: loading costs more than parsing


async def parse_with(agent, sets: dict[str, list[tuple[str, str]]]) -> dict[str, list[dict]]:
    parsed = {}
    for name, pairs in sets.items():
        parsed[name] = [await agent.parse_message(text) for _, text in pairs]
    return parsed


def pipeline_component(config: Path, name: str) -> dict | None:
    """The settings of the pipeline component whose name ends with `name`."""
    import yaml

    return next((c for c in yaml.safe_load(Path(config).read_text())["pipeline"] if c["name"].endswith(name)), None)


def fallback_thresholds(config: Path) -> tuple[float, float]:
    """FallbackClassifier's (threshold, ambiguity_threshold) in a config, so a
    model is scored as it answers; (0, 0) without one."""
    component = pipeline_component(config, "FallbackClassifier")
    if component is None:
        return 0.0, 0.0
    return component.get("threshold", 0.3), component.get("ambiguity_threshold", 0.1)


def decide(parsed: dict, threshold: float, ambiguity: float) -> str:
    """The intent the pipeline would give with other fallback thresholds: the
    crisis guard's decision stands; otherwise FallbackClassifier's rule is
    re-applied to the real ranking."""
    if SafetyOverride.from_parse(parsed) or parsed["intent"]["name"] in SAFETY_INTENTS:
        return parsed["intent"]["name"]
    ranking = model_ranking(parsed)
    if not ranking:
        return parsed["intent"]["name"]
    top = ranking[0]["confidence"]
    second = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
    if top < threshold or top - second < ambiguity:
        return "nlu_fallback"
    return ranking[0]["name"]


def score(
    model: Path, threshold: float | None = None, ambiguity: float | None = None, limit: int | None = None
) -> dict[tuple[float, float], dict[str, float]]:
    sets = load_sets(limit)
    parsed = asyncio.run(parse_sets(model, sets))
    # A single point takes both thresholds (no caller gives one without the other).
    points = SWEEP if threshold is None else [(threshold, cast(float, ambiguity))]
    return {(t, a): rates(sets, parsed, t, a) for t, a in points}


SWEEP = [(0.4, 0.05), (0.35, 0.03), (0.3, 0.03), (0.25, 0.02), (0.2, 0.0)]


def predictions(sets, parsed, name: str, threshold: float, ambiguity: float) -> list[tuple[str, str]]:
    """(expected, predicted) intents of one set."""
    return [(e, decide(p, threshold, ambiguity)) for (e, _), p in zip(sets[name], parsed[name])]


def rates(sets, parsed, threshold: float, ambiguity: float) -> dict[str, float]:
    def pairs(names) -> list[tuple[str, str]]:
        return [pair for name in names for pair in predictions(sets, parsed, name, threshold, ambiguity)]

    questions = pairs([QUESTION_SET])
    crisis, lookalikes = pairs([CRISIS_SET]), pairs([LOOKALIKE_SET])
    oos = [p for e, p in questions if e == "out_of_scope"]
    figures = {
        "question_accuracy": accuracy(questions),
        "fallback_share": sum(p == "nlu_fallback" for _, p in questions) / max(len(questions), 1),
        "crisis_recall": sum(p in SAFETY_INTENTS for e, p in crisis if e in SAFETY_INTENTS)
        / max(sum(e in SAFETY_INTENTS for e, _ in crisis), 1),
        # The definition: an off-topic question gets no FAQ answer (a
        # safety reply is not one). The strict figure also counts a crisis or
        # emergency reply as a miss: it is safe, but not what the patient needed.
        "out_of_scope_detection": sum(p in NOT_AN_ANSWER or p in SAFETY_INTENTS for p in oos) / max(len(oos), 1),
        "out_of_scope_strict": sum(p in NOT_AN_ANSWER for p in oos) / max(len(oos), 1),
        "lookalikes_forced_to_crisis": sum(p in SAFETY_INTENTS for _, p in lookalikes) / max(len(lookalikes), 1),
    }
    # What the patient reads: a crisis reply forced on an ordinary question is
    # followed by that question's answer (actions/safety.py), so it counts.
    answered = [
        e == d or e == question_behind_crisis_reply(p)
        for (e, _), p in zip(sets[QUESTION_SET], parsed[QUESTION_SET])
        for d in [decide(p, threshold, ambiguity)]
    ]
    figures["question_answered"] = sum(answered) / max(len(answered), 1)
    return figures


def accuracy(pairs: list[tuple[str, str]]) -> float:
    return sum(e == p for e, p in pairs) / max(len(pairs), 1)


def quiet() -> None:
    """Rasa's structured logger prints every parse at debug level otherwise."""
    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    logging.disable(logging.WARNING)


def main(configs: list[str]) -> None:
    quiet()
    with tempfile.TemporaryDirectory() as out:
        for config in map(Path, configs):
            if config.name.endswith(".tar.gz"):  # an already trained model
                model = config
            else:
                print(f"training {config} …", flush=True)
                model, seconds = train(config, Path(out))
                print(f"{config}: trained in {seconds:.0f}s", flush=True)
            for (t, a), results in score(model).items():
                print(
                    f"  threshold {t:.2f} ambiguity {a:.2f}: " + " ".join(f"{k}={v:.1%}" for k, v in results.items()),
                    flush=True,
                )


if __name__ == "__main__":
    main(sys.argv[1:] or ["config.yml"])
