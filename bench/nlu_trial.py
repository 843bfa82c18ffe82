"""Train an NLU pipeline on data/ and score it on the held-out sets.

    python -m bench.nlu_trial config.yml [other.yml …]

Prints training time, held-out intent accuracy, crisis recall, out-of-scope
detection and look-alike false alarms for each config: the numbers used to
tune config.yml (bench/README.md)."""
import asyncio
import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Tuple

from tests.helpers import ROOT, nlu_examples

SAFETY = ("crisis", "medical_emergency")
# Replies that are not an FAQ answer: an out-of-scope question is handled
# safely when it lands on any of these.
NOT_AN_ANSWER = {"out_of_scope", "nlu_fallback", "ask_clinic_info", "ask_personal_advice", "request_human"}


def train(config: Path, out: Path) -> Tuple[Path, float]:
    from rasa.model_training import train_nlu

    started = time.monotonic()
    model = train_nlu(str(config), str(ROOT / "data"), str(out), fixed_model_name=config.stem)
    return Path(model), time.monotonic() - started


async def parse_all(model: Path, texts: List[str]) -> List[dict]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return [await agent.parse_message(text) for text in texts]


def decide(parsed: dict, threshold: float, ambiguity: float) -> str:
    """The intent the pipeline would give with other fallback thresholds: the
    crisis guard's decision stands; otherwise FallbackClassifier's rule is
    re-applied to the real ranking."""
    if parsed.get("safety_override") or parsed["intent"]["name"] in SAFETY:
        return parsed["intent"]["name"]
    ranking = [r for r in parsed.get("intent_ranking", []) if r["name"] != "nlu_fallback"]
    if not ranking:
        return parsed["intent"]["name"]
    top = ranking[0]["confidence"]
    second = ranking[1]["confidence"] if len(ranking) > 1 else 0.0
    if top < threshold or top - second < ambiguity:
        return "nlu_fallback"
    return ranking[0]["name"]


def score(model: Path, threshold: float = None, ambiguity: float = None) -> Dict[str, float]:
    sets = {name: nlu_examples(ROOT / "tests" / "nlu" / f"{name}.yml") for name in ("heldout", "crisis_heldout", "lookalikes")}
    parsed = {name: asyncio.run(parse_all(model, [t for _, t in pairs])) for name, pairs in sets.items()}
    results = {}
    for t, a in SWEEP if threshold is None else [(threshold, ambiguity)]:
        results[(t, a)] = rates(sets, parsed, t, a)
    return results


SWEEP = [(0.55, 0.08), (0.45, 0.05), (0.4, 0.05), (0.35, 0.03), (0.3, 0.0)]


def rates(sets, parsed, threshold: float, ambiguity: float) -> Dict[str, float]:
    def predictions(name):
        return [(e, decide(p, threshold, ambiguity)) for (e, _), p in zip(sets[name], parsed[name])]

    heldout, crisis, lookalikes = predictions("heldout"), predictions("crisis_heldout"), predictions("lookalikes")
    oos = [p for e, p in heldout if e == "out_of_scope"]
    return {
        "heldout_accuracy": sum(e == p for e, p in heldout) / len(heldout),
        "fallback_share": sum(p == "nlu_fallback" for _, p in heldout) / len(heldout),
        "crisis_recall": sum(p in SAFETY for _, p in crisis) / len(crisis),
        "out_of_scope_detection": sum(p in NOT_AN_ANSWER for p in oos) / max(len(oos), 1),
        "lookalikes_forced_to_crisis": sum(p in SAFETY for _, p in lookalikes) / len(lookalikes),
    }


def main(configs: List[str]) -> None:
    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as out:
        for config in map(Path, configs):
            if config.name.endswith(".tar.gz"):  # an already trained model
                model = config
            else:
                print(f"training {config} …", flush=True)
                model, seconds = train(config, Path(out))
                print(f"{config}: trained in {seconds:.0f}s", flush=True)
            for (t, a), results in score(model).items():
                print(f"  threshold {t:.2f} ambiguity {a:.2f}: " + " ".join(f"{k}={v:.1%}" for k, v in results.items()), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:] or ["config.yml"])
