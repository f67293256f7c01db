"""Notifications through the gate, on both backends: made in the change's own transaction for
the people it concerns and never for whoever made it; read through the reader's scope as it is
when read; mentions refused when they would tell someone of a ticket they cannot read."""

from __future__ import annotations

from collections.abc import Callable

import peewee
import pytest

from access import Gate, InvalidInput, NoChange, NotFound, PermissionDenied, notify_events
from access.demo import DEMO_NOW
from access.notify_events import ASSIGNED, CUSTOMER_WROTE, FOLLOWED, MENTIONED, NEW_TICKET
from access.notify_settings import DEFAULTS
from access.views import TicketQuery
from store.models import GroupSupervisor, Person, RoleSource, Source, Ticket, Usergroup
from store.notification_models import Follow, Notification
from store.schema import MIGRATIONS
from tests.access.test_gate_drafts_presence import hidden_from_ali, shared_ticket
from tests.access.test_gate_statements import statements


def unassigned_ticket(gate_for: Callable[[str], Gate]) -> int:
    """A ticket tom, ola and ali may all work on, assigned to nobody."""
    number = shared_ticket(gate_for)
    Ticket.update(assignee=None).where(Ticket.number == number).execute()
    return number


def events_of(gate: Gate) -> list[tuple[int, str]]:
    return [(n.ticket, n.event) for n in gate.notifications.list_notifications()]


def test_migration_16_makes_the_tables(demo_db: peewee.Database) -> None:
    assert 16 in dict(MIGRATIONS)
    assert Notification.table_exists() and Follow.table_exists()


def test_an_assignment_notifies_the_assignee_and_not_the_one_assigning(
    gate_for: Callable[[str], Gate],
) -> None:
    number = unassigned_ticket(gate_for)
    ada, ola = gate_for("ada"), gate_for("ola")
    before = ola.notifications.summary()
    ada.changes.assign(number, "ola")
    assert events_of(ola)[0] == (number, ASSIGNED)
    after = ola.notifications.summary()
    assert after.unread == before.unread + 1 and after.newest > before.newest
    (shown,) = ola.notifications.list_notifications(after=before.newest)
    assert shown.actor == "ada" and not shown.read and shown.subject
    assert ada.notifications.list_notifications() == []
    ola.changes.assign(number, "tom")
    assert all(e != (number, ASSIGNED) for e in events_of(ada))
    # Taking a ticket oneself notifies nobody of an assignment.
    gate_for("ola").changes.take(number)
    assert events_of(gate_for("tom")) == [(number, ASSIGNED)]


def test_followers_hear_of_changes_by_others_and_reading_marks_them(
    gate_for: Callable[[str], Gate],
) -> None:
    number = unassigned_ticket(gate_for)
    tom, ola = gate_for("tom"), gate_for("ola")
    tom.notifications.follow(number)
    with pytest.raises(NoChange):
        tom.notifications.follow(number)
    assert tom.notifications.follows(number)
    tom.changes.set_priority(number, "urgent")  # his own change: nothing
    assert tom.notifications.list_notifications() == []
    ola.changes.set_priority(number, "low")
    ola.messages.reply(number, "We are on it.")
    assert events_of(tom) == [(number, FOLLOWED), (number, FOLLOWED)]
    first, second = tom.notifications.list_notifications()
    assert first.excerpt == "We are on it." and second.excerpt == ""
    assert tom.notifications.mark_read([second.id]) == 1
    assert tom.notifications.summary().unread == 1
    with pytest.raises(NotFound):
        ola.notifications.mark_read([first.id])  # not hers
    assert tom.notifications.mark_all_read() == 1
    assert tom.notifications.summary().unread == 0
    tom.notifications.unfollow(number)
    ola.changes.set_priority(number, "high")
    assert len(tom.notifications.list_notifications()) == 2


def test_following_needs_seeing_the_ticket(gate_for: Callable[[str], Gate]) -> None:
    hidden = hidden_from_ali(gate_for)
    with pytest.raises(NotFound):
        gate_for("ali").notifications.follow(hidden)
    assert Follow.select().count() == 0


def test_a_ticket_out_of_the_readers_scope_is_never_listed_nor_counted(
    gate_for: Callable[[str], Gate],
) -> None:
    ali, ada = gate_for("ali"), gate_for("ada")
    number = unassigned_ticket(gate_for)
    ada.changes.assign(number, "ali")
    assert ali.notifications.summary().unread == 1
    # Ali loses the Allegro source: his role reaches no ticket of it now, and he is not its
    # assignee any more either.
    ada.changes.assign(number, "ola")
    RoleSource.delete().execute()
    Source.update(archived=False).execute()
    ali = gate_for("ali")
    sees = {r.number for r in ali.inbox.list_tickets(TicketQuery(), limit=1000)}
    assert number not in sees
    assert ali.notifications.list_notifications() == []
    assert ali.notifications.summary().unread == 0
    assert ali.notifications.mark_all_read() == 0
    assert Notification.select().where(Notification.read_at.is_null(False)).count() == 0


def test_a_mention_of_someone_who_cannot_read_the_note_is_refused(
    gate_for: Callable[[str], Gate],
) -> None:
    hidden = hidden_from_ali(gate_for)
    tom = gate_for("tom")
    notes = Notification.select().count()
    with pytest.raises(InvalidInput, match=r"@ali cannot see #\d+; the note was not sent"):
        tom.messages.note(hidden, "@ali can you check?")
    with pytest.raises(InvalidInput, match="nobody is named @nobody"):
        tom.messages.note(hidden, "ask @nobody")
    with pytest.raises(InvalidInput, match="@vic may not read notes"):
        tom.messages.note(hidden, "(@vic see this)")
    assert Notification.select().count() == notes
    tom.messages.note(hidden, "@ola can you check? mail me at tom@shop.example")
    assert events_of(gate_for("ola"))[0] == (hidden, MENTIONED)
    (mention,) = gate_for("ola").notifications.list_notifications()
    assert mention.excerpt.startswith("@ola can you check?")


def test_a_note_reaches_no_follower_who_may_not_read_notes(
    gate_for: Callable[[str], Gate],
) -> None:
    number = unassigned_ticket(gate_for)
    vic, ola = gate_for("vic"), gate_for("ola")
    vic.notifications.follow(number)
    ola.messages.note(number, "internal: refund approved")
    assert vic.notifications.list_notifications() == []
    assert vic.notifications.summary().unread == 0
    ola.messages.reply(number, "Your refund is approved.")
    (shown,) = vic.notifications.list_notifications()
    assert shown.excerpt == "Your refund is approved."


def test_the_customer_writing_notifies_the_assignee(gate_for: Callable[[str], Gate]) -> None:
    number = unassigned_ticket(gate_for)
    gate_for("ada").changes.assign(number, "ola")
    requester = Person.get_by_id(Ticket.get_by_id(number).requester_id).username
    Person.update(active=True).where(Person.username == requester).execute()
    gate_for(requester).messages.reply(number, "Any news?")
    (latest, *_) = gate_for("ola").notifications.list_notifications()
    assert (latest.ticket, latest.event, latest.actor) == (number, CUSTOMER_WROTE, requester)
    assert latest.excerpt == "Any news?"


def test_a_new_ticket_in_a_supervised_group_notifies_its_supervisors(
    gate_for: Callable[[str], Gate],
) -> None:
    group = Usergroup.get(Usergroup.name == "Returns")
    supervisors = [
        Person.get_by_id(s.person_id).username
        for s in GroupSupervisor.select().where(GroupSupervisor.usergroup == group)
    ]
    assert "sam" in supervisors
    number = gate_for("ada").filing.create_ticket("Broken box", "It came broken.", group="Returns")
    assert events_of(gate_for("sam")) == [(number, NEW_TICKET)]


def test_preferences_steer_what_is_made(gate_for: Callable[[str], Gate]) -> None:
    number = unassigned_ticket(gate_for)
    ola, ada = gate_for("ola"), gate_for("ada")
    ola.notifications.set_preference(ASSIGNED, in_app=False, mail="off")
    with pytest.raises(NoChange):
        ola.notifications.set_preference(ASSIGNED, in_app=False)
    with pytest.raises(InvalidInput):
        ola.notifications.set_preference("weather", in_app=False)
    ada.changes.assign(number, "ola")
    assert Notification.select().count() == 0
    ola.notifications.set_preference(ASSIGNED, in_app=False, mail="always")
    ada.changes.assign(number, "tom")
    ada.changes.assign(number, "ola")
    assert ola.notifications.list_notifications() == []  # by mail only
    assert Notification.select().where(Notification.mail_state == "always").count() == 1
    prefs, settings = ola.notifications.preferences()
    assert (prefs[0].event, prefs[0].in_app, prefs[0].mail) == (ASSIGNED, False, "always")
    assert settings == DEFAULTS and not settings.quiet_at(0)
    changed = ola.notifications.change_settings(quiet_from="22:00", quiet_until="06:30")
    assert changed.quiet_at(23 * 60) and changed.quiet_at(60) and not changed.quiet_at(7 * 60)
    assert ola.notifications.preferences()[1] == changed
    with pytest.raises(InvalidInput):
        ola.notifications.change_settings(bell="loud")
    customer = Person.select().where(Person.username.startswith("c")).first().username
    with pytest.raises(PermissionDenied):
        gate_for(customer).notifications.set_preference(ASSIGNED, in_app=False)


def test_a_change_that_notifies_fifty_people_costs_three_statements(
    demo_db: peewee.Database, gate_for: Callable[[str], Gate], monkeypatch: pytest.MonkeyPatch
) -> None:
    """However many people a change notifies: their follows read, their preferences read,
    and one insert."""
    number = unassigned_ticket(gate_for)
    followers = [p.id for p in Person.select().where(Person.username.startswith("c")).limit(50)]
    Follow.insert_many([{"person": p, "ticket": number} for p in followers]).execute()
    ada = gate_for("ada")
    with demo_db.atomic(), statements(demo_db, monkeypatch) as run:
        notify_events.tickets_changed(ada.person_id, "priority", "low", [number], DEMO_NOW)
    assert len(run) == 3, "\n".join(run)
    assert Notification.select().count() == 50
