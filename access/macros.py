"""Macros through the gate (`gate.macros`): several changes applied to one ticket or many at
once, each step as the person applying it could make it alone. Added and removed with
`macros.edit`; seen by whoever holds `macros.list` or opens tickets.

A field step goes through the change pipeline (`access.change_pipeline`), a reply or a note
through `access.messages`, so a macro never does what its user may not: a step the person may
not take on a ticket is skipped there, with why, and audited as refused like any other. The
preview (`plan_macro`) and the application (`apply_macro`) give the same outcome, one
`BulkOutcome` per step. Applied, each ticket is one transaction: its steps, and an audit event
`macro.apply` naming the macro with the steps done and skipped.

A macro is offered, as a canned reply is, in the sources and usergroups it names (none named:
everywhere): on a ticket elsewhere each step is skipped. An editor whose role is scoped manages
only the macros of their sources and usergroups (`access.edit_scope`)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import NamedTuple

import peewee

from access import scope
from access.audit_actions import MACRO_APPLY, MACRO_CHANGE, MACRO_CREATE, MACRO_DELETE
from access.canned_text import fill, values_for
from access.catalogue import MACROS_EDIT, MACROS_LIST, TICKETS_NOTE, TICKETS_REPLY, TICKETS_VIEW
from access.change_pipeline import NOT_FOUND, run_pipeline
from access.edit_scope import covers, require_covers
from access.errors import InvalidInput, NoChange, NotFound, PermissionDenied
from access.grants import Grants
from access.lookup import macro_named, require_free_name, source_named, usergroup_named
from access.macro_steps import Step, checked_steps, dumped, loaded, parse_step
from access.messages import add_message
from access.replies import filled, ids_text, is_offered, place_names
from access.request import Part, Request
from access.validation import checked_name
from access.versions import bump, check_fresh
from access.views import BulkOutcome
from access.vocabulary import REPLY
from store.models import Person, Source, Ticket, Usergroup
from store.reply_models import CannedReply, Macro
from store.rows import dict_rows

# A step's verdict on one ticket: why it is skipped (None: it applies), and whether because
# the ticket is already so.
Verdict = tuple[str | None, bool]


class MacroView(NamedTuple):
    name: str
    steps: tuple[str, ...]  # as typed: "status:resolved"
    version: int
    sources: tuple[str, ...] = ()  # offered there only (none: everywhere)
    usergroups: tuple[str, ...] = ()

    def logged(self) -> dict[str, list[str] | str]:
        """What the audit log keeps of it."""
        return {
            "name": self.name,
            "steps": list(self.steps),
            "sources": list(self.sources),
            "usergroups": list(self.usergroups),
        }


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

    def list_macros(self, *, editable: bool = False) -> list[MacroView]:
        """Every macro (`macros.list`); with `editable`, only those this person may edit
        (`macros.edit`, within the scope of their roles that grant it)."""
        request = self._open()
        rows = Macro.select().order_by(Macro.name)
        if not editable:
            request.require(MACROS_LIST)
            return [_read(row) for row in rows]
        grants = request.require(MACROS_EDIT)
        return [
            _read(row) for row in rows if covers(grants, MACROS_EDIT, row.sources, row.usergroups)
        ]

    def add_macro(
        self,
        name: str,
        steps: Iterable[str],
        *,
        sources: Iterable[str] = (),
        usergroups: Iterable[str] = (),
    ) -> MacroView:
        """A macro of `steps`, each `kind:value`, checked now; offered in `sources` and
        `usergroups` (none: everywhere)."""
        request = self._open()
        grants = request.require(MACROS_EDIT)
        name = checked_name(name, "macro name")
        parsed = [parse_step(step) for step in steps]
        with request.writing():
            require_free_name(Macro.name, name, "macro")
            offered_in = ids_text(source_named(s).id for s in sources)
            offered_to = ids_text(usergroup_named(g).id for g in usergroups)
            require_covers(grants, MACROS_EDIT, offered_in, offered_to, f"macro {name}")
            row = Macro.create(
                name=name,
                steps=dumped(checked_steps(parsed)),
                sources=offered_in,
                usergroups=offered_to,
            )
            view = _read(row)
            request.record(MACRO_CREATE, "macro", row.id, after=view.logged())
        return view

    def change_macro(
        self,
        name: str,
        *,
        new_name: str | None = None,
        steps: Iterable[str] | None = None,
        sources: Iterable[str] | None = None,
        usergroups: Iterable[str] | None = None,
        expected_version: int | None = None,
    ) -> MacroView:
        """Change what is given (the steps all at once, in their new order); the rest stays."""
        request = self._open()
        grants = request.require(MACROS_EDIT)
        changes: dict[str, object] = {}
        if new_name is not None:
            changes["name"] = checked_name(new_name, "macro name")
        parsed = None if steps is None else [parse_step(step) for step in steps]
        with request.writing():
            row = _editable(grants, name)
            check_fresh(row, expected_version, f"macro {name}")
            before = _read(row)
            if changes.get("name", row.name) != row.name:
                require_free_name(Macro.name, str(changes["name"]), "macro")
            if parsed is not None:
                changes["steps"] = dumped(checked_steps(parsed))
            if sources is not None:
                changes["sources"] = ids_text(source_named(s).id for s in sources)
            if usergroups is not None:
                changes["usergroups"] = ids_text(usergroup_named(g).id for g in usergroups)
            Macro.update(changes).where(Macro.id == row.id).execute()
            changed = Macro.get_by_id(row.id)
            what = f"macro {name}"
            require_covers(grants, MACROS_EDIT, changed.sources, changed.usergroups, what)
            after = _read(changed)
            if after.logged() == before.logged():
                raise NoChange(f"macro {name} is already so; nothing changed")
            version = bump(row, expected_version, f"macro {name}")
            request.record(
                MACRO_CHANGE, "macro", row.id, before=before.logged(), after=after.logged()
            )
        return after._replace(version=version)

    def copy_macro(self, name: str, new_name: str) -> MacroView:
        """A new macro `new_name` with the steps and places of `name`."""
        request = self._open()
        grants = request.require(MACROS_EDIT)
        new_name = checked_name(new_name, "macro name")
        with request.writing():
            row = _editable(grants, name)
            require_free_name(Macro.name, new_name, "macro")
            copy = Macro.create(
                name=new_name, steps=row.steps, sources=row.sources, usergroups=row.usergroups
            )
            view = _read(copy)
            request.record(MACRO_CREATE, "macro", copy.id, after=view.logged())
        return view

    def remove_macro(self, name: str, *, expected_version: int | None = None) -> None:
        request = self._open()
        grants = request.require(MACROS_EDIT)
        with request.writing():
            row = _editable(grants, name)
            check_fresh(row, expected_version, f"macro {name}")
            Macro.delete().where(Macro.id == row.id).execute()
            request.record(MACRO_DELETE, "macro", row.id, before=_read(row).logged())

    def plan_macro(self, name: str, numbers: Iterable[int]) -> MacroOutcome:
        """The preview: per step, which tickets it would change, which it would skip and why.
        Writes nothing."""
        request = self._open()
        _require_user(request)
        macro = macro_named(name)
        wanted = list(dict.fromkeys(int(n) for n in numbers))
        elsewhere = _not_offered(request.grants(), macro, wanted)
        here = [n for n in wanted if n not in elsewhere]
        verdicts = [
            {**_plan_step(request, step, here), **elsewhere} if here else dict(elsewhere)
            for step in loaded(macro.steps)
        ]
        return _outcome(macro, wanted, verdicts, applied=False)

    def apply_macro(self, name: str, numbers: Iterable[int]) -> MacroOutcome:
        """The macro, one transaction per ticket."""
        request = self._open()
        _require_user(request)
        macro = macro_named(name)
        steps = loaded(macro.steps)
        wanted = list(dict.fromkeys(int(n) for n in numbers))
        elsewhere = _not_offered(request.grants(), macro, wanted)
        per_ticket = [
            [elsewhere[number]] * len(steps)
            if number in elsewhere
            else _apply_to(request, macro.name, steps, number)
            for number in wanted
        ]
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


def _editable(grants: Grants, name: str) -> Macro:
    """The macro `name`, when it is within the editor's scope."""
    row = macro_named(name)
    require_covers(grants, MACROS_EDIT, row.sources, row.usergroups, f"macro {name}")
    return row


def _not_offered(grants: Grants, macro: Macro, numbers: list[int]) -> dict[int, Verdict]:
    """The tickets among `numbers` the person sees where `macro` is not offered, each with
    why its steps are skipped there (one statement; none when it is offered everywhere)."""
    if macro.sources == "[]" and macro.usergroups == "[]":
        return {}
    rows = Ticket.select(Ticket.number, Ticket.source, Ticket.usergroup).where(
        Ticket.number.in_(numbers) & scope.visible(grants)
    )
    reason = f"macro {macro.name} not offered there"
    return {
        row.number: (reason, False)
        for row in rows
        if not is_offered(macro, row.source_id, row.usergroup_id)
    }


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
    return MacroView(
        row.name,
        tuple(f"{s.kind}:{s.value}" for s in loaded(row.steps)),
        row.version,
        sources=place_names(Source, json.loads(row.sources)),
        usergroups=place_names(Usergroup, json.loads(row.usergroups)),
    )
