"""The domain's words are spelled once: statuses, priorities, message kinds and delivery states
in `store.words` (re-exported by `access.vocabulary`), audit actions in `access.audit_actions`.
Everywhere else they are used by name. The scan below reads the application's source and
fails on a string literal that spells one of them where the code means that word."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from access import audit_actions, vocabulary
from store import words

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("ticketty", "screens", "tui", "cli", "mail", "wording", "settings", "access", "store")
SPELLERS = {"store/words.py", "access/vocabulary.py", "access/audit_actions.py"}


# Each family of words, and the names of the columns, attributes and variables that hold one.
FAMILIES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "status": (frozenset(words.TICKET_STATUSES), frozenset({"status", "statuses"})),
    "priority": (frozenset(words.TICKET_PRIORITIES), frozenset({"priority", "priorities"})),
    "message kind": (frozenset(words.MESSAGE_KINDS), frozenset({"kind", "kinds", "state"})),
    "delivery state": (frozenset(words.DELIVERY_STATES), frozenset({"state", "delivery"})),
}
ACTIONS = frozenset(audit_actions.AUDIT_ACTIONS)
DENIED_ACTIONS = frozenset(audit_actions.denied(a) for a in ACTIONS)
# Keywords whose value is a column's default: any known word there is a spelling.
DEFAULT_KEYWORDS = {"default"}


class Spelling(NamedTuple):
    where: str
    line: int
    word: str
    family: str


def _holder(node: ast.AST) -> str:
    """The name of what an expression reads: `kind` for `kind`, `m.kind`, `Message.kind`."""
    if isinstance(node, ast.Name):
        return node.id.lower()
    if isinstance(node, ast.Attribute):
        return node.attr.lower()
    return ""


def _strings(node: ast.AST) -> list[ast.Constant]:
    """A string literal, or the string literals of a literal tuple, list or set."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [e for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return []


def _families_held_by(holder: str) -> list[str]:
    return [family for family, (_, holders) in FAMILIES.items() if holder.endswith(tuple(holders))]


class _Scanner(ast.NodeVisitor):
    def __init__(self, path: str) -> None:
        self.path = path
        self.scope: list[str] = []
        self.found: list[Spelling] = []

    def _where(self) -> str:
        return f"{self.path}::{'.'.join(self.scope)}" if self.scope else self.path

    def _flag(self, node: ast.Constant, families: list[str]) -> None:
        for family in families:
            if node.value in FAMILIES[family][0]:
                self.found.append(Spelling(self._where(), node.lineno, node.value, family))
                return

    def _flag_held(self, holder: str, value: ast.AST) -> None:
        families = _families_held_by(holder)
        for constant in _strings(value):
            self._flag(constant, families)

    def _flag_word_list(self, elements: list[ast.expr | None]) -> None:
        """Two or more literals, every one a word of the same family: a list of that family."""
        constants = [e for e in elements if isinstance(e, ast.Constant)]
        values = {c.value for c in constants}
        if len(constants) < 2 or len(constants) != len(elements):
            return
        for family, (known, _) in FAMILIES.items():
            if values <= known:
                for constant in constants:
                    self._flag(constant, [family])
                return

    def _scoped(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _scoped

    def visit_Constant(self, node: ast.Constant) -> None:
        if node.value in ACTIONS or node.value in DENIED_ACTIONS:
            self.found.append(Spelling(self._where(), node.lineno, node.value, "audit action"))

    def visit_Compare(self, node: ast.Compare) -> None:
        operands = [node.left, *node.comparators]
        for one in operands:
            for other in operands:
                if one is not other:
                    self._flag_held(_holder(other), one)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "in_" and node.args:
            self._flag_held(_holder(func.value), node.args[0])
        for keyword in node.keywords:
            if keyword.arg in DEFAULT_KEYWORDS:
                for constant in _strings(keyword.value):
                    self._flag(constant, list(FAMILIES))
            elif keyword.arg:
                self._flag_held(keyword.arg.lower(), keyword.value)
        self.generic_visit(node)

    def visit_Dict(self, node: ast.Dict) -> None:
        for key, value in zip(node.keys, node.values, strict=True):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                self._flag_held(key.value.lower(), value)
        self._flag_word_list(list(node.keys))
        self.generic_visit(node)

    def _assigned(self, targets: list[ast.expr], value: ast.AST | None) -> None:
        if value is None:
            return
        for target in targets:
            self._flag_held(_holder(target), value)
        if isinstance(value, ast.Tuple | ast.List | ast.Set):
            self._flag_word_list(list(value.elts))

    def _assignment(self, node: ast.Assign | ast.AnnAssign) -> None:
        """An assignment, named by its target at module level (`path::ALREADY`)."""
        targets: list[ast.expr] = (
            list(node.targets) if isinstance(node, ast.Assign) else [node.target]
        )
        named = not self.scope and len(targets) == 1 and isinstance(targets[0], ast.Name)
        if named:
            self.scope.append(_holder(targets[0]).upper())
        self._assigned(targets, node.value)
        self.generic_visit(node)
        if named:
            self.scope.pop()

    visit_Assign = visit_AnnAssign = _assignment

    def visit_For(self, node: ast.For) -> None:
        self._flag_held(_holder(node.target), node.iter)
        self.generic_visit(node)

    def visit_comprehension(self, node: ast.comprehension) -> None:
        self._flag_held(_holder(node.target), node.iter)
        self.generic_visit(node)


def spellings_in(source: str, path: str) -> list[Spelling]:
    scanner = _Scanner(path)
    scanner.visit(ast.parse(source, path))
    return sorted(set(scanner.found))


def _application_files() -> Iterator[tuple[str, Path]]:
    for package in PACKAGES:
        for file in sorted((ROOT / package).rglob("*.py")):
            yield file.relative_to(ROOT).as_posix(), file


def test_no_word_of_the_domain_is_spelled_outside_its_speller() -> None:
    found = [
        spelling
        for path, file in _application_files()
        if path not in SPELLERS
        for spelling in spellings_in(file.read_text(), path)
    ]
    assert found == []


@pytest.mark.parametrize(
    ("source", "word"),
    [
        ('Ticket.update(status="open")', "open"),
        ('if ticket.status == "closed": pass', "closed"),
        ('Message.kind.in_(("customer", "reply"))', "customer"),
        ('kind = "note"', "note"),
        ('FINAL_STATUS = "closed"', "closed"),
        ('WORK = ("new", "open", "pending")', "new"),
        ('x = {"state": "queued"}', "queued"),
        ('if message.delivery != "failed": pass', "failed"),
        ('priority = TextField(default="normal")', "normal"),
        ('record("ticket.assign", "ticket", 9)', "ticket.assign"),
        ('record("denied.ticket.note", "ticket", 9)', "denied.ticket.note"),
        ('for kind in ("reply", "note"): pass', "note"),
        ('KEYS = {"reply": "r", "note": "N"}', "note"),
    ],
)
def test_the_scan_finds_a_literal_spelling(source: str, word: str) -> None:
    assert word in {s.word for s in spellings_in(source, "x.py")}


@pytest.mark.parametrize(
    "source",
    [
        'p.add_argument("new")',  # an argument's name, not a status
        'Binding("enter", "open", "Open")',  # an action's name
        'OPEN, LEFT = "open", ""',  # a presence state
        'if action in ("quit", "app.quit"): pass',
        'state = "archived" if archived else "open"',  # a source's state, shown
        'headers = ["state", "failed", "quarantine"]',  # column headings
        "if ticket.status == CLOSED: pass",
    ],
)
def test_the_scan_leaves_other_meanings_alone(source: str) -> None:
    assert spellings_in(source, "x.py") == []


def test_the_vocabulary_re_exports_the_store_words() -> None:
    for name in ("TICKET_STATUSES", "MESSAGE_KINDS", "DELIVERY_STATES", "TICKET_PRIORITIES"):
        assert getattr(vocabulary, name) is getattr(words, name)
