"""Signatures through the gate (`gate.signatures`): the text under the replies that leave a
source by mail, the source's own or one agent's on that source (which takes its place for that
agent's replies). It is added when the reply is composed as an e-mail (`access.outbox`), so the
ticket keeps the reply as written and a note never gets one; the composer shows it.

A source's signature and another agent's are set with `replies.edit` on a role that covers the
source; an agent sets their own with the right to reply. Variables as in canned replies
(`access.canned_text`)."""

from __future__ import annotations

from typing import NamedTuple

import peewee

from access.audit_actions import SIGNATURE_SET
from access.canned_text import check_variables, signature_row, signature_text
from access.catalogue import REPLIES_EDIT, REPLIES_LIST, TICKETS_REPLY
from access.errors import InvalidInput, NoChange, PermissionDenied
from access.lookup import person_named, source_named
from access.outbox import outgoing
from access.request import Part
from access.sources import covers_source
from access.tickets import parse_number, refuse, visible_and_allowed
from store.models import Person, Source
from store.reply_models import Signature
from store.rows import tuple_rows

MAX_SIGNATURE = 2000


class SignatureView(NamedTuple):
    source: str
    username: str | None  # None: the source's own
    body: str


class Signatures(Part):
    """`gate.signatures`: set, list, and the one a reply on a ticket would get."""

    def set_signature(self, source: str, body: str, *, username: str | None = None) -> None:
        """The signature of `source` (with `username`: that agent's there); an empty body
        removes it."""
        request = self._open()
        grants = request.grants()
        own = username == grants.username
        request.require(TICKETS_REPLY if own else REPLIES_EDIT)
        body = body.strip("\n")
        if len(body) > MAX_SIGNATURE:
            raise InvalidInput(f"the signature is longer than {MAX_SIGNATURE} characters")
        check_variables(body, "signature")
        with request.writing():
            source_id = source_named(source).id
            if not own and not covers_source(grants, REPLIES_EDIT, source_id):
                raise PermissionDenied(f"{grants.username} lacks {REPLIES_EDIT} on source {source}")
            person_id = None if username is None else person_named(username).id
            row = signature_row(source_id, person_id)
            before = "" if row is None else row.body
            if before == body:
                raise NoChange("the signature is already so; nothing changed")
            if row is not None:
                Signature.delete().where(Signature.id == row.id).execute()
            if body:
                Signature.create(source=source_id, person=person_id, body=body)
            request.record(
                SIGNATURE_SET,
                "source",
                source_id,
                before={"person": username, "body": before},
                after={"person": username, "body": body},
            )

    def list_signatures(self) -> list[SignatureView]:
        self._open().require(REPLIES_LIST)
        rows = tuple_rows(
            Signature.select(Source.name, Person.username, Signature.body)
            .join(Source)
            .switch(Signature)
            .join(Person, peewee.JOIN.LEFT_OUTER, on=(Signature.person == Person.id))
            .order_by(Source.name, Person.username)
        )
        return [SignatureView(*row) for row in rows]

    def signature_for(self, number: int | str) -> str:
        """The signature a reply by this person on ticket `number` leaves with, filled; ""
        when none, or when the reply would not leave by mail."""
        grants = self._open().grants()
        number = parse_number(number)
        ticket, allowed = visible_and_allowed(grants, number)
        if TICKETS_REPLY not in allowed:
            raise refuse(grants, number, TICKETS_REPLY)
        if outgoing(ticket).unsent:
            return ""
        return signature_text(ticket, Person.get_by_id(grants.person_id))
