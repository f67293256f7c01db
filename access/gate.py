"""The gate: everything one person may ask of Ticketty, as parts made on first use.

Apart from `access/__init__` so that importing the gate's value modules (the permission names,
the list's rows, the calendars) loads neither peewee nor the store's models: the start's first
frame needs those, and the gate only after it."""

from __future__ import annotations

import importlib
import threading
from typing import TYPE_CHECKING, Generic, TypeVar, overload

from access.file_limit import DEFAULT_FILE_LIMIT
from access.request import Clock, Part, Session

if TYPE_CHECKING:
    import peewee

    from access.assignees import Assignees
    from access.audit_log import AuditLog
    from access.availability import Availability
    from access.calendars import CalendarAdmin
    from access.change_pipeline import TicketChanges
    from access.copies import Copies
    from access.drafts import Drafts
    from access.explain import Explanation
    from access.filing import Filing
    from access.inbox import Inbox
    from access.macros import Macros
    from access.mailboxes import Mailboxes
    from access.me import Myself
    from access.merging import Merging
    from access.messages import Messages
    from access.notifications import Notifications
    from access.people import PeopleAdmin
    from access.presence import PresenceDesk
    from access.replies import Replies
    from access.reports import Reports
    from access.roles import RoleAdmin
    from access.rules import RuleAdmin
    from access.saved_views import SavedViews
    from access.signatures import Signatures
    from access.sla import PolicyAdmin
    from access.sources import SourceAdmin
    from access.tags import TagAdmin
    from access.ticket_fields import TicketFieldAdmin
    from access.tickets import Tickets
    from access.usergroups import UsergroupAdmin

Made = TypeVar("Made", bound=Part)


class PartOf(Generic[Made]):
    """A part of the gate (`gate.inbox`), made over its session when first used, its module
    imported then: a start, or a command, loads only the parts it asks of."""

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name, self.attribute = module, name, ""

    def __set_name__(self, owner: type, attribute: str) -> None:
        self.attribute = attribute

    @overload
    def __get__(self, gate: None, owner: type) -> PartOf[Made]: ...

    @overload
    def __get__(self, gate: Gate, owner: type) -> Made: ...

    def __get__(self, gate: Gate | None, owner: type) -> PartOf[Made] | Made:
        if gate is None:
            return self
        with gate._making:  # the app's threads may ask for one part at once
            made: Made | None = gate.__dict__.get(self.attribute)
            if made is None:
                made = getattr(importlib.import_module(self.module), self.name)(gate._session)
                gate.__dict__[self.attribute] = made  # found there from now on, not here
        return made


class Gate:
    """Everything one person may ask of Ticketty. Build one per person:
    `Gate(db, "ada")`; it raises `UnknownPerson` for an unknown or inactive name.

    The gate is its parts, each over the gate's session (`access.request.Session`), each
    public method of a part one request of the person: `gate.me` (the person's own grants),
    `gate.inbox` (the ticket list), `gate.tickets` (one ticket: its detail, history,
    attachments, deleting it), `gate.messages` (replies and notes), `gate.filing` (new
    tickets), `gate.changes` (assign, take, move, status, priority, close, one ticket or
    many), `gate.assignees`, `gate.mailboxes` (the mail channel's work on the database),
    `gate.people`, `gate.roles`, `gate.groups` (usergroups and custom fields),
    `gate.sources`, `gate.audit`, `gate.explain`, `gate.reports`, `gate.drafts`,
    `gate.presence`, `gate.calendars`, `gate.sla`, `gate.merging` (merge, link, split
    tickets), `gate.copies` (the addresses copied on a ticket), `gate.tags` (the list of
    tags), `gate.ticket_fields` (the custom fields of tickets), `gate.views` (saved views),
    `gate.replies` (canned replies), `gate.signatures`, `gate.macros`,
    `gate.notifications`, `gate.rules` (automation acting as its owner),
    `gate.availability` (who is away, how a usergroup assigns automatically).

    `clock` (naive UTC; the wall clock unless given) is the one "now" the gate counts due
    times from, and the app and the command line over it (`gate.clock`). `file_limit` (bytes;
    `attachment_limit_mb` of the configuration file, 25 MB unless given) is the most a file
    given to the gate may have, a reply's or a draft's: a larger one is refused with
    `FileTooLarge` (`gate.file_limit`, which the app checks a file against before reading it).
    `person_id`: the person's, checked already by the start's reader (`access.request.Session`
    then reads nothing)."""

    me: PartOf[Myself] = PartOf("access.me", "Myself")
    inbox: PartOf[Inbox] = PartOf("access.inbox", "Inbox")
    tickets: PartOf[Tickets] = PartOf("access.tickets", "Tickets")
    messages: PartOf[Messages] = PartOf("access.messages", "Messages")
    filing: PartOf[Filing] = PartOf("access.filing", "Filing")
    changes: PartOf[TicketChanges] = PartOf("access.change_pipeline", "TicketChanges")
    assignees: PartOf[Assignees] = PartOf("access.assignees", "Assignees")
    mailboxes: PartOf[Mailboxes] = PartOf("access.mailboxes", "Mailboxes")
    people: PartOf[PeopleAdmin] = PartOf("access.people", "PeopleAdmin")
    roles: PartOf[RoleAdmin] = PartOf("access.roles", "RoleAdmin")
    groups: PartOf[UsergroupAdmin] = PartOf("access.usergroups", "UsergroupAdmin")
    sources: PartOf[SourceAdmin] = PartOf("access.sources", "SourceAdmin")
    audit: PartOf[AuditLog] = PartOf("access.audit_log", "AuditLog")
    explain: PartOf[Explanation] = PartOf("access.explain", "Explanation")
    reports: PartOf[Reports] = PartOf("access.reports", "Reports")
    drafts: PartOf[Drafts] = PartOf("access.drafts", "Drafts")
    presence: PartOf[PresenceDesk] = PartOf("access.presence", "PresenceDesk")
    calendars: PartOf[CalendarAdmin] = PartOf("access.calendars", "CalendarAdmin")
    sla: PartOf[PolicyAdmin] = PartOf("access.sla", "PolicyAdmin")
    merging: PartOf[Merging] = PartOf("access.merging", "Merging")
    copies: PartOf[Copies] = PartOf("access.copies", "Copies")
    tags: PartOf[TagAdmin] = PartOf("access.tags", "TagAdmin")
    ticket_fields: PartOf[TicketFieldAdmin] = PartOf("access.ticket_fields", "TicketFieldAdmin")
    views: PartOf[SavedViews] = PartOf("access.saved_views", "SavedViews")
    replies: PartOf[Replies] = PartOf("access.replies", "Replies")
    signatures: PartOf[Signatures] = PartOf("access.signatures", "Signatures")
    macros: PartOf[Macros] = PartOf("access.macros", "Macros")
    notifications: PartOf[Notifications] = PartOf("access.notifications", "Notifications")
    rules: PartOf[RuleAdmin] = PartOf("access.rules", "RuleAdmin")
    availability: PartOf[Availability] = PartOf("access.availability", "Availability")

    def __init__(
        self,
        db: peewee.Database,
        username: str,
        *,
        clock: Clock | None = None,
        file_limit: int = DEFAULT_FILE_LIMIT,
        person_id: int | None = None,
    ) -> None:
        self._session = session = Session(db, username, clock, person_id)
        session.file_limit = file_limit
        self._making = threading.Lock()
        self.clock = session.clock
        self.file_limit = session.file_limit
        self.username = session.username
        self.person_id: int = session.person_id
        self.own_changes = session.own_changes
