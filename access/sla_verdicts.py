"""Service-level verdicts: each clock's "met" or "breached", kept when the clock ends and never
rewritten (`store.sla_models.SlaVerdict`).

The due-time step (`access.due_times.keep_due_times`) measures every ticket a change touches;
a clock that has ended (a reply met a response target, the ticket was resolved or closed) and
has no verdict yet gets one, in the same transaction, with what judged it then: the policy's id
and name, its target and the business minutes counted, and who it is put down to (the agent
who replied, else the assignee) and the usergroup and source the ticket had when it ended.
Later edits of policies or calendars change the due times of running clocks only.

Only a clock the change itself ended gets a verdict (it ended since the request began): one
that ended before, with no policy or before verdicts were kept, is never judged later by the
policies of another day, so a past month's report never gains or loses a verdict. An edit of
a policy or calendar gives none.

A reopened ticket's resolution clock resumes; its earlier verdict stays as it was said, and
resolving it again adds a second one (counted from the creation, the time it spent resolved
not counted), each in the report of the month it was given.

On PostgreSQL the verdicts' INSERT rides in the due times' UPDATE (a data-modifying WITH), so a
change that ends a clock costs no extra statement for it; SQLite runs no INSERT inside a WITH,
so there it is one statement more, an in-process call with no round trip.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple, Protocol

import peewee

from access.sla_clock import Clock, History, State, ending
from access.sla_rules import Policy
from store import dialect
from store.sla_models import SlaVerdict

# What identifies a verdict of a ticket: its clock and when it ended.
VerdictKey = tuple[str, datetime]


class PolicyNames(Protocol):
    """The policies in match order and their ids by name (`access.due_times.PolicySet`)."""

    @property
    def policies(self) -> Sequence[Policy]: ...

    @property
    def ids(self) -> Mapping[str, int]: ...


class VerdictView(NamedTuple):
    """A stored verdict as the explanation shows it."""

    metric: str
    policy: str
    target_minutes: int
    business_minutes: int
    met: bool
    started: datetime
    ended: datetime


def new_verdicts(
    number: int,
    history: History,
    measured: Clock,
    policies: PolicyNames,
    context: tuple[Collection[VerdictKey], Mapping[datetime, int], int | None],
    since: datetime,
) -> list[dict[str, Any]]:
    """The rows of the ticket's clocks that ended at `since` or later and have no verdict yet.
    `policies`: in match order, with their ids; `context`: the verdicts the ticket has, its
    replies' authors by time, its assignee now."""
    stored, repliers, assignee = context
    rows = []
    for target in measured.targets():
        if target is None or target.ended is None or target.ended < since:
            continue
        if (target.metric, target.ended) in stored:
            continue
        judged = ending(history, target, policies.policies)
        if judged is None:
            continue
        rows.append(
            {
                "ticket": number,
                "metric": target.metric,
                "policy_id": policies.ids.get(target.policy),
                "policy_name": target.policy,
                "target_minutes": judged.target_minutes,
                "business_minutes": judged.minutes,
                "met": target.state is State.MET,
                "started_at": target.started,
                "ended_at": target.ended,
                "agent": repliers.get(target.ended, assignee),
                "usergroup": judged.attributes.usergroup,
                "source": judged.attributes.source,
            }
        )
    return rows


def write_with(update: peewee.ModelUpdate, verdicts: Sequence[Mapping[str, Any]]) -> None:
    """Run `update` (the due times') and insert `verdicts`: one statement on PostgreSQL."""
    if not verdicts:
        update.execute()
        return
    insert = SlaVerdict.insert_many(verdicts).on_conflict_ignore()
    db = SlaVerdict._meta.database
    if dialect.is_sqlite(db):
        insert.execute()
        update.execute()
        return
    insert_sql, insert_params = insert.sql()
    update_sql, update_params = update.sql()
    db.execute_sql(f"WITH written AS ({insert_sql}) {update_sql}", [*insert_params, *update_params])


def add_verdicts(verdicts: Sequence[Mapping[str, Any]]) -> None:
    """Insert `verdicts` (those already stored are left)."""
    SlaVerdict.insert_many(verdicts).on_conflict_ignore().execute()


def ticket_verdicts(number: int) -> tuple[VerdictView, ...]:
    """The ticket's stored verdicts, in the order they were given."""
    query = (
        SlaVerdict.select()
        .where(SlaVerdict.ticket == number)
        .order_by(SlaVerdict.ended_at, SlaVerdict.id)
    )
    return tuple(
        VerdictView(
            row.metric,
            row.policy_name,
            row.target_minutes,
            row.business_minutes,
            row.met,
            row.started_at,
            row.ended_at,
        )
        for row in query
    )
