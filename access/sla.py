"""Service-level policies through the gate (`gate.sla`): targets for first response, next
response and resolution, the conditions a ticket meets for them, the match order, a calendar
each and the statuses that pause them. Seen with `sla.list`, changed with `sla.edit`;
versioned and audited like calendars. `policies_in_order` gives them to the clock
(`access.sla_clock`)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

from access import audit
from access.audit_actions import (
    POLICY_CHANGE,
    POLICY_CREATE,
    POLICY_DELETE,
    POLICY_MOVE,
    SLA_WARNING,
)
from access.business_time import Calendar
from access.calendar_reads import calendars_by_id, due_calendars
from access.calendars import calendar_named, difference
from access.catalogue import SLA_EDIT, SLA_LIST
from access.errors import InvalidInput, NoChange, NotFound
from access.lookup import require_free_name, source_named, usergroup_named
from access.ordering import in_order, move_to, renumber
from access.request import Part, Request
from access.sla_rules import (
    DEFAULT_PAUSE,
    METRICS,
    WARN_BEFORE,
    Duration,
    Policy,
    checked_pause,
    checked_targets,
    parse_duration,
)
from access.validation import checked_name
from access.versions import bump, check_fresh
from store.models import BusinessCalendar, SlaPolicy, Source, Usergroup
from store.words import TICKET_PRIORITIES

# Targets as given and shown: for each metric, the duration by priority ("" for every other).
TargetTexts = Mapping[str, Mapping[str, str]]


class PolicyView(NamedTuple):
    name: str
    position: int  # in the match order, 1 first
    calendar: str
    targets: dict[str, dict[str, str]]
    priorities: tuple[str, ...]
    sources: tuple[str, ...]
    usergroups: tuple[str, ...]
    pause_on: tuple[str, ...]
    version: int

    def logged(self) -> dict[str, Any]:
        """What the audit log keeps of it."""
        fields = self._asdict()
        del fields["version"], fields["position"]
        return {k: list(v) if isinstance(v, tuple) else v for k, v in fields.items()}


class PolicyAdmin(Part):
    """Service-level policies (`gate.sla`), in match order: a ticket is measured by the first
    whose conditions it meets."""

    def list_policies(self) -> list[PolicyView]:
        request = self._open()
        request.require(SLA_LIST)
        return [_read(row) for row in in_order(SlaPolicy)]

    def get_policy(self, name: str) -> PolicyView:
        request = self._open()
        request.require(SLA_LIST)
        return _read(_policy_named(name))

    def create_policy(
        self,
        name: str,
        *,
        calendar: str,
        targets: Mapping[str, Iterable[str]],
        priorities: Iterable[str] = (),
        sources: Iterable[str] = (),
        usergroups: Iterable[str] = (),
        pause_on: Iterable[str] = DEFAULT_PAUSE,
    ) -> PolicyView:
        """A policy last in the match order. `targets`: per metric, durations such as `4h`,
        or `urgent=1h` for one priority."""
        request = self._open()
        request.require(SLA_EDIT)
        name = checked_name(name, "policy name")
        written = _written_targets(targets)
        with request.writing():
            require_free_name(SlaPolicy.name, name, "policy")
            row = SlaPolicy.create(
                name=name,
                position=SlaPolicy.select().count() + 1,
                calendar=calendar_named(calendar).id,
                targets=json.dumps(written),
                priorities=_json(_priorities(priorities)),
                sources=_json(source_named(s).id for s in sources),
                usergroups=_json(usergroup_named(g).id for g in usergroups),
                pause_on=_json(checked_pause(pause_on)),
            )
            view = _read(row)
            request.record(POLICY_CREATE, "policy", row.id, after=view.logged())
        _measure_open(request)
        return view

    def change_policy(
        self,
        name: str,
        *,
        new_name: str | None = None,
        calendar: str | None = None,
        targets: Mapping[str, Iterable[str]] | None = None,
        priorities: Iterable[str] | None = None,
        sources: Iterable[str] | None = None,
        usergroups: Iterable[str] | None = None,
        pause_on: Iterable[str] | None = None,
        expected_version: int | None = None,
    ) -> PolicyView:
        """Change what is given; the rest stays. A metric given in `targets` gets those targets
        (none: the metric has no target any more); the others keep theirs."""
        request = self._open()
        request.require(SLA_EDIT)
        new_name = None if new_name is None else checked_name(new_name, "policy name")
        with request.writing():
            row = _policy_named(name)
            check_fresh(row, expected_version, f"policy {name}")
            before = _read(row)
            changes: dict[str, object] = {}
            if new_name is not None and new_name != row.name:
                require_free_name(SlaPolicy.name, new_name, "policy")
                changes["name"] = new_name
            if calendar is not None:
                changes["calendar"] = calendar_named(calendar).id
            if targets is not None:
                merged = {**before.targets, **_written_targets(targets, allow_empty=True)}
                changes["targets"] = json.dumps({m: t for m, t in merged.items() if t})
            if priorities is not None:
                changes["priorities"] = _json(_priorities(priorities))
            if sources is not None:
                changes["sources"] = _json(source_named(s).id for s in sources)
            if usergroups is not None:
                changes["usergroups"] = _json(usergroup_named(g).id for g in usergroups)
            if pause_on is not None:
                changes["pause_on"] = _json(checked_pause(pause_on))
            SlaPolicy.update(changes).where(SlaPolicy.id == row.id).execute()
            after = _read(SlaPolicy.get_by_id(row.id))
            if after.logged() == before.logged():
                raise NoChange(f"policy {name} is already so; nothing changed")
            if not any(after.targets.values()):
                raise InvalidInput(f"policy {name} would keep no target")
            version = bump(row, expected_version, f"policy {name}")
            request.record(POLICY_CHANGE, "policy", row.id, **difference(before, after))
        _measure_open(request)
        return after._replace(version=version)

    def move_policy(self, name: str, position: int) -> list[PolicyView]:
        """Put a policy at `position` in the match order (1 first; past the end: last);
        returns the policies in their new order."""
        request = self._open()
        request.require(SLA_EDIT)
        with request.writing():
            row = _policy_named(name)
            new_position = move_to(row, position, f"policy {name}")
            request.record(POLICY_MOVE, "policy", row.id, before=row.position, after=new_position)
        _measure_open(request)
        return [_read(r) for r in in_order(SlaPolicy)]

    def delete_policy(self, name: str, *, expected_version: int | None = None) -> None:
        request = self._open()
        request.require(SLA_EDIT)
        with request.writing():
            row = _policy_named(name)
            check_fresh(row, expected_version, f"policy {name}")
            before = _read(row)
            SlaPolicy.delete().where(SlaPolicy.id == row.id).execute()
            renumber(in_order(SlaPolicy))
            request.record(POLICY_DELETE, "policy", row.id, before=before.logged())
        _measure_open(request)

    def due_calendars(self) -> dict[int, Calendar]:
        """The calendar of each policy, by the policy's id: what the inbox's due column counts
        the business time left in. Needs only `tickets.list`: the due times it counts are the
        tickets' own, and a calendar says no more than when the team works. A supervisor lists
        their groups' tickets without a role for it."""
        return due_calendars(self._open())

    def warn_due(self, before: Duration = WARN_BEFORE) -> int:
        """Warn the assignees and group supervisors of the tickets whose clocks fall due
        within `before` (business time of each ticket's calendar) of the gate's clock or have
        just passed (`access.sla_warnings`), each warning once per run of the clock; how many
        were made. Asked by `ticketty serve`'s person and `ticketty sla warn`, who need
        `sla.list`; each warning is audited on its ticket, so the people's sessions see it."""
        request = self._open()
        request.require(SLA_LIST)
        if before.days < 0 or before.minutes < 0:
            raise InvalidInput("the warning time before a due time must not be negative")
        from access.sla_warnings import warn_due  # the warnings' pass alone, not the reads

        with request.writing():
            made = warn_due(request, before)
            request.record_many(
                [
                    audit.Event(
                        SLA_WARNING,
                        "ticket",
                        w.number,
                        ticket=w.number,
                        after={
                            "metric": w.metric,
                            "stage": w.stage,
                            "due": f"{w.due:%Y-%m-%d %H:%M}",
                        },
                    )
                    for w in made
                ]
            )
        return len(made)


def policies_in_order() -> list[Policy]:
    """Every policy as the clock applies it, in match order. No check of its own: for the
    gate's code that already checked the right of the change it makes."""
    calendars = calendars_by_id()
    return [_rule(row, calendars[row.calendar_id]) for row in in_order(SlaPolicy)]


def _rule(row: SlaPolicy, calendar: Calendar) -> Policy:
    targets = {
        metric: {p: parse_duration(text) for p, text in by_priority.items()}
        for metric, by_priority in json.loads(row.targets).items()
    }
    return Policy(
        row.name,
        calendar,
        targets,
        priorities=frozenset(json.loads(row.priorities)),
        sources=frozenset(json.loads(row.sources)),
        usergroups=frozenset(json.loads(row.usergroups)),
        pause_on=frozenset(json.loads(row.pause_on)),
    )


def _policy_named(name: str) -> SlaPolicy:
    row = SlaPolicy.get_or_none(SlaPolicy.name == name)
    if row is None:
        raise NotFound(f"no policy named {name!r}")
    return row


def _written_targets(
    given: Mapping[str, Iterable[str]], *, allow_empty: bool = False
) -> dict[str, dict[str, str]]:
    """The targets checked, as kept: each duration written back in its plain form."""
    texts = {metric: list(values) for metric, values in given.items()}
    checked = checked_targets(texts)
    if not checked and not allow_empty:
        raise InvalidInput("a policy needs at least one target")
    written = {m: {p: str(d) for p, d in checked.get(m, {}).items()} for m in texts}
    return {m: written[m] for m in METRICS if m in written}


def _priorities(given: Iterable[str]) -> list[str]:
    chosen = {p.strip().lower() for p in given}
    for priority in sorted(chosen - set(TICKET_PRIORITIES)):
        raise InvalidInput(f"{priority!r} is not a priority ({', '.join(TICKET_PRIORITIES)})")
    return [p for p in TICKET_PRIORITIES if p in chosen]


def _json(values: Iterable[object]) -> str:
    return json.dumps(sorted(set(values), key=str))


def _read(row: SlaPolicy) -> PolicyView:
    """The policy as shown: a source or usergroup deleted since is named by its id, and still
    never matches (a condition is never widened behind anyone's back)."""
    sources = _names(Source, json.loads(row.sources), "source")
    groups = _names(Usergroup, json.loads(row.usergroups), "usergroup")
    targets = json.loads(row.targets)
    return PolicyView(
        name=row.name,
        position=row.position,
        calendar=BusinessCalendar.get_by_id(row.calendar_id).name,
        targets={m: targets[m] for m in METRICS if m in targets},
        priorities=tuple(json.loads(row.priorities)),
        sources=sources,
        usergroups=groups,
        pause_on=tuple(sorted(json.loads(row.pause_on))),
        version=row.version,
    )


def _names(model: type[Source] | type[Usergroup], ids: list[int], what: str) -> tuple[str, ...]:
    if not ids:
        return ()
    found = {r.id: r.name for r in model.select(model.id, model.name).where(model.id.in_(ids))}
    return tuple(sorted(found.get(i, f"(deleted {what} {i})") for i in ids))


def _measure_open(request: Request) -> None:
    """The open tickets measured by an edit of the policies, in chunks (`access.due_times`,
    imported by the edits: the app's start reads the calendars through this part)."""
    from access.due_times import recompute_open

    recompute_open(request)
