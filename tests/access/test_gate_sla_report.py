"""The SLA report at the gate: a month's stored verdicts, per agent, usergroup and source; one's
own figures with `reports.own`, everyone's with `reports.team`; a month given badly is one line;
an edit of a policy after the month leaves its figures as they were.

The tickets are written straight to the store in March 2025 (the demo has none then), in a
calendar of UTC weekdays 08:00-16:00, and then measured by the write path's own step (as a
change to each would), so every figure below is counted by hand."""

from __future__ import annotations

from datetime import datetime

import peewee
import pytest

from access import Gate, InvalidInput, PermissionDenied, audit
from access.audit_actions import TICKET_PRIORITY, TICKET_STATUS
from access.due_times import measure_tickets
from access.sla_reports import SlaFigures
from store.models import Message, Person, Source, Ticket, Usergroup, utcnow
from store.words import CUSTOMER, HIGH, NEW, NOTE, OPEN, PENDING, REPLY, RESOLVED, URGENT


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of March 2025 (the 3rd is a Monday)."""
    return datetime(2025, 3, day, hour, minute)


def person_id(username: str) -> int:
    return Person.get(Person.username == username).id


def file_ticket(
    created: datetime,
    *,
    assignee: str,
    source: str,
    group: str | None,
    status: str,
    priority: str = "normal",
) -> int:
    customer = Person.get(Person.username.startswith("c0")).id
    number = Ticket.create(
        subject="Measured",
        status=status,
        priority=priority,
        source=Source.get(Source.name == source).id,
        requester=customer,
        usergroup=None if group is None else Usergroup.get(Usergroup.name == group).id,
        assignee=person_id(assignee),
        created_at=created,
        updated_at=created,
    ).number
    Message.create(ticket=number, kind=CUSTOMER, author=customer, body="?", created_at=created)
    return number


def write(number: int, kind: str, when: datetime, author: str) -> None:
    Message.create(ticket=number, kind=kind, author=person_id(author), body="!", created_at=when)


def logged(number: int, action: str, before: str, after: str, when: datetime) -> None:
    audit.record(None, action, "ticket", number, ticket=number, before=before, after=after, at=when)


@pytest.fixture
def month(demo_db: peewee.Database) -> Gate:
    ada, numbers = march(demo_db)
    request = ada.tickets._open()
    with request.writing():
        measure_tickets(request, numbers, verdicts_since=datetime.min)
    return ada


def march(demo_db: peewee.Database) -> tuple[Gate, list[int]]:
    """Ada's gate with the two policies, and the tickets written, not yet measured."""
    ada = Gate(demo_db, "ada")
    ada.calendars.create_calendar("UTC desk", zone="UTC", hours="mon-fri 08:00-16:00")
    ada.sla.create_policy(
        "Urgent",
        calendar="UTC desk",
        targets={"first_response": ["1h"], "resolution": ["2h"]},
        priorities=["urgent"],
    )
    ada.sla.create_policy(
        "Standard",
        calendar="UTC desk",
        targets={"first_response": ["4h"], "resolution": ["1d"]},
    )
    # Met both: a reply after 2 business hours, resolved after 4.
    quick = file_ticket(at(3, 8), assignee="tom", source="Phone", group="Returns", status=RESOLVED)
    write(quick, NOTE, at(3, 9), "tom")  # a note answers nobody
    write(quick, REPLY, at(3, 10), "tom")
    logged(quick, TICKET_STATUS, NEW, RESOLVED, at(3, 12))
    # Pending from 10:00 to 15:00: the reply at 15:30 comes after 2.5 business hours (met);
    # resolved on Tuesday at 16:00 after 11 (breached: a day is 8).
    paused = file_ticket(at(3, 8), assignee="tom", source="Phone", group="Returns", status=RESOLVED)
    logged(paused, TICKET_STATUS, NEW, PENDING, at(3, 10))
    logged(paused, TICKET_STATUS, PENDING, OPEN, at(3, 15))
    write(paused, REPLY, at(3, 15, 30), "tom")
    logged(paused, TICKET_STATUS, OPEN, RESOLVED, at(4, 16))
    # Never answered: both clocks run past their due times, with no verdict until they end.
    silent = file_ticket(at(5, 8), assignee="ali", source="Allegro PL", group=None, status=OPEN)
    # Raised to urgent after its reply: the reply (3 hours) keeps the verdict of the policy it
    # was given under (Standard: met); the resolution still running has no verdict yet.
    raised = file_ticket(
        at(6, 8), assignee="ali", source="Allegro PL", group=None, status=OPEN, priority=URGENT
    )
    logged(raised, TICKET_PRIORITY, HIGH, URGENT, at(6, 12))
    write(raised, REPLY, at(6, 11), "ali")
    # Answered in April: not in March's report.
    april = file_ticket(
        datetime(2025, 4, 1, 8), assignee="tom", source="Phone", group=None, status=OPEN
    )
    write(april, REPLY, datetime(2025, 4, 1, 9), "tom")
    return ada, [quick, paused, silent, raised, april]


def figures(rows: tuple[SlaFigures, ...], by: str, name: str) -> tuple[object, ...]:
    """The row's tickets, first-response and resolution figures (next responses follow)."""
    row = next(r for r in rows if (r.by, r.name) == (by, name))
    return tuple(row)[2:11]


def test_the_team_report_counts_each_verdict_given_in_the_month(month: Gate) -> None:
    report = month.reports.sla("2025-03")
    assert (report.period, report.start, report.end) == (
        "2025-03",
        datetime(2025, 3, 1),
        datetime(2025, 4, 1),
    )
    assert [(r.by, r.name) for r in report.rows] == [
        ("agent", "ali"),
        ("agent", "tom"),
        ("usergroup", "Returns"),
        ("usergroup", "(none)"),
        ("source", "Allegro PL"),
        ("source", "Phone"),
    ]
    # tickets; first response met, breached, %, median; resolution met, breached, %, median
    assert figures(report.rows, "agent", "tom") == (2, 2, 0, 100.0, 135.0, 1, 1, 50.0, 450.0)
    assert figures(report.rows, "agent", "ali") == (1, 1, 0, 100.0, 180.0, 0, 0, None, None)
    assert figures(report.rows, "source", "Phone") == figures(report.rows, "agent", "tom")
    assert figures(report.rows, "usergroup", "(none)") == figures(report.rows, "agent", "ali")


def test_own_figures_with_reports_own(month: Gate, demo_db: peewee.Database) -> None:
    ali = Gate(demo_db, "ali").reports.sla("2025-03")
    assert [(r.by, r.name) for r in ali.rows] == [
        ("agent", "ali"),
        ("usergroup", "(none)"),
        ("source", "Allegro PL"),
    ]
    assert ali.rows[0] == month.reports.sla("2025-03").rows[0]
    with pytest.raises(PermissionDenied, match=r"vic lacks reports\.own"):
        Gate(demo_db, "vic").reports.sla("2025-03")


def test_a_month_without_policies_or_tickets_is_empty(month: Gate) -> None:
    assert month.reports.sla("2025-02").rows == ()
    now = utcnow()
    assert month.reports.sla().period == f"{now.year:04d}-{now.month:02d}"


@pytest.mark.parametrize("period", ["2025-13", "2025-00", "March", "25-03", "9999-12", ""])
def test_a_bad_month_is_one_line(month: Gate, period: str) -> None:
    with pytest.raises(InvalidInput, match=r"is not a month; write e\.g\. 2026-11"):
        month.reports.sla(period)


def test_a_policy_edit_after_the_month_leaves_its_figures(month: Gate) -> None:
    before = month.reports.sla("2025-03")
    month.sla.change_policy("Standard", targets={"first_response": ["1h"], "resolution": ["1h"]})
    month.sla.delete_policy("Urgent")
    assert month.reports.sla("2025-03") == before
