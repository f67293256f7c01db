"""Who may see and do what: the permission catalogue, a person's grants, and the gate."""

from access.admin import Administration
from access.errors import (
    AccessError,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    UnknownPerson,
)
from access.explain import Explanation
from access.reports import Reports
from access.tickets import TicketDesk


class Gate(TicketDesk, Administration, Explanation, Reports):
    """Everything one person may ask of Ticketty. Build one per person:
    `Gate(db, "ada")`; it raises `UnknownPerson` for an unknown or inactive name."""


__all__ = [
    "AccessError",
    "Conflict",
    "Gate",
    "InvalidInput",
    "NotFound",
    "PermissionDenied",
    "UnknownPerson",
]
