"""Dependencies point one way: screens -> tui -> access -> store."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imports(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


def test_screens_never_touch_the_store() -> None:
    for module, names in imports("screens").items():
        assert not names & {"store", "peewee", "playhouse"}, module


def test_access_and_store_know_no_terminal() -> None:
    for package in ("access", "store"):
        for module, names in imports(package).items():
            assert not names & {"textual", "rich", "tui", "screens"}, module


def test_store_knows_nothing_of_rights() -> None:
    for module, names in imports("store").items():
        assert "access" not in names, module
