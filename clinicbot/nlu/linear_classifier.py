"""An intent classifier on TF-IDF word and character n-grams and a sentence
embedding, with a logistic regression.

A linear model on sublinear TF-IDF features generalised from our examples as
well as DIET, trains in seconds instead of minutes and answers in about a
millisecond (docs/decisions/). It reads the message text itself (lower-cased;
character n-grams make it robust to misspellings), so it needs no Rasa
featurizer. The sentence embedding (clinicbot/nlu/sentence_encoder.py,
all-MiniLM-L6-v2) adds meaning: messages worded unlike any training example
still land near their intent. `encoder: use_multilingual` takes Google's
multilingual USE v3 instead (clinicbot/nlu/multilingual_encoder.py; measured
in docs/decisions/2026-12-08-multilingual-encoder.md); the default,
`minilm`, trains and stores exactly the model it did before the choice
existed.

The encoder costs far more per message than the n-grams. So a second
logistic regression on the n-grams alone (the gate) reads each message first,
and when it is sure (`encoder_gate` in config.yml) its answer stands; unsure
messages, the ones where meaning matters, get the full model.

The model is stored without pickle: the n-gram vocabularies and settings as
JSON, the numbers as a NumPy archive read with allow_pickle=False, so a model
file cannot run code when it is loaded (and it loads in a fraction of a
second; skops took 10 s of the server's start-up).
"""

import json
import logging
import math
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.base import BaseEstimator, TransformerMixin

from clinicbot.nlu.idioms import everyday_meaning

logger = logging.getLogger(__name__)

SETTINGS_FILE = "linear_intent_model.json"
ARRAYS_FILE = "linear_intent_model.npz"
# Part of the training fingerprint: a change of what train() stores must not
# be restored from Rasa's training cache in the old form.
MODEL_FORMAT = "json+npz-3 idioms-1"
# The sentence encoders `encoder` may name; the first is the default, and a
# model file names its encoder only when it is another one.
ENCODERS = ("minilm", "use_multilingual")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(IntentClassifier, GraphComponent):
    """TF-IDF (words 1-2, characters 1-4 within words) and a sentence
    embedding + logistic regression."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "C": 10.0,  # weak regularisation: the classes are many and small
            "class_weight": None,  # "balanced": small intents count as much as large ones
            "word_ngrams": [1, 2],
            "char_ngrams": [1, 4],
            # Scale of the unit-length sentence embedding next to the two
            # unit-length TF-IDF blocks; 0 leaves the embedding out.
            "embedding_weight": 1.0,
            # Which sentence encoder (ENCODERS): all-MiniLM-L6-v2 (English)
            # or USE multilingual v3.
            "encoder": ENCODERS[0],
            # When the n-gram-only model's top probability reaches this, its
            # answer stands and the encoder is not run; 0 always runs it.
            "encoder_gate": 0.0,
            "max_iter": 2000,
            "random_state": 2024,
            "ranking_length": 10,
        }

    @staticmethod
    def required_packages() -> list[str]:
        return ["sklearn"]

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        # Rasa's cache keys on a component's configuration; the code that
        # trains it, the idioms it reads and the encoder's weights count too.
        import hashlib

        from clinicbot.nlu import idioms, sentence_encoder

        encoder: Any = sentence_encoder
        weights = sentence_encoder.WEIGHTS_SHA256
        if config.get("encoder", ENCODERS[0]) == "use_multilingual":
            from clinicbot.nlu import multilingual_encoder as encoder

            weights = "use_multilingual " + " ".join(encoder.WEIGHTS_SHA256.values())
        code = hashlib.sha256(Path(__file__).read_bytes() + Path(encoder.__file__).read_bytes())
        return f"{MODEL_FORMAT} {weights} {idioms.fingerprint()} {code.hexdigest()[:16]}"

    def __init__(
        self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource, scorer: Optional["Scorer"] = None
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        if self.config["encoder"] not in ENCODERS:
            raise ValueError(f"encoder must be one of {ENCODERS}, not {self.config['encoder']!r}")
        self._model_storage = model_storage
        self._resource = resource
        self.scorer = scorer
        self.pipeline: Any = None  # the fitted scikit-learn pipeline, after train() only
        self.gate: Any = None  # and the fitted n-gram-only model, if any

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LinearIntentClassifier":
        return cls(config, model_storage, resource)

    def _build(self) -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline, make_union

        c = self.config
        parts = [TfidfVectorizer(**settings) for settings in _vectorizer_settings(c)]
        if c["embedding_weight"]:
            parts.append(SentenceEmbedding(c["embedding_weight"], c["encoder"]))
        features = make_union(*parts)
        return make_pipeline(
            features,
            LogisticRegression(
                C=c["C"], class_weight=c["class_weight"], max_iter=c["max_iter"], random_state=c["random_state"]
            ),
        )

    def train(self, training_data: TrainingData) -> Resource:
        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if len({e.get(INTENT) for e in examples}) < 2:
            logger.warning("LinearIntentClassifier needs at least two intents; not trained.")
            return self._resource
        # Everyday sayings ("I'd die for a nap") are read for what they mean
        # (clinicbot/nlu/idioms.py), in training as in use.
        texts = [everyday_meaning(e.get(TEXT)) for e in examples]
        intents = [e.get(INTENT) for e in examples]
        self.pipeline = self._build()
        self.pipeline.fit(texts, intents)
        self.gate = None
        if self.config["embedding_weight"] and self.config["encoder_gate"]:
            self.gate = self._fit_gate(texts, intents)
        self.scorer = Scorer.from_pipeline(
            self.pipeline, _vectorizer_settings(self.config), self.gate, self.config["encoder_gate"]
        )
        with self._model_storage.write_to(self._resource) as directory:
            self.scorer.save(directory)
        return self._resource

    def _fit_gate(self, texts: list[str], intents: list[str]) -> Any:
        """The same logistic regression on the pipeline's fitted n-gram blocks
        alone (so it shares their vocabularies)."""
        from scipy.sparse import hstack
        from sklearn.linear_model import LogisticRegression

        c = self.config
        blocks = [t for _, t in self.pipeline.steps[0][1].transformer_list if not isinstance(t, SentenceEmbedding)]
        features = hstack([block.transform(texts) for block in blocks]).tocsr()
        return LogisticRegression(
            C=c["C"], class_weight=c["class_weight"], max_iter=c["max_iter"], random_state=c["random_state"]
        ).fit(features, intents)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "LinearIntentClassifier":
        try:
            with model_storage.read_from(resource) as directory:
                scorer = Scorer.load(directory)
        except (ValueError, KeyError, TypeError, OSError) as error:
            logger.error(f"LinearIntentClassifier could not be loaded ({error}); it will not classify.")
            scorer = None
        return cls(config, model_storage, resource, scorer)

    def process(self, messages: list[Message]) -> list[Message]:
        if self.scorer is None:
            return messages
        for message in messages:
            scores = self.scorer.probabilities(everyday_meaning(message.get(TEXT) or ""))
            ranking: list[dict[str, Any]] = sorted(
                ({"name": n, "confidence": float(p)} for n, p in scores.items()), key=lambda r: -r["confidence"]
            )
            message.set(INTENT, ranking[0], add_to_output=True)
            length = self.config["ranking_length"]
            message.set(INTENT_RANKING_KEY, ranking[:length] if length > 0 else ranking, add_to_output=True)
        return messages


def _vectorizer_settings(config: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"lowercase": True, "sublinear_tf": True, "analyzer": "word", "ngram_range": tuple(config["word_ngrams"])},
        {"lowercase": True, "sublinear_tf": True, "analyzer": "char_wb", "ngram_range": tuple(config["char_ngrams"])},
    ]


def _analyser(settings: dict[str, Any]) -> Callable[[str], list[str]]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(**settings).build_analyzer()


def shared_encoder(name: str = ENCODERS[0]) -> Any:
    """The process's encoder of that name (ENCODERS): `dimension`,
    `encode(text)` and `encode_all(texts)`."""
    if name == "use_multilingual":
        from clinicbot.nlu import multilingual_encoder

        return multilingual_encoder.shared_encoder()
    if name != ENCODERS[0]:
        raise ValueError(f"unknown sentence encoder {name!r}")
    from clinicbot.nlu import sentence_encoder

    return sentence_encoder.shared_encoder()


class SentenceEmbedding(BaseEstimator, TransformerMixin):
    """A scikit-learn transformer: texts -> weight x their sentence embeddings."""

    def __init__(self, weight: float = 1.0, encoder: str = ENCODERS[0]) -> None:
        self.weight = weight
        self.encoder = encoder

    def fit(self, texts: list[str], y: Any = None) -> "SentenceEmbedding":
        return self

    def transform(self, texts: list[str]) -> np.ndarray:
        return shared_encoder(self.encoder).encode_all(list(texts)) * self.weight


class Scorer:
    """The fitted pipeline's probabilities for one text, computed directly:
    sublinear tf-idf per vectorizer, l2-normalised, plus the weighted
    sentence embedding, then the logistic regression's softmax. About 1 ms a
    message for the n-grams instead of 8-10 ms through sklearn's predict_proba
    (bench/profile.py found that call at 12% of the server's time); the same
    numbers (tests/unit/test_linear_classifier.py)."""

    def __init__(
        self,
        classes: list[str],
        bias: np.ndarray,
        parts: list[tuple[dict[str, Any], list[str], np.ndarray, np.ndarray]],
        embedding: np.ndarray | None = None,
        gate: tuple[np.ndarray, list[np.ndarray]] | None = None,
        gate_threshold: float = 0.0,
        encoder: str = ENCODERS[0],
    ) -> None:
        if encoder not in ENCODERS:
            raise ValueError(f"unexpected sentence encoder {encoder!r}")
        if len(classes) != len(bias) or any(
            w.shape != (len(v), len(classes)) or len(i) != len(v) for _, v, i, w in parts
        ):
            raise ValueError("inconsistent linear intent model")
        if embedding is not None and embedding.shape[1] != len(classes):
            raise ValueError("inconsistent linear intent model")
        if gate is not None and (
            len(gate[0]) != len(classes)
            or len(gate[1]) != len(parts)
            or any(g.shape != w.shape for g, (_, _, _, w) in zip(gate[1], parts))
        ):
            raise ValueError("inconsistent linear intent model")
        self.classes, self.bias = classes, bias
        self.parts = parts
        self.embedding = embedding  # dimensions x classes, the embedding's weight folded in; or None
        self.gate, self.gate_threshold = gate, gate_threshold  # (bias, weights per part) of the n-gram-only model
        self.encoder = encoder
        self._compiled = [(_analyser(s), {g: n for n, g in enumerate(v)}, idf, w) for s, v, idf, w in parts]
        if embedding is not None:
            self._encoder = shared_encoder(encoder)
            if self._encoder.dimension != embedding.shape[0]:
                raise ValueError("the sentence encoder does not fit this model")

    @classmethod
    def from_pipeline(
        cls, pipeline: Any, settings: list[dict[str, Any]], gate_model: Any = None, gate_threshold: float = 0.0
    ) -> "Scorer":
        union, model = pipeline.steps[0][1], pipeline.steps[1][1]
        classes = [str(c) for c in model.classes_]
        weights, bias = _columns(model)
        parts, embedding, offset, remaining = [], None, 0, iter(settings)
        encoder = ENCODERS[0]
        for _, transformer in union.transformer_list:
            if isinstance(transformer, SentenceEmbedding):  # always the last block
                embedding = np.ascontiguousarray(weights[offset:] * transformer.weight, dtype=float)
                encoder = transformer.encoder
                continue
            vocabulary = sorted(transformer.vocabulary_, key=transformer.vocabulary_.get)
            size = len(vocabulary)
            parts.append(
                (
                    next(remaining),
                    vocabulary,
                    transformer.idf_.astype(float),
                    np.ascontiguousarray(weights[offset : offset + size], dtype=float),
                )
            )
            offset += size
        gate = None
        if gate_model is not None:
            if [str(c) for c in gate_model.classes_] != classes:
                raise ValueError("the gate was trained on other intents")
            gate_weights, gate_bias = _columns(gate_model)
            ends = np.cumsum([len(v) for _, v, _, _ in parts])
            gate = (gate_bias, [np.ascontiguousarray(w, dtype=float) for w in np.split(gate_weights, ends[:-1])])
        return cls(classes, bias, parts, embedding, gate, gate_threshold, encoder)

    def save(self, directory: Path) -> None:
        settings = {
            "classes": self.classes,
            "gate_threshold": self.gate_threshold,
            "parts": [
                {"settings": {**s, "ngram_range": list(s["ngram_range"])}, "vocabulary": v} for s, v, _, _ in self.parts
            ],
        }
        if self.encoder != ENCODERS[0]:  # the default's file stays as it was
            settings["encoder"] = self.encoder
        (directory / SETTINGS_FILE).write_text(json.dumps(settings), encoding="utf-8")
        arrays = {"bias": self.bias}
        for n, (_, _, idf, weights) in enumerate(self.parts):
            arrays[f"idf_{n}"], arrays[f"weights_{n}"] = idf, weights
        if self.embedding is not None:
            arrays["embedding_weights"] = self.embedding
        if self.gate is not None:
            arrays["gate_bias"] = self.gate[0]
            for n, weights in enumerate(self.gate[1]):
                arrays[f"gate_weights_{n}"] = weights
        np.savez_compressed(directory / ARRAYS_FILE, **arrays)

    @classmethod
    def load(cls, directory: Path) -> "Scorer":
        settings = json.loads((directory / SETTINGS_FILE).read_text(encoding="utf-8"))
        with np.load(directory / ARRAYS_FILE, allow_pickle=False) as arrays:
            parts = []
            for n, part in enumerate(settings["parts"]):
                setting = {k: part["settings"][k] for k in ("lowercase", "sublinear_tf", "analyzer")}
                setting["ngram_range"] = tuple(int(x) for x in part["settings"]["ngram_range"])
                if setting["analyzer"] not in ("word", "char_wb"):
                    raise ValueError(f"unexpected analyzer {setting['analyzer']!r}")
                parts.append(
                    (
                        setting,
                        [str(g) for g in part["vocabulary"]],
                        arrays[f"idf_{n}"].astype(float),
                        arrays[f"weights_{n}"].astype(float),
                    )
                )
            bias = arrays["bias"].astype(float)
            embedding = arrays["embedding_weights"].astype(float) if "embedding_weights" in arrays.files else None
            gate = None
            if "gate_bias" in arrays.files:
                gate = (
                    arrays["gate_bias"].astype(float),
                    [arrays[f"gate_weights_{n}"].astype(float) for n in range(len(parts))],
                )
        return cls(
            [str(c) for c in settings["classes"]],
            bias,
            parts,
            embedding,
            gate,
            float(settings.get("gate_threshold", 0.0)),
            str(settings.get("encoder", ENCODERS[0])),
        )

    def probabilities(self, text: str) -> dict[str, float]:
        # per n-gram block: (column indices, l2-normalised tf-idf values)
        features: list[tuple[np.ndarray, np.ndarray] | None] = []
        for analyse, vocabulary, idf, _ in self._compiled:
            found = [(vocabulary[gram], count) for gram, count in Counter(analyse(text)).items() if gram in vocabulary]
            if not found:
                features.append(None)
                continue
            index = np.fromiter((i for i, _ in found), dtype=np.int64, count=len(found))
            values = np.fromiter((1.0 + math.log(c) for _, c in found), dtype=float, count=len(found)) * idf[index]
            features.append((index, values / np.sqrt(values @ values)))
        if self.gate is not None:
            sure = _softmax(_linear(self.gate[0], self.gate[1], features))
            if sure.max() >= self.gate_threshold:
                return dict(zip(self.classes, sure.tolist()))
        logits = _linear(self.bias, [w for _, _, _, w in self.parts], features)
        if self.embedding is not None:
            logits += self._encoder.encode(text).astype(float) @ self.embedding
        return dict(zip(self.classes, _softmax(logits).tolist()))


def _columns(model: Any) -> tuple[np.ndarray, np.ndarray]:
    """A fitted LogisticRegression's (features x classes weights, bias)."""
    weights, bias = model.coef_.T, model.intercept_.astype(float)
    if len(model.classes_) == 2:  # a binary model keeps one column: softmax([0, z]) is its sigmoid
        weights = np.hstack([np.zeros_like(weights), weights])
        bias = np.concatenate([[0.0], bias])
    return weights, bias


def _linear(bias: np.ndarray, weights: list[np.ndarray], features: list[Any]) -> np.ndarray:
    logits = bias.copy()
    for block, found in zip(weights, features):
        if found is not None:
            logits += found[1] @ block[found[0]]
    return logits


def _softmax(logits: np.ndarray) -> np.ndarray:
    exp = np.exp(logits - logits.max())
    return exp / exp.sum()
