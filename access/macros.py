"""Macros through the gate (`gate.macros`): several changes applied to one ticket or many at
once, each step as the person applying it could make it alone. Added and removed with
`macros.edit`; seen by whoever holds `macros.list` or opens tickets.

A field step goes through the change pipeline (`access.change_pipeline`), a reply or a note
through `access.messages`, so a macro never does what its user may not: a step the person may
not take on a ticket is skipped there, with why, and audited as refused like any other. The
preview (`plan_macro`) and the application (`apply_macro`) give the same outcome, one
`BulkOutcome` per step. Applied, each ticket is one transaction: its steps, and an audit event
`macro.apply` naming the macro with the steps done and skipped."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import peewee

from access import scope
from access.audit_actions import MACRO_APPLY, MACRO_CREATE, MACRO_DELETE
from access.canned_text import fill, values_for
from access.catalogue import MACROS_EDIT, MACROS_LIST, TICKETS_NOTE, TICKETS_REPLY, TICKETS_VIEW
from access.change_pipeline import NOT_FOUND, run_pipeline
from access.errors import InvalidInput, NotFound, PermissionDenied
from access.grants import Grants
from access.lookup import macro_named, require_free_name
from access.macro_steps import Step, checked_steps, dumped, loaded, parse_step
from access.messages import add_message
from access.replies import filled, is_offered
from access.request import Part, Request
from access.validation import checked_name
from access.views import BulkOutcome
from access.vocabulary import REPLY
from store.models import Person, Ticket
from store.reply_models import CannedReply, Macro
from store.rows import dict_rows

# A step's verdict on one ticket: why it is skipped (None: it applies), and whether because
# the ticket is already so.
Verdict = tuple[str | None, bool]


class MacroView(NamedTuple):
    name: str
    steps: tuple[str, ...]  # as typed: "status:resolved"
    version: int


class MacroOutcome(NamedTuple):
    """A macro on some tickets: per step, those it changes and those it skips and why."""

    macro: str
    steps: tuple[BulkOutcome, ...]
    applied: bool

    def by_ticket(self) -> dict[int, list[tuple[str, str | None]]]:
        """Per ticket, each step and why it is skipped (None: it applies)."""
        found: dict[int, list[tuple[str, str | None]]] = {}
        for step in self.steps:
            for number in step.changed:
                found.setdefault(number, []).append((step.change, None))
            for reason, numbers in step.skipped:
                for number in numbers:
                    found.setdefault(number, []).append((step.change, reason))
        return dict(sorted(found.items()))


class Macros(Part):
    """`gate.macros`."""

    def list_macros(self) -> list[MacroView]:
        self._open().require(MACROS_LIST)
        return [_read(row) for row in Macro.select().order_by(Macro.name)]

    def add_macro(self, name: str, steps: Iterable[str]) -> MacroView:
        """A macro of `steps`, each `kind:value`, checked now."""
        request = self._open()
        request.require(MACROS_EDIT)
        name = checked_name(name, "macro name")
        parsed = [parse_step(step) for step in steps]
        with request.writing():
            require_free_name(Macro.name, name, "macro")
            row = Macro.create(name=name, steps=dumped(checked_steps(parsed)))
            view = _read(row)
            request.record(MACRO_CREATE, "macro", row.id, after=list(view.steps))
        return view

    def remove_macro(self, name: str) -> None:
        request = self._open()
        request.require(MACROS_EDIT)
        with request.writing():
            row = macro_named(name)
            Macro.delete().where(Macro.id == row.id).execute()
            request.record(MACRO_DELETE, "macro", row.id, before=[name, *_read(row).steps])

    def plan_macro(self, name: str, numbers: Iterable[int]) -> MacroOutcome:
        """The preview: per step, which tickets it would change, which it would skip and why.
        Writes nothing."""
        request = self._open()
        _require_user(request)
        macro = macro_named(name)
        wanted = list(dict.fromkeys(int(n) for n in numbers))
        verdicts = [_plan_step(request, step, wanted) for step in loaded(macro.steps)]
        return _outcome(macro, wanted, verdicts, applied=False)

    def apply_macro(self, name: str, numbers: Iterable[int]) -> MacroOutcome:
        """The macro, one transaction per ticket."""
        request = self._open()
        _require_user(request)
        macro = macro_named(name)
        steps = loaded(macro.steps)
        wanted = list(dict.fromkeys(int(n) for n in numbers))
        per_ticket = [_apply_to(request, macro.name, steps, number) for number in wanted]
        verdicts = [
            {number: per_ticket[i][s] for i, number in enumerate(wanted)} for s in range(len(steps))
        ]
        return _outcome(macro, wanted, verdicts, applied=True)


def _require_user(request: Request) -> None:
    """Macros are applied by those who list them or open tickets (each step checks its own
    right on each ticket)."""
    grants = request.grants()
    if not (grants.holds(MACROS_LIST) or grants.holds(TICKETS_VIEW)):
        raise PermissionDenied(f"{grants.username} lacks {MACROS_LIST}")


def _plan_step(request: Request, step: Step, numbers: list[int]) -> dict[int, Verdict]:
    if step.change is None:
        return _message_verdicts(request.grants(), step, numbers)
    try:
        done = run_pipeline(request, step.change, numbers, step.field_value, {}, apply=False)
    except (InvalidInput, NotFound) as exc:
        return {number: (str(exc), False) for number in numbers}
    return {v.number: (v.skipped, v.already) for v in done.verdicts}


def _apply_to(request: Request, macro: str, steps: list[Step], number: int) -> list[Verdict]:
    """Every step on one ticket, in one transaction with the event naming the macro."""
    verdicts: list[Verdict] = []
    with request.writing():
        for step in steps:
            if step.change is not None:
                verdicts.append(_plan_step_applied(request, step, number))
                continue
            verdict = _message_verdicts(request.grants(), step, [number])[number]
            if verdict[0] is None:
                ticket = Ticket.get_by_id(number)
                agent = Person.get_by_id(request.person_id)
                body = (
                    filled(ticket, step.value, agent)
                    if step.kind == REPLY
                    else fill(step.value, values_for(ticket, agent))
                )
                add_message(request, number, step.kind, body, None)
            verdicts.append(verdict)
        done = [s.describe() for s, (why, _) in zip(steps, verdicts, strict=True) if why is None]
        if done:
            skipped = {
                s.describe(): why for s, (why, _) in zip(steps, verdicts, strict=True) if why
            }
            request.record(
                MACRO_APPLY,
                "ticket",
                number,
                ticket=number,
                after={"macro": macro, "done": done, "skipped": skipped},
            )
    return verdicts


def _plan_step_applied(request: Request, step: Step, number: int) -> Verdict:
    assert step.change is not None
    try:
        done = run_pipeline(request, step.change, [number], step.field_value, {}, apply=True)
    except (InvalidInput, NotFound) as exc:
        return (str(exc), False)
    (verdict,) = done.verdicts
    return (verdict.skipped, verdict.already)


def _message_verdicts(grants: Grants, step: Step, numbers: list[int]) -> dict[int, Verdict]:
    """Whether a reply or a note may be added on each ticket, from one statement: the ticket
    seen, the right to reply or note there, a canned reply offered there."""
    permission = TICKETS_REPLY if step.kind == REPLY else TICKETS_NOTE
    allowed = peewee.Case(None, [(scope.may(grants, permission), 1)], 0).alias("allowed")
    rows = {
        row["number"]: row
        for row in dict_rows(
            Ticket.select(
                Ticket.number,
                Ticket.source.alias("source_id"),
                Ticket.usergroup.alias("usergroup_id"),
                allowed,
            ).where(Ticket.number.in_(numbers) & scope.visible(grants))
        )
    }
    canned = CannedReply.get_or_none(CannedReply.name == step.value)
    verdicts: dict[int, Verdict] = {}
    for number in numbers:
        row = rows.get(number)
        if row is None:
            verdicts[number] = (NOT_FOUND, False)
        elif not row["allowed"]:
            verdicts[number] = (f"not in your scope to {step.kind}", False)
        elif step.kind == REPLY and (
            canned is None or not is_offered(canned, row["source_id"], row["usergroup_id"])
        ):
            verdicts[number] = (f"canned reply {step.value} not offered there", False)
        else:
            verdicts[number] = (None, False)
    return verdicts


def _outcome(
    macro: Macro, numbers: list[int], verdicts: list[dict[int, Verdict]], *, applied: bool
) -> MacroOutcome:
    outcomes = []
    for step, by_number in zip(loaded(macro.steps), verdicts, strict=True):
        skipped: dict[str, list[int]] = {}
        for number in numbers:
            reason = by_number[number][0]
            if reason is not None:
                skipped.setdefault(reason, []).append(number)
        outcomes.append(
            BulkOutcome.of(
                step.describe(),
                [n for n in numbers if by_number[n][0] is None],
                skipped,
                applied=applied,
                unchanged=[n for n in numbers if by_number[n][1]],
            )
        )
    return MacroOutcome(macro.name, tuple(outcomes), applied)


def _read(row: Macro) -> MacroView:
    return MacroView(row.name, tuple(f"{s.kind}:{s.value}" for s in loaded(row.steps)), row.version)
