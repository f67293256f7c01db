"""Who may see and do what: the permission catalogue, a person's grants, and the gate."""

import peewee

from access.assignees import Assignees
from access.audit_log import AuditLog
from access.availability import Availability
from access.calendars import CalendarAdmin
from access.change_pipeline import TicketChanges
from access.copies import Copies
from access.drafts import Drafts
from access.errors import (
    AccessError,
    Conflict,
    InvalidInput,
    NoChange,
    NotFound,
    PermissionDenied,
    StillHeld,
    UnknownPerson,
)
from access.explain import Explanation
from access.file_limit import DEFAULT_FILE_LIMIT, FileTooLarge
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
from access.request import Clock, Session
from access.roles import RoleAdmin
from access.rules import RuleAdmin
from access.saved_views import SavedViews
from access.signatures import Signatures
from access.sla import PolicyAdmin
from access.sla_backfill import backfill_verdicts
from access.sources import SourceAdmin
from access.tags import TagAdmin
from access.ticket_fields import TicketFieldAdmin
from access.tickets import Tickets
from access.usergroups import UsergroupAdmin


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
    `FileTooLarge` (`gate.file_limit`, which the app checks a file against before reading it)."""

    def __init__(
        self,
        db: peewee.Database,
        username: str,
        *,
        clock: Clock | None = None,
        file_limit: int = DEFAULT_FILE_LIMIT,
    ) -> None:
        self._session = session = Session(db, username, clock)
        session.file_limit = file_limit
        self.clock = session.clock
        self.file_limit = session.file_limit
        self.username = session.username
        self.person_id: int = session.person_id
        self.own_changes = session.own_changes
        self.me = Myself(session)
        self.inbox = Inbox(session)
        self.tickets = Tickets(session)
        self.messages = Messages(session)
        self.filing = Filing(session)
        self.changes = TicketChanges(session)
        self.assignees = Assignees(session)
        self.mailboxes = Mailboxes(session)
        self.people = PeopleAdmin(session)
        self.roles = RoleAdmin(session)
        self.groups = UsergroupAdmin(session)
        self.sources = SourceAdmin(session)
        self.audit = AuditLog(session)
        self.explain = Explanation(session)
        self.reports = Reports(session)
        self.drafts = Drafts(session)
        self.presence = PresenceDesk(session)
        self.calendars = CalendarAdmin(session)
        self.sla = PolicyAdmin(session)
        self.merging = Merging(session)
        self.copies = Copies(session)
        self.tags = TagAdmin(session)
        self.ticket_fields = TicketFieldAdmin(session)
        self.views = SavedViews(session)
        self.replies = Replies(session)
        self.signatures = Signatures(session)
        self.macros = Macros(session)
        self.notifications = Notifications(session)
        self.rules = RuleAdmin(session)
        self.availability = Availability(session)


__all__ = [
    "AccessError",
    "Conflict",
    "FileTooLarge",
    "Gate",
    "InvalidInput",
    "NoChange",
    "NotFound",
    "PermissionDenied",
    "StillHeld",
    "UnknownPerson",
    "backfill_verdicts",
]
