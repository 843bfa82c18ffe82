"""The NumPy sentence encoder (clinicbot/nlu/sentence_encoder.py): BERT's
tokenizer, the forward pass, and the weights check."""

import shutil

import numpy as np
import pytest

from clinicbot.nlu.sentence_encoder import MAX_TOKENS, SentenceEncoder, model_directory, shared_encoder

# all-MiniLM-L6-v2 embeddings computed once by sentence-transformers 6.3 on
# PyTorch 2.13 (the first eight numbers of each): an implementation
# independent of ours. The last text is longer than the model's 256 tokens.
REFERENCE = {
    "is ketamine addictive": [0.03243, -0.07322, 0.01837, -0.00231, -0.03245, 0.02395, 0.05949, -0.00409],
    "Héllo, how fast do SSRIs work?!": [0.00215, -0.04744, -0.10206, 0.05287, -0.02576, 0.00039, -0.06261, 0.0448],
    "i have been on zoloft for three years and my psychiatrist keeps upping the dose"
    " but i still feel awful, how many sessions would i need": [
        0.03511,
        -0.02087,
        -0.03111,
        0.02185,
        -0.00913,
        -0.02039,
        0.01258,
        0.09588,
    ],
    "word " * 300: [-0.00812, -0.09559, -0.03867, 0.04966, -0.04379, 0.02372, -0.01814, -0.02021],
}


@pytest.fixture(scope="module")
def encoder():
    return shared_encoder()


def test_tokens_are_berts_uncased_word_pieces(encoder):
    tokenizer = encoder.tokenizer
    # [CLS] hello , world ! [SEP] in BERT's uncased vocabulary
    assert tokenizer.encode("Hello, world!") == [101, 7592, 1010, 2088, 999, 102]
    assert tokenizer.encode("HÉLLO") == tokenizer.encode("hello")  # accents and case go
    vocabulary = {n: piece for piece, n in tokenizer.ids.items()}
    pieces = [vocabulary[n] for n in tokenizer.encode("antidepressants")[1:-1]]
    assert len(pieces) > 1 and all(p.startswith("##") for p in pieces[1:])
    assert "".join(p.lstrip("#") for p in pieces) == "antidepressants"
    assert [encoder.tokenizer.unknown] == tokenizer.encode("x" * 150)[1:-1]  # over-long word
    assert tokenizer.encode("") == [101, 102]


@pytest.mark.parametrize("text", list(REFERENCE))
def test_embeddings_match_sentence_transformers(encoder, text):
    assert encoder.encode(text)[:8] == pytest.approx(REFERENCE[text], abs=1e-4)


def test_long_messages_are_cut_to_the_models_limit(encoder):
    assert len(encoder.tokenizer.encode("word " * 1000)) == MAX_TOKENS
    assert encoder.encode("word " * 1000).shape == (encoder.dimension,)


@pytest.mark.parametrize(
    "text",
    ["", "is ketamine addictive", "¿La ketamina es adictiva?", "\x00\x01 <b>hi</b>", "😢😢😢", "ketamine " * 300],
)
def test_every_text_gets_a_unit_vector(encoder, text):
    vector = encoder.encode(text)
    assert vector.shape == (384,) and np.isfinite(vector).all()
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)


def test_batches_give_the_vectors_of_one_text_at_a_time(encoder):
    texts = [
        "hi",
        "is ketamine addictive",
        "how many infusions will i need and how often do i come in",
        "what are the side effects of sertraline compared with ketamine infusions at your clinic",
    ]
    batched = encoder.encode_all(texts)
    for text, vector in zip(texts, batched):
        assert np.abs(encoder.encode(text) - vector).max() < 1e-5


def test_similar_questions_are_closer_than_different_ones(encoder):
    addictive, hooked, hours, fast, quick = encoder.encode_all(
        [
            "is ketamine addictive",
            "can you get hooked on ketamine infusions",
            "when is the clinic open",
            "how fast does it work",
            "how quickly will i feel better",
        ]
    )
    assert addictive @ hooked > addictive @ hours + 0.3
    assert fast @ quick > fast @ hours


def test_weights_that_are_not_the_expected_file_are_refused(tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(model_directory(), copy)
    weights = copy / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF  # one changed number
    weights.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="not the expected"):
        SentenceEncoder(copy)
