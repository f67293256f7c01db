"""What the gate hands out: plain, immutable records, never Peewee models.

Screens and the command line see only these, so they cannot lazily load a relation the gate
did not scope. They are named tuples, not frozen dataclasses: a frozen dataclass compiles six
methods as its module is imported, and these 22 took 12-23 ms of every start (bench/NOTES.md).
`_replace` makes a changed copy.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from access.errors import InvalidInput
from access.vocabulary import OPEN_STATUSES

if TYPE_CHECKING:
    from access.sla_rules import Duration


class TicketRow(NamedTuple):
    """One line of the inbox."""

    number: int
    subject: str
    requester: str
    usergroup: str | None
    source: str
    status: str
    priority: str
    assignee: str | None
    private: bool
    created_at: datetime
    updated_at: datetime
    version: int
    # True when the person sees this ticket only because they supervise its group.
    as_supervisor: bool = False
    # True when the person sees this ticket only because it is assigned to them.
    as_assignee: bool = False
    # Service levels (`access.due_times`): when each running clock falls due (None: no target,
    # met, paused or stopped), and whether one of them is already past due.
    first_response_due: datetime | None = None
    next_response_due: datetime | None = None
    resolution_due: datetime | None = None
    breached: bool = False
    tags: tuple[str, ...] = ()  # in alphabetical order
    sla_policy: int | None = None  # the policy measuring it now, by id (its calendar counts)


class AttachmentView(NamedTuple):
    id: int
    filename: str
    content_type: str
    size: int
    inline: bool  # an image shown inside the message
    kept: bool  # False: over the size limit, listed but not stored


class MessageView(NamedTuple):
    id: int
    kind: str  # customer, reply or note
    author: str
    author_name: str
    body: str
    created_at: datetime
    attachments: tuple[AttachmentView, ...] = ()
    # For a reply sent by mail: queued, sent or failed, and the last error.
    delivery: str | None = None
    delivery_error: str = ""


class FieldValue(NamedTuple):
    name: str
    kind: str
    value: str


# In `TicketDetail.allowed`: the person filed the ticket and may write on it as its requester.
REQUESTER_MESSAGE = "requester.message"
# In `TicketDetail.allowed`: the ticket is assigned to the person, who may hand it back.
HAND_BACK = "assignee.hand_back"


class Seen(NamedTuple):
    """What a person had seen of a ticket when they began to write on it. A reply sent with it
    is stopped only by a change since then that makes the reply wrong (`gate.messages.reply`)."""

    version: int
    last_message: int  # the newest message id shown to them, 0 when none
    status: str


class FollowUpLinks(NamedTuple):
    """The ticket this one follows up, and the tickets that follow it up (`access.follow_ups`),
    as far as the person may see them."""

    follow_up_of: int | None = None
    follow_ups: tuple[int, ...] = ()


class TicketLinkView(NamedTuple):
    """One link of a ticket to another the person may see (`access.links`): how it reads on
    this ticket ("duplicate of", "merged into", `vocabulary.LINK_LABELS`), and the other."""

    label: str
    number: int
    subject: str


class MergePlan(NamedTuple):
    """What a merge of ticket `merged` into `into` moves (`gate.merging.merge`); with
    `dry_run` nothing was written."""

    merged: int
    into: int
    messages: int
    attachments: int
    drafts: int
    copies: int
    dry_run: bool

    def describe(self) -> str:
        done = "would move" if self.dry_run else "moved"
        return (
            f"#{self.merged} into #{self.into}: {done} {self.messages} messages, "
            f"{self.attachments} attachments, {self.drafts} drafts, {self.copies} copied "
            f"addresses; #{self.merged} {'would be' if self.dry_run else 'is'} closed, "
            f"linked as merged into #{self.into}"
        )


class ReplyRoute(NamedTuple):
    """Where an agent's reply on a ticket goes (`gate.tickets.reply_route`)."""

    recipient: str  # the requester's address with tickets.view_contact, else their name
    sender: str  # the source's address the mail goes from; "" when it is not sent
    unsent: str  # why a reply is recorded on the ticket and not sent; "" when it is sent
    problem: str = ""  # what stands in the way of a mail that is sent (no SMTP server)
    # The addresses copied on the ticket (Cc) with tickets.view_contact, else () and only
    # `copied` says how many there are.
    copies: tuple[str, ...] = ()
    copied: int = 0


class Posted(NamedTuple):
    """Where a reply, note or requester's message landed (`gate.messages.reply`, `note`)."""

    ticket: int  # the ticket it was added to: a new follow-up for a requester on a closed one
    version: int  # that ticket's version afterwards
    follow_up_of: int | None = None  # the closed ticket the follow-up was started from
    stays_closed: bool = False  # an agent's reply added to a closed ticket, which stays closed
    unsent: str = ""  # why a reply was recorded on the ticket and not sent; "" when queued


class TicketDetail(NamedTuple):
    row: TicketRow
    requester_name: str
    requester_email: str | None  # None when the person lacks tickets.view_contact
    requester_phone: str | None
    messages: tuple[MessageView, ...]
    group_fields: tuple[FieldValue, ...]
    # The ticket actions this person may take on this ticket (catalogue keys).
    allowed: frozenset[str] = frozenset()
    channel: str = ""  # the kind of the ticket's source: email, web, ...
    links: FollowUpLinks = FollowUpLinks()
    related: tuple[TicketLinkView, ...] = ()  # links to tickets the person may see
    copies: tuple[str, ...] | None = None  # addresses in Cc; None without tickets.view_contact
    ticket_fields: tuple[FieldValue, ...] = ()  # the custom fields of tickets, to the team

    @property
    def seen(self) -> Seen:
        last = max((m.id for m in self.messages), default=0)
        return Seen(self.row.version, last, self.row.status)


class GroupCount(NamedTuple):
    usergroup_id: int | None
    name: str  # "(no group)" for tickets without one
    tickets: int


class TicketQuery(NamedTuple):
    """Filters of the inbox and of `ticketty tickets list`; all optional, all combined with AND."""

    statuses: tuple[str, ...] = ()
    priorities: tuple[str, ...] = ()
    usergroups: tuple[int | None, ...] = ()  # None stands for "no group"
    sources: tuple[int, ...] = ()
    assignee: str | None = None  # a username
    requester: str | None = None  # a username
    mine: bool = False
    unassigned: bool = False
    search: str = ""
    order: str = "activity"  # one of TICKET_ORDERS
    breached: bool = False  # only tickets with a clock past its due time
    # Only tickets with a clock falling due within this business time of the ticket's calendar
    # from now (breached ones included; `access.due_window`).
    due_within: Duration | None = None


# In a search only `#42` is a ticket number: bare digits (an order number) are words.
_TICKET_REF = re.compile(r"^#([0-9]{1,18})$")


def ticket_reference(search: str) -> int | None:
    """The ticket a search names (`#42`), or None for a search of words."""
    match = _TICKET_REF.match(search.strip())
    return int(match.group(1)) if match else None


# A ticket number typed where one is asked for: `#` is optional.
_NUMBER = re.compile(r"^#?([0-9]{1,18})$")


def parse_number(text: str | int) -> int:
    """A ticket number from user input: digits only (an optional leading #), nothing else."""
    if isinstance(text, int):
        return text
    match = _NUMBER.match(text.strip())
    if not match:
        raise InvalidInput(f"{text!r} is not a ticket number")
    return int(match.group(1))


# The inbox opens on the open work: resolved and closed tickets are a filter away.
OPEN_WORK = OPEN_STATUSES
INBOX_DEFAULT = TicketQuery(statuses=OPEN_WORK)


class Reason(NamedTuple):
    """Why a person sees a ticket or holds a right: the rule and what satisfies it."""

    rule: str  # requester, assignee, role, supervisor, archived
    detail: str


class Holder(NamedTuple):
    """A person who holds a permission, and how."""

    username: str
    display_name: str
    via: str  # "role Admin" or "supervisor of Returns"


class PersonView(NamedTuple):
    username: str
    display_name: str
    email: str
    phone: str
    active: bool
    roles: tuple[str, ...]
    version: int = 1

    @property
    def staff(self) -> bool:
        """Staff hold a role; customers hold none: they file tickets and read their own, by
        e-mail or in the app, and may be members of their organisation's usergroup."""
        return bool(self.roles)


class RoleView(NamedTuple):
    name: str
    description: str
    permissions: frozenset[str]
    all_sources: bool
    sources: tuple[str, ...]
    ticket_scope: str
    holders: tuple[str, ...]
    version: int = 1

    def who_loses_what(self) -> str:
        """`ann, bob, who lose tickets.list, tickets.view`: the question before a delete."""
        permissions = sorted(self.permissions)
        shown = ", ".join(permissions[:4])
        if len(permissions) > 4:
            shown += f" and {len(permissions) - 4} more"
        return f"{', '.join(self.holders)}, who lose {shown or 'nothing'}"


class FieldDefinition(NamedTuple):
    name: str
    kind: str
    required: bool
    position: int
    retired: bool


class GroupView(NamedTuple):
    id: int
    name: str
    description: str
    members: tuple[str, ...]
    supervisors: tuple[str, ...]
    fields: tuple[FieldValue, ...]
    version: int = 1


class SourceView(NamedTuple):
    id: int
    name: str
    kind: str
    archived: bool
    version: int = 1


class MailAccountView(NamedTuple):
    source: str
    address: str
    imap: str
    smtp: str
    archived: bool
    last_fetch_at: datetime | None
    last_error: str
    waiting: int  # replies queued to go out
    failed: int
    quarantined: int
    floods: int = 0  # of those quarantined: held as a sender's flood
    secret: str = ""  # why a server's password is not used, when it is not
    send_error: str = ""  # why the SMTP server could not be used, "" when it could
    ca_file: str = ""  # the CA certificates the servers are checked against, "" the system's
    ignored: int = 0  # automatic mail taken in and not filed (auto-replies, reports)
    last_ignored: str = ""  # why the last of those was not filed
    last_ignored_at: datetime | None = None

    def ignored_text(self) -> str:
        """How much automatic mail was not filed, and the last one's time and reason."""
        if not self.ignored or self.last_ignored_at is None:
            return str(self.ignored)
        return f"{self.ignored} (last {self.last_ignored_at:%Y-%m-%d %H:%M}: {self.last_ignored})"


class QuarantineView(NamedTuple):
    """A message kept whole because it could not be taken in, with the reason."""

    id: int
    source: str
    origin: str
    reason: str
    size: int
    received_at: datetime


class AuditView(NamedTuple):
    id: int
    at: datetime
    actor: str | None
    action: str
    target_kind: str
    target_id: int | None
    ticket: int | None
    before: str
    after: str
    # The target's name (a username, a role's name, `#12`); None once the target is gone.
    target: str | None = None

    @property
    def target_label(self) -> str:
        """`role Agents`, `ticket #12`; the id when the target no longer exists."""
        return f"{self.target_kind} {self.target or self.target_id or ''}".strip()


class WorkloadRow(NamedTuple):
    """One agent's figures over the tickets the viewer may see."""

    username: str
    open_assigned: int
    days: int  # the period of the two figures below
    replies: int
    median_first_response_minutes: float | None


class BulkOutcome(NamedTuple):
    """A change to many tickets: those it changes (or would, in a dry run) and those it
    skips, grouped by the reason."""

    change: str  # "assign to tom", "close"
    changed: tuple[int, ...]
    skipped: tuple[tuple[str, tuple[int, ...]], ...]  # (reason, numbers), largest first
    applied: bool
    unchanged: tuple[int, ...] = ()  # the skipped tickets that were already as asked

    @classmethod
    def of(
        cls,
        change: str,
        changed: list[int],
        skipped: dict[str, list[int]],
        *,
        applied: bool,
        unchanged: list[int] | None = None,
    ) -> BulkOutcome:
        reasons = sorted(skipped.items(), key=lambda item: (-len(item[1]), item[0]))
        grouped = tuple((r, tuple(n)) for r, n in reasons)
        return cls(change, tuple(changed), grouped, applied, tuple(unchanged or ()))

    @property
    def nothing_to_do(self) -> bool:
        """Whether every ticket skipped was already as asked: an outcome to tell, no failure."""
        return self.skipped_count == len(self.unchanged)

    @property
    def skipped_count(self) -> int:
        return sum(len(numbers) for _, numbers in self.skipped)

    def summary(self) -> str:
        """ "3 will change, 2 will be skipped: 2 already closed" (or "changed", "skipped")."""
        verb = ("changed", "skipped") if self.applied else ("will change", "will be skipped")
        text = f"{len(self.changed)} {verb[0]}"
        if self.skipped:
            reasons = ", ".join(f"{len(numbers)} {reason}" for reason, numbers in self.skipped)
            text += f", {self.skipped_count} {verb[1]}: {reasons}"
        return text


class Assignee(NamedTuple):
    """Someone an assign picker offers."""

    username: str
    display_name: str


class NewFile(NamedTuple):
    """A file attached to a reply as it is written: its name (the last part of a path is
    kept), its content type, its bytes (the app checked their size against the limit)."""

    filename: str
    content_type: str
    data: bytes
