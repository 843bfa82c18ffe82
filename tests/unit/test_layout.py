"""The boundaries the layout promises (README "Where things are"): what Rasa
loads never imports what starts processes or measures, and measurement and
tests stay apart (tests drive bench/ as its users do, from the command line)."""

import ast
from pathlib import Path

import pytest

from clinicbot.settings import PROJECT_ROOT


def imports_of(folder: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(Path(path).relative_to(PROJECT_ROOT))] = names
    return found


@pytest.mark.parametrize(
    "folder, forbidden",
    [
        ("bench", {"tests"}),
        ("tests", {"bench"}),
        ("clinicbot", {"launcher", "bench", "tests", "console", "web", "actions"}),
        ("actions", {"launcher", "bench", "tests", "console", "web"}),
        ("console", {"launcher", "bench", "tests", "actions"}),
        ("corpus", {"launcher", "bench", "tests", "console"}),
    ],
)
def test_layout_boundaries(folder, forbidden):
    crossings = {path: sorted(names & forbidden) for path, names in imports_of(folder).items() if names & forbidden}
    assert not crossings, f"{folder}/ imports what it must not: {crossings}"
