"""Every action the audit log records, spelled once. The gate records them, the audit log's
readers filter by them, the screens word them; none of them spells one again.

A refused attempt is recorded as the action it tried, marked `denied.` (`denied`)."""

from __future__ import annotations

TICKET_CREATE = "ticket.create"
TICKET_CUSTOMER = "ticket.customer"  # a message from the customer appended
TICKET_REPLY = "ticket.reply"
TICKET_NOTE = "ticket.note"
TICKET_ASSIGN = "ticket.assign"
TICKET_TAKE = "ticket.take"
TICKET_MOVE = "ticket.move"
TICKET_STATUS = "ticket.status"
TICKET_PRIORITY = "ticket.priority"
TICKET_DELETE = "ticket.delete"
TICKET_FOLLOW_UP = "ticket.follow_up"  # a new ticket linked to the closed one it follows
TICKET_MERGE = "ticket.merge"  # on the ticket merged away, its target the one kept
TICKET_MERGED_IN = "ticket.merged_in"  # on the ticket kept, its target the one merged away
TICKET_LINK = "ticket.link"  # on each of the two tickets, its target the other
TICKET_UNLINK = "ticket.unlink"  # on each of the two tickets, its target the other
TICKET_SPLIT = "ticket.split"  # on the ticket a message left, its target the new ticket
TICKET_COPIES = "ticket.copies"  # addresses copied on the ticket, before and after
TICKET_TAG = "ticket.tag"
TICKET_UNTAG = "ticket.untag"
TICKET_FIELD = "ticket.field"  # a custom field's value set

MAIL_RESEND = "mail.resend"
MAIL_RELEASE = "mail.release"
MAIL_DISCARD = "mail.discard"
MAIL_BOUNCE = "mail.bounce"
MAIL_DELAYED = "mail.delayed"
MAIL_QUARANTINE = "mail.quarantine"

PERSON_ADD = "person.add"
PERSON_EDIT = "person.edit"
PERSON_ACTIVATE = "person.activate"
PERSON_DEACTIVATE = "person.deactivate"

ROLE_GRANT = "role.grant"
ROLE_REVOKE = "role.revoke"
ROLE_CREATE = "role.create"
ROLE_RENAME = "role.rename"
ROLE_DELETE = "role.delete"
ROLE_PERMISSIONS = "role.permissions"
ROLE_SCOPE = "role.scope"

GROUP_CREATE = "group.create"
GROUP_RENAME = "group.rename"
GROUP_DELETE = "group.delete"
GROUP_FIELD = "group.field"
GROUP_MEMBER_ADD = "group.member.add"
GROUP_MEMBER_REMOVE = "group.member.remove"
GROUP_SUPERVISOR_ADD = "group.supervisor.add"
GROUP_SUPERVISOR_REMOVE = "group.supervisor.remove"
# Adding or removing a member or a supervisor (`what`) of a usergroup.
GROUP_LINKS = {
    ("member", True): GROUP_MEMBER_ADD,
    ("member", False): GROUP_MEMBER_REMOVE,
    ("supervisor", True): GROUP_SUPERVISOR_ADD,
    ("supervisor", False): GROUP_SUPERVISOR_REMOVE,
}

FIELD_DEFINE = "field.define"
FIELD_UPDATE = "field.update"

SOURCE_ADD = "source.add"
SOURCE_MAIL = "source.mail"
SOURCE_PASSWORD = "source.password"
SOURCE_RENAME = "source.rename"
SOURCE_ARCHIVE = "source.archive"
SOURCE_RESTORE = "source.restore"

CALENDAR_CREATE = "calendar.create"
CALENDAR_CHANGE = "calendar.change"
CALENDAR_DELETE = "calendar.delete"

POLICY_CREATE = "policy.create"
POLICY_CHANGE = "policy.change"
POLICY_MOVE = "policy.move"  # its place in the match order
POLICY_DELETE = "policy.delete"
SLA_WARNING = "sla.warning"  # on a ticket: its assignee and supervisors warned of a due time

TICKET_FIELD_DEFINE = "ticket_field.define"
VIEW_SAVE = "view.save"
VIEW_REMOVE = "view.remove"
TAG_CREATE = "tag.create"
TAG_DELETE = "tag.delete"
TAG_LOCK = "tag.lock"  # the list of tags locked or unlocked
CANNED_CREATE = "canned.create"
CANNED_CHANGE = "canned.change"
CANNED_DELETE = "canned.delete"
SIGNATURE_SET = "signature.set"
MACRO_CREATE = "macro.create"
MACRO_DELETE = "macro.delete"
MACRO_CHANGE = "macro.change"  # its name, steps, or where it is offered
MACRO_APPLY = "macro.apply"  # on one ticket, with the steps applied and skipped
RULE_CREATE = "rule.create"
RULE_CHANGE = "rule.change"  # enabled, disabled, or its owner changed
RULE_MOVE = "rule.move"  # its place in the order rules run in
RULE_DELETE = "rule.delete"
RULE_ACTED = "rule.acted"  # a rule's action done on a ticket, as its owner
RULE_SKIPPED = "rule.skipped"  # a rule's action refused by the gate, or its owner inactive
RULE_STOPPED = "rule.stopped"  # the loop guard stopped rules on a ticket
RULE_GAVE_UP = "rule.gave_up"  # a due rule's escalation refused too often, not tried again
RULE_HELD = "rule.held"  # a rule's reply held: to automatic mail, or past the day's limit

PERSON_AWAY = "person.away"
PERSON_BACK = "person.back"
GROUP_ASSIGNMENT = "group.assignment"  # how a usergroup gives out tickets automatically

DATABASE_INIT = "database.init"
DEMO_CREATE = "demo.create"

AUDIT_ACTIONS = (
    CALENDAR_CREATE,
    CALENDAR_CHANGE,
    CALENDAR_DELETE,
    POLICY_CREATE,
    POLICY_CHANGE,
    POLICY_MOVE,
    POLICY_DELETE,
    SLA_WARNING,
    RULE_CREATE,
    RULE_CHANGE,
    RULE_MOVE,
    RULE_DELETE,
    RULE_ACTED,
    RULE_SKIPPED,
    RULE_STOPPED,
    RULE_HELD,
    RULE_GAVE_UP,
    PERSON_AWAY,
    PERSON_BACK,
    GROUP_ASSIGNMENT,
    TICKET_CREATE,
    TICKET_CUSTOMER,
    TICKET_REPLY,
    TICKET_NOTE,
    TICKET_ASSIGN,
    TICKET_TAKE,
    TICKET_MOVE,
    TICKET_STATUS,
    TICKET_PRIORITY,
    TICKET_DELETE,
    TICKET_FOLLOW_UP,
    TICKET_MERGE,
    TICKET_MERGED_IN,
    TICKET_LINK,
    TICKET_UNLINK,
    TICKET_SPLIT,
    TICKET_COPIES,
    TICKET_TAG,
    TICKET_UNTAG,
    TICKET_FIELD,
    TICKET_FIELD_DEFINE,
    TAG_CREATE,
    TAG_DELETE,
    TAG_LOCK,
    VIEW_SAVE,
    VIEW_REMOVE,
    MAIL_RESEND,
    MAIL_RELEASE,
    MAIL_DISCARD,
    MAIL_BOUNCE,
    MAIL_DELAYED,
    MAIL_QUARANTINE,
    PERSON_ADD,
    PERSON_EDIT,
    PERSON_ACTIVATE,
    PERSON_DEACTIVATE,
    ROLE_GRANT,
    ROLE_REVOKE,
    ROLE_CREATE,
    ROLE_RENAME,
    ROLE_DELETE,
    ROLE_PERMISSIONS,
    ROLE_SCOPE,
    GROUP_CREATE,
    GROUP_RENAME,
    GROUP_DELETE,
    GROUP_FIELD,
    GROUP_MEMBER_ADD,
    GROUP_MEMBER_REMOVE,
    GROUP_SUPERVISOR_ADD,
    GROUP_SUPERVISOR_REMOVE,
    FIELD_DEFINE,
    FIELD_UPDATE,
    SOURCE_ADD,
    SOURCE_MAIL,
    SOURCE_PASSWORD,
    SOURCE_RENAME,
    SOURCE_ARCHIVE,
    SOURCE_RESTORE,
    CANNED_CREATE,
    CANNED_CHANGE,
    CANNED_DELETE,
    SIGNATURE_SET,
    MACRO_CREATE,
    MACRO_DELETE,
    MACRO_CHANGE,
    MACRO_APPLY,
    DATABASE_INIT,
    DEMO_CREATE,
)

DENIED_PREFIX = "denied."


def denied(action: str) -> str:
    """The action a refused attempt at `action` is recorded as."""
    return DENIED_PREFIX + action


def is_denied(action: str) -> bool:
    return action.startswith(DENIED_PREFIX)


def attempted(action: str) -> str:
    """The action a recorded one was, or tried to be: `ticket.note` for `denied.ticket.note`."""
    return action.removeprefix(DENIED_PREFIX)
