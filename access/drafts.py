"""Drafts: the reply or note a person is writing on a ticket, saved as they type, so that a
quit, a crash or a dropped connection loses nothing.

A draft is the writer's own: every method reads and writes only the caller's drafts, and only
on a ticket they can still see with the right to write that kind there. Saving is one
statement (the rights are part of the upsert's SELECT), run often and cheaply; it writes no
audit event, because a draft is scratch. Sending a reply or note deletes the draft of that kind
in the same transaction (`drop_sent_draft`); a deactivated person's drafts stay, read by
nobody.

A reply draft keeps the files attached to it, their bytes (`attach_to_draft`): a file moved or
deleted after it was attached is still there to send. They go with the draft (the database
deletes them with its row), so a draft sent or discarded takes them along; a draft whose text
is emptied stays while it holds files.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import peewee

from access import scope
from access.catalogue import TICKETS_NOTE, TICKETS_REPLY, PermissionKey
from access.errors import InvalidInput, NotFound, PermissionDenied
from access.file_limit import refuse_over_limit
from access.grants import Grants
from access.request import Part
from access.vocabulary import NOTE, REPLY
from store.among import among
from store.models import Draft, DraftFile, Ticket
from store.rows import tuple_rows

DRAFT_KINDS: dict[str, PermissionKey] = {REPLY: TICKETS_REPLY, NOTE: TICKETS_NOTE}
MAX_DRAFT = 200_000  # the longest message the gate takes (access.tickets.MAX_BODY)


class KeptFile(NamedTuple):
    """A file attached to a reply draft."""

    id: int
    filename: str
    content_type: str
    data: bytes


class DraftView(NamedTuple):
    ticket: int
    kind: str  # reply or note
    body: str
    saved_at: datetime
    files: tuple[KeptFile, ...] = ()  # a reply's (read by `drafts_on`)


def may_write(grants: Grants, kind: str) -> scope.Predicate:
    """The tickets on which the person may write `kind`: the permission where it counts, and
    for a reply also their own ticket as its requester (their message to it)."""
    if kind not in DRAFT_KINDS:
        raise InvalidInput(f"{kind!r} is not a kind of draft (reply or note)")
    writable = scope.may(grants, DRAFT_KINDS[kind])
    if kind == REPLY:
        writable = writable | (scope.visible(grants) & (Ticket.requester == grants.person_id))
    return writable


def drop_sent_draft(person_id: int, number: int, permission: PermissionKey) -> None:
    """Inside the transaction that sends a reply or note (`permission` says which) on ticket
    `number`: that draft is sent."""
    drop_sent_drafts(person_id, [number], permission)


def drop_sent_drafts(person_id: int, numbers: list[int], permission: PermissionKey) -> None:
    """`drop_sent_draft` on many tickets, in one statement."""
    kind = next(k for k, needed in DRAFT_KINDS.items() if needed == permission)
    Draft.delete().where(
        (Draft.person == person_id) & among(Draft.ticket, numbers) & (Draft.kind == kind)
    ).execute()


class Drafts(Part):
    """`gate.drafts`: the caller's own drafts."""

    def save_draft(self, number: int, kind: str, body: str) -> None:
        """Keep `body` as the caller's draft of `kind` on ticket `number` (an empty text is no
        draft: it deletes the one kept). One upsert, whose SELECT carries the rights."""
        request = self._open()
        if not body.strip():
            self._empty(request.grants(), number, kind, request.clock())
            return
        if len(body) > MAX_DRAFT:
            raise InvalidInput(f"the message is longer than {MAX_DRAFT} characters")
        grants = request.grants()
        row = Ticket.select(
            peewee.Value(grants.person_id),
            Ticket.number,
            peewee.Value(kind),
            peewee.Value(body),
            peewee.Value(request.clock()),
        ).where((Ticket.number == number) & may_write(grants, kind))
        saved = (
            Draft.insert_from(
                row, [Draft.person, Draft.ticket, Draft.kind, Draft.body, Draft.saved_at]
            )
            .on_conflict(
                conflict_target=[Draft.person, Draft.ticket, Draft.kind],
                preserve=[Draft.body, Draft.saved_at],
            )
            .as_rowcount()
            .execute()
        )
        if not saved:
            raise self._draft_refused(grants, number, kind)

    def discard_draft(self, number: int, kind: str) -> bool:
        """Delete the caller's draft of `kind` on `number`, if the ticket is still theirs to
        see; whether there was one."""
        return self._discard(self._open().grants(), number, kind)

    @staticmethod
    def _discard(grants: Grants, number: int, kind: str) -> bool:
        deleted = Draft.delete().where(_own(grants, number, kind)).execute()
        return bool(deleted)

    @staticmethod
    def _empty(grants: Grants, number: int, kind: str, now: datetime) -> None:
        """The text was emptied: the draft goes, unless it holds files (kept, with no text)."""
        own = _own(grants, number, kind)
        with_files = Draft.id.in_(DraftFile.select(DraftFile.draft))
        Draft.update(body="", saved_at=now).where(own & with_files).execute()
        Draft.delete().where(own & ~with_files).execute()

    def attach_to_draft(
        self, number: int, filename: str, content_type: str, data: bytes
    ) -> KeptFile:
        """Keep a file with the caller's reply draft on `number` (begun with no text when
        there is none yet); the file as kept. A file over the gate's size limit is refused
        (`FileTooLarge`)."""
        request = self._open()
        grants = request.grants()
        if not filename.strip() or "/" in filename:
            raise InvalidInput(f"{filename!r} is not a file name")
        refuse_over_limit(filename, len(data), self._session.file_limit)
        writable = (Ticket.number == number) & may_write(grants, REPLY)
        with request.writing():
            if not Ticket.select().where(writable).exists():
                raise self._draft_refused(grants, number, REPLY)
            row = Ticket.select(
                peewee.Value(grants.person_id),
                Ticket.number,
                peewee.Value(REPLY),
                peewee.Value(""),
                peewee.Value(request.clock()),
            ).where(writable)
            columns = [Draft.person, Draft.ticket, Draft.kind, Draft.body, Draft.saved_at]
            Draft.insert_from(row, columns).on_conflict_ignore().execute()
            draft = Draft.get(_own(grants, number, REPLY))
            kept = DraftFile.create(
                draft=draft.id, filename=filename, content_type=content_type, data=data
            )
        return KeptFile(kept.id, filename, content_type, data)

    def detach_from_draft(self, number: int, file_id: int) -> bool:
        """Take the file `file_id` off the caller's reply draft on `number`; whether it was
        there."""
        own = Draft.select(Draft.id).where(_own(self._open().grants(), number, REPLY))
        deleted = (
            DraftFile.delete().where((DraftFile.id == file_id) & DraftFile.draft.in_(own)).execute()
        )
        return bool(deleted)

    def drafts_on(self, number: int) -> dict[str, DraftView]:
        """The caller's drafts on ticket `number`, by kind: only kinds they may still write
        there (the text of a note is not offered to someone who lost the right to note)."""
        grants = self._open().grants()
        drafts = {d.kind: d for d in self._own_drafts(grants, Draft.ticket == number)}
        if REPLY in drafts:
            files = (
                DraftFile.select(
                    DraftFile.id, DraftFile.filename, DraftFile.content_type, DraftFile.data
                )
                .join(Draft)
                .where(_own(grants, number, REPLY))
                .order_by(DraftFile.id)
            )
            kept = tuple(KeptFile(i, n, t, bytes(d)) for i, n, t, d in tuple_rows(files))
            drafts[REPLY] = drafts[REPLY]._replace(files=kept)
        return drafts

    def my_drafts(self) -> list[DraftView]:
        """Every draft the caller keeps on a ticket they may still write it on, newest first
        (without their files)."""
        return self._own_drafts(self._open().grants(), peewee.SQL("1 = 1"))

    @staticmethod
    def _own_drafts(grants: Grants, where: peewee.ColumnBase) -> list[DraftView]:
        kinds = [(Draft.kind == kind) & may_write(grants, kind) for kind in DRAFT_KINDS]
        query = (
            Draft.select(Draft.ticket, Draft.kind, Draft.body, Draft.saved_at)
            .join(Ticket, on=(Draft.ticket == Ticket.number))
            .where((Draft.person == grants.person_id) & where & (kinds[0] | kinds[1]))
            .order_by(Draft.saved_at.desc(), Draft.id.desc())
        )
        return [DraftView(*row) for row in tuple_rows(query)]

    @staticmethod
    def _draft_refused(grants: Grants, number: int, kind: str) -> Exception:
        if not Ticket.select().where((Ticket.number == number) & scope.visible(grants)).exists():
            return NotFound(f"no ticket #{number}")
        permission = DRAFT_KINDS[kind]
        return PermissionDenied(f"{grants.username} lacks {permission} on ticket #{number}")


def _own(grants: Grants, number: int, kind: str) -> peewee.ColumnBase:
    """The caller's draft of `kind` on ticket `number`, when they may still see the ticket
    (else `NotFound`)."""
    may_write(grants, kind)  # a known kind
    if not Ticket.select().where((Ticket.number == number) & scope.visible(grants)).exists():
        raise NotFound(f"no ticket #{number}")
    return (Draft.person == grants.person_id) & (Draft.ticket == number) & (Draft.kind == kind)
