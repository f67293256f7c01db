"""Who may see and do what: the permission catalogue, a person's grants, and the gate."""

from access.audit_log import AuditLog
from access.bulk import Assignees, BulkTickets
from access.calendars import CalendarAdmin
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
from access.mail.desk import MailDesk
from access.people import PeopleAdmin
from access.presence import PresenceDesk
from access.reports import Reports
from access.roles import RoleAdmin
from access.sources import SourceAdmin
from access.tickets import TicketDesk
from access.usergroups import UsergroupAdmin


class Gate(
    TicketDesk,
    BulkTickets,
    Assignees,
    PeopleAdmin,
    RoleAdmin,
    UsergroupAdmin,
    SourceAdmin,
    AuditLog,
    Explanation,
    Reports,
    MailDesk,
    Drafts,
    PresenceDesk,
    CalendarAdmin,
):
    """Everything one person may ask of Ticketty. Build one per person:
    `Gate(db, "ada")`; it raises `UnknownPerson` for an unknown or inactive name."""


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
