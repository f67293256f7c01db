"""Drafts and presence through the gate, on both backends: a draft is its writer's alone and
only on a ticket they may still write on; presence tells nobody about a ticket they cannot see,
wakes other sessions' live feeds when it changes, and not when it only beats."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import peewee
import pytest

from access import Gate, NotFound, PermissionDenied
from access.live import ChangeFeed
from access.views import TicketQuery
from store.models import Draft, DraftFile, Presence, Ticket, utcnow
from store.schema import LATEST, MIGRATIONS
from tests.access.test_gate_statements import statements


def shared_ticket(gate_for: Callable[[str], Gate]) -> int:
    """A ticket tom, ola and ali (Allegro PL only) all may work on."""
    ali = gate_for("ali")
    rows = ali.inbox.list_tickets(TicketQuery(), limit=100)
    return next(r.number for r in rows if "tickets.reply" in ali.tickets.allowed_on(r.number))


def hidden_from_ali(gate_for: Callable[[str], Gate]) -> int:
    """A ticket tom works on that ali cannot see."""
    ali_sees = {r.number for r in gate_for("ali").inbox.list_tickets(TicketQuery(), limit=1000)}
    rows = gate_for("tom").inbox.list_tickets(TicketQuery(), limit=200)
    return next(r.number for r in rows if r.number not in ali_sees)


def test_migration_8_makes_the_drafts_and_presence(demo_db: peewee.Database) -> None:
    assert 8 in dict(MIGRATIONS) and LATEST >= 8
    assert Draft.table_exists() and Presence.table_exists()


def test_a_draft_is_saved_replaced_and_read_back_by_its_writer_only(
    gate_for: Callable[[str], Gate],
) -> None:
    number = shared_ticket(gate_for)
    tom, ola, ali = gate_for("tom"), gate_for("ola"), gate_for("ali")
    tom.drafts.save_draft(number, "reply", "Dear Jan,")
    tom.drafts.save_draft(number, "reply", "Dear Jan, your parcel left today.")
    tom.drafts.save_draft(number, "note", "check the courier")
    mine = tom.drafts.drafts_on(number)
    assert {k: d.body for k, d in mine.items()} == {
        "reply": "Dear Jan, your parcel left today.",
        "note": "check the courier",
    }
    assert [(d.ticket, d.kind) for d in tom.drafts.my_drafts()] == [
        (number, "note"),
        (number, "reply"),
    ]
    # Nobody else reads them, even on a ticket they work on themselves.
    assert ola.drafts.drafts_on(number) == {} and ola.drafts.my_drafts() == []
    assert ali.drafts.drafts_on(number) == {} and ali.drafts.my_drafts() == []
    assert Draft.select().count() == 2  # one row per person, ticket and kind


def test_saving_a_draft_is_one_statement_after_the_grants(
    demo_db: peewee.Database, gate_for: Callable[[str], Gate], monkeypatch: pytest.MonkeyPatch
) -> None:
    number = shared_ticket(gate_for)
    tom = gate_for("tom")
    tom.drafts.save_draft(number, "reply", "first")
    with statements(demo_db, monkeypatch) as run:
        tom.drafts.save_draft(number, "reply", "second")
    writes = [sql for sql in run if sql.lstrip().upper().startswith("INSERT")]
    assert len(writes) == 1 and len(run) <= 2, "\n".join(run)  # the grants, the upsert
    assert "AUDIT_EVENT" not in " ".join(run).upper()  # scratch is not audited


def test_a_draft_needs_the_ticket_and_the_right_to_write_it(
    gate_for: Callable[[str], Gate],
) -> None:
    hidden = hidden_from_ali(gate_for)
    with pytest.raises(NotFound):
        gate_for("ali").drafts.save_draft(hidden, "reply", "hello")
    with pytest.raises(PermissionDenied):
        gate_for("vic").drafts.save_draft(hidden, "reply", "view-only")  # vic sees, may not reply
    assert Draft.select().count() == 0


def test_a_draft_on_a_ticket_no_longer_seen_stays_unread(gate_for: Callable[[str], Gate]) -> None:
    number = shared_ticket(gate_for)
    ali = gate_for("ali")
    ali.drafts.save_draft(number, "reply", "kept")
    elsewhere = Ticket.select(Ticket.source).where(Ticket.number == hidden_from_ali(gate_for))
    Ticket.update(source=elsewhere, assignee=None).where(Ticket.number == number).execute()
    assert ali.drafts.drafts_on(number) == {} and ali.drafts.my_drafts() == []
    assert Draft.get().body == "kept"
    with pytest.raises(NotFound):
        ali.drafts.save_draft(number, "reply", "more")


def test_a_sent_reply_deletes_its_draft_and_an_empty_text_discards_it(
    gate_for: Callable[[str], Gate],
) -> None:
    number = shared_ticket(gate_for)
    tom, ola = gate_for("tom"), gate_for("ola")
    tom.drafts.save_draft(number, "reply", "Your parcel left today.")
    tom.drafts.save_draft(number, "note", "courier called")
    ola.drafts.save_draft(number, "reply", "ola's own")
    tom.messages.reply(number, "Your parcel left today.")
    assert set(tom.drafts.drafts_on(number)) == {"note"}  # the note stays; ola's reply too
    assert set(ola.drafts.drafts_on(number)) == {"reply"}
    tom.drafts.save_draft(number, "note", "   ")
    assert tom.drafts.drafts_on(number) == {}
    ola.drafts.discard_draft(number, "reply")
    assert ola.drafts.drafts_on(number) == {}


def test_a_reply_draft_keeps_its_files_and_they_go_with_it(
    gate_for: Callable[[str], Gate],
) -> None:
    assert 31 in dict(MIGRATIONS) and DraftFile.table_exists()
    number, hidden = shared_ticket(gate_for), hidden_from_ali(gate_for)
    tom, ola = gate_for("tom"), gate_for("ola")
    form = tom.drafts.attach_to_draft(number, "form.pdf", "application/pdf", b"%PDF form")
    photo = tom.drafts.attach_to_draft(number, "photo.jpg", "image/jpeg", b"\xff\xd8")
    draft = tom.drafts.drafts_on(number)["reply"]
    assert draft.body == "" and draft.files == (form, photo)  # a draft of files alone
    assert form.data == b"%PDF form" and [d.files for d in tom.drafts.my_drafts()] == [()]
    assert ola.drafts.drafts_on(number) == {}
    assert not ola.drafts.detach_from_draft(number, form.id)  # not hers
    with pytest.raises(NotFound):
        gate_for("ali").drafts.attach_to_draft(hidden, "x.txt", "text/plain", b"x")
    with pytest.raises(PermissionDenied):
        gate_for("vic").drafts.attach_to_draft(hidden, "x.txt", "text/plain", b"x")
    # Typed, then emptied: the draft stays while it holds files.
    tom.drafts.save_draft(number, "reply", "The form is attached.")
    tom.drafts.save_draft(number, "reply", " ")
    assert tom.drafts.drafts_on(number)["reply"].files == (form, photo)
    assert tom.drafts.detach_from_draft(number, photo.id)
    assert tom.drafts.drafts_on(number)["reply"].files == (form,)
    tom.messages.reply(number, "The form is attached.")  # sent: the draft and its files go
    assert tom.drafts.drafts_on(number) == {} and DraftFile.select().count() == 0
    tom.drafts.attach_to_draft(number, "form.pdf", "application/pdf", b"%PDF form")
    assert tom.drafts.discard_draft(number, "reply")
    assert DraftFile.select().count() == 0 and Draft.select().count() == 0


def test_a_deactivated_persons_drafts_stay_and_nobody_reads_them(
    gate_for: Callable[[str], Gate],
) -> None:
    number = shared_ticket(gate_for)
    gate_for("tom").drafts.save_draft(number, "reply", "half a sentence")
    gate_for("ada").people.set_active("tom", False)
    assert Draft.get().body == "half a sentence"
    assert (
        gate_for("ada").drafts.my_drafts() == [] and gate_for("ada").drafts.drafts_on(number) == {}
    )
    gate_for("ada").people.set_active("tom", True)
    assert gate_for("tom").drafts.drafts_on(number)["reply"].body == "half a sentence"


def test_presence_is_shown_only_to_people_who_see_the_ticket(
    gate_for: Callable[[str], Gate],
) -> None:
    hidden = hidden_from_ali(gate_for)
    shared = shared_ticket(gate_for)
    tom, ola, ali = gate_for("tom"), gate_for("ola"), gate_for("ali")
    tom.presence.be_on_ticket(hidden, "reply")
    tom.presence.be_on_ticket(shared, "open")
    assert [(p.username, p.state) for p in ola.presence.others_on(hidden)] == [("tom", "reply")]
    assert set(ola.presence.others_present()) == {hidden, shared}
    # ali cannot see #hidden: nothing about it, not by number, not in the inbox's markers.
    assert ali.presence.others_on(hidden) == []
    assert set(ali.presence.others_present()) == {shared}
    assert tom.presence.others_on(hidden) == []  # one's own presence is not "someone else"
    with pytest.raises(NotFound):
        ali.presence.be_on_ticket(hidden, "open")
    with pytest.raises(PermissionDenied):
        gate_for("vic").presence.be_on_ticket(hidden, "reply")  # vic may look, not write


def test_a_note_being_written_shows_as_open_to_who_may_not_read_notes(
    gate_for: Callable[[str], Gate],
) -> None:
    number = shared_ticket(gate_for)
    gate_for("tom").presence.be_on_ticket(number, "note")
    assert [p.state for p in gate_for("ola").presence.others_on(number)] == ["note"]
    vic = gate_for("vic")
    assert "tickets.view_notes" not in vic.me.capabilities()
    assert [p.state for p in vic.presence.others_on(number)] == ["open"]


def test_presence_expires_and_leaving_removes_it(gate_for: Callable[[str], Gate]) -> None:
    number = shared_ticket(gate_for)
    tom, ola = gate_for("tom"), gate_for("ola")
    tom.presence.be_on_ticket(number, "open")
    assert tom.presence.still_on_ticket(number)
    Presence.update(seen_at=utcnow().replace(year=2000)).execute()  # a killed session
    assert ola.presence.others_on(number) == []
    tom.presence.be_on_ticket(number, "open")
    assert [p.username for p in ola.presence.others_on(number)] == ["tom"]
    tom.presence.be_on_ticket(number, "")
    assert ola.presence.others_on(number) == [] and not tom.presence.still_on_ticket(number)


def test_a_presence_change_wakes_another_feed_and_a_heartbeat_does_not(
    gate_for: Callable[[str], Gate],
) -> None:
    number = shared_ticket(gate_for)
    tom, ola = gate_for("tom"), gate_for("ola")
    feed = ChangeFeed(own=ola.own_changes)
    try:
        feed.poll(wait=0.2)  # the first poll of a feed always reads
        tom.presence.be_on_ticket(number, "reply")
        changes = wait_for_changes(feed)
        assert changes is not None and changes.presence and not changes.tickets
        tom.presence.still_on_ticket(number)
        assert feed.poll(wait=0.3) is None  # a heartbeat: nothing to read again
        asked = feed.asked
        assert feed.poll(wait=0.3) is None and feed.asked == asked + 1
    finally:
        feed.close()


def wait_for_changes(feed: ChangeFeed) -> Any:
    for _ in range(100):
        changes = feed.poll(wait=0.2)
        if changes is not None:
            return changes
    return None
