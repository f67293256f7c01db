"""The words of the domain, spelled once: ticket statuses and priorities, role scopes, custom
field kinds, source (channel) kinds, message kinds, and how each is shown to a person.

The gate validates against these, the command line offers them as choices, the screens as
pickers; nothing else spells them."""

from __future__ import annotations

from collections.abc import Sequence

TICKET_STATUSES = ("new", "open", "pending", "resolved", "closed")
OPEN_STATUSES = ("new", "open", "pending")
CLOSED = "closed"
NEW = "new"
# The longest subject a ticket takes.
MAX_SUBJECT = 300
TICKET_PRIORITIES = ("low", "normal", "high", "urgent")
DEFAULT_PRIORITY = "normal"
# Inbox orders: newest activity first, oldest waiting first, most urgent first.
TICKET_ORDERS = ("activity", "waiting", "priority")

# A role's ticket scope, and how it reads in a sentence.
SCOPE_ALL, SCOPE_USERGROUPS, SCOPE_OWN = "all", "usergroups", "own"
TICKET_SCOPES = (SCOPE_ALL, SCOPE_USERGROUPS, SCOPE_OWN)
SCOPE_TEXT = {
    SCOPE_ALL: "all tickets",
    SCOPE_USERGROUPS: "tickets of the person's usergroups",
    SCOPE_OWN: "the person's own tickets",
}

FIELD_KINDS = ("text", "phone", "email", "url", "address")
# How each custom field kind is described in a validation message.
FIELD_KINDS_HELP: dict[str, str] = {
    "text": "text",
    "phone": "a phone number such as +48 12 345 67 89",
    "email": "an e-mail address such as team@example.com",
    "url": "a web address starting with http:// or https://",
    "address": "a postal address",
}

# The channels tickets come in by, and what each is.
SOURCE_KINDS_TEXT = {
    "email": "an e-mail account",
    "marketplace": "a marketplace account",
    "web": "a web form",
    "phone": "the phone",
}
SOURCE_KINDS = tuple(SOURCE_KINDS_TEXT)
WEB = "web"

# What became of a reply sent by mail; `unsent`: recorded on a ticket whose source has no way
# out to the customer (the phone, a marketplace, a web form), so never sent.
UNSENT = "unsent"
DELIVERY_STATES = ("queued", "sent", "failed", UNSENT)

# Who wrote a message on a ticket, as a heading.
MESSAGE_LABELS = {"customer": "CUSTOMER", "reply": "REPLY", "note": "INTERNAL NOTE"}


def describe_scope(ticket_scope: str, all_sources: bool, sources: Sequence[str]) -> str:
    """A role's scope as a phrase: "all tickets in sources Allegro PL, eBay DE"."""
    if all_sources:
        where = "all sources"
    else:
        where = "sources " + ", ".join(sources) if sources else "no source"
    return f"{SCOPE_TEXT.get(ticket_scope, ticket_scope)} in {where}"
