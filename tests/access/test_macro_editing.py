"""Editing canned replies and macros at the gate: change, copy and delete, versioned and
audited; `replies.edit` and `macros.edit` scoped like the roles that grant them; tag steps
through the change pipeline's tag kinds; a macro offered in some places only."""

from __future__ import annotations

import json

import peewee
import pytest

from access import Conflict, Gate, InvalidInput, PermissionDenied
from store.models import AuditEvent, GroupMember, Source, Ticket, Usergroup
from store.tag_models import TicketTag
from tests import builders


def scoped_editor(
    db: peewee.Database, username: str, *, sources: list[str] | None, groups: list[str]
) -> Gate:
    """A person editing replies and macros, their role limited to `sources` (None: all) and,
    with `groups`, to those usergroups' tickets."""
    person = builders.person(username)
    ids = None if sources is None else [Source.get(Source.name == s).id for s in sources]
    builders.role(
        f"Editors of {username}",
        {"replies.list", "replies.edit", "macros.list", "macros.edit", "tickets.view"},
        sources=ids,
        scope="usergroups" if groups else "all",
        holders=[person],
    )
    for name in groups:
        GroupMember.create(person=person, usergroup=Usergroup.get(Usergroup.name == name).id)
    return Gate(db, username)


def test_a_macro_is_changed_copied_and_deleted_with_versions_and_audit(
    demo_db: peewee.Database,
) -> None:
    ada = Gate(demo_db, "ada")
    view = ada.macros.change_macro(
        "Refund done", steps=["reply:Refund approved", "tag:refund", "status:resolved"]
    )
    assert view.steps == ("reply:Refund approved", "tag:refund", "status:resolved")
    assert view.version == 2
    with pytest.raises(Conflict, match="changed by someone else"):
        ada.macros.change_macro("Refund done", new_name="Refunded", expected_version=1)
    copy = ada.macros.copy_macro("Refund done", "Refund done (copy)")
    assert copy.steps == view.steps and copy.version == 1
    with pytest.raises(InvalidInput, match="unknown status"):
        ada.macros.change_macro("Refund done (copy)", steps=["status:done"])
    ada.macros.remove_macro("Refund done (copy)", expected_version=1)
    names = {m.name for m in ada.macros.list_macros()}
    assert "Refund done" in names and "Refund done (copy)" not in names
    actions = [
        e.action
        for e in AuditEvent.select()
        .where(AuditEvent.target_kind == "macro")
        .order_by(AuditEvent.id)
    ]
    assert actions[-3:] == ["macro.change", "macro.create", "macro.delete"]
    change = AuditEvent.get(AuditEvent.action == "macro.change")
    assert json.loads(change.before)["steps"][1] == "status:resolved"
    assert json.loads(change.after)["steps"][1] == "tag:refund"


def test_tag_steps_go_through_the_tag_kinds(demo_db: peewee.Database) -> None:
    ada = Gate(demo_db, "ada")
    with pytest.raises(InvalidInput, match="a tag is one word"):
        ada.macros.add_macro("Bad tag", ["tag:two words"])
    ada.macros.add_macro("Tag refund", ["tag:Refund", "untag:vip"])
    tagged_ones = TicketTag.select(TicketTag.ticket)
    number = Ticket.select().where(Ticket.number.not_in(tagged_ones)).first().number
    outcome = ada.macros.apply_macro("Tag refund", [number])
    tag, untag = outcome.steps
    assert tag.change == "tag refund" and tag.changed == (number,)
    assert untag.changed == () and dict(untag.skipped) == {"not tagged vip": (number,)}
    tagged = TicketTag.select().where(TicketTag.ticket == number)
    assert "refund" in {t.tag.name for t in tagged}
    again = ada.macros.plan_macro("Tag refund", [number])
    assert dict(again.steps[0].skipped) == {"already tagged refund": (number,)}


def test_a_scoped_editor_manages_only_the_replies_of_their_sources(
    demo_db: peewee.Database,
) -> None:
    ada = Gate(demo_db, "ada")
    pia = scoped_editor(demo_db, "pia", sources=["Allegro PL"], groups=[])
    pia.replies.add_reply("Dziękujemy", "Dziękujemy!", sources=["Allegro PL"])
    pia.replies.change_reply("Zwrot zatwierdzony", body="Zwrot zatwierdzony.")
    pia.replies.copy_reply("Paczka wysłana", "Paczka wysłana 2")
    pia.replies.remove_reply("Paczka wysłana 2")
    for refused in (
        lambda: pia.replies.add_reply("Everywhere", "Hi"),
        lambda: pia.replies.change_reply("Refund approved", body="Hi"),
        lambda: pia.replies.remove_reply("Refund approved"),
        lambda: pia.replies.copy_reply("Refund approved", "Mine"),
        lambda: pia.replies.change_reply("Zwrot zatwierdzony", sources=[]),
        lambda: pia.replies.add_reply("Two", "Hi", sources=["Allegro PL", "support@shop.example"]),
        lambda: pia.signatures.set_signature("support@shop.example", "Mine"),
    ):
        with pytest.raises(PermissionDenied) as said:
            refused()
        assert "\n" not in str(said.value)
    pia.signatures.set_signature("Allegro PL", "-- \nAllegro")
    assert {"Refund approved", "Dziękujemy"} <= {r.name for r in ada.replies.list_replies()}
    assert ada.replies.list_replies()  # the administrator still edits every one
    ada.replies.change_reply("Dziękujemy", body="Dziękujemy bardzo!")


def test_a_group_scoped_editor_manages_only_the_macros_of_their_groups(
    demo_db: peewee.Database,
) -> None:
    ada = Gate(demo_db, "ada")
    ret = scoped_editor(demo_db, "ret", sources=None, groups=["Returns"])
    ret.macros.add_macro("Label sent", ["reply:Return label"], usergroups=["Returns"])
    ret.macros.change_macro("Label sent", steps=["reply:Return label", "status:pending"])
    with pytest.raises(PermissionDenied, match="beyond your sources or usergroups"):
        ret.macros.change_macro("Refund done", steps=["status:pending"])
    with pytest.raises(PermissionDenied):
        ret.macros.add_macro("Anywhere", ["status:pending"])
    with pytest.raises(PermissionDenied):
        ret.macros.change_macro("Label sent", usergroups=["Returns", "Accounting"])
    ada.macros.change_macro("Label sent", usergroups=["Accounting"])
    with pytest.raises(PermissionDenied):
        ret.macros.remove_macro("Label sent")


def test_a_macro_offered_in_one_source_skips_the_tickets_of_others(
    demo_db: peewee.Database,
) -> None:
    ada = Gate(demo_db, "ada")
    ada.macros.add_macro("Allegro only", ["priority:urgent"], sources=["Allegro PL"])
    allegro = Source.get(Source.name == "Allegro PL").id
    inside = Ticket.select().where(Ticket.source == allegro, Ticket.priority != "urgent").first()
    outside = Ticket.select().where(Ticket.source != allegro, Ticket.priority != "urgent").first()
    outcome = ada.macros.apply_macro("Allegro only", [inside.number, outside.number])
    (step,) = outcome.steps
    assert step.changed == (inside.number,)
    assert dict(step.skipped) == {"macro Allegro only not offered there": (outside.number,)}
    assert Ticket.get_by_id(outside.number).priority == outside.priority
    assert Ticket.get_by_id(inside.number).priority == "urgent"


def test_the_demo_replies_and_macros_are_as_the_gate_would_save_them(
    demo_db: peewee.Database,
) -> None:
    """A dozen canned replies in two languages and four macros, each of which the gate would
    accept as it stands (its variables and steps checked)."""
    ada = Gate(demo_db, "ada")
    replies = ada.replies.list_replies()
    assert len(replies) >= 12
    assert sum("Dzień dobry" in r.body for r in replies) >= 5
    for reply in replies:
        ada.replies.add_reply(f"{reply.name} (again)", reply.body)
    macros = ada.macros.list_macros()
    assert len(macros) >= 4 and any(m.sources == ("Allegro PL",) for m in macros)
    assert any(step.startswith("tag:") for m in macros for step in m.steps)
    for macro in macros:
        ada.macros.add_macro(f"{macro.name} (again)", macro.steps, sources=macro.sources)


def test_an_editor_lists_the_replies_and_macros_they_may_edit(demo_db: peewee.Database) -> None:
    ada, vic = Gate(demo_db, "ada"), Gate(demo_db, "vic")
    pia = scoped_editor(demo_db, "pia", sources=["Allegro PL"], groups=[])
    every = ada.replies.list_replies()
    assert ada.replies.list_replies(editable=True) == every
    assert [r.name for r in pia.replies.list_replies(editable=True)] == [
        r.name for r in every if r.sources == ("Allegro PL",)
    ]
    assert vic.replies.list_replies() == every
    with pytest.raises(PermissionDenied, match=r"lacks replies\.edit"):
        vic.replies.list_replies(editable=True)
    pia.macros.add_macro("Allegro pending", ["status:pending"], sources=["Allegro PL"])
    mine = [m.name for m in pia.macros.list_macros(editable=True)]
    assert "Allegro pending" in mine
    assert mine == [m.name for m in ada.macros.list_macros() if m.sources == ("Allegro PL",)]
    assert len(ada.macros.list_macros(editable=True)) == len(ada.macros.list_macros())
    with pytest.raises(PermissionDenied, match=r"lacks macros\.edit"):
        vic.macros.list_macros(editable=True)
