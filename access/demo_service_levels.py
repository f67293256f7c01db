"""The demo's service levels: two office calendars with their holidays, three policies, each
demo ticket's due times as the clock reads its history (its creation, its messages and, for a
pending, resolved or closed one, its status change at its last activity, as the write path
would read them from the demo's rows), and the verdicts of its ended clocks (`DemoClocks`).

Most running clocks of a demo drawn over 90 days are past due; so that "due soon" shows too,
one ticket in `DUE_SOON_EVERY` that is new or open is filed just long enough before the demo's
`now` that its first response has 10 to 54 business minutes left then (`due_soon_start`)."""

from __future__ import annotations

import json
import operator
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from access.business_time import Calendar, Ledger
from access.calendar_text import parse_hours
from access.due_times import PolicySet
from access.rule_time import idle_cutoff
from access.sla_rules import (
    FIRST_RESPONSE,
    RESOLUTION,
    STOPPING_STATUSES,
    Attributes,
    Policy,
    matching_policy,
    parse_duration,
)
from access.vocabulary import NEW, OPEN
from store.models import NO_DUE, BusinessCalendar, CalendarHoliday, SlaPolicy
from store.sla_models import SlaVerdict
from store.sla_tally import JUDGED

CALENDARS: dict[str, tuple[str, str, tuple[date, ...]]] = {
    "PL office": (
        "Europe/Warsaw",
        "mon-fri 08:00-16:00",
        (date(2026, 11, 11), date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 26)),
    ),
    "DE office": (
        "Europe/Berlin",
        "mon-fri 09:00-17:00",
        (date(2026, 10, 3), date(2026, 12, 25), date(2026, 12, 26)),
    ),
}
# In match order: name, calendar, targets, priorities, sources (by name).
POLICIES: list[tuple[str, str, dict[str, dict[str, str]], list[str], list[str]]] = [
    (
        "Urgent",
        "PL office",
        {"first_response": {"": "1h"}, "next_response": {"": "2h"}, "resolution": {"": "1d"}},
        ["urgent"],
        [],
    ),
    (
        "German marketplaces",
        "DE office",
        {"first_response": {"": "8h"}, "next_response": {"": "1d"}, "resolution": {"": "5d"}},
        [],
        ["Amazon DE", "eBay DE (disconnected)"],
    ),
    (
        "Standard",
        "PL office",
        {
            "first_response": {"": "4h", "high": "2h"},
            "next_response": {"": "8h"},
            "resolution": {"": "3d"},
        },
        [],
        [],
    ),
]
# Only a new or open ticket has a clock running in the demo: a pending one waits (paused) since
# its last activity, a resolved or closed one is done (its clocks stopped then).
RUNNING = frozenset({NEW, OPEN})
DUE_SOON_EVERY = 40


def seed_service_levels(sources: Mapping[str, int]) -> PolicySet:
    """The calendars and policies, written; the policies as the clock applies them."""
    calendars: dict[str, tuple[int, Calendar]] = {}
    for name, (zone, hours, holidays) in CALENDARS.items():
        shifts = parse_hours(hours)
        row = BusinessCalendar.create(name=name, zone=zone, shifts=json.dumps(shifts))
        CalendarHoliday.insert_many([{"calendar": row.id, "day": d} for d in holidays]).execute()
        calendars[name] = (row.id, Calendar(zone, shifts, frozenset(holidays)))
    policies, ids, named = [], {}, {}
    for position, (name, calendar, targets, priorities, source_names) in enumerate(
        POLICIES, start=1
    ):
        calendar_id, rule_calendar = calendars[calendar]
        chosen = sorted(sources[s] for s in source_names)
        policy_row = SlaPolicy.create(
            name=name,
            position=position,
            calendar=calendar_id,
            targets=json.dumps(targets),
            priorities=json.dumps(priorities),
            sources=json.dumps(chosen),
        )
        policies.append(
            Policy(
                name,
                rule_calendar,
                {m: {p: parse_duration(d) for p, d in t.items()} for m, t in targets.items()},
                priorities=frozenset(priorities),
                sources=frozenset(chosen),
            )
        )
        ids[name] = policy_row.id
        named[name] = (calendar, CALENDARS[calendar][0])
    return PolicySet(tuple(policies), ids, named)


# The columns of the demo's verdicts, in the order `DemoClocks.verdicts` gives them.
VERDICT_COLUMNS = (
    SlaVerdict.ticket,
    SlaVerdict.metric,
    SlaVerdict.policy_id,
    SlaVerdict.policy_name,
    SlaVerdict.target_minutes,
    SlaVerdict.business_minutes,
    SlaVerdict.met,
    SlaVerdict.started_at,
    SlaVerdict.ended_at,
    SlaVerdict.agent,
    SlaVerdict.usergroup,
    SlaVerdict.source,
)
_SECOND = timedelta(seconds=1)
# The values of a verdict row the tally reads (`store.sla_tally.JUDGED`), in its order.
judged = operator.itemgetter(*([c.name for c in VERDICT_COLUMNS].index(f) for f in JUDGED))


class _Matched(NamedTuple):
    """A policy as `DemoClocks` applies it to tickets of one set of attributes."""

    name: str
    policy_id: int
    ledger: Ledger
    targets: dict[str, int | None]


class DemoClocks:
    """The demo tickets' clocks as the write path would have kept them, without replaying each
    ticket's history: one ledger of business time per calendar over the demo's stretch
    (`Ledger`). The demo's histories are simple: a ticket keeps the status it was filed in, but
    a pending, resolved or closed one, open until its last activity (when its status change is
    logged), and its only customer message is the first, so no clock paused before its last
    activity and no next response ever started; a new or open ticket's clocks run, a pending
    one's wait (paused since its last activity), a resolved or closed one's stopped then.
    `tests/access/test_demo_verdicts.py` holds them to the clock's."""

    def __init__(self, policies: PolicySet, start: datetime, end: datetime) -> None:
        self.policies = policies
        ledgers: dict[int, Ledger] = {}
        self.ledgers = {
            p.name: ledgers.setdefault(id(p.calendar), Ledger(p.calendar, start, end))
            for p in policies.policies
        }
        # A demo ticket's attributes take few values: each one's policy is matched once, kept
        # by a plain tuple of them (hashed and compared in C, not by the dataclass's methods).
        self._matched: dict[tuple[str, int, int | None], _Matched | None] = {}

    def _match(self, attributes: Attributes) -> _Matched | None:
        """The policy `attributes` match, its id, ledger and targets (by metric); memoised."""
        key = (attributes.priority, attributes.source, attributes.usergroup)
        try:
            return self._matched[key]
        except KeyError:
            pass
        policy = matching_policy(self.policies.policies, attributes)
        found = None
        if policy is not None:
            targets = {
                m: policy.target(m, attributes.priority) for m in (FIRST_RESPONSE, RESOLUTION)
            }
            policy_id = self.policies.ids[policy.name]
            found = _Matched(policy.name, policy_id, self.ledgers[policy.name], targets)
        self._matched[key] = found
        return found

    def dues(
        self,
        created: datetime,
        status: str,
        attributes: Attributes,
        first_reply: datetime | None,
        last_activity: datetime,
    ) -> tuple[datetime | None, datetime | None, datetime | None, datetime, int | None]:
        """A ticket's due-time columns: first, next response, resolution, the earliest, and
        its policy's id. A pending ticket's clocks paused at its last activity: each keeps the
        due time it reached before then (breached), none if it had not. A resolved or closed
        one's stopped then and keep none: a first response past due then ended there (its
        verdict breached), one not yet due stopped, and the resolution ended."""
        matched = self._match(attributes)
        if matched is None:
            return None, None, None, NO_DUE, None
        # As `Dues` keeps them (its `due_at` the earliest), without building one per ticket.
        first = resolution = None
        # A stopped ticket's first response has ended (past due at the stop: breached) or
        # stopped: no due time either way.
        stopped = status in STOPPING_STATUSES
        target = matched.targets[FIRST_RESPONSE]
        if first_reply is None and target is not None and not stopped:
            first = matched.ledger.after(created, target * 60)
            if status not in RUNNING and first > last_activity:
                first = None
        target = matched.targets[RESOLUTION]
        if not stopped and target is not None:
            resolution = matched.ledger.after(created, target * 60)
            if status not in RUNNING and resolution > last_activity:
                resolution = None
        if first is None:
            due_at = NO_DUE if resolution is None else resolution
        else:
            due_at = first if resolution is None or first <= resolution else resolution
        return first, None, resolution, due_at, matched.policy_id

    def verdicts(
        self,
        number: int,
        created: datetime,
        status: str,
        attributes: Attributes,
        first_reply: tuple[datetime, int] | None,
        resolved: tuple[datetime, int | None],
    ) -> list[tuple[object, ...]]:
        """Ticket `number`'s verdict rows; `first_reply` its time and author, `resolved` when
        the ticket was last active and its assignee."""
        matched = self._match(attributes)
        if matched is None:
            return []
        stopped = status in STOPPING_STATUSES
        ends: list[tuple[str, datetime, int | None]] = []
        if first_reply is not None:
            ends.append((FIRST_RESPONSE, *first_reply))
        elif stopped:
            ends.append((FIRST_RESPONSE, *resolved))
        if stopped:
            ends.append((RESOLUTION, *resolved))
        ledger = matched.ledger
        rows: list[tuple[object, ...]] = []
        for metric, ended, agent in ends:
            target = matched.targets[metric]
            if target is None:
                continue
            worked = ledger.seconds(created, ended)
            if metric == FIRST_RESPONSE and first_reply is None:
                # Unanswered at the stop: ended there only if it had fallen due by then.
                if ledger.after(created, target * 60) > ended:
                    continue
                met = False
            else:
                # Met when it ended no later than its due time: when it ended exactly as the
                # target was worked, that was its due time unless the target was reached before.
                met = worked < target * 60 or (
                    worked == target * 60 and ledger.seconds(created, ended - _SECOND) < worked
                )
            minutes = worked // 60
            judged = (matched.policy_id, matched.name, target, minutes, met, created, ended, agent)
            rows.append((number, metric, *judged, attributes.usergroup, attributes.source))
        return rows


def due_soon_start(
    policies: PolicySet, number: int, status: str, attributes: Attributes, now: datetime
) -> datetime | None:
    """When ticket `number` is filed for its first response to have 10 to 54 business minutes
    left at `now`, if it is one of the demo's due-soon tickets (one in `DUE_SOON_EVERY` of
    those new or open, with a first-response target); else None."""
    if status not in RUNNING or number % DUE_SOON_EVERY != DUE_SOON_EVERY // 2:
        return None
    policy = matching_policy(policies.policies, attributes)
    target = None if policy is None else policy.target(FIRST_RESPONSE, attributes.priority)
    if policy is None or target is None:
        return None
    left = min(11 + number * 7 % 44, target)
    return _counted_back(policy.calendar, now, target - left)


@lru_cache(maxsize=512)
def _counted_back(calendar: Calendar, end: datetime, minutes: int) -> datetime | None:
    """`rule_time.idle_cutoff`, kept: the demo asks it again and again of the same few."""
    start = idle_cutoff(end, minutes, calendar)
    return None if start is None else start.replace(microsecond=0)
