"""Small modules with one job: no application module over 600 lines, no class over 350 (the
packages are those pyproject.toml installs)."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MOST_MODULE_LINES = 600
MOST_CLASS_LINES = 350


def application_modules() -> list[Path]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = config["tool"]["setuptools"]["packages"]
    return sorted(path for package in packages for path in (ROOT / package).rglob("*.py"))


def test_the_packages_hold_modules() -> None:
    assert len(application_modules()) > 100


def test_no_module_is_over_600_lines() -> None:
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in application_modules()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MOST_MODULE_LINES
    }
    assert too_long == {}


def test_no_class_is_over_350_lines() -> None:
    too_long = {}
    for path in application_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.end_lineno is not None:
                lines = node.end_lineno - node.lineno + 1
                if lines > MOST_CLASS_LINES:
                    too_long[f"{path.relative_to(ROOT)}:{node.name}"] = lines
    assert too_long == {}
