"""The README and the documents under docs/ name only files and folders that
exist, and the make targets they mention exist in the Makefile. (Decision
records are dated history and may name what was there then.)"""

import re

from clinicbot.settings import PROJECT_ROOT

DOCUMENTS = [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]
README = "\n".join(path.read_text(encoding="utf-8") for path in DOCUMENTS)
GENERATED = {"models/", "results/", "var/", ".venv*/", ".venv/", ".venv-bench/", "web/node_modules/"}


def named_paths():
    for token in re.findall(r"`([^`\s]+)`", README):
        token = token.rstrip(",.")
        looks_like_path = "/" in token or re.search(r"\.(ya?ml|py|md|sh|txt|json|conf|html)$", token)
        if token.startswith(("web/node_modules/", "results/", "var/", "models/")):
            continue  # created by make run / make test, not committed
        if (
            not looks_like_path
            or "://" in token
            or token.startswith(("/", "sqlite:", "postgresql:"))
            or token in GENERATED
        ):
            continue
        if "<" in token or "{" in token or token.startswith("-"):
            continue
        yield token


def test_every_path_in_the_readme_exists():
    missing = sorted({p for p in named_paths() if not (PROJECT_ROOT / p).exists()})
    assert not missing, f"README names paths that don't exist: {missing}"


def test_every_make_target_in_the_readme_exists():
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, re.M))
    named = set(re.findall(r"`make ([a-z][a-z-]*)", README))
    assert named <= targets, f"README names missing targets: {sorted(named - targets)}"
