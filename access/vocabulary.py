"""The words of the domain, spelled once: ticket statuses and priorities, role scopes, custom
field kinds, source (channel) kinds, message kinds, and how each is shown to a person.

The gate validates against these, the command line offers them as choices, the screens as
pickers; nothing else spells them. The words the store's columns hold and default to are
spelled in `store.words` (the store may not import the gate) and re-exported here."""

from __future__ import annotations

from collections.abc import Sequence

from store.words import (
    CLOSED,
    CUSTOMER,
    DEFAULT_PRIORITY,
    DELAYED,
    DELIVERY_STATES,
    DUPLICATE,
    EMAIL_SOURCE,
    FAILED,
    HIGH,
    LINK_KINDS,
    LOW,
    MERGED,
    MESSAGE_KINDS,
    NEW,
    NORMAL,
    NOTE,
    OPEN,
    OPEN_STATUSES,
    PARENT,
    PENDING,
    QUEUED,
    RELATED,
    REPLY,
    RESOLVED,
    SCOPE_ALL,
    SCOPE_OWN,
    SCOPE_USERGROUPS,
    SENT,
    TEXT_FIELD,
    TICKET_PRIORITIES,
    TICKET_SCOPES,
    TICKET_STATUSES,
    UNSENT,
    URGENT,
)

__all__ = [
    "CLOSED",
    "CUSTOMER",
    "DEFAULT_PRIORITY",
    "DELAYED",
    "DELIVERY_STATES",
    "DUPLICATE",
    "EMAIL_SOURCE",
    "FAILED",
    "FIELD_KINDS",
    "FIELD_KINDS_HELP",
    "HIGH",
    "LINK_KINDS",
    "LINK_LABELS",
    "LOW",
    "MAX_SUBJECT",
    "MERGED",
    "MESSAGE_KINDS",
    "MESSAGE_LABELS",
    "NEW",
    "NORMAL",
    "NOTE",
    "OPEN",
    "OPEN_STATUSES",
    "PARENT",
    "PENDING",
    "QUEUED",
    "RELATED",
    "REPLY",
    "RESOLVED",
    "SCOPE_ALL",
    "SCOPE_OWN",
    "SCOPE_TEXT",
    "SCOPE_USERGROUPS",
    "SENT",
    "SOURCE_KINDS",
    "SOURCE_KINDS_TEXT",
    "TEXT_FIELD",
    "TICKET_ORDERS",
    "TICKET_PRIORITIES",
    "TICKET_SCOPES",
    "TICKET_STATUSES",
    "UNSENT",
    "URGENT",
    "WEB",
    "describe_scope",
]

# The longest subject a ticket takes.
MAX_SUBJECT = 300
# Inbox orders: newest activity first, oldest waiting first, most urgent first.
TICKET_ORDERS = ("activity", "waiting", "priority", "due")

# How a role's ticket scope reads in a sentence.
SCOPE_TEXT = {
    SCOPE_ALL: "all tickets",
    SCOPE_USERGROUPS: "tickets of the person's usergroups",
    SCOPE_OWN: "the person's own tickets",
}

FIELD_KINDS = (TEXT_FIELD, "phone", "email", "url", "address")
# How each custom field kind is described in a validation message.
FIELD_KINDS_HELP: dict[str, str] = {
    TEXT_FIELD: "text",
    "phone": "a phone number such as +48 12 345 67 89",
    "email": "an e-mail address such as team@example.com",
    "url": "a web address starting with http:// or https://",
    "address": "a postal address",
}

# The channels tickets come in by, and what each is.
SOURCE_KINDS_TEXT = {
    EMAIL_SOURCE: "an e-mail account",
    "marketplace": "a marketplace account",
    "web": "a web form",
    "phone": "the phone",
}
SOURCE_KINDS = tuple(SOURCE_KINDS_TEXT)
WEB = "web"

# How a link reads on each of its two tickets: (kind, on the ticket it runs from) -> words
# before the other ticket's number.
LINK_LABELS = {
    (RELATED, True): "related to",
    (RELATED, False): "related to",
    (DUPLICATE, True): "duplicate of",
    (DUPLICATE, False): "duplicated by",
    (PARENT, True): "parent of",
    (PARENT, False): "child of",
    (MERGED, True): "merged into",
    (MERGED, False): "merged from",
}

# Who wrote a message on a ticket, as a heading.
MESSAGE_LABELS = {CUSTOMER: "CUSTOMER", REPLY: "REPLY", NOTE: "INTERNAL NOTE"}


def describe_scope(ticket_scope: str, all_sources: bool, sources: Sequence[str]) -> str:
    """A role's scope as a phrase: "all tickets in sources Allegro PL, eBay DE"."""
    if all_sources:
        where = "all sources"
    else:
        where = "sources " + ", ".join(sources) if sources else "no source"
    return f"{SCOPE_TEXT.get(ticket_scope, ticket_scope)} in {where}"
