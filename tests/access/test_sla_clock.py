"""The service-level clock against hand-worked cases (a Warsaw office, mon-fri 08:00-16:00, its
Christmas holidays, the spring change of clocks), and properties over random histories: the
business time between a clock's start and its due time, pauses left out, is its target; notes
change nothing; a running clock depends on the ticket as it is, not on when it became so."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from access.business_time import Calendar, business_minutes
from access.calendar_text import parse_hours
from access.errors import InvalidInput
from access.sla_clock import (
    PRIORITY,
    STATUS,
    USERGROUP,
    Clock,
    Event,
    History,
    State,
    Target,
    clock,
)
from access.sla_rules import (
    Attributes,
    Duration,
    Policy,
    checked_pause,
    checked_targets,
    format_targets,
    parse_duration,
)
from store.words import CUSTOMER, NOTE, PENDING, REPLY

OFFICE = Calendar(
    "Europe/Warsaw",
    parse_hours("mon-fri 08:00-16:00"),
    frozenset({date(2026, 12, 24), date(2026, 12, 25)}),
)
ALWAYS = Calendar("UTC", parse_hours("mon-sun 00:00-24:00"))
STANDARD = Policy(
    "Standard",
    OFFICE,
    checked_targets(
        {"first_response": ["4h"], "next_response": ["8h"], "resolution": ["3d", "urgent=1d"]}
    ),
)
URGENT = Policy(
    "Urgent", OFFICE, checked_targets({"first_response": ["1h"]}), priorities=frozenset({"urgent"})
)
NIGHT_DESK = Policy(
    "Night desk",
    ALWAYS,
    checked_targets({"first_response": ["2h"], "resolution": ["1d"]}),
    usergroups=frozenset({7}),
)
POLICIES = [URGENT, NIGHT_DESK, STANDARD]
PHONE = 1


def utc(text: str) -> datetime:
    """A naive UTC instant, as the store keeps them."""
    return datetime.fromisoformat(text)


def history(created: str, *events: tuple[str, str, str | int | None]) -> History:
    return History(
        utc(created),
        "new",
        Attributes("normal", PHONE, None),
        [Event(utc(at), kind, value) for at, kind, value in events],
    )


def at(created: str, now: str, *events: tuple[str, str, str | int | None]) -> Clock:
    return clock(history(created, *events), POLICIES, utc(now))


def seen(target: Target | None) -> tuple[str | None, State, str] | None:
    if target is None:
        return None
    due = None if target.due is None else target.due.isoformat(" ", "minutes")
    return due, target.state, target.policy


# Monday 2 March 2026, 08:00 in Warsaw is 07:00 UTC (winter time).
MONDAY_8 = "2026-03-02 07:00"


def test_a_new_ticket_falls_due_in_business_hours() -> None:
    ticket = at(MONDAY_8, "2026-03-02 09:00")
    assert ticket.policy == "Standard"
    assert seen(ticket.first_response) == ("2026-03-02 11:00", State.RUNNING, "Standard")
    assert ticket.next_response is None
    # Three working days of eight hours: Wednesday 16:00 in Warsaw.
    assert seen(ticket.resolution) == ("2026-03-04 15:00", State.RUNNING, "Standard")
    assert not ticket.breached


def test_a_running_clock_past_its_due_time_is_breached() -> None:
    ticket = at(MONDAY_8, "2026-03-02 11:00")
    assert ticket.first_response is not None and ticket.first_response.breached
    assert ticket.breached


def test_the_clock_crosses_the_spring_change_of_clocks() -> None:
    # Friday 27 March 14:00 in Warsaw (13:00 UTC): two hours on Friday, two on Monday, when
    # Warsaw is two hours ahead of UTC.
    ticket = at("2026-03-27 13:00", "2026-03-27 13:00")
    assert seen(ticket.first_response) == ("2026-03-30 08:00", State.RUNNING, "Standard")


def test_holidays_and_the_weekend_do_not_count() -> None:
    # Wednesday 23 December 13:00 in Warsaw: three hours that day, then Christmas Eve, Christmas
    # and the weekend; the fourth hour is Monday's first.
    ticket = at("2026-12-23 12:00", "2026-12-23 12:00")
    assert seen(ticket.first_response) == ("2026-12-28 08:00", State.RUNNING, "Standard")


def test_an_agent_reply_meets_the_first_response_and_a_note_does_not() -> None:
    noted = at(MONDAY_8, "2026-03-02 08:00", ("2026-03-02 07:30", NOTE, None))
    assert seen(noted.first_response) == ("2026-03-02 11:00", State.RUNNING, "Standard")
    replied = at(
        MONDAY_8,
        "2026-03-02 13:00",
        ("2026-03-02 07:30", NOTE, None),
        ("2026-03-02 10:00", REPLY, None),
    )
    assert replied.first_response is not None
    assert replied.first_response.ended == utc("2026-03-02 10:00")
    assert seen(replied.first_response) == ("2026-03-02 11:00", State.MET, "Standard")
    late = at(MONDAY_8, "2026-03-02 13:00", ("2026-03-02 12:00", REPLY, None))
    assert seen(late.first_response) == ("2026-03-02 11:00", State.BREACHED, "Standard")


def test_a_customer_message_starts_the_next_response_clock() -> None:
    replied = ("2026-03-02 08:00", REPLY, None)
    asked = ("2026-03-02 14:00", CUSTOMER, None)  # 15:00 in Warsaw
    ticket = at(MONDAY_8, "2026-03-02 14:30", replied, asked, ("2026-03-02 14:30", NOTE, None))
    # One hour on Monday, seven on Tuesday: Tuesday 15:00 in Warsaw.
    assert seen(ticket.next_response) == ("2026-03-03 14:00", State.RUNNING, "Standard")
    asked_again = ("2026-03-03 09:00", CUSTOMER, None)  # the clock runs from the first
    answered = at(
        MONDAY_8, "2026-03-03 13:00", replied, asked, asked_again, ("2026-03-03 13:00", REPLY, None)
    )
    assert seen(answered.next_response) == ("2026-03-03 14:00", State.MET, "Standard")
    again = at(
        MONDAY_8,
        "2026-03-03 13:30",
        replied,
        asked,
        ("2026-03-03 13:00", REPLY, None),
        ("2026-03-03 13:30", CUSTOMER, None),
    )
    assert again.next_response is not None
    assert again.next_response.started == utc("2026-03-03 13:30")
    assert again.next_response.state is State.RUNNING


def test_before_the_first_reply_a_customer_message_starts_no_second_clock() -> None:
    ticket = at(MONDAY_8, "2026-03-02 08:00", ("2026-03-02 07:30", CUSTOMER, None))
    assert ticket.next_response is None


def test_pending_pauses_and_the_pause_is_left_out() -> None:
    pending = ("2026-03-02 09:00", STATUS, PENDING)  # Monday 10:00 in Warsaw
    paused = at(MONDAY_8, "2026-03-02 11:00", ("2026-03-02 07:30", STATUS, "open"), pending)
    assert seen(paused.resolution) == (None, State.PAUSED, "Standard")
    back = ("2026-03-03 09:00", STATUS, "open")  # Tuesday 10:00
    resumed = at(MONDAY_8, "2026-03-03 09:00", pending, back)
    # Two hours on Monday, then from Tuesday 10:00: 6 + 8 + 8 hours, Thursday 16:00 in Warsaw.
    assert seen(resumed.resolution) == ("2026-03-05 15:00", State.RUNNING, "Standard")


def test_a_due_time_passed_before_the_pause_stays_breached() -> None:
    ticket = at(MONDAY_8, "2026-03-02 13:00", ("2026-03-02 12:00", STATUS, PENDING))
    assert seen(ticket.first_response) == ("2026-03-02 11:00", State.BREACHED, "Standard")


def test_which_statuses_pause_is_the_policys() -> None:
    open_pauses = Policy(
        "Odd", OFFICE, checked_targets({"resolution": ["1d"]}), pause_on=frozenset({"open"})
    )
    ticket = history(MONDAY_8, ("2026-03-02 08:00", STATUS, "open"))
    assert clock(ticket, [open_pauses], utc("2026-03-02 10:00")).resolution == Target(
        "resolution", "Odd", utc(MONDAY_8), None, None, State.PAUSED
    )
    pending = history(MONDAY_8, ("2026-03-02 08:00", STATUS, PENDING))
    running = clock(pending, [open_pauses], utc("2026-03-02 10:00")).resolution
    assert running is not None and running.state is State.RUNNING


def test_resolving_meets_the_resolution_and_reopening_resumes_it() -> None:
    resolved = ("2026-03-02 10:00", STATUS, "resolved")  # Monday 11:00: three hours counted
    done = at(MONDAY_8, "2026-03-03 11:00", resolved)
    assert seen(done.resolution) == ("2026-03-04 15:00", State.MET, "Standard")
    # Still owed a first response: stopped, not breached, while resolved.
    assert seen(done.first_response) == (None, State.STOPPED, "Standard")
    reopened = at(MONDAY_8, "2026-03-03 11:00", resolved, ("2026-03-03 11:00", STATUS, "open"))
    # Twenty-one hours left from Tuesday 12:00: 4 + 8 + 8 + 1, Friday 09:00 in Warsaw.
    assert seen(reopened.resolution) == ("2026-03-06 08:00", State.RUNNING, "Standard")
    closed_later = at(
        MONDAY_8, "2026-03-06 12:00", resolved, ("2026-03-04 08:00", STATUS, "closed")
    )
    assert closed_later.resolution is not None
    assert closed_later.resolution.ended == utc("2026-03-02 10:00")


def test_a_response_past_due_when_resolved_ends_there_breached() -> None:
    resolved = ("2026-03-02 12:00", STATUS, "resolved")  # an hour past the 11:00 due time
    late = Target(
        "first_response",
        "Standard",
        utc(MONDAY_8),
        utc("2026-03-02 11:00"),
        utc("2026-03-02 12:00"),
        State.BREACHED,
        unanswered=True,
    )
    assert at(MONDAY_8, "2026-03-03 09:00", resolved).first_response == late
    # Reopened and answered later: the broken promise is not judged again.
    reopened = ("2026-03-03 08:00", STATUS, "open")
    answered = at(
        MONDAY_8, "2026-03-03 10:00", resolved, reopened, ("2026-03-03 09:00", REPLY, None)
    )
    assert answered.first_response == late
    # Resolved in time and reopened: the clock resumes and ends at the next stop past due
    # (two hours to 09:00, half an hour resolved, two more hours to 11:30).
    early = [("2026-03-02 09:00", STATUS, "resolved"), ("2026-03-02 09:30", STATUS, "open")]
    again = at(MONDAY_8, "2026-03-03 12:00", *early, ("2026-03-03 10:00", STATUS, "closed"))
    assert again.first_response is not None
    assert (again.first_response.due, again.first_response.ended) == (
        utc("2026-03-02 11:30"),
        utc("2026-03-03 10:00"),
    )
    # A customer waiting for a next response: eight hours from Monday 09:00 is Tuesday 09:00.
    waiting = at(
        MONDAY_8,
        "2026-03-04 12:00",
        ("2026-03-02 08:00", REPLY, None),
        ("2026-03-02 09:00", CUSTOMER, None),
        ("2026-03-03 12:00", STATUS, "resolved"),
    )
    assert waiting.next_response is not None
    assert waiting.next_response.state is State.BREACHED
    assert waiting.next_response.ended == utc("2026-03-03 12:00")


def test_a_running_clock_follows_the_priority_the_ticket_has_now() -> None:
    raised = ("2026-03-02 07:30", PRIORITY, "urgent")
    ticket = at(MONDAY_8, "2026-03-02 08:30", raised)
    # Urgent: one hour from the creation, not from the change; breached at once.
    assert ticket.policy == "Urgent"
    assert seen(ticket.first_response) == ("2026-03-02 08:00", State.BREACHED, "Urgent")
    assert ticket.resolution is None  # Urgent has no resolution target
    lowered = at(MONDAY_8, "2026-03-02 09:00", raised, ("2026-03-02 08:45", PRIORITY, "low"))
    assert seen(lowered.first_response) == ("2026-03-02 11:00", State.RUNNING, "Standard")


def test_an_ended_clock_keeps_the_verdict_of_its_policy() -> None:
    replied = ("2026-03-02 09:00", REPLY, None)  # two hours after creation: met under Standard
    ticket = at(MONDAY_8, "2026-03-02 10:00", replied, ("2026-03-02 10:00", PRIORITY, "urgent"))
    assert ticket.policy == "Urgent"
    assert seen(ticket.first_response) == ("2026-03-02 11:00", State.MET, "Standard")
    late = at(MONDAY_8, "2026-03-02 10:00", ("2026-03-02 07:30", PRIORITY, "urgent"), replied)
    assert seen(late.first_response) == ("2026-03-02 08:00", State.BREACHED, "Urgent")


def test_a_targets_priority_override_and_another_calendar() -> None:
    urgent_standard = Policy("Standard", OFFICE, STANDARD.targets)
    ticket = History(utc(MONDAY_8), "new", Attributes("urgent", PHONE, None))
    resolution = clock(ticket, [urgent_standard], utc(MONDAY_8)).resolution
    assert resolution is not None and resolution.due == utc("2026-03-02 15:00")
    night = at(MONDAY_8, "2026-03-02 08:00", ("2026-03-02 07:10", USERGROUP, 7))
    assert seen(night.first_response) == ("2026-03-02 09:00", State.RUNNING, "Night desk")
    assert seen(night.resolution) == ("2026-03-03 07:00", State.RUNNING, "Night desk")
    assert night.next_response is None


def test_no_policy_matches_no_clock() -> None:
    ticket = clock(history(MONDAY_8), [URGENT], utc(MONDAY_8))
    assert ticket == Clock(None, None, None, None)


@pytest.mark.parametrize(
    ("text", "duration", "shown"),
    [
        ("4h", Duration(0, 240), "4h"),
        ("3d", Duration(3, 0), "3d"),
        ("90m", Duration(0, 90), "1h30m"),
        ("1d 4h", Duration(1, 240), "1d4h"),
    ],
)
def test_durations_are_read_and_written_back(text: str, duration: Duration, shown: str) -> None:
    assert parse_duration(text) == duration and str(duration) == shown


@pytest.mark.parametrize("text", ["", "4", "h", "0m", "4x", "-3h", "400d"])
def test_a_bad_duration_is_one_line(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_duration(text)


def test_targets_per_priority_and_pause_statuses_are_checked() -> None:
    targets = checked_targets({"first_response": ["4h", "urgent=1h"]})
    assert format_targets(targets["first_response"]) == "4h, urgent=1h"
    for bad in (["4h", "4h"], ["soon=1h"]):
        with pytest.raises(InvalidInput):
            checked_targets({"first_response": bad})
    assert checked_pause(["Pending"]) == {PENDING}
    for status in ("resolved", "waiting"):
        with pytest.raises(InvalidInput):
            checked_pause([status])


# Properties over random histories in the week of the spring change of clocks.
START = datetime(2026, 3, 25, 6, 0)
KINDS = [CUSTOMER, REPLY, NOTE, STATUS, PRIORITY]
STATUS_VALUES = ["open", PENDING, "resolved", "closed"]


@st.composite
def histories(draw: st.DrawFn) -> tuple[History, datetime]:
    offsets = sorted(draw(st.lists(st.integers(1, 9 * 24 * 60), max_size=12)))
    events = []
    for offset in offsets:
        kind = draw(st.sampled_from(KINDS))
        value: str | None = None
        if kind == STATUS:
            value = draw(st.sampled_from(STATUS_VALUES))
        elif kind == PRIORITY:
            value = draw(st.sampled_from(["low", "normal", "urgent"]))
        events.append(Event(START + timedelta(minutes=offset), kind, value))
    now = START + timedelta(minutes=draw(st.integers(offsets[-1] if offsets else 0, 12 * 1440)))
    return History(START, "new", Attributes("normal", PHONE, None), events), now


def pauses_of(ticket: History, statuses: frozenset[str], until: datetime | None) -> list:
    changes = [(ticket.created_at, ticket.status)] + [
        (e.at, str(e.value)) for e in ticket.events if e.kind == STATUS
    ]
    spans = []
    for (start, status), following in zip(changes, [*changes[1:], (None, "")], strict=True):
        end = following[0]
        if status in statuses:
            spans.append(
                (start, end if until is None or (end is not None and end < until) else until)
            )
    return [(a, b) for a, b in spans if until is None or a < until]


@settings(max_examples=150, deadline=None)
@given(histories())
def test_the_business_time_to_a_due_time_is_the_target(case: tuple[History, datetime]) -> None:
    ticket, now = case
    result = clock(ticket, POLICIES, now)
    for target in result.targets():
        if target is None or target.due is None:
            continue
        policy = next(p for p in POLICIES if p.name == target.policy)
        stops = policy.pause_on | {"resolved", "closed"}
        counted = business_minutes(
            policy.calendar, target.started, target.due, pauses_of(ticket, stops, target.ended)
        )
        priority = [ticket.attributes.priority] + [
            str(e.value)
            for e in ticket.events
            if e.kind == PRIORITY and e.at <= (target.ended or now)
        ]
        assert counted == policy.target(target.metric, priority[-1])


@settings(max_examples=150, deadline=None)
@given(histories(), st.integers(0, 9 * 24 * 60))
def test_notes_change_nothing(case: tuple[History, datetime], minute: int) -> None:
    ticket, now = case
    note = Event(START + timedelta(minutes=minute), NOTE)
    noted = History(ticket.created_at, ticket.status, ticket.attributes, [*ticket.events, note])
    assert clock(noted, POLICIES, now) == clock(ticket, POLICIES, now)


@settings(max_examples=150, deadline=None)
@given(histories(), st.integers(1, 9 * 24 * 60), st.integers(1, 9 * 24 * 60))
def test_a_running_clock_depends_on_the_ticket_as_it_is_not_on_when_it_became_so(
    case: tuple[History, datetime], first: int, second: int
) -> None:
    ticket, now = case
    without = [e for e in ticket.events if e.kind != PRIORITY]

    def raised_at(minute: int) -> Clock:
        moved = Event(min(START + timedelta(minutes=minute), now), PRIORITY, "urgent")
        changed = History(ticket.created_at, ticket.status, ticket.attributes, [*without, moved])
        return clock(changed, POLICIES, now)

    one, other = raised_at(first), raised_at(second)
    for a, b in zip(one.targets(), other.targets(), strict=True):
        if a is not None and a.ended is None:
            assert b is not None and (a.due, a.policy) == (b.due, b.policy)
