"""The training data and the measurement sets stay apart and consistent."""

from clinicbot.settings import PROJECT_ROOT
from clinicbot.topics import CLINIC_TOPICS, FAQ_TOPICS
from corpus import build, manifest, nlu_examples, one_line, read_questions, split_of, training_examples
from tests.helpers import load_yaml

SETS = manifest()
MEASURED = [s for s in SETS.values() if s.role in ("tune", "heldout", "dev")]
REAL = [SETS[f"real_{role}"] for role in build.ROLES]


def _normalise(text: str) -> str:
    return " ".join(text.lower().replace("?", "").replace(".", "").split())


def test_measured_questions_are_never_in_the_training_data():
    trained = {_normalise(text) for _, text in training_examples()}
    for entry in MEASURED:
        leaked = [q.text for q in read_questions(entry.file) if _normalise(q.text) in trained]
        assert not leaked, f"{entry.name} questions also in data/nlu: {leaked[:5]}"


def test_every_real_question_has_its_page_and_a_known_label_kind_and_edit_code():
    for entry in REAL:
        rows = read_questions(entry.file)
        bad = [(q.text, build.problem(q)) for q in rows if build.problem(q)]
        assert rows and not bad, f"{entry.name}: {bad[:5]}"


def test_the_real_corpus_is_split_by_site_and_no_site_feeds_two_roles():
    sites = {}
    for entry in REAL:
        for q in read_questions(entry.file):
            assert split_of(q.source) == entry.role, f"{q.source} filed under {entry.role}"
            assert sites.setdefault(q.site, entry.role) == entry.role, q.site


def test_the_real_corpus_holds_at_least_500_questions_with_every_new_topic_measured():
    rows = [q for entry in REAL for q in read_questions(entry.file)]
    assert len(rows) >= 500
    heldout = {q.label for q in read_questions(SETS["real_heldout"].file)}
    assert set(CLINIC_TOPICS) <= heldout | {"ask_booking"} or set(CLINIC_TOPICS) <= heldout


def test_the_real_training_file_is_made_from_the_train_split():
    expected = sorted((label, one_line(text)) for label, text in build.training_pairs())
    assert sorted(nlu_examples(build.TRAINING_FILE)) == expected, "run python -m corpus.build training"


def test_every_set_names_only_domain_intents():
    intents = set(load_yaml(PROJECT_ROOT / "domain.yml")["intents"]) | {"lookalike"}
    for entry in SETS.values():
        if entry.labels != "project":
            continue
        if entry.file.suffix == ".tsv":
            labels = {q.label for q in read_questions(entry.file)}
        else:
            labels = {intent for intent, _ in nlu_examples(entry.file)}
        assert labels <= intents, f"{entry.name}: {labels - intents}"


def test_every_topic_is_in_the_domain():
    assert set(FAQ_TOPICS) | set(CLINIC_TOPICS) <= set(load_yaml(PROJECT_ROOT / "domain.yml")["intents"])


def test_no_training_example_is_given_two_intents():
    seen = {}
    for intent, text in training_examples():
        key = _normalise(text)
        assert seen.setdefault(key, intent) == intent, f"{text!r}: {seen[key]} and {intent}"


def test_every_treatment_name_maps_to_one_of_the_two_values():
    doc = load_yaml(PROJECT_ROOT / "data" / "nlu" / "treatments.yml")["nlu"]
    lookup = {
        line[2:].strip().lower()
        for block in doc
        if block.get("lookup") == "treatment"
        for line in block["examples"].splitlines()
        if line.strip().startswith("- ")
    }
    synonyms = {}
    for block in doc:
        if "synonym" in block:
            for line in block["examples"].splitlines():
                if line.strip().startswith("- "):
                    synonyms[line.strip()[2:].lower()] = block["synonym"]
    assert set(synonyms.values()) == {"ketamine", "antidepressant"}
    unmapped = lookup - set(synonyms) - {"ketamine", "antidepressant"}
    assert not unmapped, f"lookup entries without a value: {sorted(unmapped)}"


def test_a_gathered_lookalike_teaches_its_topic_only_when_its_site_is_trained_on(tmp_path):
    gathered = tmp_path / "gathered.tsv"
    gathered.write_text(
        "question\tlabel\tsource\tedit\tkind\ttopic\n"
        "I'd kill for a nap after this week\tlookalike\thttps://a.example/p\tV\tforum\tout_of_scope\n"
        "Is my son thinking of suicide?\tabout_suicide\thttps://a.example/q\tV\tforum\t-\n",
        encoding="utf-8",
    )
    idiom, about = build.gathered(gathered)
    assert idiom.label == "lookalike:out_of_scope" and about.label == "about_suicide"
    assert build.settle_lookalike(idiom, "train").label == "out_of_scope"
    assert build.settle_lookalike(idiom, "heldout").label == "lookalike"
    assert build.settle_lookalike(about, "train") == about
