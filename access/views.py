"""What the gate hands out: plain, immutable records, never Peewee models.

Screens and the command line see only these, so they cannot lazily load a relation the gate
did not scope. They are named tuples, not frozen dataclasses: a frozen dataclass compiles six
methods as its module is imported, a cost every start would pay for each record.
`_replace` makes a changed copy. Those of a list of tickets (a ticket's row, the list's query)
are `access.list_views`, which the inbox's first frame loads without these; said again here.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from access.list_views import INBOX_DEFAULT as INBOX_DEFAULT
from access.list_views import OPEN_WORK as OPEN_WORK
from access.list_views import GroupCount as GroupCount
from access.list_views import TicketQuery as TicketQuery
from access.list_views import TicketRow as TicketRow
from access.list_views import parse_number as parse_number
from access.list_views import ticket_reference as ticket_reference


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
