"""Following a source or a usergroup, and the draft-left event, through the gate on both
backends: a new ticket there notifies the follower, read through their scope as it is when
read; only what the person sees can be followed; a change to a ticket on which someone keeps
a draft tells them so, in the change's own statements."""

from __future__ import annotations

from collections.abc import Callable

import peewee
import pytest

from access import Gate, InvalidInput, NoChange, NotFound
from access.notify_events import DRAFT_LEFT, FOLLOWED, NEW_TICKET
from access.queue_follows import GROUP, SOURCE, Followed
from store.models import Person
from store.notification_models import Notification
from tests.access.test_gate_drafts_presence import hidden_from_ali, shared_ticket
from tests.access.test_gate_notifications import events_of, unassigned_ticket
from tests.access.test_gate_statements import statements


def test_a_new_ticket_in_a_followed_source_or_group_notifies_the_follower(
    gate_for: Callable[[str], Gate],
) -> None:
    ola, tom = gate_for("ola"), gate_for("tom")
    ola.notifications.follow_queue(group="Returns")
    tom.notifications.follow_queue(source="Amazon DE")
    assert ola.notifications.followed_queues() == [Followed(GROUP, "Returns")]
    assert tom.notifications.followed_queues() == [Followed(SOURCE, "Amazon DE")]
    with pytest.raises(NoChange):
        tom.notifications.follow_queue(source="Amazon DE")
    number = gate_for("ada").filing.create_ticket(
        "Wrong size", "Too small.", group="Returns", source="Amazon DE"
    )
    assert (number, NEW_TICKET) in events_of(ola)
    assert (number, NEW_TICKET) in events_of(tom)
    elsewhere = gate_for("ada").filing.create_ticket("Late", "Still waiting.", source="Phone")
    assert all(ticket != elsewhere for ticket, _ in events_of(tom) + events_of(ola))
    tom.notifications.unfollow_queue(source="Amazon DE")
    with pytest.raises(NoChange):
        tom.notifications.unfollow_queue(source="Amazon DE")
    assert tom.notifications.followed_queues() == []


def test_only_a_source_or_group_the_person_sees_can_be_followed(
    gate_for: Callable[[str], Gate],
) -> None:
    ali, max_ = gate_for("ali"), gate_for("max")
    ali.notifications.follow_queue(source="Allegro PL")
    offered = ali.notifications.followable_queues()
    assert [(f.kind, f.name, f.followed) for f in offered if f.kind == SOURCE] == [
        (SOURCE, "Allegro PL", True)
    ]
    groups = [f.name for f in max_.notifications.followable_queues() if f.kind == GROUP]
    assert groups == ["Accounting"]  # his own; no usergroups.list
    with pytest.raises(NotFound, match="no source named 'Amazon DE'"):
        ali.notifications.follow_queue(source="Amazon DE")  # outside his ticket list
    with pytest.raises(NotFound, match="no usergroup named 'Returns'"):
        max_.notifications.follow_queue(group="Returns")  # not his group, no usergroups.list
    with pytest.raises(NotFound):
        ali.notifications.follow_queue(source="Nowhere")
    with pytest.raises(InvalidInput):
        ali.notifications.follow_queue(source="Allegro PL", group="Returns")


def test_a_followed_groups_ticket_the_follower_cannot_see_is_never_shown(
    gate_for: Callable[[str], Gate],
) -> None:
    max_ = gate_for("max")
    max_.notifications.follow_queue(group="Accounting")  # his own group
    shown = gate_for("mia").filing.create_ticket("Payslip", "Mine.", group="Accounting")
    private = gate_for("mia").filing.create_ticket(
        "Salary", "Private.", group="Accounting", private=True
    )
    assert (shown, NEW_TICKET) in events_of(max_)
    assert all(ticket != private for ticket, _ in events_of(max_))
    made = Notification.select().where(
        (Notification.ticket == private) & (Notification.person == Person.get(username="max").id)
    )
    assert made.count() == 1  # made, but he does not see the ticket: never listed nor counted
    assert max_.notifications.summary().unread == 1


def test_a_draft_left_on_a_ticket_that_changed_tells_its_writer(
    gate_for: Callable[[str], Gate],
) -> None:
    number = unassigned_ticket(gate_for)
    ola, tom, ada = gate_for("ola"), gate_for("tom"), gate_for("ada")
    ola.drafts.save_draft(number, "reply", "Dear customer, ")
    tom.drafts.save_draft(number, "note", "check the parcel")
    tom.notifications.follow(number)
    ada.changes.set_priority(number, "urgent")
    assert events_of(ola) == [(number, DRAFT_LEFT)]
    assert events_of(tom) == [(number, FOLLOWED)]  # one per ticket and change: the follow's
    ada.messages.note(number, "the courier called")
    assert events_of(ola) == [(number, DRAFT_LEFT), (number, DRAFT_LEFT)]
    # Her own change tells her nothing of her own draft.
    ola.changes.set_priority(number, "low")
    assert len(events_of(ola)) == 2


def test_drafts_cost_no_statement_more(
    demo_db: peewee.Database, gate_for: Callable[[str], Gate], monkeypatch: pytest.MonkeyPatch
) -> None:
    number = unassigned_ticket(gate_for)
    ola, ada = gate_for("ola"), gate_for("ada")
    ada.changes.set_priority(number, "high")
    with statements(demo_db, monkeypatch) as quiet:
        ada.changes.set_priority(number, "urgent")
    ola.drafts.save_draft(number, "reply", "Dear customer, ")
    with statements(demo_db, monkeypatch) as told:
        ada.changes.set_priority(number, "low")
    assert events_of(ola) == [(number, DRAFT_LEFT)]
    # Followers and drafts are one read; the preferences and the insert come with anyone told.
    assert len(told) - len(quiet) == 2


def test_mention_completion_offers_only_people_who_could_read_the_note(
    gate_for: Callable[[str], Gate],
) -> None:
    hidden, shared = hidden_from_ali(gate_for), shared_ticket(gate_for)
    tom = gate_for("tom")
    assert tom.notifications.mention_candidates(hidden, "a") == ["ada"]  # not ali: hidden
    assert "ali" in tom.notifications.mention_candidates(shared, "a")
    assert tom.notifications.mention_candidates(shared, "v") == []  # vic reads no notes
    assert "tom" not in tom.notifications.mention_candidates(shared, "t")  # not oneself
    assert tom.notifications.mention_candidates(shared, "a%") == []
    # Who may not list people, or write no note there, is offered nobody.
    assert gate_for("max").notifications.mention_candidates(shared, "a") == []
    assert gate_for("vic").notifications.mention_candidates(shared, "a") == []
