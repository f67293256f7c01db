"""The ticket changes the inbox and the ticket screen share: choose the new value (assignee,
group, status, priority), preview a change to several tickets, apply it, say what happened.

A change to marked tickets is first a dry run of the gate; its confirmation says how many will
change and names the others with the reason each will be skipped, then the gate applies it in
chunks. A change to one ticket is applied at once (closing asks first) and a refusal is one
notification.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from textual.notifications import SeverityLevel

from access.views import BulkOutcome
from access.vocabulary import TICKET_PRIORITIES, TICKET_STATUSES
from tui.screen import TickettyScreen
from tui.widgets import ConfirmModal, PickerModal, PromptModal
from wording.safe_text import one_line

UNASSIGN = "-"
NO_GROUP = "-"
NUMBERS_SHOWN = 8  # skipped tickets named per reason in a preview; the rest are counted


def capitalised(text: str) -> str:
    """`text` with its first letter upper-cased and the rest untouched (a group's name)."""
    return text[:1].upper() + text[1:]


def numbers_text(numbers: Sequence[int]) -> str:
    """ "#12, #14 and 3 more": the first `NUMBERS_SHOWN` named, the rest counted."""
    shown = ", ".join(f"#{n}" for n in numbers[:NUMBERS_SHOWN])
    more = len(numbers) - NUMBERS_SHOWN
    return shown + (f" and {more:,} more" if more > 0 else "")


def skipped_lines(outcome: BulkOutcome) -> list[str]:
    """One line per reason: the tickets skipped for it, then the reason."""
    return [f"  {numbers_text(numbers)} — {reason}" for reason, numbers in outcome.skipped]


def still_to_do(outcome: BulkOutcome) -> list[int]:
    """The skipped tickets that still need the person: all but those already as asked."""
    already = set(outcome.unchanged)
    return sorted(n for _, numbers in outcome.skipped for n in numbers if n not in already)


def plan_lines(plan: BulkOutcome) -> list[str]:
    """What a change will do: what it is, how many will change, and which will be skipped
    and why (a bulk change's preview, and each step of a macro's)."""
    will = f"{len(plan.changed):,} will change"
    if not plan.skipped:
        return [capitalised(plan.change), will]
    skipped = f"{plan.skipped_count:,} will be skipped"
    return [capitalised(plan.change), f"{will}, {skipped}:", *skipped_lines(plan)]


def preview_text(plan: BulkOutcome) -> str:
    """The question before a change to marked tickets."""
    return "\n".join([*plan_lines(plan), "", "Apply?"])


class Choice(NamedTuple):
    """The value the person chose; None means "nobody" or "no group". `kind`: the change
    the choice turned out to be, when not the one asked (a tag taken off: `untag`)."""

    value: str | None
    kind: str | None = None


# Typed before a tag, takes it off.
UNTAG = "-"


async def choose_tag(screen: TickettyScreen[Any]) -> Choice | None:
    """A tag to put on, or (`-refund`) to take off; the known tags named in the question."""
    listed = await screen.app.gate_call(screen.gate.tags.list_tags)
    known = ", ".join(listed.names[:12]) + (", …" if len(listed.names) > 12 else "")
    locked = "the list is locked; " if listed.locked else ""
    title = f"Tag ({locked}-tag takes it off){': ' + known if known else ''}"
    text = await screen.app.asked(PromptModal(title))
    if text is None or not text.strip().lstrip(UNTAG).strip():
        return None
    text = text.strip()
    if text.startswith(UNTAG):
        return Choice(text[len(UNTAG) :].strip(), "untag")
    return Choice(text, "tag")


async def choose_value(screen: TickettyScreen[Any], kind: str, numbers: list[int]) -> Choice | None:
    """Ask for the new value of a `kind` change to `numbers`; None when the person cancels."""
    app, gate = screen.app, screen.gate
    if kind == "tag":
        return await choose_tag(screen)
    if kind == "assign":
        people = await app.gate_call(lambda: gate.assignees.assignable_people(numbers))
        choices = [(UNASSIGN, "(nobody)")] + [
            (p.username, f"{p.username} — {p.display_name}") for p in people
        ]
        picker = PickerModal("Assign to (type to filter)", choices)
    elif kind == "move":
        groups = await app.gate_call(gate.groups.list_groups)
        choices = [(NO_GROUP, "(no group)")] + [(g.name, g.name) for g in groups]
        picker = PickerModal("Move to usergroup", choices)
    elif kind == "status":
        picker = PickerModal("Set status", [(s, s) for s in TICKET_STATUSES])
    elif kind == "priority":
        picker = PickerModal("Set priority", [(p, p) for p in TICKET_PRIORITIES])
    else:
        raise ValueError(kind)
    value: str | None = await app.asked(picker)
    if value is None:
        return None
    return Choice(None if value in (UNASSIGN, NO_GROUP) else value)


async def apply_change(
    screen: TickettyScreen[Any],
    kind: str,
    numbers: list[int],
    value: str | None = None,
    *,
    versions: Mapping[int, int] | None = None,
    preview: bool,
) -> BulkOutcome | None:
    """Preview (when `preview`), confirm, apply and say what happened: the outcome of an
    applied change, None when nothing was applied (nothing to change, or the person said no)."""
    app, gate = screen.app, screen.gate
    if preview:
        plan = await app.gate_call(
            lambda: gate.changes.plan_bulk(kind, numbers, value, versions=versions)
        )
        if not plan.changed:
            lines = [f"{capitalised(plan.change)}: nothing to change", *skipped_lines(plan)]
            said: SeverityLevel = "information" if plan.nothing_to_do else "warning"
            screen.notify("\n".join(one_line(line) for line in lines), severity=said, timeout=8)
            return None
        if not await app.asked(ConfirmModal(preview_text(plan))):
            return None
    elif kind == "close":
        label = ", ".join(f"#{n}" for n in numbers[:3])
        if not await app.asked(ConfirmModal(f"Close {label}?")):
            return None
    outcome = await app.gate_call(
        lambda: gate.changes.apply_bulk(kind, numbers, value, versions=versions)
    )
    text = f"{capitalised(outcome.change)}: {outcome.summary()}"
    kept = still_to_do(outcome)
    if preview and kept:
        text += f" — still marked: {numbers_text(kept)}"
    # Tickets already as asked are no trouble: nothing to do there is said, not warned.
    severity: SeverityLevel = "information" if outcome.nothing_to_do else "warning"
    screen.notify(one_line(text), severity=severity, timeout=8)
    return outcome
