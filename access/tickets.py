"""Tickets through the gate: the scoped reads (list, counts, search, detail) and the actions."""

from __future__ import annotations

import operator
import re
from collections.abc import Mapping
from functools import reduce
from typing import Any, NamedTuple

import peewee

from access import scope
from access.audit_actions import TICKET_DELETE, TICKET_NOTE
from access.catalogue import (
    AUDIT_VIEW,
    PEOPLE_LIST,
    TICKET_PERMISSIONS,
    TICKETS_DELETE,
    TICKETS_REPLY,
    TICKETS_VIEW,
    TICKETS_VIEW_CONTACT,
    TICKETS_VIEW_NOTES,
    PermissionKey,
)
from access.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from access.follow_ups import follow_up_links, without_unseen_links
from access.gate import GateBase, conflict_if_stale
from access.grants import Grants
from access.outbox import outgoing
from access.views import (
    HAND_BACK,
    REQUESTER_MESSAGE,
    AttachmentView,
    AuditView,
    FieldValue,
    GroupCount,
    MessageView,
    ReplyRoute,
    TicketDetail,
    TicketQuery,
    TicketRow,
    ticket_reference,
)
from access.vocabulary import (
    CLOSED,
    NOTE,
    QUEUED,
    REPLY,
    TICKET_ORDERS,
    TICKET_PRIORITIES,
    TICKET_STATUSES,
    UNSENT,
)
from store import dialect, search
from store.changes import newest_event
from store.models import (
    Attachment,
    AuditEvent,
    CustomField,
    CustomFieldValue,
    MailAccount,
    Message,
    OutboxItem,
    Person,
    Source,
    Ticket,
    Usergroup,
    utcnow,
)
from store.planner import unindexed
from store.rows import dict_row, dict_rows, selected, tuple_rows

Requester = Person.alias("requester")
Assignee = Person.alias("assignee")

_NUMBER = re.compile(r"^#?([0-9]{1,18})$")
_SEARCH_WORD = re.compile(r"\w+", re.UNICODE)
# A search matches the tickets of at most this many requesters by name or e-mail.
MAX_REQUESTERS = 500
MAX_SEARCH_WORDS = 32

# A reply is wrong once the ticket was settled meanwhile (see `TicketDesk.reply`).
SETTLED = ("resolved", CLOSED)


def parse_number(text: str | int) -> int:
    """A ticket number from user input: digits only (an optional leading #), nothing else."""
    if isinstance(text, int):
        return text
    match = _NUMBER.match(text.strip())
    if not match:
        raise InvalidInput(f"{text!r} is not a ticket number")
    return int(match.group(1))


class _Locked(NamedTuple):
    """A ticket read for a change inside its transaction, and whether the permission the
    change needs counts there (`allowed`)."""

    ticket: Ticket
    allowed: bool


class TicketDesk(GateBase):
    # ----------------------------------------------------------------- reads

    def _filtered(
        self, grants: Grants, query: TicketQuery, *, in_order: bool = False
    ) -> scope.Predicate:
        """The tickets in scope that `query` selects; `in_order` when a page is read in inbox
        order (the search may then plan for that order)."""
        where = scope.visible(grants)
        if query.statuses:
            unknown = set(query.statuses) - set(TICKET_STATUSES)
            if unknown:
                raise InvalidInput(f"unknown status {sorted(unknown)[0]!r}")
            # One status keeps its index (already in inbox order); several are tested per row
            # along the covering inbox index, which gives the order without a sort.
            status = Ticket.status if len(query.statuses) == 1 else unindexed(Ticket.status)
            where &= status.in_(list(query.statuses))
        if query.priorities:
            unknown = set(query.priorities) - set(TICKET_PRIORITIES)
            if unknown:
                raise InvalidInput(f"unknown priority {sorted(unknown)[0]!r}")
            where &= unindexed(Ticket.priority).in_(list(query.priorities))
        if query.usergroups:
            ids = [g for g in query.usergroups if g is not None]
            parts: list[scope.Predicate] = []
            if ids:
                parts.append(Ticket.usergroup.in_(ids))
            if None in query.usergroups:
                parts.append(Ticket.usergroup.is_null())
            where &= scope._any(parts)
        if query.sources:
            where &= Ticket.source.in_(list(query.sources))
        if query.mine:
            where &= Ticket.assignee == grants.person_id
        if query.unassigned:
            where &= Ticket.assignee.is_null()
        if query.assignee:
            where &= Ticket.assignee == _person_filtered_by(grants, query.assignee)
        if query.requester:
            where &= Ticket.requester == _person_filtered_by(grants, query.requester)
        if query.search.strip():
            where &= self._matching(grants, query.search, in_order)
        return where

    def _matching(self, grants: Grants, text: str, in_order: bool) -> scope.Predicate:
        """`#42` is that ticket. Otherwise every word in the subject or the public
        conversation (notes count only where the person may read notes on that ticket), or in
        the requester's name (their e-mail only where the person may see contacts)."""
        number = ticket_reference(text)
        if number is not None:
            return Ticket.number == number
        _check_search_length(text)
        notes_ok = scope.may(grants, TICKETS_VIEW_NOTES)
        if notes_ok is scope.FALSE:
            in_text = search.public_match(text, in_order=in_order)
        elif notes_ok is scope.TRUE:
            in_text = search.any_match(text, in_order=in_order)
        else:
            public = search.public_match(text, in_order=in_order)
            in_text = public | (search.any_match(text, in_order=in_order) & notes_ok)
        by_name, by_email = _requesters_matching(text)
        if by_name:
            in_text |= Ticket.requester.in_(by_name)
        if by_email:
            contact_ok = scope.may(grants, TICKETS_VIEW_CONTACT)
            if contact_ok is not scope.FALSE:
                in_text |= Ticket.requester.in_(by_email) & contact_ok
        return in_text

    def _asker(self, grants: Grants, text: str) -> search.Asker | None:
        """The search as a question about one ticket, where notes are readable everywhere the
        person looks or nowhere (a mixed scope needs the ticket's columns beside the answer),
        and no requester's name or e-mail matches (the question asks only the text)."""
        if not text.strip() or ticket_reference(text) is not None:
            return None
        _check_search_length(text)
        if any(_requesters_matching(text)):
            return None
        notes_ok = scope.may(grants, TICKETS_VIEW_NOTES)
        if notes_ok is scope.TRUE or notes_ok is scope.FALSE:
            return search.asker(text, include_notes=notes_ok is scope.TRUE)
        return None

    def _rows(self, grants: Grants, where: scope.Predicate) -> peewee.ModelSelect[Ticket]:
        as_supervisor = peewee.Case(None, [(scope.as_supervisor(grants), 1)], 0)
        as_assignee = peewee.Case(None, [(scope.as_assignee(grants), 1)], 0)
        return (
            Ticket.select(
                Ticket.number,
                Ticket.subject,
                Ticket.status,
                Ticket.priority,
                Ticket.private,
                Ticket.created_at,
                Ticket.updated_at,
                Ticket.version,
                Requester.username.alias("requester_name"),
                Usergroup.name.alias("group_name"),
                Source.name.alias("source_name"),
                Assignee.username.alias("assignee_name"),
                as_supervisor.alias("as_supervisor"),
                as_assignee.alias("as_assignee"),
            )
            .join(Requester, on=(Ticket.requester == Requester.id))
            .switch(Ticket)
            .join(Source, on=(Ticket.source == Source.id))
            .switch(Ticket)
            .join(Usergroup, peewee.JOIN.LEFT_OUTER, on=(Ticket.usergroup == Usergroup.id))
            .switch(Ticket)
            .join(Assignee, peewee.JOIN.LEFT_OUTER, on=(Ticket.assignee == Assignee.id))
            .where(where)
        )

    @staticmethod
    def _row(data: dict[str, Any]) -> TicketRow:
        return TicketRow(
            number=data["number"],
            subject=data["subject"],
            requester=data["requester_name"],
            usergroup=data["group_name"],
            source=data["source_name"],
            status=data["status"],
            priority=data["priority"],
            assignee=data["assignee_name"],
            private=bool(data["private"]),
            created_at=data["created_at"],
            updated_at=data["updated_at"],
            version=data["version"],
            as_supervisor=bool(data["as_supervisor"]),
            as_assignee=bool(data["as_assignee"]),
        )

    def list_tickets(
        self,
        query: TicketQuery | None = None,
        *,
        offset: int = 0,
        limit: int = 100,
        total: int | None = None,
    ) -> list[TicketRow]:
        """A page of the tickets in scope, newest activity first.

        With `total` (the count the caller already has), a page past the middle is read from
        the other end of the index, so jumping to the end costs the same as the first page.
        """
        if offset < 0 or limit < 0:
            raise InvalidInput("offset and limit must not be negative")
        query = query or TicketQuery()
        grants = self.grants()
        if query.order not in TICKET_ORDERS:
            raise InvalidInput(f"unknown order {query.order!r}; one of {', '.join(TICKET_ORDERS)}")
        newest_first = query.order != "waiting"
        reverse = False
        if total is not None and offset > total // 2:
            end = min(offset + limit, total)
            offset, limit = total - end, max(0, end - offset)
            reverse = True
        order = _order(query.order, reverse)
        page_keys: Any = None
        ask = self._asker(grants, query.search) if query.order != "priority" else None
        if ask is not None:  # a word in most tickets: ask about the newest ones in turn
            in_scope = Ticket.select(Ticket.number, Ticket.updated_at).where(
                self._filtered(grants, query._replace(search=""))
            )
            page_keys = search.page_by_asking(in_scope, newest_first != reverse, ask, offset, limit)
        if page_keys is None:
            # Skip rows over the ticket index alone, then join names for the one page.
            keys = Ticket.select(Ticket.number).where(self._filtered(grants, query, in_order=True))
            page_keys = keys.order_by(*order).offset(offset).limit(limit)
        page = self._rows(grants, Ticket.number.in_(page_keys)).order_by(*order)
        rows = [self._row(d) for d in dict_rows(page)]
        return rows[::-1] if reverse else rows

    def last_change(self) -> int:
        """The newest audit event: a session's change feed starts after it. Needs no right: the
        number tells only that changes were made, not which; the feed reads them through the
        person's scope."""
        return newest_event()

    def count_tickets(self, query: TicketQuery | None = None) -> int:
        query = query or TicketQuery()
        grants = self.grants()
        return Ticket.select().where(self._filtered(grants, query)).count()

    def ticket_position(self, query: TicketQuery, number: int) -> int | None:
        """Where ticket `number` sits in the list `query` selects (how many of its tickets
        come before it in the query's order), or None when the list does not hold it: a list
        keeps its cursor on a ticket after others' changes re-sort it. Two statements: the
        ticket's sort keys, then a count over the part of the order's index before them."""
        grants = self.grants()
        if query.order not in TICKET_ORDERS:
            raise InvalidInput(f"unknown order {query.order!r}; one of {', '.join(TICKET_ORDERS)}")
        where = self._filtered(grants, query)
        keys = (
            Ticket.select(Ticket.updated_at, Ticket.priority)
            .where((Ticket.number == number) & where)
            .tuples()
            .first()
        )
        if keys is None:
            return None
        updated_at, priority = keys
        before = _before(query.order, number, updated_at, priority)
        return int(Ticket.select().where(where & before).count())

    def group_counts(self, query: TicketQuery | None = None) -> list[GroupCount]:
        """Tickets in scope per usergroup (the group filter), the query's group filter ignored."""
        query = query or TicketQuery()
        grants = self.grants()
        base = TicketQuery(
            statuses=query.statuses,
            sources=query.sources,
            assignee=query.assignee,
            requester=query.requester,
            mine=query.mine,
            unassigned=query.unassigned,
            search=query.search,
        )
        # Grouped on `+usergroup` so the planner scans the covering inbox index once instead
        # of walking the usergroup index with a table lookup per ticket.
        unscoped = scope.visible(grants) is scope.TRUE
        group = Ticket.usergroup if unscoped else scope.scoped_column(Ticket.usergroup)
        counted = (
            Ticket.select(group.alias("g"), peewee.fn.COUNT(Ticket.number).alias("n"))
            .where(self._filtered(grants, base))
            .group_by(group)
        )
        per_group = {row["g"]: row["n"] for row in dict_rows(counted)}
        names = {
            g.id: g.name
            for g in Usergroup.select(Usergroup.id, Usergroup.name).where(
                Usergroup.id.in_([k for k in per_group if k is not None])
            )
        }
        result = [GroupCount(gid, names[gid], n) for gid, n in per_group.items() if gid in names]
        result.sort(key=lambda g: g.name.casefold())
        if None in per_group:
            result.append(GroupCount(None, "(no group)", per_group[None]))
        return result

    def _visible_ticket(self, grants: Grants, number: int) -> Ticket:
        ticket = Ticket.get_or_none((Ticket.number == number) & scope.visible(grants))
        if ticket is None:
            raise NotFound(f"no ticket #{number}")
        return ticket

    def allowed_on(self, number: int | str) -> frozenset[str]:
        """The ticket permissions that count for this person on this ticket: about the person
        themselves, on a ticket they see (any other is `NotFound`)."""
        number = parse_number(number)
        grants = self.grants()
        self._visible_ticket(grants, number)
        return self._allowed(grants, number)

    def _allowed(self, grants: Grants, number: int) -> frozenset[str]:
        keys = sorted(TICKET_PERMISSIONS)
        columns = [
            peewee.Case(None, [(scope.may(grants, key), 1)], 0).alias(f"p{i}")
            for i, key in enumerate(keys)
        ]
        row = Ticket.select(*columns).where(Ticket.number == number).tuples().first()
        return frozenset(key for key, flag in zip(keys, row or (), strict=False) if flag)

    def get_ticket(self, number: int | str) -> TicketDetail:
        number = parse_number(number)
        grants = self.grants()
        ticket = self._visible_ticket(grants, number)
        allowed = self._allowed(grants, number)
        is_requester = ticket.requester_id == grants.person_id
        if TICKETS_VIEW not in allowed and not is_requester:
            raise PermissionDenied(f"{self.username} may list #{number} but not open it")
        row = self._row(dict_row(self._rows(grants, Ticket.number == number)))
        shown = Message.select(Message, Person).join(Person).where(Message.ticket == number)
        if TICKETS_VIEW_NOTES not in allowed:
            shown = shown.where(Message.kind != NOTE)
        requester = Person.get_by_id(ticket.requester_id)
        contact = TICKETS_VIEW_CONTACT in allowed or is_requester
        messages = list(shown.order_by(Message.created_at, Message.id))
        files = _attachments_of([m.id for m in messages])
        deliveries = {
            o.message_id: o
            for o in OutboxItem.select().where(OutboxItem.message.in_([m.id for m in messages]))
        }
        server_problem = _server_problem(ticket.source_id) if deliveries else ""
        # A reply with no outbox item was recorded and not sent when its source has no way out.
        unqueued = any(m.kind == REPLY and m.id not in deliveries for m in messages)
        unsent = outgoing(ticket).unsent if unqueued else ""
        return TicketDetail(
            row=row,
            requester_name=requester.display_name,
            requester_email=requester.email if contact else None,
            requester_phone=requester.phone if contact else None,
            messages=tuple(
                MessageView(
                    id=m.id,
                    kind=m.kind,
                    author=m.author.username,
                    author_name=m.author.display_name,
                    body=m.body,
                    created_at=m.created_at,
                    attachments=files.get(m.id, ()),
                    delivery=_delivery(m, deliveries, unsent),
                    delivery_error=(
                        _delivery_error(deliveries[m.id], server_problem)
                        if m.id in deliveries
                        else (unsent if m.kind == REPLY else "")
                    ),
                )
                for m in messages
            ),
            group_fields=fields_of_group(ticket.usergroup_id),
            allowed=allowed
            | ({REQUESTER_MESSAGE} if is_requester else set())
            | ({HAND_BACK} if ticket.assignee_id == grants.person_id else set()),
            channel=Source.get_by_id(ticket.source_id).kind,
            links=follow_up_links(grants, number),
        )

    def reply_route(self, number: int | str) -> ReplyRoute:
        """Where a reply on ticket `number` would go: to whom, from which address, or why it
        would be recorded on the ticket and not sent. Needs tickets.reply on the ticket; names
        the requester's address only with tickets.view_contact on it."""
        number = parse_number(number)
        grants = self.grants()
        ticket = self._visible_ticket(grants, number)
        allowed = self._allowed(grants, number)
        if TICKETS_REPLY not in allowed:
            raise self._refuse(grants, number, TICKETS_REPLY)
        return outgoing(ticket).route(contact=TICKETS_VIEW_CONTACT in allowed)

    def attachment(self, number: int | str, attachment_id: int) -> tuple[AttachmentView, bytes]:
        """One attachment of a message this person may read on this ticket, with its bytes."""
        detail = self.get_ticket(number)
        for message in detail.messages:
            for listed in message.attachments:
                if listed.id == attachment_id:
                    if not listed.kept:
                        raise InvalidInput(
                            f"{listed.filename} was over the size limit and was not kept"
                        )
                    return listed, bytes(Attachment.get_by_id(attachment_id).data)
        raise NotFound(f"no attachment {attachment_id} on #{detail.row.number}")

    # --------------------------------------------------------------- changes

    def ticket_history(self, number: int | str) -> list[AuditView]:
        """The audit events of one ticket, oldest first, for people with `audit.view` who see
        the ticket; a note's text only where they may read its notes."""
        number = parse_number(number)
        grants = self._require(AUDIT_VIEW)
        self._visible_ticket(grants, number)
        notes_ok = TICKETS_VIEW_NOTES in self._allowed(grants, number)
        Actor = Person.alias("actor")
        events = (
            AuditEvent.select(AuditEvent, Actor.username)
            .join(Actor, peewee.JOIN.LEFT_OUTER, on=(AuditEvent.actor == Actor.id))
            .where(AuditEvent.ticket == number)
            .order_by(AuditEvent.id)
        )
        views = [
            AuditView(
                e.id,
                e.at,
                e.actor.username if e.actor is not None else None,
                e.action,
                e.target_kind,
                e.target_id,
                e.ticket,
                e.before,
                "" if e.action == TICKET_NOTE and not notes_ok else e.after,
            )
            for e in events
        ]
        return without_unseen_links(grants, views)

    def _for_change(self, grants: Grants, number: int, permission: PermissionKey) -> _Locked:
        """The ticket, read and locked inside the write transaction in one statement, if the
        person sees it, with whether `permission` counts on it."""
        allowed = peewee.Case(None, [(scope.may(grants, permission), 1)], 0).alias("allowed")
        query = Ticket.select(Ticket, allowed).where(
            (Ticket.number == number) & scope.visible(grants)
        )
        ticket: Ticket | None = dialect.for_change(query).objects().first()
        if ticket is None:
            raise NotFound(f"no ticket #{number}")
        return _Locked(ticket, allowed=bool(selected(ticket, "allowed")))

    @staticmethod
    def _refuse(grants: Grants, number: int, permission: PermissionKey) -> PermissionDenied:
        return PermissionDenied(f"{grants.username} lacks {permission} on ticket #{number}")

    def _update(
        self, ticket: Ticket, expected: int | None, changes: dict[peewee.Field, Any]
    ) -> int:
        """Compare-and-set on the version column; returns the new version."""
        conflict_if_stale(expected, ticket.version, f"ticket #{ticket.number}")
        changes = {**changes, Ticket.updated_at: utcnow(), Ticket.version: Ticket.version + 1}
        updated = (
            Ticket.update(changes)
            .where((Ticket.number == ticket.number) & (Ticket.version == ticket.version))
            .execute()
        )
        if not updated:
            raise Conflict(f"ticket #{ticket.number} was changed by someone else; reload it")
        return ticket.version + 1

    def delete_ticket(self, number: int | str, *, expected_version: int | None = None) -> None:
        number = parse_number(number)
        try:
            with self._writing():
                grants = self.grants()
                locked = self._for_change(grants, number, TICKETS_DELETE)
                ticket = locked.ticket
                if not locked.allowed:
                    raise self._refuse(grants, number, TICKETS_DELETE)
                conflict_if_stale(expected_version, ticket.version, f"ticket #{number}")
                before = {"subject": ticket.subject, "status": ticket.status}
                Ticket.delete().where(Ticket.number == number).execute()
                self._record(TICKET_DELETE, "ticket", number, ticket=number, before=before)
        except PermissionDenied as exc:
            self._record_denied(TICKET_DELETE, "ticket", number, str(exc))
            raise


def _person_filtered_by(grants: Grants, username: str) -> int:
    """The id of the person a list is filtered by (`--assignee`, `--requester`). To someone
    who may not list people an unknown name selects no ticket, as a person with none in their
    scope does: whether a name exists is not told (no person has the id -1)."""
    person = Person.get_or_none(Person.username == username)
    if person is not None:
        return int(person.id)
    if grants.holds(PEOPLE_LIST):
        raise InvalidInput(f"no person named {username!r}")
    return -1


def _check_search_length(text: str) -> None:
    """A search has at most MAX_SEARCH_WORDS words: each is one more condition on the text and
    on the requesters' names, and hundreds overflow the database's parser."""
    words = len(_SEARCH_WORD.findall(text))
    if words > MAX_SEARCH_WORDS:
        raise InvalidInput(f"a search takes at most {MAX_SEARCH_WORDS} words; this one has {words}")


def _requesters_matching(text: str) -> tuple[list[int], list[int]]:
    """The people whose username or display name holds every word of `text`, and those whose
    e-mail does (and not their name): ids, at most MAX_REQUESTERS of each."""
    words = _SEARCH_WORD.findall(text)
    if not words:
        return [], []

    def holding_every_word(*columns: peewee.Field) -> scope.Predicate:
        each = [reduce(operator.or_, [c.contains(w) for c in columns]) for w in words]
        return reduce(operator.and_, each)

    by_name = holding_every_word(Person.username, Person.display_name)
    names = Person.select(Person.id).where(by_name).limit(MAX_REQUESTERS)
    emails = (
        Person.select(Person.id)
        .where(holding_every_word(Person.email) & ~by_name)
        .limit(MAX_REQUESTERS)
    )
    return [p for (p,) in tuple_rows(names)], [p for (p,) in tuple_rows(emails)]


# Most urgent first: the rank of each priority, as SQL.
_PRIORITY_RANK = peewee.Case(
    Ticket.priority,
    [(p, i) for i, p in enumerate(reversed(TICKET_PRIORITIES))],
    len(TICKET_PRIORITIES),
)


def _order(order: str, reverse: bool) -> tuple[peewee.Ordering, ...]:
    """The ORDER BY of an inbox order, or of its reverse (a page read from the other end)."""
    newest = order != "waiting"
    by_time = (
        (Ticket.updated_at.desc(), Ticket.number.desc())
        if newest != reverse
        else (Ticket.updated_at.asc(), Ticket.number.asc())
    )
    if order == "priority":
        return ((_PRIORITY_RANK.desc() if reverse else _PRIORITY_RANK.asc()), *by_time)
    return by_time


def _before(order: str, number: int, updated_at: Any, priority: str) -> scope.Predicate:
    """The tickets an inbox order puts before ticket `number` (with those sort keys): a
    range on the order's index (`updated_at`, `number`), so counting them reads no table."""
    if order == "waiting":
        earlier = (Ticket.updated_at < updated_at) | (Ticket.number < number)
        by_time = (Ticket.updated_at <= updated_at) & earlier
    else:
        later = (Ticket.updated_at > updated_at) | (Ticket.number > number)
        by_time = (Ticket.updated_at >= updated_at) & later
    if order != "priority" or priority not in TICKET_PRIORITIES:
        return by_time
    rank = TICKET_PRIORITIES.index(priority)
    more_urgent = list(TICKET_PRIORITIES[rank + 1 :])
    return unindexed(Ticket.priority).in_(more_urgent) | ((Ticket.priority == priority) & by_time)


def _server_problem(source_id: int) -> str:
    """Why the source's SMTP server could not be used at its last try, "" when it could."""
    problem = (
        MailAccount.select(MailAccount.send_error).where(MailAccount.source == source_id).scalar()
    )
    return str(problem or "")


def _delivery_error(item: OutboxItem | None, server_problem: str) -> str:
    """What the ticket says of a reply's delivery: a waiting reply waits for the server's
    problem when there is one, else the reply's own last error."""
    if item is None:
        return ""
    if item.state == QUEUED and server_problem:
        return server_problem
    return str(item.last_error)


def _delivery(message: Message, deliveries: Mapping[int, OutboxItem], unsent: str) -> str | None:
    """What became of `message`: its outbox item's state, `unsent` for a reply its source had
    no way to send, nothing for other messages."""
    if message.id in deliveries:
        state: str = deliveries[message.id].state
        return state
    return UNSENT if message.kind == REPLY and unsent else None


def _attachments_of(message_ids: list[int]) -> dict[int, tuple[AttachmentView, ...]]:
    found: dict[int, list[AttachmentView]] = {}
    rows = (
        Attachment.select(
            Attachment.id,
            Attachment.message,
            Attachment.filename,
            Attachment.content_type,
            Attachment.size,
            Attachment.inline,
            Attachment.kept,
        )
        .where(Attachment.message.in_(message_ids))
        .order_by(Attachment.id)
    )
    for a in rows:
        found.setdefault(a.message_id, []).append(
            AttachmentView(a.id, a.filename, a.content_type, a.size, a.inline, a.kept)
        )
    return {k: tuple(v) for k, v in found.items()}


def fields_of_group(group_id: int | None) -> tuple[FieldValue, ...]:
    if group_id is None:
        return ()
    rows = (
        CustomField.select(CustomField, CustomFieldValue.value)
        .join(
            CustomFieldValue,
            peewee.JOIN.LEFT_OUTER,
            on=(
                (CustomFieldValue.field == CustomField.id)
                & (CustomFieldValue.usergroup == group_id)
            ),
        )
        .where(CustomField.retired == False)  # noqa: E712
        .order_by(CustomField.position, CustomField.name)
        .objects()
    )
    return tuple(FieldValue(f.name, f.kind, getattr(f, "value", None) or "") for f in rows)
