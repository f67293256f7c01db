"""The domain's words the store itself needs, spelled once: the columns' defaults (a new ticket's
status and priority, a source's kind, a role's scope, a custom field's kind, a queued reply's
state) and the values those columns hold. `access.vocabulary` re-exports them with the rest of
the domain's words; nothing else spells them."""

from __future__ import annotations

# A ticket's status, from filed to done.
NEW, OPEN, PENDING, RESOLVED, CLOSED = "new", "open", "pending", "resolved", "closed"
TICKET_STATUSES = (NEW, OPEN, PENDING, RESOLVED, CLOSED)
OPEN_STATUSES = (NEW, OPEN, PENDING)

LOW, NORMAL, HIGH, URGENT = "low", "normal", "high", "urgent"
TICKET_PRIORITIES = (LOW, NORMAL, HIGH, URGENT)
DEFAULT_PRIORITY = NORMAL

# Who wrote a message on a ticket: the customer, an agent to the customer, an agent to agents.
CUSTOMER, REPLY, NOTE = "customer", "reply", "note"
MESSAGE_KINDS = (CUSTOMER, REPLY, NOTE)

# What became of a reply sent by mail: waiting in the outbox, handed to the server, reported
# delayed by a receiving server (still trying), bounced; `unsent`: recorded on a ticket whose
# source has no way out to the customer (the phone, a marketplace, a web form), so never sent.
QUEUED, SENT, DELAYED, FAILED, UNSENT = "queued", "sent", "delayed", "failed", "unsent"
DELIVERY_STATES = (QUEUED, SENT, DELAYED, FAILED, UNSENT)

# A service-level clock's kind (a verdict's `metric`; `access.sla_rules` measures them).
FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION = "first_response", "next_response", "resolution"
SLA_METRICS = (FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION)

# A role's ticket scope.
SCOPE_ALL, SCOPE_USERGROUPS, SCOPE_OWN = "all", "usergroups", "own"
TICKET_SCOPES = (SCOPE_ALL, SCOPE_USERGROUPS, SCOPE_OWN)

# The kind of a custom field a new field has unless told.
TEXT_FIELD = "text"
# The kind of a new source unless told.
EMAIL_SOURCE = "email"

# How one ticket is linked to another: related to it, a duplicate of it, its parent; `merged`:
# its conversation moved into the other, which mail naming it now reaches.
RELATED, DUPLICATE, PARENT, MERGED = "related", "duplicate", "parent", "merged"
LINK_KINDS = (RELATED, DUPLICATE, PARENT)
