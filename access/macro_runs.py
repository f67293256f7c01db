"""A macro's steps on many tickets (`access.macros`): the verdicts of its reply and note steps,
and its application a chunk of tickets at a time.

Applied, a chunk of tickets (`change_pipeline.CHUNK`) is one transaction: step after step, each
on all the chunk's tickets at once, as its user could take it, then an audit event `macro.apply`
per ticket naming the macro with the steps done and skipped. A field step is the change
pipeline's chunk (`change_chunk`), a reply or note step the bulk writer of messages
(`messages.add_messages`); every check of a ticket is made before anything of that step is
written, so a ticket a step cannot take is skipped by that step alone, with why, and an error
rolls back the whole chunk: a ticket never keeps part of a macro. The ticket rows the steps
change are written together (`TicketWrites`): one UPDATE per chunk and set of new values, not
one per step, but before a step whose verdicts read a column an earlier step set (a group, an
assignee, its own field). The statements of a chunk do not grow with its tickets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import peewee

from access import audit, changes, rule_events, scope
from access.audit_actions import MACRO_APPLY
from access.canned_text import fill, values_for_many
from access.catalogue import TICKETS_NOTE, TICKETS_REPLY
from access.change_pipeline import NOT_FOUND, change_chunk
from access.due_times import CLOCK_FIELDS, due_times_to_write
from access.errors import InvalidInput, NotFound
from access.filing import clean_body
from access.grants import Grants
from access.macro_steps import Step
from access.messages import add_messages
from access.notify_events import check_mentions, mentioned_names
from access.replies import is_offered
from access.request import Request
from access.ticket_writes import SCOPE, TicketWrites
from access.vocabulary import NOTE, REPLY
from store import dialect
from store.among import among
from store.models import Person, Ticket
from store.reply_models import CannedReply, Macro
from store.rows import dict_rows, tuple_rows

# A step's verdict on one ticket: why it is skipped (None: it applies), and whether because
# the ticket is already so.
Verdict = tuple[str | None, bool]


class Messages(NamedTuple):
    """A reply or note step on some tickets: its verdicts, and for those it applies to, the
    text and the people it mentions."""

    verdicts: dict[int, Verdict]
    bodies: dict[int, str]
    mentioned: dict[int, list[int]]


def not_offered(grants: Grants, macro: Macro, numbers: list[int]) -> dict[int, Verdict]:
    """The tickets among `numbers` the person sees where `macro` is not offered, each with
    why its steps are skipped there (one statement; none when it is offered everywhere)."""
    if macro.sources == "[]" and macro.usergroups == "[]":
        return {}
    rows = Ticket.select(Ticket.number, Ticket.source, Ticket.usergroup).where(
        among(Ticket.number, numbers) & scope.visible(grants)
    )
    reason = f"macro {macro.name} not offered there"
    return {
        row.number: (reason, False)
        for row in rows
        if not is_offered(macro, row.source_id, row.usergroup_id)
    }


def offered_places(grants: Grants, numbers: list[int]) -> set[tuple[int, int | None]]:
    """The sources and usergroups, in pairs, of the tickets among `numbers` the person sees
    (one statement)."""
    query = (
        Ticket.select(Ticket.source, Ticket.usergroup)
        .where(among(Ticket.number, numbers) & scope.visible(grants))
        .distinct()
    )
    return set(tuple_rows(query))


def message_step(request: Request, step: Step, numbers: list[int], *, lock: bool) -> Messages:
    """Whether a reply or a note may be added on each ticket, and its text: the ticket seen
    (read under the write lock with `lock`), the right to reply or note there, a canned reply
    offered there, the text filled for the ticket not empty, the people a note mentions able
    to read it. A constant number of statements, but for notes that mention someone."""
    grants = request.grants()
    permission = TICKETS_REPLY if step.kind == REPLY else TICKETS_NOTE
    allowed = peewee.Case(None, [(scope.may(grants, permission), 1)], 0).alias("allowed")
    query = Ticket.select(
        Ticket.number,
        Ticket.source.alias("source_id"),
        Ticket.usergroup.alias("usergroup_id"),
        allowed,
    ).where(among(Ticket.number, numbers) & scope.visible(grants))
    rows = {row["number"]: row for row in dict_rows(dialect.for_change(query) if lock else query)}
    canned = CannedReply.get_or_none(CannedReply.name == step.value) if step.kind == REPLY else None
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
    ready = [n for n in numbers if verdicts[n][0] is None]
    template = canned.body if canned is not None else step.value
    values = values_for_many(ready, Person.get_by_id(grants.person_id)) if ready else {}
    bodies: dict[int, str] = {}
    mentioned: dict[int, list[int]] = {}
    for number in ready:
        try:
            body = clean_body(fill(template, values[number]))
            if step.kind == NOTE and mentioned_names(body):
                mentioned[number] = check_mentions(number, body)
        except InvalidInput as exc:
            verdicts[number] = (str(exc), False)
            continue
        bodies[number] = body
    return Messages(verdicts, bodies, mentioned)


def apply_chunk(
    request: Request,
    macro: Macro,
    steps: list[Step],
    chunk: list[int],
    changed: dict[str, list[int]],
) -> list[dict[int, Verdict]]:
    """Inside a write transaction: every step on the chunk's tickets, in order, then the
    `macro.apply` events; per step, a verdict per ticket. The tickets each field changed are
    added to `changed` (field name to numbers) for the rules to run after the commit."""
    elsewhere = not_offered(request.grants(), macro, chunk)
    here = [n for n in chunk if n not in elsewhere]
    per_step: list[dict[int, Verdict]] = []
    clocks: set[int] = set()  # the tickets whose due times a step may move
    tickets = TicketWrites()  # the ticket rows' changes, written together
    for step in steps:
        verdicts = dict(elsewhere)
        if here:
            if tickets.pending(_reads(step)):
                tickets.flush(request.clock())
            verdicts |= (
                _field_step(request, step, here, changed, tickets)
                if step.change
                else _messages(request, step, here, tickets)
            )
        if step.kind == REPLY or step.kind in CLOCK_FIELDS:
            clocks.update(n for n in here if verdicts[n][0] is None)
        per_step.append(verdicts)
    if tickets.pending({"assignee"}):  # the verdicts read who has the ticket from its row
        tickets.flush(request.clock())
    # Every step's change is in the audit log already: the due times are measured from it
    # and written with the chunk's other changes to the tickets, in one UPDATE.
    dues, ended = due_times_to_write(request, clocks)
    tickets.flush(request.clock(), dues, ended)
    events = []
    for number in chunk:
        done = [s.describe() for s, v in zip(steps, per_step, strict=True) if v[number][0] is None]
        if done:
            skipped = {s.describe(): v[number][0] for s, v in zip(steps, per_step, strict=True)}
            after = {
                "macro": macro.name,
                "done": done,
                "skipped": {step: why for step, why in skipped.items() if why},
            }
            events.append(audit.Event(MACRO_APPLY, "ticket", number, ticket=number, after=after))
    request.record_many(events)
    return per_step


def rules_after(request: Request, changed: Mapping[str, list[int]]) -> None:
    """After the macro's transactions: the rules of the fields it changed."""
    for field, numbers in changed.items():
        rule_events.tickets_changed(request.session.clock, field, numbers)


def _reads(step: Step) -> set[str]:
    """The ticket columns a step's verdicts read: those of the scope, and its own field's."""
    if step.change is None:
        return set(SCOPE)
    return {*SCOPE, changes.kind_for(step.change, step.field_value).field}


def _field_step(
    request: Request,
    step: Step,
    numbers: list[int],
    changed: dict[str, list[int]],
    tickets: TicketWrites,
) -> dict[int, Verdict]:
    assert step.change is not None
    kind = changes.kind_for(step.change, step.field_value)
    try:
        target = kind.resolve(request.grants(), step.field_value)
    except (InvalidInput, NotFound) as exc:
        return {number: (str(exc), False) for number in numbers}
    verdicts = change_chunk(request, kind, target, numbers, tickets=tickets)
    changed.setdefault(kind.field, []).extend(v.number for v in verdicts if v.skipped is None)
    return {v.number: (v.skipped, v.already) for v in verdicts}


def _messages(
    request: Request, step: Step, numbers: list[int], tickets: TicketWrites
) -> dict[int, Verdict]:
    found = message_step(request, step, numbers, lock=True)
    add_messages(request, step.kind, found.bodies, found.mentioned, tickets=tickets)
    return found.verdicts
