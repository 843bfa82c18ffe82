"""The simplest honest baseline: TF-IDF word and character n-grams with a
logistic regression, trained on data/nlu, scored like a Rasa model.

Its predictions come back in Rasa's parse format, so bench.nlu_trial.rates()
scores all three models the same way. It has no fallback threshold: it always
answers its top intent."""

import time

from corpus import training_examples

SEED = 2024


def train() -> tuple[object, float]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    intents, texts = zip(*training_examples())
    started = time.monotonic()
    # Same features as our Rasa pipeline's CountVectors: words, and char_wb 1-4
    # (robust to typos); sublinear tf so long backstories do not dominate.
    features = make_union(
        TfidfVectorizer(lowercase=True, sublinear_tf=True),
        TfidfVectorizer(lowercase=True, sublinear_tf=True, analyzer="char_wb", ngram_range=(1, 4)),
    )
    model = make_pipeline(features, LogisticRegression(C=10.0, max_iter=2000, random_state=SEED))
    model.fit(texts, intents)
    return model, time.monotonic() - started


def parse(model, texts: list[str]) -> list[dict]:
    """Rasa-like parse results: intent and a ranking of the top ten."""
    results = []
    for row in model.predict_proba(texts):
        top = sorted(zip(model.classes_, row), key=lambda pair: -pair[1])[:10]
        ranking = [{"name": str(name), "confidence": float(p)} for name, p in top]
        results.append({"intent": ranking[0], "intent_ranking": ranking})
    return results


def intent_report(model, pairs: list[tuple[str, str]]) -> dict:
    """Per-intent precision/recall/F1 in the shape of Rasa's intent_report.json."""
    from sklearn.metrics import classification_report

    expected = [intent for intent, _ in pairs]
    predicted = [p["intent"]["name"] for p in parse(model, [text for _, text in pairs])]
    return classification_report(expected, predicted, output_dict=True, zero_division=0)


def with_safety_layers(results: list[dict], texts: list[str], guard_config: dict) -> list[dict]:
    """The same parses after our crisis guard (clinicbot.nlu.crisis_guard), the
    component itself: what the baseline would answer inside our pipeline.
    The fallback threshold is applied when scoring (bench.nlu_trial.decide)."""
    from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
    from rasa.shared.nlu.training_data.message import Message

    from clinicbot.nlu.crisis_guard import CrisisGuard
    from clinicbot.safety import OVERRIDE_KEY

    guard = CrisisGuard(guard_config)
    messages = [
        Message(data={TEXT: text, INTENT: r["intent"], INTENT_RANKING_KEY: r["intent_ranking"]})
        for r, text in zip(results, texts)
    ]
    guard.process(messages)
    return [
        {
            "intent": m.get(INTENT),
            "intent_ranking": m.get(INTENT_RANKING_KEY),
            **({OVERRIDE_KEY: m.get(OVERRIDE_KEY)} if m.get(OVERRIDE_KEY) else {}),
        }
        for m in messages
    ]
