"""The steps of a macro: a reply from a canned reply, a note, a status, a priority, a usergroup,
an assignee, a tag put on or taken off. Written `kind:value` (`status:resolved`,
`reply:Refund approved`, `usergroup:none`, `assignee:-`, `untag:refund`), kept as JSON
`[[kind, value], ...]`, checked when saved. A change of a field is a kind of the change
pipeline (`access.changes`), so a macro changes a ticket exactly as its user could one change
at a time."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import NamedTuple

from access import tags
from access.canned_text import check_variables
from access.errors import InvalidInput
from access.filing import clean_body
from access.lookup import canned_reply_named, person_named, usergroup_named
from access.vocabulary import NOTE, REPLY, TICKET_PRIORITIES, TICKET_STATUSES

# A step's kind, and the change pipeline's kind it is (None: a message, not a field).
PIPELINE_KINDS: dict[str, str | None] = {
    REPLY: None,
    NOTE: None,
    "status": "status",
    "priority": "priority",
    "usergroup": "move",
    "assignee": "assign",
    "tag": "tag",
    "untag": "untag",
}
NOBODY = ("-", "none")  # an assignee or usergroup step's value that clears the field
MAX_STEPS = 20


class Step(NamedTuple):
    kind: str
    value: str

    @property
    def change(self) -> str | None:
        """The change pipeline's kind, None for a reply or a note."""
        return PIPELINE_KINDS[self.kind]

    @property
    def field_value(self) -> str | None:
        """The value the pipeline is given (None: nobody, no group)."""
        return None if self.value in NOBODY else self.value

    def describe(self) -> str:
        """The step as a preview and the audit log name it."""
        if self.kind == REPLY:
            return f"reply {self.value}"
        if self.kind == NOTE:
            first = self.value.strip().split("\n", 1)[0]
            return f"note {first[:40]}"
        return f"{self.kind} {self.value}"


def parse_step(text: str) -> Step:
    """`kind:value` as typed."""
    kind, colon, value = text.partition(":")
    if not colon:
        raise InvalidInput(f"a step is kind:value, not {text!r}")
    return Step(kind.strip().lower(), value.strip())


def checked_steps(steps: Iterable[Step]) -> list[Step]:
    """The steps, each checked: its kind known, its canned reply, status, priority, usergroup
    or person existing, a note's variables known."""
    checked = [_checked(step) for step in steps]
    if not checked:
        raise InvalidInput("a macro needs at least one step")
    if len(checked) > MAX_STEPS:
        raise InvalidInput(f"a macro has at most {MAX_STEPS} steps")
    return checked


def _checked(step: Step) -> Step:
    kind, value = step
    if kind not in PIPELINE_KINDS:
        raise InvalidInput(f"unknown step {kind!r}; one of {', '.join(PIPELINE_KINDS)}")
    if kind == REPLY:
        canned_reply_named(value)
    if kind == NOTE:
        check_variables(clean_body(value), "note")
    if kind == "status" and value not in TICKET_STATUSES:
        raise InvalidInput(f"unknown status {value!r}; one of {', '.join(TICKET_STATUSES)}")
    if kind == "priority" and value not in TICKET_PRIORITIES:
        raise InvalidInput(f"unknown priority {value!r}; one of {', '.join(TICKET_PRIORITIES)}")
    if kind == "usergroup" and value not in NOBODY:
        usergroup_named(value)
    if kind == "assignee" and value not in NOBODY:
        person_named(value)
    if kind in ("tag", "untag"):
        return Step(kind, tags.checked_name(value))
    return step


def dumped(steps: list[Step]) -> str:
    return json.dumps([list(step) for step in steps])


def loaded(text: str) -> list[Step]:
    return [Step(kind, value) for kind, value in json.loads(text)]
