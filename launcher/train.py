"""`make train`: train a model only when what it is trained from has changed.

Rasa 3.6 caches each trained component, so a second `rasa train` of an
unchanged project retrains nothing (its `--dry-run` reports every component
as a cache hit), but it still packages and writes a new model file every time:
five starts, five 26 MB models, each start waiting for the packaging. Here the
model is named after a digest of its inputs, so an unchanged project finds
its model and starts at once, and `models/` keeps only that one model.
"""

import hashlib
import subprocess
import sys
from pathlib import Path

from clinicbot.settings import PROJECT_ROOT

# Everything `rasa train` reads, plus the code of our trained components
# (Rasa's cache sees their configuration, not their code; LinearIntentClassifier
# adds its own source to its cache fingerprint for the same reason).
INPUTS = ("config.yml", "domain.yml", "data", "clinicbot/nlu", "requirements-model.txt", "constraints.txt")
MODEL_PREFIX = "clinicbot-"


def input_files(root: Path) -> list[Path]:
    files: list[Path] = []
    for name in INPUTS:
        path = root / name
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        elif path.is_file():
            files.append(path)
    return files


def digest(root: Path = PROJECT_ROOT) -> str:
    """Changes when any input's name or content does, and only then."""
    sha = hashlib.sha256()
    for path in input_files(root):
        sha.update(path.relative_to(root).as_posix().encode() + b"\0")
        sha.update(hashlib.sha256(path.read_bytes()).digest())
    return sha.hexdigest()[:16]


def model_path(root: Path = PROJECT_ROOT) -> Path:
    return root / "models" / f"{MODEL_PREFIX}{digest(root)}.tar.gz"


def remove_other_models(keep: Path) -> list[Path]:
    """Older models are never loaded again (Rasa loads the newest one)."""
    removed = [p for p in keep.parent.glob("*.tar.gz") if p != keep]
    for path in removed:
        path.unlink()
    return removed


def main(argv: list[str] | None = None) -> int:
    root = PROJECT_ROOT
    wanted = model_path(root)
    if wanted.exists():
        print(f"The model is up to date ({wanted.relative_to(root)}); nothing to train.")
        remove_other_models(wanted)
        return 0
    print(f"Training {wanted.relative_to(root)} (the inputs changed or there is no model yet)…", flush=True)
    rasa = Path(sys.executable).with_name("rasa")
    command = [str(rasa), "train", "--out", "models", "--quiet", "--fixed-model-name", wanted.name[: -len(".tar.gz")]]
    result = subprocess.run(command + list(argv or []), cwd=root)
    if result.returncode != 0 or not wanted.exists():
        print("Training failed; the previous model (if any) is left in place.", file=sys.stderr)
        return result.returncode or 1
    for old in remove_other_models(wanted):
        print(f"Removed the old model {old.relative_to(root)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
