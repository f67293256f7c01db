"""Tags and ticket fields at the gate: a view-only person cannot tag (refused, audited,
nothing written), tagging is the one change pipeline (dry run, versions, already so), `tag:x`
finds only tickets in the person's scope, the requester does not see the team's tags, a locked
list takes only its own words; a ticket field is set the same way and searched in scope."""

from __future__ import annotations

import re
from collections.abc import Callable

import peewee
import pytest

from access import Gate, InvalidInput, NoChange, PermissionDenied
from access.audit_actions import TICKET_TAG, denied
from access.views import FieldValue, TicketQuery
from store.models import AuditEvent, Ticket
from store.tag_models import Tag, TicketTag
from tests.access.test_gate_statements import statements

GateFor = Callable[[str], Gate]


def numbers(gate: Gate, search: str, limit: int = 500) -> set[int]:
    return {r.number for r in gate.inbox.list_tickets(TicketQuery(search=search), limit=limit)}


def first_tickets(gate: Gate, count: int) -> list[int]:
    return [r.number for r in gate.inbox.list_tickets(limit=count)]


def test_a_view_only_person_cannot_tag(demo_db: peewee.Database, gate_for: GateFor) -> None:
    vic = gate_for("vic")
    shown = first_tickets(vic, 3)
    assert shown
    before = TicketTag.select().count()
    outcome = vic.changes.apply_bulk("tag", shown, "refund")
    assert outcome.changed == ()
    assert dict(outcome.skipped) == {"not in your scope to tag": tuple(shown)}
    assert TicketTag.select().count() == before
    refusals = AuditEvent.select().where(AuditEvent.action == denied(TICKET_TAG)).count()
    assert refusals == len(shown)
    with pytest.raises(PermissionDenied):
        vic.tags.create_tag("refund")


def test_tagging_is_a_change_with_a_dry_run_versions_and_already_so(
    demo_db: peewee.Database, gate_for: GateFor
) -> None:
    ola = gate_for("ola")
    rows = ola.inbox.list_tickets(limit=3)
    chosen = [r.number for r in rows]
    plan = ola.changes.plan_bulk("tag", chosen, "Callback")
    assert plan.change == "tag callback" and plan.changed == tuple(chosen)
    assert not TicketTag.select().join(Tag).where(Tag.name == "callback").exists()
    stale = {rows[0].number: rows[0].version - 1}
    done = ola.changes.apply_bulk("tag", chosen, "callback", versions=stale)
    assert done.changed == tuple(chosen[1:])
    assert dict(done.skipped) == {"changed by someone else meanwhile": (chosen[0],)}
    again = ola.changes.apply_bulk("tag", chosen[1:], "callback")
    assert again.nothing_to_do and again.unchanged == tuple(chosen[1:])
    after = {t.number: t.version for t in Ticket.select().where(Ticket.number.in_(chosen))}
    assert after[chosen[1]] == rows[1].version + 1
    assert "callback" in ola.tickets.get_ticket(chosen[1]).row.tags
    removed = ola.changes.apply_bulk("untag", [chosen[1]], "callback")
    assert removed.changed == (chosen[1],)
    assert "callback" not in ola.tickets.get_ticket(chosen[1]).row.tags
    with pytest.raises(InvalidInput):
        ola.changes.apply_bulk("tag", chosen, "two words")


def test_tag_search_is_scoped(demo_db: peewee.Database, gate_for: GateFor) -> None:
    """ada tags every ticket she sees; ali (one source only) finds by `tag:` exactly the
    tagged tickets he sees, and words beside the tag narrow it as a search does."""
    ada, ali = gate_for("ada"), gate_for("ali")
    everything = first_tickets(ada, 1000)
    assert ada.changes.apply_bulk("tag", everything, "parcel").changed == tuple(everything)
    seen_by_ali = {r.number for r in ali.inbox.list_tickets(limit=1000)}
    assert seen_by_ali and seen_by_ali < set(everything)
    assert numbers(ali, "tag:parcel", 1000) == seen_by_ali
    assert ali.inbox.count_tickets(TicketQuery(search="TAG:Parcel")) == len(seen_by_ali)
    assert numbers(ali, "tag:nothing-so") == set()
    subject = ali.tickets.get_ticket(sorted(seen_by_ali)[0]).row.subject
    word = re.findall(r"[^\W\d_]{4,}", subject)[0]
    with_word = numbers(ali, f"tag:parcel {word}", 1000)
    assert with_word and with_word == numbers(ali, word, 1000)
    ada.changes.apply_bulk("untag", sorted(with_word)[:1], "parcel")
    assert numbers(ali, f"{word} tag:parcel", 1000) == with_word - {sorted(with_word)[0]}


def test_the_requester_does_not_see_the_teams_tags(
    demo_db: peewee.Database, gate_for: GateFor
) -> None:
    ada = gate_for("ada")
    row = gate_for("ola").inbox.list_tickets(limit=1)[0]  # not of an archived source
    ada.changes.apply_bulk("tag", [row.number], "angry")
    assert "angry" in ada.tickets.get_ticket(row.number).row.tags
    requester = gate_for(row.requester)
    assert requester.tickets.get_ticket(row.number).row.tags == ()


def test_a_locked_list_takes_only_its_words(demo_db: peewee.Database, gate_for: GateFor) -> None:
    ada, ola = gate_for("ada"), gate_for("ola")
    ticket = first_tickets(ola, 1)[0]
    ada.tags.create_tag("callback")
    ada.tags.lock_tags(True)
    with pytest.raises(NoChange):
        ada.tags.lock_tags(True)
    listed = ola.tags.list_tags()
    assert "callback" in listed.names and listed.locked
    with pytest.raises(InvalidInput, match="locked"):
        ola.changes.apply_bulk("tag", [ticket], "anything")
    with pytest.raises(PermissionDenied):
        ola.tags.lock_tags(False)
    assert ola.changes.apply_bulk("tag", [ticket], "callback").changed == (ticket,)
    assert ada.tags.delete_tag("callback") == 1
    assert "callback" not in ola.tickets.get_ticket(ticket).row.tags


def test_tagging_many_costs_as_many_statements_as_one(
    demo_db: peewee.Database, gate_for: GateFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada = gate_for("ada")
    tickets = first_tickets(ada, 41)
    with statements(demo_db, monkeypatch) as one:
        ada.changes.apply_bulk("tag", tickets[:1], "first")
    with statements(demo_db, monkeypatch) as many:
        ada.changes.apply_bulk("tag", tickets[1:], "second")
    assert len(many) == len(one)


def test_ticket_fields_are_set_through_the_pipeline_and_searched_in_scope(
    demo_db: peewee.Database, gate_for: GateFor
) -> None:
    ada, ali, vic = gate_for("ada"), gate_for("ali"), gate_for("vic")
    with pytest.raises(PermissionDenied):
        vic.ticket_fields.define_ticket_field("Parcel number")
    ada.ticket_fields.define_ticket_field("Parcel number")
    everything = first_tickets(ada, 1000)
    done = ada.changes.apply_bulk("field", everything, "Parcel number=A-17")
    assert done.change == "set Parcel number = A-17" and done.changed == tuple(everything)
    seen_by_ali = {r.number for r in ali.inbox.list_tickets(limit=1000)}
    assert numbers(ali, 'field:"parcel number"=A-17', 1000) == seen_by_ali
    assert numbers(ali, 'field:"Parcel number"=A-1', 1000) == set()
    shown = vic.inbox.list_tickets(limit=1)[0].number
    refused = vic.changes.apply_bulk("field", [shown], "Parcel number=B")
    assert refused.changed == () and dict(refused.skipped) == {
        "not in your scope to set the fields of": (shown,)
    }
    cleared = ada.changes.apply_bulk("field", [shown], "Parcel number=")
    assert cleared.changed == (shown,)
    assert ada.tickets.get_ticket(shown).ticket_fields == (
        FieldValue("Order number", "text", ""),  # the demo's
        FieldValue("Parcel number", "text", ""),
    )
    with pytest.raises(InvalidInput):
        ada.changes.apply_bulk("field", [shown], "Parcel number")
