"""Canned replies through the gate (`gate.replies`): seen with `replies.list`, added, changed
and removed with `replies.edit`, versioned and audited; offered on a ticket, and filled for it,
to whoever may reply there (the right to use them is the right to reply).

A canned reply is offered in the sources and usergroups it names (none named: in all). An
editor whose role is scoped manages only those of their sources and usergroups
(`access.edit_scope`)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, NamedTuple

from access.audit_actions import CANNED_CHANGE, CANNED_CREATE, CANNED_DELETE
from access.canned_text import check_variables, fill, values_for
from access.catalogue import REPLIES_EDIT, REPLIES_LIST, TICKETS_REPLY
from access.edit_scope import covers, require_covers
from access.errors import NoChange, NotFound
from access.filing import clean_body
from access.grants import Grants
from access.lookup import canned_reply_named, require_free_name, source_named, usergroup_named
from access.request import Part
from access.tickets import allowed_here, parse_number, refuse, visible_ticket
from access.validation import checked_name
from access.versions import bump, check_fresh
from store.models import Person, Source, Ticket, Usergroup
from store.reply_models import CannedReply, Macro
from store.rows import tuple_rows


class CannedReplyView(NamedTuple):
    name: str
    body: str
    sources: tuple[str, ...]  # offered there only (none: everywhere)
    usergroups: tuple[str, ...]
    version: int

    def logged(self) -> dict[str, Any]:
        """What the audit log keeps of it."""
        return {
            "name": self.name,
            "body": self.body,
            "sources": list(self.sources),
            "usergroups": list(self.usergroups),
        }


class Replies(Part):
    """`gate.replies`: the canned replies, and those offered on a ticket."""

    def list_replies(self, *, editable: bool = False) -> list[CannedReplyView]:
        """Every canned reply (`replies.list`); with `editable`, only those this person may
        edit (`replies.edit`, within the scope of their roles that grant it)."""
        request = self._open()
        if not editable:
            request.require(REPLIES_LIST)
            return _read_all()
        return _read_all(editor=request.require(REPLIES_EDIT))

    def add_reply(
        self,
        name: str,
        body: str,
        *,
        sources: Iterable[str] = (),
        usergroups: Iterable[str] = (),
    ) -> CannedReplyView:
        """A canned reply; a variable it names that does not exist refuses it."""
        request = self._open()
        grants = request.require(REPLIES_EDIT)
        name = checked_name(name, "canned reply name")
        body = check_variables(clean_body(body), "canned reply")
        with request.writing():
            require_free_name(CannedReply.name, name, "canned reply")
            offered_in = ids_text(source_named(s).id for s in sources)
            offered_to = ids_text(usergroup_named(g).id for g in usergroups)
            require_covers(grants, REPLIES_EDIT, offered_in, offered_to, f"canned reply {name}")
            row = CannedReply.create(
                name=name, body=body, sources=offered_in, usergroups=offered_to
            )
            view = _read(row)
            request.record(CANNED_CREATE, "canned", row.id, after=view.logged())
        return view

    def change_reply(
        self,
        name: str,
        *,
        new_name: str | None = None,
        body: str | None = None,
        sources: Iterable[str] | None = None,
        usergroups: Iterable[str] | None = None,
        expected_version: int | None = None,
    ) -> CannedReplyView:
        """Change what is given; the rest stays."""
        request = self._open()
        grants = request.require(REPLIES_EDIT)
        changes: dict[str, object] = {}
        if new_name is not None:
            changes["name"] = checked_name(new_name, "canned reply name")
        if body is not None:
            changes["body"] = check_variables(clean_body(body), "canned reply")
        with request.writing():
            row = _editable(grants, name)
            check_fresh(row, expected_version, f"canned reply {name}")
            before = _read(row)
            if changes.get("name", row.name) != row.name:
                require_free_name(CannedReply.name, new_name or "", "canned reply")
            if sources is not None:
                changes["sources"] = ids_text(source_named(s).id for s in sources)
            if usergroups is not None:
                changes["usergroups"] = ids_text(usergroup_named(g).id for g in usergroups)
            CannedReply.update(changes).where(CannedReply.id == row.id).execute()
            changed = CannedReply.get_by_id(row.id)
            require_covers(
                grants, REPLIES_EDIT, changed.sources, changed.usergroups, f"canned reply {name}"
            )
            after = _read(changed)
            if after.logged() == before.logged():
                raise NoChange(f"canned reply {name} is already so; nothing changed")
            version = bump(row, expected_version, f"canned reply {name}")
            request.record(
                CANNED_CHANGE, "canned", row.id, before=before.logged(), after=after.logged()
            )
        return after._replace(version=version)

    def copy_reply(self, name: str, new_name: str) -> CannedReplyView:
        """A new canned reply `new_name` with the body and places of `name`."""
        request = self._open()
        grants = request.require(REPLIES_EDIT)
        new_name = checked_name(new_name, "canned reply name")
        with request.writing():
            row = _editable(grants, name)
            require_free_name(CannedReply.name, new_name, "canned reply")
            copy = CannedReply.create(
                name=new_name, body=row.body, sources=row.sources, usergroups=row.usergroups
            )
            view = _read(copy)
            request.record(CANNED_CREATE, "canned", copy.id, after=view.logged())
        return view

    def remove_reply(self, name: str, *, expected_version: int | None = None) -> None:
        request = self._open()
        grants = request.require(REPLIES_EDIT)
        with request.writing():
            row = _editable(grants, name)
            check_fresh(row, expected_version, f"canned reply {name}")
            CannedReply.delete().where(CannedReply.id == row.id).execute()
            request.record(CANNED_DELETE, "canned", row.id, before=_read(row).logged())

    def replies_for(self, number: int | str) -> list[CannedReplyView]:
        """The canned replies offered on ticket `number`, by name: for whoever may reply there."""
        ticket = _ticket_to_reply_on(self._open().grants(), parse_number(number))
        return _read_all(ticket)

    def fill_reply(self, number: int | str, name: str) -> str:
        """The canned reply `name` with its variables filled for ticket `number`, written by
        this person: the text to edit and send."""
        grants = self._open().grants()
        ticket = _ticket_to_reply_on(grants, parse_number(number))
        return filled(ticket, name, Person.get_by_id(grants.person_id))


def filled(ticket: Ticket, name: str, agent: Person) -> str:
    """The canned reply `name` filled for `ticket` by `agent`, when it is offered there; else
    `NotFound` (no check of the person's rights: the caller made it)."""
    row = CannedReply.get_or_none(CannedReply.name == name)
    if row is None or not is_offered(row, ticket.source_id, ticket.usergroup_id):
        raise NotFound(f"no canned reply named {name!r} for #{ticket.number}")
    return fill(row.body, values_for(ticket, agent))


def is_offered(row: CannedReply | Macro, source_id: int, usergroup_id: int | None) -> bool:
    """Whether the canned reply (or macro) is offered on a ticket of that source and
    usergroup."""
    return _offered(json.loads(row.sources), json.loads(row.usergroups), source_id, usergroup_id)


def _offered(
    sources: list[int], groups: list[int], source_id: int, usergroup_id: int | None
) -> bool:
    return (not sources or source_id in sources) and (not groups or usergroup_id in groups)


def _editable(grants: Grants, name: str) -> CannedReply:
    """The canned reply `name`, when it is within the editor's scope."""
    row = canned_reply_named(name)
    require_covers(grants, REPLIES_EDIT, row.sources, row.usergroups, f"canned reply {name}")
    return row


def _ticket_to_reply_on(grants: Grants, number: int) -> Ticket:
    ticket = visible_ticket(grants, number)
    if TICKETS_REPLY not in allowed_here(grants, number):
        raise refuse(grants, number, TICKETS_REPLY)
    return ticket


def ids_text(ids: Iterable[int]) -> str:
    return json.dumps(sorted(set(ids)))


def _read_all(ticket: Ticket | None = None, editor: Grants | None = None) -> list[CannedReplyView]:
    """The canned replies by name (with `ticket`: those offered there; with `editor`: those
    within their scope to edit), as shown: read as
    plain rows, the names of their sources and usergroups read once (the composer's list
    opens on thousands)."""
    sources = dict(tuple_rows(Source.select(Source.id, Source.name)))
    groups = dict(tuple_rows(Usergroup.select(Usergroup.id, Usergroup.name)))

    def names(found: dict[int, str], ids: list[int]) -> tuple[str, ...]:
        return tuple(sorted(found.get(i, f"#{i} (deleted)") for i in ids))

    query = CannedReply.select(
        CannedReply.name,
        CannedReply.body,
        CannedReply.sources,
        CannedReply.usergroups,
        CannedReply.version,
    ).order_by(CannedReply.name)
    views = []
    for name, body, source_text, group_text, version in tuple_rows(query):
        source_ids, group_ids = _ids_of(source_text), _ids_of(group_text)
        if ticket is not None and not _offered(
            source_ids, group_ids, ticket.source_id, ticket.usergroup_id
        ):
            continue
        if editor is None or covers(editor, REPLIES_EDIT, source_text, group_text):
            views.append(
                CannedReplyView(
                    name, body, names(sources, source_ids), names(groups, group_ids), version
                )
            )
    return views


def _ids_of(text: str) -> list[int]:
    return [] if text == "[]" else list(json.loads(text))


def _read(row: CannedReply) -> CannedReplyView:
    """The canned reply as shown; a source or usergroup deleted since is named by its id."""
    return CannedReplyView(
        name=row.name,
        body=row.body,
        sources=place_names(Source, json.loads(row.sources)),
        usergroups=place_names(Usergroup, json.loads(row.usergroups)),
        version=row.version,
    )


def place_names(model: type[Source] | type[Usergroup], ids: list[int]) -> tuple[str, ...]:
    if not ids:
        return ()
    rows = model.select(model.id, model.name).where(model.id.in_(ids))
    found = {row.id: row.name for row in rows}
    return tuple(sorted(found.get(i, f"#{i} (deleted)") for i in ids))
