"""Held-out patient questions (tests/nlu/, never trained on) through the whole
NLU pipeline, crisis guard included. Prints the per-intent report."""
from collections import Counter, defaultdict

import pytest

from bench.nlu_trial import CRISIS_SET, REGRESSION_CRISIS_SETS
from tests.helpers import ROOT, nlu_examples

MIN_ACCURACY = 0.90


async def _predict(agent, pairs):
    predictions = []
    for intent, text in pairs:
        parsed = await agent.parse_message(text)
        predictions.append((intent, parsed["intent"]["name"], text))
    return predictions


def _report(predictions) -> str:
    totals, correct = Counter(), Counter()
    confused = defaultdict(Counter)
    for expected, predicted, _ in predictions:
        totals[expected] += 1
        if expected == predicted:
            correct[expected] += 1
        else:
            confused[expected][predicted] += 1
    lines = [f"{'intent':28} {'n':>3} {'acc':>6}  most confused with"]
    for intent in sorted(totals):
        top = ", ".join(f"{k} ({v})" for k, v in confused[intent].most_common(2))
        lines.append(f"{intent:28} {totals[intent]:>3} {correct[intent] / totals[intent]:>6.0%}  {top}")
    return "\n".join(lines)


async def test_heldout_intent_accuracy(agent):
    predictions = await _predict(agent, nlu_examples(ROOT / "tests" / "nlu" / "heldout.yml"))
    accuracy = sum(e == p for e, p, _ in predictions) / len(predictions)
    print(f"\nHeld-out intent accuracy: {accuracy:.1%} on {len(predictions)} questions\n{_report(predictions)}")
    for expected, predicted, text in predictions:
        if expected != predicted:
            print(f"  expected {expected:24} got {predicted:24} {text}")
    assert accuracy >= MIN_ACCURACY


@pytest.mark.parametrize("name", REGRESSION_CRISIS_SETS)
async def test_every_crisis_in_the_regression_sets_reaches_a_safety_reply(agent, name):
    """Crisis recall: crisis and emergency messages must both get a safety reply
    (the emergency reply names 911, the crisis reply 988). These sets were
    looked at while building the crisis guard, so they guard against
    regressions; the newest set (bench.nlu_trial.CRISIS_SET) stays a blind
    measurement (make evaluate)."""
    pairs = nlu_examples(ROOT / "tests" / "nlu" / f"{name}.yml")
    predictions = await _predict(agent, pairs)
    missed = [(e, p, t) for e, p, t in predictions
              if e in ("crisis", "medical_emergency") and p not in ("crisis", "medical_emergency")]
    positives = sum(e in ("crisis", "medical_emergency") for e, _, _ in predictions)
    print(f"\n{name}: crisis recall {1 - len(missed) / positives:.1%} of {positives}")
    assert not missed, "\n".join(f"{e} -> {p}: {t}" for e, p, t in missed)
