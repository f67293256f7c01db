"""Canned replies through the gate (`gate.replies`): seen with `replies.list`, added, changed
and removed with `replies.edit`, versioned and audited; offered on a ticket, and filled for it,
to whoever may reply there (the right to use them is the right to reply).

A canned reply is offered in the sources and usergroups it names (none named: in all)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, NamedTuple

from access.audit_actions import CANNED_CHANGE, CANNED_CREATE, CANNED_DELETE
from access.canned_text import check_variables, fill, values_for
from access.catalogue import REPLIES_EDIT, REPLIES_LIST, TICKETS_REPLY
from access.errors import NoChange, NotFound
from access.filing import clean_body
from access.grants import Grants
from access.lookup import canned_reply_named, require_free_name, source_named, usergroup_named
from access.request import Part
from access.tickets import allowed_here, parse_number, refuse, visible_ticket
from access.validation import checked_name
from access.versions import bump, check_fresh
from store.models import Person, Source, Ticket, Usergroup
from store.reply_models import CannedReply


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

    def list_replies(self) -> list[CannedReplyView]:
        self._open().require(REPLIES_LIST)
        return [_read(row) for row in CannedReply.select().order_by(CannedReply.name)]

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
        request.require(REPLIES_EDIT)
        name = checked_name(name, "canned reply name")
        body = check_variables(clean_body(body), "canned reply")
        with request.writing():
            require_free_name(CannedReply.name, name, "canned reply")
            row = CannedReply.create(
                name=name,
                body=body,
                sources=_ids(source_named(s).id for s in sources),
                usergroups=_ids(usergroup_named(g).id for g in usergroups),
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
        request.require(REPLIES_EDIT)
        changes: dict[str, object] = {}
        if new_name is not None:
            changes["name"] = checked_name(new_name, "canned reply name")
        if body is not None:
            changes["body"] = check_variables(clean_body(body), "canned reply")
        with request.writing():
            row = canned_reply_named(name)
            check_fresh(row, expected_version, f"canned reply {name}")
            before = _read(row)
            if changes.get("name", row.name) != row.name:
                require_free_name(CannedReply.name, new_name or "", "canned reply")
            if sources is not None:
                changes["sources"] = _ids(source_named(s).id for s in sources)
            if usergroups is not None:
                changes["usergroups"] = _ids(usergroup_named(g).id for g in usergroups)
            CannedReply.update(changes).where(CannedReply.id == row.id).execute()
            after = _read(CannedReply.get_by_id(row.id))
            if after.logged() == before.logged():
                raise NoChange(f"canned reply {name} is already so; nothing changed")
            version = bump(row, expected_version, f"canned reply {name}")
            request.record(
                CANNED_CHANGE, "canned", row.id, before=before.logged(), after=after.logged()
            )
        return after._replace(version=version)

    def remove_reply(self, name: str, *, expected_version: int | None = None) -> None:
        request = self._open()
        request.require(REPLIES_EDIT)
        with request.writing():
            row = canned_reply_named(name)
            check_fresh(row, expected_version, f"canned reply {name}")
            CannedReply.delete().where(CannedReply.id == row.id).execute()
            request.record(CANNED_DELETE, "canned", row.id, before=_read(row).logged())

    def replies_for(self, number: int | str) -> list[CannedReplyView]:
        """The canned replies offered on ticket `number`, by name: for whoever may reply there."""
        ticket = _ticket_to_reply_on(self._open().grants(), parse_number(number))
        return [_read(row) for row in offered_on(ticket)]

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


def offered_on(ticket: Ticket) -> list[CannedReply]:
    rows = CannedReply.select().order_by(CannedReply.name)
    return [row for row in rows if is_offered(row, ticket.source_id, ticket.usergroup_id)]


def is_offered(row: CannedReply, source_id: int, usergroup_id: int | None) -> bool:
    """Whether the canned reply is offered on a ticket of that source and usergroup."""
    sources, groups = json.loads(row.sources), json.loads(row.usergroups)
    return (not sources or source_id in sources) and (not groups or usergroup_id in groups)


def _ticket_to_reply_on(grants: Grants, number: int) -> Ticket:
    ticket = visible_ticket(grants, number)
    if TICKETS_REPLY not in allowed_here(grants, number):
        raise refuse(grants, number, TICKETS_REPLY)
    return ticket


def _ids(ids: Iterable[int]) -> str:
    return json.dumps(sorted(set(ids)))


def _read(row: CannedReply) -> CannedReplyView:
    """The canned reply as shown; a source or usergroup deleted since is named by its id."""
    return CannedReplyView(
        name=row.name,
        body=row.body,
        sources=_named(Source, json.loads(row.sources)),
        usergroups=_named(Usergroup, json.loads(row.usergroups)),
        version=row.version,
    )


def _named(model: type[Source] | type[Usergroup], ids: list[int]) -> tuple[str, ...]:
    if not ids:
        return ()
    rows = model.select(model.id, model.name).where(model.id.in_(ids))
    found = {row.id: row.name for row in rows}
    return tuple(sorted(found.get(i, f"#{i} (deleted)") for i in ids))
