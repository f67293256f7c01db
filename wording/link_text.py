"""How a ticket's links to other tickets and its copied addresses read, on the command line and
on the ticket screen alike."""

from __future__ import annotations

from collections.abc import Sequence

from access.views import TicketLinkView


def link_fields(related: Sequence[TicketLinkView]) -> list[tuple[str, str]]:
    """("Duplicate of", "#12 Parcel missing"), one field per link."""
    return [(link.label.capitalize(), f"#{link.number} {link.subject}") for link in related]


def copies_fields(copies: Sequence[str] | None) -> list[tuple[str, str]]:
    """("Cc", "anna@customer.example, bo@customer.example") when any address is copied."""
    return [("Cc", ", ".join(copies))] if copies else []
