"""Canned replies at the gate: edited with `replies.edit`, an unknown variable refused when
saved (one line naming it), offered by source and usergroup to whoever may reply on the
ticket, filled by plain substitution (a value with braces, markup or escape codes stays text)."""

from __future__ import annotations

import peewee
import pytest

from access import Gate, InvalidInput, NotFound, PermissionDenied
from access.canned_text import fill, variables_in
from access.catalogue import REPLIES_EDIT, REPLIES_LIST
from store.models import (
    AuditEvent,
    Person,
    RolePermission,
    SchemaVersion,
    Source,
    Ticket,
    Usergroup,
)
from store.reply_models import REPLY_MODELS, CannedReply
from store.schema import migrate


def ticket_where(*condition: peewee.Expression) -> Ticket:
    return Ticket.select().where(*condition).order_by(Ticket.number).first()


def test_an_unknown_variable_is_refused_when_saved(demo_db: peewee.Database) -> None:
    ada = Gate(demo_db, "ada")
    before = CannedReply.select().count()
    with pytest.raises(InvalidInput) as refused:
        ada.replies.add_reply("Typo", "Hello {{requester.frist_name}}, done.")
    line = str(refused.value)
    assert "\n" not in line
    assert line.startswith("unknown variable {{requester.frist_name}} in the canned reply")
    with pytest.raises(InvalidInput, match=r"\{\{ticket\.nmber\}\}"):
        ada.replies.change_reply("Refund approved", body="#{{ticket.nmber}}")
    assert CannedReply.select().count() == before
    # A custom field of usergroups is a variable, by its name.
    view = ada.replies.add_reply("Call us", "Call {{usergroup.Phone}} or {{ usergroup.name }}")
    assert view.body == "Call {{usergroup.Phone}} or {{ usergroup.name }}"


def test_edits_are_audited_and_need_replies_edit(demo_db: peewee.Database) -> None:
    ada, tom = Gate(demo_db, "ada"), Gate(demo_db, "tom")
    with pytest.raises(PermissionDenied):
        tom.replies.add_reply("Mine", "Hello")
    with pytest.raises(PermissionDenied):
        tom.replies.list_replies()
    view = ada.replies.add_reply("Thanks", "Thank you!", sources=["Phone"], usergroups=["Returns"])
    assert (view.sources, view.usergroups) == (("Phone",), ("Returns",))
    changed = ada.replies.change_reply("Thanks", body="Thanks a lot!", expected_version=1)
    assert changed.version == 2 and changed.body == "Thanks a lot!"
    ada.replies.remove_reply("Thanks")
    assert "Thanks" not in {r.name for r in ada.replies.list_replies()}
    actions = [e.action for e in AuditEvent.select().where(AuditEvent.target_kind == "canned")]
    assert actions == ["canned.create", "canned.change", "canned.delete"]


def test_offered_by_source_and_usergroup_to_who_may_reply(demo_db: peewee.Database) -> None:
    ada, ali = Gate(demo_db, "ada"), Gate(demo_db, "ali")
    allegro = Source.get(Source.name == "Allegro PL").id
    returns = Usergroup.get(Usergroup.name == "Returns").id
    on_allegro = ticket_where(Ticket.source == allegro, Ticket.usergroup != returns)
    on_returns = ticket_where(Ticket.source != allegro, Ticket.usergroup == returns)
    offered = {r.name for r in ada.replies.replies_for(on_allegro.number)}
    assert {"Zwrot zatwierdzony", "Refund approved"} <= offered
    assert "Return label" not in offered
    offered = {r.name for r in ada.replies.replies_for(on_returns.number)}
    assert {"Return label", "Refund approved"} <= offered
    assert "Zwrot zatwierdzony" not in offered
    with pytest.raises(NotFound):
        ada.replies.fill_reply(on_returns.number, "Zwrot zatwierdzony")
    # ali replies on Allegro only: elsewhere nothing is offered to him.
    assert ali.replies.replies_for(on_allegro.number)
    with pytest.raises(NotFound):
        ali.replies.replies_for(on_returns.number)
    vic = Gate(demo_db, "vic")  # sees every ticket, replies on none
    with pytest.raises(PermissionDenied):
        vic.replies.fill_reply(on_allegro.number, "Refund approved")


def test_filling_is_plain_substitution(demo_db: peewee.Database) -> None:
    ada = Gate(demo_db, "ada")
    ticket = ticket_where(Ticket.usergroup == Usergroup.get(Usergroup.name == "Returns").id)
    hostile = "[b]Eve[/b] {{agent.name}} {0} %s \x1b[31m"
    Person.update(display_name=hostile).where(Person.id == ticket.requester_id).execute()
    ada.replies.add_reply(
        "Probe",
        "{{requester.first_name}}|{{requester.name}}|#{{ticket.number}}|"
        "{{agent.name}}|{{usergroup.name}}|{{usergroup.Phone}}",
    )
    text = ada.replies.fill_reply(ticket.number, "Probe")
    assert text == (f"[b]Eve[/b]|{hostile}|#{ticket.number}|Ada Lovelace|Returns|+48 12 345 67 89")


def test_fill_and_variables() -> None:
    assert variables_in("{{a}} {{ b }} {{a}}") == ["a", "b"]
    assert fill("{{A}}-{{gone}}-{{b}}", {"a": "{{b}}", "b": "\\1"}) == "{{b}}--\\1"


def test_migration_17_adds_the_tables_and_gives_role_editors_the_rights(
    demo_db: peewee.Database,
) -> None:
    demo_db.drop_tables(REPLY_MODELS)
    RolePermission.delete().where(RolePermission.permission.startswith("replies.")).execute()
    SchemaVersion.delete().where(SchemaVersion.version == 17).execute()
    migrate(demo_db)
    ada = Gate(demo_db, "ada")
    assert ada.replies.list_replies() == []
    assert ada.me.holds(REPLIES_EDIT)
    assert not Gate(demo_db, "tom").me.holds(REPLIES_LIST)
