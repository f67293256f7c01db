"""The demo's clocks (`access.demo_service_levels.DemoClocks`): its due times and verdicts,
written in bulk with the demo, are those the write path stores from the same history (a new,
open or pending ticket's due times and first response); met and breached both among them, and
the demo's month reported."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import peewee
import pytest

from access import Gate
from access.audit_actions import TICKET_STATUS
from access.demo import DEMO_NOW
from access.due_times import measure_tickets
from access.vocabulary import MERGED
from store.links import TicketLink
from store.models import AuditEvent, Message, Ticket
from store.sla_models import SlaVerdict


@pytest.fixture
def demo(sla_demo: peewee.Database) -> peewee.Database:
    return sla_demo


def kept(numbers: list[int]) -> list[tuple[Any, ...]]:
    query = (
        SlaVerdict.select()
        .where(SlaVerdict.ticket.in_(numbers) & (SlaVerdict.metric == "first_response"))
        .order_by(SlaVerdict.ticket)
    )
    return [
        (
            v.ticket,
            v.policy_name,
            v.policy_id,
            v.target_minutes,
            v.business_minutes,
            v.met,
            v.started_at,
            v.ended_at,
            v.agent,
            v.usergroup,
            v.source,
        )
        for v in query
    ]


def assert_judged_again(
    demo: peewee.Database, dues: dict[int, tuple[Any, ...]], written: list[tuple[Any, ...]]
) -> None:
    """The write path, measuring the tickets of `dues` again from their histories (their
    verdicts deleted first), keeps their due times `dues` and their first responses'
    verdicts `written`, as the changes that ended the clocks would have judged them."""
    numbers = sorted(dues)
    SlaVerdict.delete().where(SlaVerdict.ticket.in_(numbers)).execute()
    request = Gate(demo, "ada").tickets._open()
    with request.writing():
        measured = measure_tickets(request, numbers, verdicts_since=datetime.min)
    assert kept(numbers) == written
    assert {
        n: (d.policy, d.first_response, d.next_response, d.resolution) for n, d in measured.items()
    } == dues


def test_the_demo_clocks_are_those_the_write_path_gives(demo: peewee.Database) -> None:
    running = {
        t.number: (t.sla_policy, t.first_response_due, t.next_response_due, t.resolution_due)
        for t in Ticket.select().where(Ticket.status.in_(["new", "open", "pending"]))
    }
    numbers = sorted(running)
    written = kept(numbers)
    assert len(written) > 20
    assert {row[5] for row in written} == {True, False}
    assert sum(1 for dues in running.values() if dues[1] is not None) > 20
    assert_judged_again(demo, running, written)


def test_a_resolved_or_closed_demo_ticket_keeps_what_the_write_path_gives(
    demo: peewee.Database,
) -> None:
    """Resolved and closed demo tickets: their verdicts, those of first responses never given
    before the stop included (breached, ended at the stop), and their empty due times. The
    merged pair is left out: the ticket merged into holds messages older than itself, which
    its clocks never saw, and a merge rewrites no stored verdict (README; the gate's test:
    `test_a_merge_keeps_the_verdicts_both_tickets_were_given`)."""
    merged = {
        n
        for link in TicketLink.select().where(TicketLink.kind == MERGED)
        for n in (link.ticket_id, link.other_id)
    }
    done = {
        t.number: (t.sla_policy, t.first_response_due, t.next_response_due, t.resolution_due)
        for t in Ticket.select().where(
            Ticket.status.in_(["resolved", "closed"]) & Ticket.sla_policy.is_null(False)
        )
        if t.number not in merged
    }
    numbers = sorted(done)
    written = kept(numbers)
    resolutions = SlaVerdict.select().where(
        SlaVerdict.ticket.in_(numbers) & (SlaVerdict.metric == "resolution")
    )
    stopped_at = {v.ticket: v.ended_at for v in resolutions}
    answered = {m.ticket_id for m in Message.select(Message.ticket).where(Message.kind == "reply")}
    unanswered = [row for row in written if row[0] not in answered]
    assert len(unanswered) > 5
    assert all(row[5] is False and row[7] == stopped_at[row[0]] for row in unanswered)
    assert all(dues[1:] == (None, None, None) for dues in done.values())
    assert_judged_again(demo, done, written)


def test_the_demo_month_has_both_verdicts_reported(demo: peewee.Database) -> None:
    report = Gate(demo, "ada").reports.sla("2026-10")
    (total,) = [r for r in report.rows if (r.by, r.name) == ("source", "Allegro PL")]
    assert total.first_response_met + total.first_response_breached > 0
    assert total.resolution_met + total.resolution_breached > 0


def test_a_resolved_or_closed_demo_ticket_explains_its_stored_verdict(
    demo: peewee.Database,
) -> None:
    """A demo ticket filed resolved or closed has its status change logged at its last
    activity: `tickets sla N` stops its resolution clock there, where its verdict ended, with
    the same business minutes and the same met or missed."""
    gate = Gate(demo, "ada", clock=lambda: DEMO_NOW)
    done = (
        Ticket.select(Ticket.number, Ticket.updated_at)
        .where(Ticket.status.in_(["resolved", "closed"]) & Ticket.sla_policy.is_null(False))
        .order_by(Ticket.number)
    )
    sample = list(done)[::3]
    assert len(sample) > 20
    states = set()
    for ticket in sample:
        explained = gate.tickets.sla_explanation(ticket.number)
        (resolution,) = [t for t in explained.targets if t.metric == "resolution"]
        (verdict,) = SlaVerdict.select().where(
            (SlaVerdict.ticket == ticket.number) & (SlaVerdict.metric == "resolution")
        )
        assert resolution.ended == verdict.ended_at == ticket.updated_at, ticket.number
        assert resolution.counted_minutes == verdict.business_minutes, ticket.number
        assert resolution.state == ("met" if verdict.met else "breached"), ticket.number
        states.add(resolution.state)
    assert states == {"met", "breached"}


def test_a_pending_demo_ticket_explains_its_pause_from_its_history(demo: peewee.Database) -> None:
    """A demo ticket filed pending was set pending at its last activity (logged), so `tickets
    sla N` shows its clocks paused since then: its resolution paused, or breached if it fell due
    before (its stored due time)."""
    gate = Gate(demo, "ada", clock=lambda: DEMO_NOW)
    pending = list(
        Ticket.select()
        .where((Ticket.status == "pending") & Ticket.sla_policy.is_null(False))
        .order_by(Ticket.number)
    )
    assert len(pending) > 20
    states = set()
    for ticket in pending:
        (change,) = AuditEvent.select().where(
            (AuditEvent.ticket == ticket.number) & (AuditEvent.action == TICKET_STATUS)
        )
        assert (change.at, change.before, change.after) == (
            ticket.updated_at,
            '"open"',
            '"pending"',
        )
        explained = gate.tickets.sla_explanation(ticket.number)
        (resolution,) = [t for t in explained.targets if t.metric == "resolution"]
        assert resolution.due == ticket.resolution_due, ticket.number
        if resolution.due is None:
            assert resolution.state == "paused", ticket.number
        else:  # it fell due before the ticket was set pending
            assert resolution.state == "breached", ticket.number
            assert resolution.due <= ticket.updated_at, ticket.number
        states.add(resolution.state)
        assert [(p.status, p.start, p.end) for p in resolution.pauses] == [
            ("pending", ticket.updated_at, None)
        ], ticket.number
    assert states == {"paused", "breached"}


def test_a_demo_ticket_has_the_version_its_changes_give(demo: peewee.Database) -> None:
    """Filed at version 1, one more for each reply or note after the customer's message and one
    for the logged status change, as the write path counts them."""
    versions = {t.number: t.version for t in Ticket.select(Ticket.number, Ticket.version)}
    expected = dict.fromkeys(versions, 0)
    for message in Message.select(Message.ticket):
        expected[message.ticket_id] += 1
    for change in AuditEvent.select(AuditEvent.ticket).where(AuditEvent.action == TICKET_STATUS):
        assert change.ticket is not None
        expected[change.ticket] += 1
    for link in TicketLink.select().where(TicketLink.kind == MERGED):
        # The merged pair's messages moved from one to the other after they were filed.
        del versions[link.ticket_id], versions[link.other_id]
        del expected[link.ticket_id], expected[link.other_id]
    assert versions == expected
    assert max(versions.values()) > 2
