"""Merge, link, split and copies through the gate, on both backends: a merge needs the right on
both tickets and writes nothing when it lacks either; what moves is found under the ticket kept;
links show on both sides to those who see the other; copies are contact data."""

from __future__ import annotations

from collections.abc import Callable

import peewee
import pytest

from access import Conflict, Gate, InvalidInput, NoChange, NotFound, PermissionDenied
from access.audit_actions import TICKET_MERGE, TICKET_MERGED_IN
from access.views import TicketQuery
from store.links import TicketCopy, TicketLink
from store.models import (
    AuditEvent,
    Draft,
    MailId,
    Message,
    PersonRole,
    Role,
    Source,
    Ticket,
)
from store.rows import tuple_rows
from store.schema import LATEST, MIGRATIONS
from tui.audit_text import sentence

ALL_OPEN = TicketQuery(statuses=("new", "open", "pending", "resolved"))


def two_tickets(gate: Gate, where: Callable[[Ticket], bool] = lambda t: True) -> tuple[int, int]:
    """Two open tickets `gate`'s person may merge, newest first."""
    found = [
        r.number
        for r in gate.inbox.list_tickets(ALL_OPEN, limit=200)
        if "tickets.merge" in gate.tickets.allowed_on(r.number)
        and where(Ticket.get_by_id(r.number))
    ]
    return found[0], found[1]


def rows_of_both(first: int, second: int) -> tuple[object, ...]:
    """Everything a merge of the two would write, as it stands."""
    both = (first, second)
    return (
        sorted(tuple_rows(Ticket.select().where(Ticket.number.in_(both)))),
        sorted(tuple_rows(Message.select(Message.id, Message.ticket))),
        MailId.select().where(MailId.ticket.in_(both)).count(),
        Draft.select().where(Draft.ticket.in_(both)).count(),
        TicketLink.select().count(),
        TicketCopy.select().count(),
        AuditEvent.select().where(AuditEvent.action.in_([TICKET_MERGE, TICKET_MERGED_IN])).count(),
    )


def test_migration_20_makes_the_links_and_copies_and_gives_closers_the_merge(
    demo_db: peewee.Database,
) -> None:
    assert 20 in dict(MIGRATIONS) and LATEST >= 20
    assert TicketLink.table_exists() and TicketCopy.table_exists()


def test_a_merge_moves_the_conversation_and_search_finds_it_under_the_ticket_kept(
    gate_for: Callable[[str], Gate],
) -> None:
    tom = gate_for("tom")
    kept, merged = two_tickets(tom)
    tom.messages.note(merged, "The quokkafeather courier lost it")
    tom.drafts.save_draft(merged, "reply", "Dear customer,")
    moved = [m.id for m in tom.tickets.get_ticket(merged).messages]
    before_kept = [m.id for m in tom.tickets.get_ticket(kept).messages]
    plan = tom.merging.merge(merged, kept)
    assert (plan.merged, plan.into, plan.messages, plan.drafts) == (merged, kept, len(moved), 1)
    detail = tom.tickets.get_ticket(kept)
    assert sorted(m.id for m in detail.messages) == sorted(before_kept + moved)
    gone = tom.tickets.get_ticket(merged)
    assert gone.row.status == "closed" and gone.messages == ()
    assert [(link.label, link.number) for link in gone.related] == [("merged into", kept)]
    assert ("merged from", merged) in [(link.label, link.number) for link in detail.related]
    found = tom.inbox.list_tickets(
        TicketQuery(search="quokkafeather", statuses=("new", "open", "pending", "closed"))
    )
    assert [r.number for r in found] == [kept]
    assert tom.drafts.drafts_on(kept)["reply"].body == "Dear customer,"
    ada = gate_for("ada")
    assert TICKET_MERGED_IN in {e.action for e in ada.tickets.ticket_history(kept)}
    assert TICKET_MERGE in {e.action for e in ada.tickets.ticket_history(merged)}
    with pytest.raises(NoChange):
        tom.merging.merge(merged, kept)


def test_a_merge_keeps_the_files_of_both_reply_drafts(gate_for: Callable[[str], Gate]) -> None:
    tom = gate_for("tom")
    kept, merged = two_tickets(tom)
    tom.drafts.save_draft(kept, "reply", "Dear Jan,")
    tom.drafts.attach_to_draft(kept, "a.pdf", "application/pdf", b"a")
    tom.drafts.save_draft(merged, "reply", "your parcel")
    tom.drafts.attach_to_draft(merged, "b.pdf", "application/pdf", b"b")
    tom.merging.merge(merged, kept)
    draft = tom.drafts.drafts_on(kept)["reply"]
    assert draft.body == "Dear Jan,\n\nyour parcel"
    assert [(f.filename, f.data) for f in draft.files] == [("a.pdf", b"a"), ("b.pdf", b"b")]


def test_a_dry_run_says_what_would_move_and_writes_nothing(
    gate_for: Callable[[str], Gate],
) -> None:
    tom = gate_for("tom")
    kept, merged = two_tickets(tom)
    before = rows_of_both(kept, merged)
    plan = tom.merging.merge(merged, kept, dry_run=True)
    assert plan.dry_run and plan.messages == len(tom.tickets.get_ticket(merged).messages)
    assert "would move" in plan.describe()
    assert rows_of_both(kept, merged) == before


def test_a_merge_of_tickets_the_person_cannot_both_change_is_refused_and_writes_nothing(
    gate_for: Callable[[str], Gate],
) -> None:
    """vic sees every ticket (Viewer) and may merge Allegro PL tickets only (a second role):
    neither direction of a merge with another source's ticket writes anything."""
    allegro = Source.get(Source.name == "Allegro PL").id
    PersonRole.create(person=gate_for("vic").person_id, role=Role.get(Role.name == "Allegro agent"))
    vic, tom = gate_for("vic"), gate_for("tom")
    mine, _ = two_tickets(vic, lambda t: t.source_id == allegro)
    other, _ = two_tickets(tom, lambda t: t.source_id != allegro)
    vic.tickets.get_ticket(other)  # vic sees it
    for merged, kept in ((mine, other), (other, mine)):
        before = rows_of_both(merged, kept)
        with pytest.raises(PermissionDenied, match=r"tickets\.merge"):
            vic.merging.merge(merged, kept)
        with pytest.raises(PermissionDenied):
            vic.merging.merge(merged, kept, dry_run=True)
        assert rows_of_both(merged, kept) == before
    denied = AuditEvent.select().where(AuditEvent.action == f"denied.{TICKET_MERGE}").count()
    assert denied == 2
    # A ticket the person cannot see at all is not found, whichever side it is on.
    hidden = gate_for("ali")
    with pytest.raises(NotFound):
        hidden.merging.merge(mine, other)


def test_a_merge_compares_both_versions(gate_for: Callable[[str], Gate]) -> None:
    tom = gate_for("tom")
    kept, merged = two_tickets(tom)
    versions = (
        tom.tickets.get_ticket(merged).row.version,
        tom.tickets.get_ticket(kept).row.version,
    )
    tom.messages.note(kept, "meanwhile")
    before = rows_of_both(kept, merged)
    with pytest.raises(Conflict):
        tom.merging.merge(merged, kept, expected_versions=(versions[0], versions[1]))
    assert rows_of_both(kept, merged) == before
    with pytest.raises(InvalidInput):
        tom.merging.merge(kept, kept)


def test_a_link_shows_on_both_tickets_to_those_who_see_the_other(
    gate_for: Callable[[str], Gate],
) -> None:
    allegro = Source.get(Source.name == "Allegro PL").id
    tom, ali, vic = gate_for("tom"), gate_for("ali"), gate_for("vic")
    seen_by_ali, _ = two_tickets(ali)
    hidden, _ = two_tickets(tom, lambda t: t.source_id != allegro)
    tom.merging.link(hidden, seen_by_ali, "duplicate")
    assert [(x.label, x.number) for x in tom.tickets.get_ticket(hidden).related] == [
        ("duplicate of", seen_by_ali)
    ]
    assert [(x.label, x.number) for x in tom.tickets.get_ticket(seen_by_ali).related] == [
        ("duplicated by", hidden)
    ]
    assert ali.tickets.get_ticket(seen_by_ali).related == ()
    with pytest.raises(NoChange):
        tom.merging.link(hidden, seen_by_ali, "duplicate")
    with pytest.raises(InvalidInput):
        tom.merging.link(hidden, seen_by_ali, "cousin")
    with pytest.raises(PermissionDenied):  # view-only: sees both, writes nothing
        vic.merging.link(seen_by_ali, hidden)
    with pytest.raises(NotFound):
        ali.merging.link(seen_by_ali, hidden)


def test_an_unlink_removes_the_link_on_both_sides_audited_for_those_who_see_the_other(
    gate_for: Callable[[str], Gate],
) -> None:
    allegro = Source.get(Source.name == "Allegro PL").id
    tom, ali, vic, ada = gate_for("tom"), gate_for("ali"), gate_for("vic"), gate_for("ada")
    seen_by_ali, other_of_ali = two_tickets(ali)
    hidden, _ = two_tickets(tom, lambda t: t.source_id != allegro)
    tom.merging.link(hidden, seen_by_ali, "duplicate")
    tom.merging.link(seen_by_ali, hidden)  # related, the other way round
    links_before = TicketLink.select().count()
    with pytest.raises(PermissionDenied):  # view-only: sees both, removes nothing
        vic.merging.unlink(seen_by_ali, hidden)
    with pytest.raises(NotFound):  # does not see the other ticket
        ali.merging.unlink(seen_by_ali, hidden)
    with pytest.raises(InvalidInput):
        tom.merging.unlink(hidden, seen_by_ali, "cousin")
    assert TicketLink.select().count() == links_before
    assert tom.merging.unlink(hidden, seen_by_ali, "duplicate") == ["duplicate"]
    assert [(x.label, x.number) for x in tom.tickets.get_ticket(hidden).related] == [
        ("related to", seen_by_ali)
    ]
    assert tom.merging.unlink(seen_by_ali, f"#{hidden}") == ["related"]
    assert tom.tickets.get_ticket(hidden).related == ()
    assert tom.tickets.get_ticket(seen_by_ali).related == ()
    with pytest.raises(NoChange):
        tom.merging.unlink(hidden, seen_by_ali)
    said = [sentence(e) for e in ada.tickets.ticket_history(seen_by_ali)]
    assert f"tom unlinked this ticket from #{hidden} (duplicate)" in said
    assert f"tom unlinked this ticket from #{hidden} (related)" in said
    # ali, reading the history too, sees the ticket but not the other one: its number is
    # not shown, on the link or on its removal.
    ada.roles.create_role("History readers", ["audit.view"])
    ada.roles.grant_role("ali", "History readers")
    ali_said = [sentence(e) for e in gate_for("ali").tickets.ticket_history(seen_by_ali)]
    assert "tom unlinked this ticket from a ticket you cannot see (duplicate)" in ali_said
    assert not any(f"#{hidden}" in line for line in ali_said)
    # A merge stays: unlinking it is refused and writes nothing.
    ali.merging.merge(other_of_ali, seen_by_ali)
    with pytest.raises(InvalidInput, match="merged"):
        ali.merging.unlink(seen_by_ali, other_of_ali)
    assert ("merged from", other_of_ali) in [
        (x.label, x.number) for x in ali.tickets.get_ticket(seen_by_ali).related
    ]


def test_a_split_files_a_linked_ticket_with_the_message(gate_for: Callable[[str], Gate]) -> None:
    tom = gate_for("tom")
    number, _ = two_tickets(tom)
    tom.messages.note(number, "the second question: a refund for the zebrastripe lamp")
    detail = tom.tickets.get_ticket(number)
    message = detail.messages[-1]
    new = tom.merging.split(number, message.id)
    split = tom.tickets.get_ticket(new)
    assert [m.id for m in split.messages] == [message.id]
    assert split.row.subject == detail.row.subject
    assert split.row.requester == detail.row.requester
    assert message.id not in [m.id for m in tom.tickets.get_ticket(number).messages]
    assert [(x.label, x.number) for x in split.related] == [("related to", number)]
    everything = ("new", "open", "pending", "resolved", "closed")
    found = tom.inbox.list_tickets(TicketQuery(search="zebrastripe", statuses=everything))
    assert [r.number for r in found] == [new]
    with pytest.raises(NotFound):
        tom.merging.split(number, message.id)
    with pytest.raises(PermissionDenied):
        gate_for("vic").merging.split(new, message.id)


def test_copies_are_changed_with_the_right_to_see_contacts_only(
    gate_for: Callable[[str], Gate],
) -> None:
    tom, vic = gate_for("tom"), gate_for("vic")
    number, _ = two_tickets(tom)
    after = tom.copies.change_copies(number, add=["Anna@Customer.example", "bo@customer.example"])
    assert after == ["anna@customer.example", "bo@customer.example"]
    after = tom.copies.change_copies(number, remove=["bo@customer.example"])
    assert tom.tickets.get_ticket(number).copies == ("anna@customer.example",)
    assert vic.tickets.get_ticket(number).copies is None
    for bad in ("anna", "a b@c.example", "x@y.example\r\nBcc: all@evil.example", "<a@b.example>"):
        with pytest.raises(InvalidInput):
            tom.copies.change_copies(number, add=[bad])
    with pytest.raises(NoChange):
        tom.copies.change_copies(number, add=["anna@customer.example"])
    with pytest.raises(InvalidInput):
        tom.copies.change_copies(number, remove=["nobody@customer.example"])
    with pytest.raises(PermissionDenied):
        vic.copies.change_copies(number, add=["eve@customer.example"])
    assert TicketCopy.select().count() == 1


def test_the_history_says_what_was_merged_linked_and_copied_in_words(
    gate_for: Callable[[str], Gate],
) -> None:
    tom, ada = gate_for("tom"), gate_for("ada")
    kept, merged = two_tickets(tom)
    tom.copies.change_copies(merged, add=["anna@customer.example"])
    tom.merging.link(kept, merged)
    tom.merging.merge(merged, kept)
    said = [sentence(e) for e in ada.tickets.ticket_history(kept)]
    assert f"tom linked this ticket to #{merged} (related)" in said
    assert any(s.startswith(f"tom merged #{merged} into this ticket (") for s in said)
    said = [sentence(e) for e in ada.tickets.ticket_history(merged)]
    assert f"tom merged this ticket into #{kept}" in said
    assert "tom set the copies (Cc) to anna@customer.example" in said


def test_a_merge_keeps_the_verdicts_both_tickets_were_given(sla_demo: peewee.Database) -> None:
    """A stored verdict is never rewritten (README, "Service levels"): a merge moves the
    messages, and the clocks' verdicts both tickets were given before it stay as given, though
    the ticket kept now holds replies its own clocks did not see."""
    from store.sla_models import SlaVerdict

    def judged(ticket: Ticket) -> bool:
        return SlaVerdict.select().where(SlaVerdict.ticket == ticket.number).exists()

    ada = Gate(sla_demo, "ada")
    kept, merged = two_tickets(ada, judged)
    given = SlaVerdict.select().where(SlaVerdict.ticket.in_((kept, merged)))
    before = sorted(tuple_rows(given))
    assert judged(Ticket.get_by_id(kept)) and judged(Ticket.get_by_id(merged))
    ada.merging.merge(merged, kept)
    assert Message.select().where(Message.ticket == merged).count() == 0
    assert sorted(tuple_rows(given)) == before
