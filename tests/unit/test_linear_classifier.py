"""LinearIntentClassifier: trains, persists and loads through Rasa's own model
storage, scores as scikit-learn does, and refuses a tampered model file."""

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from clinicbot.nlu.linear_classifier import ARRAYS_FILE, SETTINGS_FILE, LinearIntentClassifier

EXAMPLES = {
    "ask_onset": [
        "how fast does it work",
        "how long until i feel better",
        "when does it kick in",
        "how many weeks before zoloft works",
        "is ketamine quick to act",
    ],
    "ask_side_effects": [
        "what are the side effects",
        "will i feel sick",
        "does it cause weight gain",
        "any side effects from infusions",
        "can it raise blood pressure",
    ],
    "greet": ["hi", "hello there", "good morning", "hey", "hiya"],
}


@pytest.fixture
def storage(tmp_path):
    (tmp_path / "storage").mkdir()
    return LocalModelStorage(tmp_path / "storage")


def _context():
    return ExecutionContext(GraphSchema({}), "test")


def _trained(storage, **config):
    resource = Resource("linear")
    component = LinearIntentClassifier.create(
        {**LinearIntentClassifier.get_default_config(), **config}, storage, resource, _context()
    )
    data = TrainingData([Message(data={"text": t, "intent": i}) for i, texts in EXAMPLES.items() for t in texts])
    component.train(data)
    return component, resource


def _classify(component, text):
    message = Message(data={"text": text})
    [message] = component.process([message])
    return message


def test_classifies_unseen_phrasings_with_a_sorted_ranking(storage):
    component, _ = _trained(storage)
    message = _classify(component, "how quickly do infusions start working")
    assert message.get("intent")["name"] == "ask_onset"
    confidences = [r["confidence"] for r in message.get("intent_ranking")]
    assert confidences == sorted(confidences, reverse=True)
    assert sum(confidences) == pytest.approx(1.0)
    assert _classify(component, "side efects of ketamine?").get("intent")["name"] == "ask_side_effects"


def test_a_loaded_model_answers_as_the_trained_one(storage):
    component, resource = _trained(storage)
    loaded = LinearIntentClassifier.load(LinearIntentClassifier.get_default_config(), storage, resource, _context())
    for text in ("hello", "does it make you gain weight", "when will i notice a change"):
        assert _classify(loaded, text).get("intent_ranking") == _classify(component, text).get("intent_ranking")


def test_a_model_file_holding_pickled_objects_is_not_loaded(storage):
    """The arrays are read with allow_pickle=False: a tampered file cannot run code."""
    import numpy as np

    _, resource = _trained(storage)
    with storage.write_to(resource) as directory:
        np.savez(directory / ARRAYS_FILE, bias=np.array([object()], dtype=object))
    loaded = LinearIntentClassifier.load(LinearIntentClassifier.get_default_config(), storage, resource, _context())
    assert loaded.scorer is None
    assert _classify(loaded, "hello").get("intent") is None  # leaves the message to the rest of the pipeline


def test_a_model_whose_parts_do_not_fit_together_is_not_loaded(storage):
    import json

    _, resource = _trained(storage)
    with storage.write_to(resource) as directory:
        settings = json.loads((directory / SETTINGS_FILE).read_text())
        settings["classes"].append("extra_intent")
        (directory / SETTINGS_FILE).write_text(json.dumps(settings))
    loaded = LinearIntentClassifier.load(LinearIntentClassifier.get_default_config(), storage, resource, _context())
    assert loaded.scorer is None


@pytest.mark.parametrize("text", ["how fast does it work", "HELLO!!", "", "zzzz qqqq", "weight gain? or sick"])
def test_the_fast_scorer_gives_the_pipelines_probabilities(storage, text):
    component, _ = _trained(storage)
    expected = dict(zip(component.pipeline.classes_, component.pipeline.predict_proba([text])[0]))
    got = {r["name"]: r["confidence"] for r in _classify(component, text).get("intent_ranking")}
    assert got == pytest.approx(expected)


def test_two_intents_are_scored_like_the_pipeline(storage):
    component, _ = _trained(storage)
    data = TrainingData([Message(data={"text": t, "intent": i}) for i in ("greet", "ask_onset") for t in EXAMPLES[i]])
    component.train(data)
    expected = dict(zip(component.pipeline.classes_, component.pipeline.predict_proba(["hey there"])[0]))
    got = {r["name"]: r["confidence"] for r in _classify(component, "hey there").get("intent_ranking")}
    assert got == pytest.approx(expected) and max(got, key=got.get) == "greet"


def _gate_probabilities(component, text):
    from scipy.sparse import hstack

    blocks = [t for _, t in component.pipeline.steps[0][1].transformer_list if hasattr(t, "vocabulary_")]
    features = hstack([block.transform([text]) for block in blocks]).tocsr()
    return dict(zip(component.gate.classes_, component.gate.predict_proba(features)[0]))


def test_the_gate_answers_when_sure_and_the_full_model_otherwise(storage):
    """With encoder_gate, the n-gram-only model's answer stands when its top
    probability reaches the gate; other messages get the model with the
    sentence embedding. Both sides are checked against scikit-learn."""
    component, _ = _trained(storage, encoder_gate=0.5)
    sure, unsure = [], []
    for text in ("hi", "hello there", "side effects?", "how fast does it work", "zzzz qqqq", "", "is it quick"):
        gated = _gate_probabilities(component, text)
        (sure if max(gated.values()) >= 0.5 else unsure).append(text)
        expected = (
            gated
            if max(gated.values()) >= 0.5
            else dict(zip(component.pipeline.classes_, component.pipeline.predict_proba([text])[0]))
        )
        got = {r["name"]: r["confidence"] for r in _classify(component, text).get("intent_ranking")}
        assert got == pytest.approx(expected)
    assert sure and unsure  # both paths were taken


def test_a_loaded_gated_model_answers_as_the_trained_one(storage):
    component, resource = _trained(storage, encoder_gate=0.5)
    config = {**LinearIntentClassifier.get_default_config(), "encoder_gate": 0.5}
    loaded = LinearIntentClassifier.load(config, storage, resource, _context())
    assert loaded.scorer.gate is not None and loaded.scorer.gate_threshold == 0.5
    for text in ("hello", "does it make you gain weight", "zzzz qqqq"):
        assert _classify(loaded, text).get("intent_ranking") == _classify(component, text).get("intent_ranking")
