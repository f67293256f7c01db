"""Macros through the gate (`gate.macros`): several changes applied to one ticket or many at
once, each step as the person applying it could make it alone. Added and removed with
`macros.edit`; seen by whoever holds `macros.list` or opens tickets.

A field step goes through the change pipeline (`access.change_pipeline`), a reply or a note
through `access.messages`, so a macro never does what its user may not: a step the person may
not take on a ticket is skipped there, with why, and audited as refused like any other. The
preview (`plan_macro`) and the application (`apply_macro`) give the same outcome, one
`BulkOutcome` per step. Applied, a chunk of tickets is one transaction (`access.macro_runs`):
the steps, each on the whole chunk, and per ticket an audit event `macro.apply` naming the
macro with the steps done and skipped; a ticket never keeps part of a macro.

A macro is offered, as a canned reply is, in the sources and usergroups it names (none named:
everywhere): on a ticket elsewhere each step is skipped, and the app offers only the macros
offered on the tickets at hand (`macros_for`). An editor whose role is scoped manages
only the macros of their sources and usergroups (`access.edit_scope`)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import NamedTuple

from access.audit_actions import MACRO_CHANGE, MACRO_CREATE, MACRO_DELETE
from access.catalogue import MACROS_EDIT, MACROS_LIST, TICKETS_VIEW
from access.change_pipeline import chunks, run_pipeline
from access.edit_scope import covers, require_covers
from access.errors import InvalidInput, NoChange, NotFound, PermissionDenied
from access.grants import Grants
from access.lookup import macro_named, require_free_name, source_named, usergroup_named
from access.macro_runs import (
    Verdict,
    apply_chunk,
    message_step,
    not_offered,
    offered_places,
    rules_after,
)
from access.macro_steps import Step, checked_steps, dumped, loaded, parse_step
from access.replies import ids_text, is_offered, place_names
from access.request import Part, Request
from access.validation import checked_name
from access.versions import bump, check_fresh
from access.views import BulkOutcome
from store.models import Source, Usergroup
from store.reply_models import Macro


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

    def macros_for(self, numbers: Iterable[int]) -> list[MacroView]:
        """The macros offered (by their sources and usergroups) on at least one of the
        tickets `numbers` the person sees, by name: the ones worth picking for them."""
        request = self._open()
        _require_user(request)
        places = offered_places(request.grants(), list(dict.fromkeys(int(n) for n in numbers)))
        return [
            _read(row)
            for row in Macro.select().order_by(Macro.name)
            if any(is_offered(row, source, group) for source, group in places)
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
        elsewhere = not_offered(request.grants(), macro, wanted)
        here = [n for n in wanted if n not in elsewhere]
        verdicts = [
            {**_plan_step(request, step, here), **elsewhere} if here else dict(elsewhere)
            for step in loaded(macro.steps)
        ]
        return _outcome(macro, wanted, verdicts, applied=False)

    def apply_macro(self, name: str, numbers: Iterable[int]) -> MacroOutcome:
        """The macro, a chunk of tickets per transaction (`access.macro_runs`)."""
        request = self._open()
        _require_user(request)
        macro = macro_named(name)
        steps = loaded(macro.steps)
        wanted = list(dict.fromkeys(int(n) for n in numbers))
        verdicts: list[dict[int, Verdict]] = [{} for _ in steps]
        changed: dict[str, list[int]] = {}
        for chunk in chunks(wanted):
            # The audit chain's head read once per chunk, not once per step's events.
            with request.writing(), request.chain_head_held():
                done = apply_chunk(request, macro, steps, chunk, changed)
            for found, more in zip(verdicts, done, strict=True):
                found |= more
        rules_after(request, changed)
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


def _plan_step(request: Request, step: Step, numbers: list[int]) -> dict[int, Verdict]:
    if step.change is None:
        return message_step(request, step, numbers, lock=False).verdicts
    try:
        done = run_pipeline(request, step.change, numbers, step.field_value, {}, apply=False)
    except (InvalidInput, NotFound) as exc:
        return {number: (str(exc), False) for number in numbers}
    return {v.number: (v.skipped, v.already) for v in done.verdicts}


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
