"""Filing a ticket and the customer's messages on it: one write path for the app, the command
line and mail. Each runs inside the caller's write transaction, after the caller checked the
person's right; the statements are built once (`store.prepared`), as mail imports run them
for every message."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import peewee

from access import notify_events, rule_events, scope
from access.audit_actions import TICKET_CUSTOMER
from access.catalogue import (
    TICKETS_CHOOSE_GROUP,
    TICKETS_CREATE,
    TICKETS_CREATE_PRIVATE,
    TICKETS_REPLY,
    TICKETS_VIEW_CONTACT,
    USERGROUPS_LIST,
)
from access.due_times import keep_due_times
from access.errors import InvalidInput, NotFound, PermissionDenied
from access.follow_ups import start_follow_up
from access.grants import Grants
from access.new_tickets import group_name, record_created
from access.request import Part, Request
from access.requester_messages import reopen_for_requester
from access.requesters import add_requester
from access.validation import checked_name, validate_field_value
from access.vocabulary import DEFAULT_PRIORITY, MAX_SUBJECT, NEW, TICKET_PRIORITIES, WEB
from store.held_rows import HeldRows
from store.models import Message, Person, Source, Ticket, Usergroup
from store.prepared import PreparedInsert

MAX_BODY = 200_000

NEW_TICKET = PreparedInsert(
    Ticket,
    (
        "subject",
        "status",
        "priority",
        "source",
        "requester",
        "usergroup",
        "private",
        "created_at",
        "updated_at",
    ),
)
NEW_MESSAGE = PreparedInsert(Message, ("ticket", "kind", "author", "body", "created_at"))


def clean_body(body: str) -> str:
    """A message's text as typed, refused when empty or longer than `MAX_BODY`."""
    if not body or not body.strip():
        raise InvalidInput("the message is empty")
    if len(body) > MAX_BODY:
        raise InvalidInput(f"the message is longer than {MAX_BODY} characters")
    return body


def file_ticket(
    subject: str,
    source: int,
    requester: int,
    *,
    group: int | None = None,
    private: bool = False,
    priority: str = DEFAULT_PRIORITY,
    now: datetime,
    held: HeldRows | None = None,
) -> int:
    """A new ticket's row, status new, filed at `now`; its number. The caller writes its
    first message (`new_message`) and its `ticket.create` event. `held`: the row held back
    there (`store.held_rows`) instead of inserted now."""
    values = {
        "subject": subject,
        "status": NEW,
        "priority": priority,
        "source": source,
        "requester": requester,
        "usergroup": group,
        "private": private,
        "created_at": now,
        "updated_at": now,
    }
    return NEW_TICKET.run(**values) if held is None else held.insert(NEW_TICKET, **values)


def new_message(
    number: int,
    author: int,
    body: str,
    kind: str = "customer",
    *,
    now: datetime,
    held: HeldRows | None = None,
) -> int:
    """A message's row on ticket `number`, written at `now` (or held back in `held`); its id."""
    values = {"ticket": number, "kind": kind, "author": author, "body": body, "created_at": now}
    return NEW_MESSAGE.run(**values) if held is None else held.insert(NEW_MESSAGE, **values)


def new_messages(
    author: int, kind: str, bodies: Mapping[int, str], now: datetime
) -> dict[int, int]:
    """A message's row on each ticket of `bodies` (ticket number to text), written at `now`,
    in one insert; ticket number to its message's id."""
    rows = [
        {"ticket": number, "kind": kind, "author": author, "body": body, "created_at": now}
        for number, body in bodies.items()
    ]
    return {
        int(ticket): int(message)
        for message, ticket in NEW_MESSAGE.run_many_giving(rows, ("id", "ticket"))
    }


def customer_wrote(
    request: Request, number: int, message_id: int, body: str, by: str | None
) -> None:
    """The `ticket.customer` event of the requester's message: its text when written in the
    app, only the channel (`by mail`) for mail, whose text is on the ticket."""
    after: Any = f"by {by}" if by else {"body": body}
    request.record(TICKET_CUSTOMER, "message", message_id, ticket=number, after=after)
    keep_due_times(request, [number])  # next response starts (or first, on a new ticket)
    notify_events.customer_wrote(number, message_id, request.clock())


def reopened_by_customer(request: Request, ticket: Ticket) -> dict[peewee.Field, Any]:
    """The columns the requester's message changes on their open ticket: the time, the
    version, and the status a pending or resolved ticket reopens to (audited)."""
    changes: dict[peewee.Field, Any] = {
        Ticket.updated_at: request.clock(),
        Ticket.version: Ticket.version + 1,
    }
    reopen_for_requester(request, ticket, changes)
    return changes


def follow_up_by_customer(
    request: Request, closed: Ticket, author: int, body: str, by: str, into: int | None = None
) -> tuple[Ticket, int]:
    """The requester wrote on their closed ticket (or, by mail, on one of another source,
    `into` the receiving one): the message starts a linked follow-up; the closed ticket stays
    as it was. The follow-up and the message's id."""
    follow_up = start_follow_up(request, closed, by=by, into=into)
    message_id = new_message(follow_up.number, author, body, now=request.clock())
    customer_wrote(request, follow_up.number, message_id, body, "mail" if by == "mail" else None)
    return follow_up, message_id


class Filing(Part):
    """`gate.filing`: filing a ticket in the app and on the command line (mail files through
    `access.intake`, with the same functions above)."""

    def create_ticket(
        self,
        subject: str,
        body: str,
        *,
        group: str | None = None,
        source: str | None = None,
        private: bool = False,
        priority: str = DEFAULT_PRIORITY,
        requester: str | None = None,
        requester_name: str | None = None,
    ) -> int:
        """File a ticket as this person, or for a customer (a phone call, a walk-in).
        Members file for their group; picking another group needs `tickets.choose_group`, a
        private ticket `tickets.create_private`.

        `requester`: a username or an e-mail; an unknown e-mail makes a new requester named
        `requester_name`. Filing for someone else needs `tickets.reply` as well as
        `tickets.create` (an agent, not a customer filing for others)."""
        subject = (subject or "").strip()
        if not subject:
            raise InvalidInput("the subject is empty")
        if len(subject) > MAX_SUBJECT:
            raise InvalidInput(f"the subject is longer than {MAX_SUBJECT} characters")
        body = clean_body(body)
        if priority not in TICKET_PRIORITIES:
            raise InvalidInput(f"unknown priority {priority!r}")
        request = self._open()
        grants = request.require(TICKETS_CREATE)
        if private and not grants.holds(TICKETS_CREATE_PRIVATE):
            raise PermissionDenied(f"{request.username} may not file private tickets")
        group_id = _group_for_new_ticket(grants, group)
        source_id = _source_for_new_ticket(source)
        requester = (requester or "").strip() or None
        if requester is not None and not grants.holds(TICKETS_REPLY):
            raise PermissionDenied(f"{request.username} may not file tickets for others")
        email = requester if requester is not None and "@" in requester else None
        with request.writing():
            requester_id = (
                grants.person_id
                if requester is None or email is not None
                else _requester_for_new_ticket(request, requester, requester_name)
            )
            now = request.clock()
            number = file_ticket(
                subject,
                source_id,
                requester_id,
                group=group_id,
                private=private,
                priority=priority,
                now=now,
            )
            ticket = Ticket(
                number=number,
                status=NEW,
                subject=subject,
                source=source_id,
                requester=requester_id,
                usergroup=group_id,
                private=private,
                priority=priority,
            )
            if email is not None:
                requester_id = _requester_by_email(request, ticket, email, requester_name)
            new_message(number, requester_id, body, now=now)
            record_created(request, ticket)
            keep_due_times(request, [number])
            notify_events.ticket_filed(request.person_id, number, source_id, group_id, private, now)
        rule_events.ticket_filed(request.session.clock, number)
        return number

    def new_ticket_options(self) -> dict[str, Any]:
        """What the new-ticket form offers this person: groups to pick, private, sources (none
        to a person who may not file a ticket)."""
        grants = self._open().grants()
        may_create = grants.holds(TICKETS_CREATE)
        groups: list[str] = []
        if grants.holds(TICKETS_CHOOSE_GROUP):
            groups = [g.name for g in _choosable_groups(grants)]
        return {
            "may_create": may_create,
            "may_choose_group": grants.holds(TICKETS_CHOOSE_GROUP),
            "may_file_private": grants.holds(TICKETS_CREATE_PRIVATE),
            "may_file_for_others": grants.holds(TICKETS_REPLY),
            "groups": groups,
            "default_group": group_name(_default_group(grants)),
            "sources": [s.name for s in _open_sources()] if may_create else [],
            "priorities": list(TICKET_PRIORITIES),
        }


def _requester_by_email(request: Request, ticket: Ticket, email: str, name: str | None) -> int:
    """The requester named by an e-mail address, for a ticket just made (in the caller's
    transaction): mapping an address to a person is reading contact data, so it needs
    `tickets.view_contact` on that ticket, checked before the address is looked up."""
    covered = scope.may(request.grants(), TICKETS_VIEW_CONTACT)
    if not Ticket.select().where((Ticket.number == ticket.number) & covered).exists():
        raise PermissionDenied(
            f"{request.username} may not name a requester by e-mail here "
            "(tickets.view_contact); give their username"
        )
    requester_id = _requester_for_new_ticket(request, email, name)
    Ticket.update(requester=requester_id).where(Ticket.number == ticket.number).execute()
    ticket.requester_id = requester_id
    return requester_id


def _requester_for_new_ticket(request: Request, requester: str, name: str | None) -> int:
    """An active person by username or e-mail; an unknown e-mail becomes a new requester
    (written in the caller's transaction, with its audit event)."""
    found = Person.get_or_none(
        (Person.username == requester) | (peewee.fn.LOWER(Person.email) == requester.lower())
    )
    if found is not None:
        if not found.active:
            raise InvalidInput(f"{requester} is deactivated")
        return int(found.id)
    email = validate_field_value("email", requester, True, "the requester's e-mail")
    if "@" not in email:
        raise NotFound(f"no person named {requester!r}; give an e-mail for a new requester")
    display_name = checked_name(name or email.split("@")[0], "the requester's name")
    return add_requester(request, email, display_name)


def _open_sources() -> list[Source]:
    return list(
        Source.select().where(Source.archived == False).order_by(Source.name)  # noqa: E712
    )


def _choosable_groups(grants: Grants) -> list[Usergroup]:
    query = Usergroup.select().order_by(Usergroup.name)
    if not grants.holds(USERGROUPS_LIST):
        query = query.where(Usergroup.id.in_(sorted(grants.groups) or [-1]))
    return list(query)


def _default_group(grants: Grants) -> int | None:
    """A member of exactly one group files for it by default."""
    return next(iter(grants.member_of)) if len(grants.member_of) == 1 else None


def _group_for_new_ticket(grants: Grants, group: str | None) -> int | None:
    default = _default_group(grants)
    if group is None:
        return default
    target = Usergroup.get_or_none(Usergroup.name == group)
    if target is not None and target.id == default:
        return default
    if not grants.holds(TICKETS_CHOOSE_GROUP):
        raise PermissionDenied(f"{grants.username} may not choose the group of a ticket")
    if target is None or target not in _choosable_groups(grants):
        raise NotFound(f"no usergroup named {group!r}")
    return target.id


def _source_for_new_ticket(source: str | None) -> int:
    sources = _open_sources()
    if not sources:
        raise InvalidInput("there is no open source to file tickets in")
    if source is None:
        preferred = [s for s in sources if s.kind == WEB]
        return (preferred or sources)[0].id
    for candidate in sources:
        if candidate.name == source:
            return candidate.id
    raise NotFound(f"no open source named {source!r}")
