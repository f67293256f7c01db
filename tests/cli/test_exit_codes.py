"""Every error Ticketty raises on purpose has one root, `store.errors.TickettyError`, whose
`exit_code` is the code a command ends with; the command line maps errors by it alone."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

from access.errors import (
    AccessError,
    Conflict,
    InvalidInput,
    NoChange,
    NoSuchPerson,
    NotFound,
    PermissionDenied,
    StillHeld,
    UnknownPerson,
)
from cli.output import CommandError, exit_code_of
from settings.config import ConfigError
from store.db import DatabaseError
from store.errors import TickettyError
from store.postgres import BadLocation

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("ticketty", "screens", "tui", "cli", "mail", "wording", "settings", "access", "store")


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (PermissionDenied("no"), 1),
        (NotFound("no"), 1),
        (InvalidInput("no"), 1),
        (StillHeld("no"), 1),
        (AccessError("no"), 1),
        (Conflict("no"), 5),
        (UnknownPerson("no"), 4),
        (NoSuchPerson("no"), 4),
        (NoChange("already"), 0),
        (DatabaseError("no"), 3),
        (BadLocation("no"), 3),
        (ConfigError("no"), 2),
        (CommandError("no"), 1),
        (CommandError("no", 2), 2),
    ],
)
def test_each_kind_of_error_carries_its_exit_code(error: TickettyError, code: int) -> None:
    assert isinstance(error, TickettyError)
    assert error.exit_code == code
    assert exit_code_of(error) == code


@pytest.mark.parametrize("error", [ValueError("bug"), KeyError("bug"), RuntimeError("bug")])
def test_anything_else_is_a_bug_with_no_exit_code(error: Exception) -> None:
    assert exit_code_of(error) is None


def _application_error_classes() -> list[tuple[str, str]]:
    """(module, class) of every class the application defines that derives from an exception,
    read from the source: a class whose base names end in Error or Exception, or name a class
    already found."""
    found: list[tuple[str, str]] = []
    for package in PACKAGES:
        for file in sorted((ROOT / package).rglob("*.py")):
            path = file.relative_to(ROOT).as_posix()
            module = path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
            for node in ast.walk(ast.parse(file.read_text())):
                # A private class is a module's own signal, caught where it is raised.
                if isinstance(node, ast.ClassDef) and node.bases and not node.name.startswith("_"):
                    found.append((module, node.name))
    errors = []
    for module, name in found:
        cls = getattr(importlib.import_module(module), name, None)
        if inspect.isclass(cls) and issubclass(cls, BaseException):
            errors.append((module, name))
    return errors


def test_every_application_error_has_the_one_root() -> None:
    errors = _application_error_classes()
    assert len(errors) >= 12  # the gate's, the store's, the settings', the command line's
    outside = [
        f"{module}.{name}"
        for module, name in errors
        if not issubclass(getattr(importlib.import_module(module), name), TickettyError)
    ]
    assert outside == []
