"""`make evaluate`: how often does the assistant understand patients?

    python -m bench.evaluate [--model M.tar.gz] [--limit N] [--skip-references]
                             [--percentages 0 40 80] [--out results]

Trains our config.yml and Rasa's default config (bench/configs/rasa_default.yml)
on data/ (bench.training: timed, cached by input hash), then on held-out data
only: `rasa test nlu` (per-intent report, confusion matrix, histogram), `rasa
test core` on tests/stories, the safety figures of bench.nlu_trial, a TF-IDF
baseline (bench.baseline), and Rasa's learning-curve comparison. Writes
<out>/EVALUATION.md with the plots next to it."""

import argparse
import asyncio
import json
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import baseline, nlu_trial, real_report, training
from bench.report import num, pct, provenance, table, verdict
from clinicbot.safety import SAFETY_INTENTS
from clinicbot.settings import PROJECT_ROOT
from corpus import manifest, nlu_examples

DEFAULT_CONFIG = PROJECT_ROOT / "bench" / "configs" / "rasa_default.yml"
# Regression targets; accuracy is judged as patients get it: a fallback is not an answer.
TARGETS = {
    "rasa_accuracy": 0.95,
    "question_accuracy": 0.95,
    "out_of_scope_detection": 0.90,
    "crisis_recall": 1.0,
}


@dataclass
class Result:
    name: str
    label: str
    report: dict  # intent_report.json shape: per intent + accuracy
    safety: dict[str, float]  # bench.nlu_trial.rates()
    train_seconds: float
    trained_note: str = ""
    core: dict | None = None  # story_report.json of `rasa test core`
    errors: list[dict] = field(default_factory=list)
    misses: dict[str, list] = field(default_factory=dict)
    real: dict[str, dict[str, float]] = field(default_factory=dict)  # bench.real_report.figures()
    real_parsed: dict[str, list[dict]] = field(default_factory=dict)
    real_decided: dict[str, list[str]] = field(default_factory=dict)


def with_real(result: "Result", real, parsed, threshold: float, ambiguity: float) -> "Result":
    """The real-question figures of one model's parses."""
    result.real_parsed = {name: parsed[name] for name in real}
    result.real_decided = {name: real_report.decisions(parsed[name], threshold, ambiguity) for name in real}
    result.real = real_report.figures(real, parsed, threshold, ambiguity)
    return result


def rasa(*argv: str) -> None:
    """`rasa <argv>` in this process: Rasa's own CLI parser and command, without
    paying TensorFlow's import once per command."""
    from rasa.__main__ import create_argument_parser

    started = time.monotonic()
    args = create_argument_parser().parse_args(list(argv))
    args.func(args)
    print(f"  rasa {' '.join(argv[:2])} … {time.monotonic() - started:.0f}s", flush=True)


async def rasa_tests(model: Path, heldout_file: Path, target: Path, sets) -> dict[str, list[dict]]:
    """What `rasa test nlu --nlu <heldout>` and `rasa test core --stories tests/stories`
    run (their defaults: errors and plots written), on one loaded model, which
    then also parses the safety sets."""
    from rasa.core.agent import Agent
    from rasa.core.test import test as core_test
    from rasa.nlu.test import run_evaluation

    agent = Agent.load(str(model))
    await run_evaluation(str(heldout_file), agent.processor, output_directory=str(target), errors=True)
    (target / "core").mkdir(exist_ok=True)
    await core_test(str(PROJECT_ROOT / "tests" / "stories"), agent, out_directory=str(target / "core"))
    return await nlu_trial.parse_with(agent, sets)


def write_nlu(pairs, path: Path) -> Path:
    """A Rasa NLU file of (intent, text) pairs (a sample of the held-out set)."""
    import yaml

    grouped: dict[str, list[str]] = {}
    for intent, text in pairs:
        grouped.setdefault(intent, []).append(text)
    blocks = [{"intent": i, "examples": "".join(f"- {t}\n" for t in texts)} for i, texts in grouped.items()]

    class Literal(str):
        pass

    yaml.add_representer(Literal, lambda d, s: d.represent_scalar("tag:yaml.org,2002:str", s, style="|"))
    for block in blocks:
        block["examples"] = Literal(block["examples"])
    path.write_text(yaml.dump({"version": "3.1", "nlu": blocks}, sort_keys=False, allow_unicode=True))
    return path


def evaluate_rasa(
    trained: training.Trained, label: str, config: Path, sets, heldout_file: Path, out: Path, real
) -> Result:
    target = out / "evaluation" / trained.name
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    started = time.monotonic()
    parsed = asyncio.run(rasa_tests(trained.path, heldout_file, target, sets))
    print(
        f"  {trained.name}: rasa test nlu, rasa test core, safety sets … {time.monotonic() - started:.0f}s", flush=True
    )
    threshold, ambiguity = nlu_trial.fallback_thresholds(config)
    misses = {
        "crisis": [
            (t, p)
            for (e, t), (_, p) in zip(
                sets[nlu_trial.CRISIS_SET],
                nlu_trial.predictions(sets, parsed, nlu_trial.CRISIS_SET, threshold, ambiguity),
            )
            if e in SAFETY_INTENTS and p not in SAFETY_INTENTS
        ],
        "lookalikes": [
            (t, p)
            for (e, t), (_, p) in zip(
                sets[nlu_trial.LOOKALIKE_SET],
                nlu_trial.predictions(sets, parsed, nlu_trial.LOOKALIKE_SET, threshold, ambiguity),
            )
            if p in SAFETY_INTENTS
        ],
    }
    errors_file = target / "intent_errors.json"
    return with_real(
        Result(
            trained.name,
            label,
            json.loads((target / "intent_report.json").read_text()),
            nlu_trial.rates(sets, parsed, threshold, ambiguity),
            trained.seconds,
            trained_note=("cached, trained " if trained.cached else "trained ") + trained.trained_at,
            core=json.loads((target / "core" / "story_report.json").read_text()),
            errors=json.loads(errors_file.read_text()) if errors_file.exists() else [],
            misses=misses,
        ),
        real,
        parsed,
        threshold,
        ambiguity,
    )


def evaluate_baseline(sets, real) -> list[Result]:
    """The plain baseline, and the same model inside our safety layers (crisis
    guard and fallback threshold of config.yml): which part of any difference
    is the classifier, and which the safety layers."""
    model, seconds = baseline.train()
    parsed = {name: baseline.parse(model, [t for _, t in pairs]) for name, pairs in sets.items()}
    report = baseline.intent_report(model, sets[nlu_trial.QUESTION_SET])
    threshold, ambiguity = nlu_trial.fallback_thresholds(PROJECT_ROOT / "config.yml")
    guard = nlu_trial.pipeline_component(PROJECT_ROOT / "config.yml", "CrisisGuard") or {}
    guarded = {name: baseline.with_safety_layers(parsed[name], [t for _, t in sets[name]], guard) for name in sets}
    return [
        with_real(
            Result(
                "tfidf",
                "TF-IDF + logistic regression (scikit-learn)",
                report,
                nlu_trial.rates(sets, parsed, 0.0, 0.0),
                seconds,
                trained_note="trained in this run",
            ),
            real,
            parsed,
            0.0,
            0.0,
        ),
        with_real(
            Result(
                "tfidf_safety",
                "the same inside our safety layers",
                report,
                nlu_trial.rates(sets, guarded, threshold, ambiguity),
                seconds,
                trained_note="trained in this run",
            ),
            real,
            guarded,
            threshold,
            ambiguity,
        ),
    ]


def learning_curve(percentages: list[str], out: Path) -> Path | None:
    """Rasa's own comparison (`rasa test nlu --config A B --percentages`), re-plotted as PNG."""
    if not percentages:
        return None
    target = out / "evaluation" / "learning_curve"
    # Six trainings: reused while configs, data and percentages are unchanged.
    inputs = [PROJECT_ROOT / "config.yml", DEFAULT_CONFIG, PROJECT_ROOT / "data" / "nlu"]
    key = f"{training.fingerprint(inputs)} {' '.join(percentages)}"
    stamp = target / "inputs.txt"
    if not (stamp.exists() and stamp.read_text() == key and (target / "results.json").exists()):
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        rasa(
            "test",
            "nlu",
            "--nlu",
            str(PROJECT_ROOT / "data" / "nlu"),
            "--config",
            str(PROJECT_ROOT / "config.yml"),
            str(DEFAULT_CONFIG),
            "--percentages",
            *percentages,
            "--runs",
            "1",
            "--out",
            str(target),
        )
        stamp.write_text(key)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    f1 = json.loads((target / "results.json").read_text())
    sizes = [len(nlu_examples(target / "run_1" / f"{p}%_exclusion" / "train" / "train.yml")) for p in percentages]
    plt.figure(figsize=(6, 4))
    for name, runs in f1.items():
        plt.plot(sizes, runs[0], marker="o", label={"config": "ours (config.yml)"}.get(name, name))
    plt.xlabel("training examples (of an 80% split of data/nlu)")
    plt.ylabel("weighted F1 on the other 20%")
    plt.legend()
    plt.grid(alpha=0.3)
    plt.tight_layout()
    png = out / "evaluation-learning-curve.png"
    plt.savefig(png, dpi=110)
    plt.close()
    return png


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", help="score this trained model as ours instead of training config.yml")
    parser.add_argument("--limit", type=int, help="at most N held-out examples per intent (smoke test)")
    parser.add_argument("--skip-references", action="store_true", help="skip Rasa's default config")
    parser.add_argument(
        "--default-model",
        help="a trained model of bench/configs/rasa_default.yml to reuse "
        "(its training takes about half an hour on this machine)",
    )
    parser.add_argument(
        "--percentages",
        nargs="*",
        default=["80", "95"],
        help="learning curve: %% of the training split left out; none skips it "
        "(default: cheap points, the default config's DIET alone takes minutes on all of it)",
    )
    parser.add_argument("--out", default=str(PROJECT_ROOT / "results"))
    args = parser.parse_args(argv)
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    nlu_trial.quiet()

    sets = nlu_trial.load_sets(args.limit)
    real = nlu_trial.load_real(args.limit)
    sets.update({name: [(q.label, q.text) for q in questions] for name, questions in real.items()})
    # Rasa's own per-intent report, on the regression questions.
    heldout_file = manifest()[nlu_trial.QUESTION_SET].file
    if args.limit:
        heldout_file = write_nlu(sets[nlu_trial.QUESTION_SET], out / "heldout-sample.yml")
    ours = (
        training.existing("ours", Path(args.model))
        if args.model
        else training.train("ours", PROJECT_ROOT / "config.yml")
    )
    print(f"ours: {ours.path.name} ({'cached' if ours.cached else f'trained in {ours.seconds:.0f}s'})", flush=True)
    results = [evaluate_rasa(ours, "ours (config.yml)", PROJECT_ROOT / "config.yml", sets, heldout_file, out, real)]
    if not args.skip_references:
        default = (
            training.existing("rasa_default", Path(args.default_model))
            if args.default_model
            else training.train("rasa_default", DEFAULT_CONFIG)
        )
        print(f"rasa_default: {'cached' if default.cached else f'trained in {default.seconds:.0f}s'}", flush=True)
        results.append(
            evaluate_rasa(default, "Rasa default (rasa init)", DEFAULT_CONFIG, sets, heldout_file, out, real)
        )
    results += evaluate_baseline(sets, real)
    try:
        curve = learning_curve(args.percentages, out)
    except Exception as error:
        print(f"learning curve failed: {error!r}", flush=True)
        curve = None
    for result in results:
        for plot in ("intent_confusion_matrix.png", "intent_histogram.png"):
            source = out / "evaluation" / result.name / plot
            if source.exists():
                shutil.copy(source, out / f"evaluation-{result.name}-{plot.replace('intent_', '').replace('_', '-')}")
    (out / "EVALUATION.md").write_text(render(results, sets, curve, args, real, out))
    print(f"wrote {out / 'EVALUATION.md'}", flush=True)
    return 0


def render(results: list[Result], sets, curve: Path | None, args, real, out: Path) -> str:
    ours = results[0]
    for r in results:  # Rasa's figure: `rasa test nlu` undoes fallbacks and scores the top intent
        # None when Rasa wrote an empty report (no labels); pct() prints it as "–".
        r.safety["rasa_accuracy"] = r.report.get("accuracy")  # type: ignore[assignment]
    safety = [
        "rasa_accuracy",
        "question_accuracy",
        "question_answered",
        "out_of_scope_detection",
        "out_of_scope_strict",
        "crisis_recall",
        "lookalikes_forced_to_crisis",
    ]
    labels = {
        "rasa_accuracy": "Regression questions, intent accuracy (`rasa test nlu`)",
        "question_accuracy": "Regression questions, as answered (fallback = wrong)",
        "question_answered": "Regression questions, right answer in the reply (also after a crisis reply)",
        "out_of_scope_detection": "Out-of-scope detection",
        "out_of_scope_strict": "Out-of-scope given the out-of-scope reply (strict)",
        "crisis_recall": "Crisis recall",
        "lookalikes_forced_to_crisis": "Look-alikes forced to crisis",
    }
    n = {name: len(pairs) for name, pairs in sets.items()}
    oos = sum(1 for i, _ in sets[nlu_trial.QUESTION_SET] if i == "out_of_scope")
    guard = nlu_trial.pipeline_component(PROJECT_ROOT / "config.yml", "CrisisGuard") or {}
    lines = [
        "# How well does the assistant understand patients?",
        "",
        provenance() + (f" **Sample run: at most {args.limit} per label.**" if args.limit else ""),
        "",
        *real_report.render(results, real, out, guard.get("model_threshold", 0.2)),
        "## Regression sets written to imitate patients",
        "",
        "Until 6 Dec 2026 these were the measurement; they were written to imitate patients, and tuned against, "
        "so they now only guard against regressions (corpus/manifest.yml, role `regression`).",
        "",
        f"Sets (tests/nlu/README.md): {n[nlu_trial.QUESTION_SET]} questions ({oos} out of scope), "
        f"{sum(e in SAFETY_INTENTS for e, _ in sets[nlu_trial.CRISIS_SET])} crisis/emergency messages, "
        f"{n[nlu_trial.LOOKALIKE_SET]} look-alikes."
        + (f" **Sample run: at most {args.limit} per intent.**" if args.limit else ""),
        "",
        "### Regression targets",
        "",
        table(
            ["Target", "Goal", "Ours", "Status", "Leads every reference?"],
            [
                [
                    labels[k],
                    f"≥ {pct(goal)}" if goal < 1 else "100%",
                    pct(ours.safety[k]),
                    verdict(ours.safety[k] >= goal),
                    leads(results, k),
                ]
                for k, goal in TARGETS.items()
            ],
        ),
        "",
        "### Side by side (same split)",
        "",
        table(
            ["", *[r.label for r in results]],
            [[labels[k], *[pct(r.safety[k]) for r in results]] for k in safety]
            + [
                ["Held-out macro F1", *[pct(r.report.get("macro avg", {}).get("f1-score")) for r in results]],
                ["Held-out questions sent to fallback", *[pct(r.safety["fallback_share"]) for r in results]],
                ["Test conversations passed (`rasa test core`)", *[conversation(r.core) for r in results]],
                ["Training time", *[f"{num(r.train_seconds, 0, ' s')} ({r.trained_note})" for r in results]],
            ],
        ),
        "",
        '`rasa test nlu` undoes fallback predictions and scores the top intent; "as answered" counts a '
        'fallback ("did you mean…?") as wrong, as a patient sees it. Crisis recall counts `crisis` and '
        "`medical_emergency` as caught. Out-of-scope detection: held-out `out_of_scope` questions that got no FAQ "
        "answer (out_of_scope, nlu_fallback, clinic info, personal advice, request_human, or a crisis/emergency "
        "reply); the strict figure counts a crisis/emergency reply as a miss. The TF-IDF baseline "
        "has no fallback, so it always answers its top intent; the column beside it puts the same model "
        "inside our safety layers (the crisis guard with its 20% probability rule, and the fallback "
        "threshold), so the two columns separate the classifier from the price of the safety layers. "
        '"Right answer in the reply" also counts an ordinary question that got the crisis reply '
        "followed by its own answer (actions/safety.py).",
        "",
        "### Per intent, regression questions",
        "",
        per_intent(results),
        "",
    ]
    if ours.misses.get("crisis"):
        lines += ["## Crisis messages we missed", "", table(["Message", "Predicted"], ours.misses["crisis"]), ""]
    if ours.misses.get("lookalikes"):
        lines += [
            "## Look-alikes we forced to crisis",
            "",
            table(["Message", "Predicted"], ours.misses["lookalikes"]),
            "",
        ]
    if ours.errors:
        rows = [
            [e["text"][:90], e["intent"], e["intent_prediction"]["name"], f"{e['intent_prediction']['confidence']:.2f}"]
            for e in ours.errors
        ]
        lines += [
            f"## Held-out questions we got wrong ({len(rows)})",
            "",
            table(["Message", "Expected", "Predicted", "Conf."], rows),
            "",
        ]
    lines += ["## Plots", ""]
    for r in results:
        for kind in ("confusion-matrix", "histogram"):
            name = f"evaluation-{r.name}-{kind}.png"
            lines.append(f"- {r.label}, {kind.replace('-', ' ')}: ![{name}]({name})")
    if curve:
        lines += [
            "",
            f"Learning curve (Rasa's `rasa test nlu --config config.yml bench/configs/rasa_default.yml "
            f"--percentages {' '.join(args.percentages)} --runs 1`: an 80/20 split of data/nlu, not the held-out "
            f"set): ![learning curve]({curve.name})",
        ]
    lines += [
        "",
        "## Reproduce",
        "",
        "```",
        "make evaluate          # python -m bench.evaluate",
        "```",
        "Rasa's raw outputs (intent_report.json, intent_errors.json, story reports) are in results/evaluation/.",
        "",
    ]
    return "\n".join(lines)


def leads(results: list[Result], key: str) -> str:
    if len(results) < 2:
        return "–"
    ours, best = results[0].safety[key], max(r.safety[key] for r in results[1:])
    return "yes" if ours > best else ("tied" if ours == best else f"no (best {pct(best)})")


def conversation(core: dict | None) -> str:
    if not core or "conversation_accuracy" not in core:
        return "–"
    c = core["conversation_accuracy"]
    return f"{c['correct']}/{c['total']}"


def per_intent(results: list[Result]) -> str:
    results = [r for r in results if r.name != "tfidf_safety"]  # same classifier as tfidf
    ours = results[0].report
    intents = sorted(k for k, v in ours.items() if isinstance(v, dict) and "support" in v and not k.endswith("avg"))
    rows = []
    for intent in intents:
        o = ours[intent]
        others = [r.report.get(intent, {}).get("f1-score") for r in results[1:]]
        rows.append(
            [intent, o["support"], pct(o["precision"]), pct(o["recall"]), pct(o["f1-score"]), *map(pct, others)]
        )
    return table(["Intent", "n", "Precision", "Recall", "F1", *[f"F1 {r.label}" for r in results[1:]]], rows)


if __name__ == "__main__":
    sys.exit(main())
