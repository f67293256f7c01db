"""What a notification says, the same in the app, on the command line and by mail."""

from __future__ import annotations

from typing import TYPE_CHECKING

from access.notify_events import (
    ASSIGNED,
    CUSTOMER_WROTE,
    DRAFT_LEFT,
    FOLLOWED,
    MENTIONED,
    NEW_TICKET,
    RULE_NOTICE,
    SLA_MISSED,
    SLA_SOON,
)

if TYPE_CHECKING:
    from access.notifications import NotificationView

# Per event: what happened, `{actor}` and `{number}` filled in.
SENTENCES = {
    ASSIGNED: "{actor} assigned #{number} to you",
    CUSTOMER_WROTE: "{actor} wrote on #{number}",
    NEW_TICKET: "{actor} filed #{number}, new where you watch",
    MENTIONED: "{actor} mentioned you in a note on #{number}",
    FOLLOWED: "{actor} changed #{number}, which you follow",
    SLA_SOON: "#{number} falls due soon",
    SLA_MISSED: "#{number} missed its service-level target",
    DRAFT_LEFT: "{actor} changed #{number}, where your draft waits",
    RULE_NOTICE: "a rule of {actor} points you to #{number}",
}
# A rule's notice names the rule (kept with it; a name has no control characters). One made
# before the rule was kept names only its owner.
RULE_SENTENCE = "rule {rule} points you to #{number}"

# What each event is, for the preferences.
EVENT_LABELS = {
    ASSIGNED: "a ticket assigned to me",
    CUSTOMER_WROTE: "the customer wrote on my ticket",
    NEW_TICKET: "a new ticket in a group I supervise or a source or group I follow",
    MENTIONED: "a note mentions me",
    FOLLOWED: "a ticket I follow changed",
    SLA_SOON: "a service-level target of my ticket or group due soon",
    SLA_MISSED: "a service-level target of my ticket or group missed",
    DRAFT_LEFT: "a ticket changed since I left a draft on it",
    RULE_NOTICE: "a rule points me to a ticket",
}


def notification_sentence(view: NotificationView) -> str:
    """`ada assigned #42 to you`: one line (the subject and the excerpt are the caller's)."""
    actor = view.actor or "someone"
    if view.event == RULE_NOTICE and view.rule:
        return RULE_SENTENCE.format(rule=view.rule, number=view.ticket)
    return SENTENCES[view.event].format(actor=actor, number=view.ticket)
