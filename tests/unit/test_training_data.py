"""The training data and the held-out sets stay apart and consistent."""
from pathlib import Path

from tests.helpers import ROOT, load_yaml, nlu_examples, training_examples

HELD_OUT = sorted((ROOT / "tests" / "nlu").glob("*.yml"))


def _normalise(text: str) -> str:
    return " ".join(text.lower().replace("?", "").replace(".", "").split())


def test_held_out_questions_are_never_in_the_training_data():
    trained = {_normalise(text) for _, text in training_examples()}
    for path in HELD_OUT:
        leaked = [text for _, text in nlu_examples(path) if _normalise(text) in trained]
        assert not leaked, f"{path.name} examples also in data/nlu: {leaked}"


def test_held_out_set_is_large_enough_and_names_only_domain_intents():
    intents = set(load_yaml(ROOT / "domain.yml")["intents"])
    heldout = nlu_examples(ROOT / "tests" / "nlu" / "heldout.yml")
    assert len(heldout) >= 150
    for path in HELD_OUT:
        assert {intent for intent, _ in nlu_examples(path)} <= intents, path.name


def test_no_training_example_is_given_two_intents():
    seen = {}
    for intent, text in training_examples():
        key = _normalise(text)
        assert seen.setdefault(key, intent) == intent, f"{text!r}: {seen[key]} and {intent}"


def test_every_treatment_name_maps_to_one_of_the_two_values():
    doc = load_yaml(ROOT / "data" / "nlu" / "treatments.yml")["nlu"]
    lookup = {line[2:].strip().lower() for block in doc if block.get("lookup") == "treatment"
              for line in block["examples"].splitlines() if line.strip().startswith("- ")}
    synonyms = {}
    for block in doc:
        if "synonym" in block:
            for line in block["examples"].splitlines():
                if line.strip().startswith("- "):
                    synonyms[line.strip()[2:].lower()] = block["synonym"]
    assert set(synonyms.values()) == {"ketamine", "antidepressant"}
    unmapped = lookup - set(synonyms) - {"ketamine", "antidepressant"}
    assert not unmapped, f"lookup entries without a value: {sorted(unmapped)}"
