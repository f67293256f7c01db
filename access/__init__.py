"""Who may see and do what: the permission catalogue, a person's grants, and the gate."""

import peewee

from access.assignees import Assignees
from access.audit_log import AuditLog
from access.calendars import CalendarAdmin
from access.change_pipeline import TicketChanges
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
from access.filing import TicketFiling
from access.mailboxes import Mailboxes
from access.me import Myself
from access.messages import TicketMessages
from access.people import PeopleAdmin
from access.presence import PresenceDesk
from access.reports import Reports
from access.roles import RoleAdmin
from access.sla import PolicyAdmin
from access.sources import SourceAdmin
from access.usergroups import UsergroupAdmin


class Gate(TicketMessages, TicketFiling, TicketChanges, Assignees, Mailboxes):
    """Everything one person may ask of Ticketty. Build one per person:
    `Gate(db, "ada")`; it raises `UnknownPerson` for an unknown or inactive name.

    Its parts, each over the gate's session (`access.request`): `gate.me` (the person's own
    grants), `gate.people`, `gate.roles`, `gate.groups` (usergroups and custom fields),
    `gate.sources`, `gate.audit`, `gate.explain`, `gate.reports`, `gate.drafts`,
    `gate.presence`, `gate.calendars`, `gate.sla`. The ticket desk, the bulk changes and the
    mailboxes are still joined by inheritance (`gate.get_ticket`, `gate.assign`,
    `gate.claim_reply`, ...)."""

    def __init__(self, db: peewee.Database, username: str) -> None:
        super().__init__(db, username)
        session = self._session
        self.me = Myself(session)
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


__all__ = [
    "AccessError",
    "Conflict",
    "Gate",
    "InvalidInput",
    "NoChange",
    "NotFound",
    "PermissionDenied",
    "StillHeld",
    "UnknownPerson",
]
