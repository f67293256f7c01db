"""A rule's action on all the tickets of a round it matched at once, as its owner: a change of
a field is one pass of the change pipeline's chunk (`change_chunk`: one locked read, one
UPDATE, its audit rows in one insert), a note one locked read of the owner's right to note on
each ticket and one bulk write of the notes (`messages.add_messages`). Each ticket gets its
own verdict, as the one-ticket call would have given it: what was done, in words, or the
error that call would have raised (`NoChange` for one already so).

A reply (an acknowledgement) is held where `held_many` says so, counting the replies before it
in the same pass to the same address, then written and queued in bulk.

Automatic assignment (round-robin, least-loaded), whose outcome on one ticket depends on the
tickets before it, is worked out ticket by ticket in order (`rule_assign`). A note's mentions
are checked for all the tickets at once (`notify_events.mentions_on`), and so are the
notifications of `notify:` (`rule_notices.notify_many`), written in one insert.

The due times the actions move are kept once for the chunk, not once per action: they are a
function of each ticket's history alone, so once at the end leaves the same rows. The ticket
rows the field changes, tags and notes write are held for the chunk (`rule_writes`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import peewee

from access import changes, rule_events, scope
from access.auto_replies import AUTO_REPLIED, AutoReplyHeld, held_many
from access.canned_text import fill, values_for_many
from access.catalogue import TICKETS_NOTE, TICKETS_REPLY, PermissionKey
from access.change_pipeline import change_chunk_unaudited_refusals, verdict_error
from access.due_times import CLOCK_FIELDS
from access.errors import InvalidInput, NoChange, NotFound
from access.filing import clean_body
from access.grants import Grants
from access.messages import add_messages
from access.notify_events import mentions_on
from access.replies import is_offered
from access.request import Request
from access.rule_actions import username_of
from access.rule_assign import assign_many
from access.rule_notices import notify_many, owned_rule
from access.rule_text import (
    ADD_TAG,
    ASSIGN,
    MOVE,
    NOTIFY,
    REMOVE_TAG,
    REPLY,
    SET_PRIORITY,
    SET_STATUS,
    Kept,
)
from access.rule_writes import ChunkWrites
from access.tickets import refuse
from access.vocabulary import NOTE
from store import dialect
from store.among import among
from store.errors import TickettyError
from store.models import Person, Ticket, Usergroup
from store.prepared import NumbersQuery, PreparedSelect, padded
from store.reply_models import CannedReply

# What an action did to one ticket, in words, or the error its one-ticket call raises.
Done = str | TickettyError


def batched(action: Kept) -> bool:
    """Whether the action is taken on many tickets at once (`apply_many`)."""
    return action["do"] in _BATCHED


_BATCHED = (ASSIGN, MOVE, SET_PRIORITY, SET_STATUS, ADD_TAG, REMOVE_TAG, REPLY, NOTE, NOTIFY)


def holds(action: Kept) -> bool:
    """Whether the action's ticket rows are held for the chunk (`rule_writes`), which it reads
    as held: a note, a tag, a priority or status. The others read more of the rows, or write
    them by themselves: the held rows are written before them (`ChunkWrites.write`)."""
    return action["do"] in (NOTE, ADD_TAG, REMOVE_TAG, SET_PRIORITY, SET_STATUS)


def apply_many(
    request: Request, numbers: Sequence[int], action: Kept, rule: str, writes: ChunkWrites
) -> dict[int, Done]:
    """Inside `request.writing()`: the action of `rule` on each of `numbers` (at most a
    round's chunk), checked ticket by ticket as the request's person; the ticket rows of
    field changes, tags and notes held in `writes` (`holds`), the tickets whose due times it
    moved left there too."""
    if action["do"] == NOTE:
        return _notes(request, numbers, action["text"], writes)
    if action["do"] == NOTIFY:
        return _notices(request, numbers, action, rule)
    if action["do"] == REPLY:
        return _replies(request, numbers, action["reply"], writes)
    if action["do"] == ASSIGN and "person" not in action:
        return assign_many(request, numbers, action)
    name, value, did = _change(action)
    kind = changes.kind_for(name, value)
    target = kind.resolve(request.grants(), value)
    held = writes.tickets if holds(action) else None  # who sees it: written at once
    verdicts = change_chunk_unaudited_refusals(request, kind, target, list(numbers), held)
    changed = [v.number for v in verdicts if v.skipped is None]
    if kind.field in CLOCK_FIELDS:
        writes.add_dues(request, changed)
    rule_events.tickets_changed(request.session.clock, kind.field, changed)
    grants = request.grants()
    return {
        v.number: did if v.skipped is None else verdict_error(grants, kind, target, v)
        for v in verdicts
    }


def _change(action: Kept) -> tuple[str, str | None, str]:
    """The change pipeline's kind and value of the action, and what it did in words."""
    kind = action["do"]
    if kind == ASSIGN:
        name = username_of(action["person"])
        return "assign", name, f"assign to {name}"
    if kind == MOVE:
        found = _GROUP_NAME.first(action["group"])
        if found is None:
            raise NotFound(f"the usergroup of the rule's move ({action['group']}) was deleted")
        return "move", str(found[0]), f"move to {found[0]}"
    if kind == SET_PRIORITY:
        return "priority", action["value"], f"priority {action['value']}"
    if kind == SET_STATUS:
        return "status", action["value"], f"status {action['value']}"
    return kind, action["tag"], f"{kind} {action['tag']}"


_GROUP_NAME = PreparedSelect(
    lambda group: Usergroup.select(Usergroup.name).where(Usergroup.id == group)
)


def _notes(
    request: Request, numbers: Sequence[int], text: str, writes: ChunkWrites
) -> dict[int, Done]:
    """The note on each ticket the owner may note on, read under the write lock in one
    statement."""
    body = clean_body(text)
    grants = request.grants()
    rows = dict(_permitted(grants, TICKETS_NOTE, numbers, ()))
    done: dict[int, Done] = {}
    for number in numbers:
        if number not in rows:
            done[number] = NotFound(f"no ticket #{number}")
        elif not rows[number]:
            done[number] = refuse(grants, number, TICKETS_NOTE)
        else:
            done[number] = "note"
    mentions = mentions_on([n for n, d in done.items() if d == "note"], body)
    mentioned: dict[int, list[int]] = {}
    for number, found in mentions.items():
        if isinstance(found, InvalidInput):
            done[number] = found
        else:
            mentioned[number] = found
    add_messages(request, NOTE, {n: body for n in mentioned}, mentioned, tickets=writes.tickets)
    return done


_PERMITTED = NumbersQuery()  # `_permitted`'s statement, by grants, right, columns and count


def _permitted(
    grants: Grants,
    right: PermissionKey,
    numbers: Sequence[int],
    columns: tuple[peewee.Field, ...],
) -> list[tuple[Any, ...]]:
    """Each of the tickets `numbers` the owner sees: its number, `columns`, and whether they
    hold `right` on it (1 or 0), read under the write lock."""

    def build(listed: list[int]) -> peewee.SelectBase:
        allowed = peewee.Case(None, [(scope.may(grants, right), 1)], 0)
        query = Ticket.select(Ticket.number, *columns, allowed).where(
            among(Ticket.number, listed) & scope.visible(grants)
        )
        return dialect.for_change(query.tuples())

    key = (grants, right, tuple(c.name for c in columns))
    return _PERMITTED.rows(key, padded(numbers), build)


def _notices(request: Request, numbers: Sequence[int], action: Kept, rule: str) -> dict[int, Done]:
    """The notification on each ticket, as `gate.rules.notify` gives it ticket by ticket
    (`rule_notices.notify_many`): nobody to notify is `NoChange`."""
    whom = None if "whom" in action else username_of(action["person"])
    grants, name = owned_rule(request, rule)
    done: dict[int, Done] = {}
    for number, notified in notify_many(grants, numbers, whom, name, request.clock()).items():
        if isinstance(notified, TickettyError):
            done[number] = notified
        elif not notified:
            done[number] = NoChange(f"nobody to notify on #{number}")
        else:
            done[number] = "notify " + ", ".join(notified)
    return done


def _replies(
    request: Request, numbers: Sequence[int], reply_id: int, writes: ChunkWrites
) -> dict[int, Done]:
    """The canned reply filled and sent on each ticket where it is not held (`held_many`),
    the owner may reply and it is offered, read under the write lock; the replies written and
    queued in bulk (`messages.add_messages`), marked automatic as they are queued, their
    tickets' new versions held with the chunk's other changes (`ChunkWrites`)."""
    canned = CannedReply.get_or_none(CannedReply.id == reply_id)
    if canned is None:
        raise NotFound(f"the canned reply of the rule's reply ({reply_id}) was deleted")
    grants = request.grants()
    columns = (Ticket.source, Ticket.usergroup)
    rows = {number: row for number, *row in _permitted(grants, TICKETS_REPLY, numbers, columns)}
    held = held_many(numbers, request.clock())
    done: dict[int, Done] = {}
    for number in numbers:
        row = rows.get(number)
        if held[number]:
            done[number] = AutoReplyHeld(f"held its reply {canned.name}: {held[number]}")
        elif row is None:
            done[number] = NotFound(f"no ticket #{number}")
        elif not row[2]:
            done[number] = refuse(grants, number, TICKETS_REPLY)
        elif not is_offered(canned, row[0], row[1]):
            done[number] = NotFound(f"no canned reply named {canned.name!r} for #{number}")
        else:
            done[number] = f"reply {canned.name}"
    ready = [n for n, d in done.items() if isinstance(d, str)]
    values = values_for_many(ready, Person.get_by_id(grants.person_id)) if ready else {}
    bodies: dict[int, str] = {}
    for number in ready:
        try:
            bodies[number] = clean_body(fill(canned.body, values[number]))
        except InvalidInput as exc:
            done[number] = exc
    written = add_messages(
        request, REPLY, bodies, {}, tickets=writes.tickets, auto_submitted=AUTO_REPLIED
    )
    writes.add_dues(request, list(written))
    return done
