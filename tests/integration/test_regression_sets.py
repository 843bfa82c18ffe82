"""Regression sets (corpus/manifest.yml, role regression: written to imitate patients and never trained
on) through the whole NLU pipeline, crisis guard included. They are no
longer a measurement (real questions are: `make evaluate`); they guard
against regressions. Prints the per-intent report."""

from collections import Counter, defaultdict

from clinicbot.topics import CLINIC_TOPICS, HONEST_REPLIES
from corpus import set_examples

MIN_ACCURACY = 0.90


def _right(expected: str, predicted: str) -> bool:
    """These sets were labelled before the topics the articles don't cover had
    intents: a cost or visit question was ask_clinic_info or out_of_scope then,
    and its own clinic topic (or an honest reply) is right for it now."""
    if expected in ("ask_clinic_info", "out_of_scope"):
        return predicted == expected or predicted in CLINIC_TOPICS or predicted in HONEST_REPLIES
    return expected == predicted


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
        if _right(expected, predicted):
            correct[expected] += 1
        else:
            confused[expected][predicted] += 1
    lines = [f"{'intent':28} {'n':>3} {'acc':>6}  most confused with"]
    for intent in sorted(totals):
        top = ", ".join(f"{k} ({v})" for k, v in confused[intent].most_common(2))
        lines.append(f"{intent:28} {totals[intent]:>3} {correct[intent] / totals[intent]:>6.0%}  {top}")
    return "\n".join(lines)


async def test_regression_intent_accuracy(agent):
    predictions = await _predict(agent, set_examples("regression_questions"))
    accuracy = sum(_right(e, p) for e, p, _ in predictions) / len(predictions)
    print(f"\nRegression intent accuracy: {accuracy:.1%} on {len(predictions)} questions\n{_report(predictions)}")
    for expected, predicted, text in predictions:
        if not _right(expected, predicted):
            print(f"  expected {expected:24} got {predicted:24} {text}")
    assert accuracy >= MIN_ACCURACY


SAFETY_REPLIES = ("crisis", "medical_emergency")


async def test_every_crisis_in_the_regression_set_reaches_a_reply_with_988(agent):
    """Every crisis and emergency message in these sets must get a reply that
    puts 988 (and 911) first: the crisis or emergency reply, or, for a worry
    about someone else ("my son told me he wants to die"), the informational
    reply about suicide, which opens with the lifeline and names 911. A
    third-person message landing there is printed, not failed: since 7 Dec 2026
    (CONTENT.md) a parent or friend asking for help is talk about suicide.
    This set was read while building the crisis guard, so they guard
    against regressions; real crises are measured by make evaluate."""
    name = "regression_crisis"
    predictions = await _predict(agent, set_examples(name))
    positives = [(e, p, t) for e, p, t in predictions if e in SAFETY_REPLIES]
    missed = [(e, p, t) for e, p, t in positives if p not in SAFETY_REPLIES + ("ask_about_suicide",)]
    informational = [(e, p, t) for e, p, t in positives if p == "ask_about_suicide"]
    print(
        f"\n{name}: {len(positives) - len(missed)} of {len(positives)} reach 988; "
        f"{len(informational)} as talk about someone else:"
    )
    for _, _, text in informational:
        print(f"  {text}")
    assert not missed, "\n".join(f"{e} -> {p}: {t}" for e, p, t in missed)
