"""The demo's tickets as rows: each batch's tickets, messages, status changes (chained audit
rows) and service-level verdicts, drawn from one `random.Random` in ticket order
(`batches`). The rows are plain tuples in the order of the loader's columns, so a child
process can make them while the loader writes the batch before (`access.demo_apart`)."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple, TypeVar

import peewee

from access import audit
from access.audit_actions import TICKET_STATUS
from access.demo_service_levels import DemoClocks, due_soon_start, judged
from access.due_times import PolicySet
from access.sla_rules import Attributes
from access.vocabulary import (
    CLOSED,
    CUSTOMER,
    HIGH,
    LOW,
    NEW,
    NORMAL,
    NOTE,
    OPEN,
    PENDING,
    REPLY,
    RESOLVED,
    URGENT,
)
from store import sla_tally
from store.models import Message, Ticket

# The demo's tickets are filed over the 90 days before its `now`.
DEMO_MINUTES = 90 * 24 * 60
DEMO_AHEAD = timedelta(days=60)
T = TypeVar("T")

TOPICS: list[tuple[str, str]] = [
    ("Return of order {order}", "I would like to return order {order}; the size does not fit."),
    ("Damaged parcel {order}", "The parcel for order {order} arrived crushed, the mug is broken."),
    ("Invoice for order {order}", "Please send a VAT invoice for order {order} to my company."),
    ("Where is my parcel? {order}", "Order {order} was paid a week ago and has not arrived yet."),
    ("Zwrot zamówienia {order}", "Chcę zwrócić zamówienie {order}, proszę o etykietę zwrotną."),
    ("Faktura VAT {order}", "Proszę o fakturę VAT do zamówienia {order} na firmę."),
    ("Rücksendung {order}", "Ich möchte die Bestellung {order} zurückschicken."),
    ("Wrong item in {order}", "I received a blue kettle instead of the red one in {order}."),
    ("Refund not received {order}", "The refund for order {order} has not reached my account."),
    ("Change delivery address {order}", "Please deliver order {order} to my office instead."),
]
REPLIES = [
    "Thank you for writing. We have sent a return label to your e-mail.",
    "We are sorry about the damage. A replacement is on its way.",
    "The invoice is attached to this reply.",
    "The courier reports a delay; the parcel should arrive within two days.",
    "Dziękujemy, zwrot został przyjęty.",
]
NOTES = [
    "Customer called twice already, be nice.",
    "Courier claim opened, number DPD-4471.",
    "Refund approved by accounting.",
    "Check stock before promising a replacement.",
]

# Ticket text a hostile customer could send: stored raw, the screens must show it as text.
HOSTILE: list[tuple[str, str]] = [
    (
        "[bold red]URGENT[/] refund [@click=app.quit]click me[/]",
        "See [link=file:///etc/passwd]my invoice[/link] \x1b[2J\x1b]0;pwned\x07 and [/] done",
    ),
    (
        "Order \x1b]52;c;aGVsbG8=\x07 missing \x9b31m red",
        "Clipboard \x1b]52;c;aGVsbG8=\x07, link \x1b]8;;http://evil.example\x07here\x1b]8;;\x07",
    ),
    ("Invoice for \u202egnp.exe", "Name with bidi override: \u202eevil\u202c and zero\u200bwidth"),
]

STATUSES = [NEW, OPEN, OPEN, PENDING, RESOLVED, CLOSED, CLOSED]
PRIORITIES = [LOW, NORMAL, NORMAL, NORMAL, HIGH, URGENT]
BATCH = 5000
# The statuses a demo ticket is changed to at its last activity (from open; logged).
CHANGED_TO = frozenset({PENDING, RESOLVED, CLOSED})

MESSAGE_COLUMNS = (Message.ticket, Message.kind, Message.author, Message.body, Message.created_at)


@dataclass
class Ids:
    """The demo directory's ids the tickets refer to."""

    staff: dict[str, int]
    customers: list[int]
    sources: dict[str, int]
    groups: dict[str, int]


class Batch(NamedTuple):
    """One batch of the demo's rows, in the order of the loader's columns; `made` is how many
    tickets were made so far, `documents` the tickets' search documents (their number,
    subject, messages' text but notes, notes' text), `counted` the whole load's verdicts tally
    (on the last batch)."""

    made: int
    tickets: list[tuple[object, ...]]
    messages: list[tuple[object, ...]]
    audit: list[tuple[object, ...]]
    verdicts: list[tuple[object, ...]]
    documents: list[tuple[int, str, str, str | None]]
    counted: sla_tally.Counted | None


def ticket_columns(service_levels: bool) -> tuple[peewee.Field, ...]:
    """The ticket columns of `batches`' rows."""
    columns: tuple[peewee.Field, ...] = (
        Ticket.number, Ticket.subject, Ticket.status, Ticket.priority, Ticket.source,
        Ticket.requester, Ticket.usergroup, Ticket.assignee, Ticket.private, Ticket.created_at,
        Ticket.updated_at, Ticket.version,
    )  # fmt: skip
    if service_levels:
        columns += (
            Ticket.first_response_due, Ticket.next_response_due, Ticket.resolution_due,
            Ticket.due_at, Ticket.sla_policy,
        )  # fmt: skip
    return columns


def batches(
    rnd: random.Random,
    total: int,
    ids: Ids,
    policies: PolicySet | None,
    now: datetime,
    head: str,
) -> Iterator[Batch]:
    """The demo's `total` tickets, `BATCH` at a time, their audit rows chained from `head`;
    with `policies`, their due times and verdicts. Reads no database."""
    agents = [ids.staff[u] for u in ("ola", "tom", "eva", "ali", "ada")]
    # Who may work on a ticket of any source: ali works only Allegro PL's (the gate's rule,
    # `gate.changes.assign`, holds in the demo too).
    every_source = [ids.staff[u] for u in ("ola", "tom", "eva", "ada")]
    source_ids = list(ids.sources.values())
    allegro = ids.sources["Allegro PL"]
    archived = ids.sources["eBay DE (disconnected)"]
    group_ids = list(ids.groups.values())
    accounting = ids.groups["Accounting"]
    mia = ids.staff["mia"]
    # The clocks' ledgers span the demo's stretch and reach past `now`, as far as the running
    # clocks' due times.
    clocks = None
    if policies is not None:
        stretch = (now - timedelta(minutes=DEMO_MINUTES), now + DEMO_AHEAD)
        clocks = DemoClocks(policies, *stretch)
    # The verdicts' tally counted as they are made, not from the table after.
    counted = sla_tally.Counted()
    pick, between = _draws(rnd)
    text = _texts()
    for start in range(0, total, BATCH):
        ticket_rows: list[tuple[object, ...]] = []
        message_rows: list[tuple[object, ...]] = []
        verdict_rows: list[tuple[object, ...]] = []
        judged_rows: list[list[sla_tally.Judged]] = []  # per ticket, what the tally reads
        documents: list[tuple[int, str, str, str | None]] = []
        # A pending, resolved or closed ticket was open until its last activity, when its
        # assignee (else ada) changed its status: the change, as it would be logged.
        ends: list[tuple[datetime, int | None, audit.Event]] = []
        for number in range(start + 1, min(total, start + BATCH) + 1):
            created = now - timedelta(minutes=between(60, DEMO_MINUTES))
            order = f"#{between(100000, 999999)}"
            subject, body = pick(TOPICS)
            subject, body = subject.format(order=order), body.format(order=order)
            requester = pick(ids.customers)
            group = pick(group_ids) if rnd.random() < 0.75 else None
            source = pick(source_ids)
            private = rnd.random() < 0.03
            if number <= len(HOSTILE):
                subject, body = HOSTILE[number - 1]
            elif number % 25 == 0:
                requester, group, private = mia, accounting, number % 50 == 0
            if number % 7 == 0:
                source = allegro
            if number % 40 == 0:
                source = archived
            status = pick(STATUSES)
            assignee = pick(agents) if rnd.random() < 0.65 else None
            if source == allegro and assignee is not None:
                assignee = ids.staff["ali"]
            elif assignee == ids.staff["ali"]:  # no draw: the rest of the demo stays as it was
                assignee = every_source[number % len(every_source)]
            if source == archived and assignee is not None:
                assignee = ids.staff["ada"]  # the only one who sees the archived source
            stamps = [created]
            first_message = len(message_rows)
            first_reply: tuple[datetime, int] | None = None
            message_rows.append((number, CUSTOMER, requester, body, text(created)))
            said_in: dict[str, list[str]] = {REPLY: [body], NOTE: []}
            for _ in range(between(0, 4)):
                kind = NOTE if rnd.random() < 0.35 else REPLY
                author = assignee or pick(agents)
                if source == archived:
                    author = ids.staff["ada"]
                elif author == ids.staff["ali"] and source != allegro:
                    author = every_source[number % len(every_source)]
                said = pick(NOTES if kind == NOTE else REPLIES)
                later = stamps[-1] + timedelta(minutes=between(5, 3000))
                stamps.append(min(later, now))
                message_rows.append((number, kind, author, said, text(stamps[-1])))
                said_in[kind].append(said)
                if kind == REPLY and first_reply is None:
                    first_reply = (stamps[-1], author)
            updated = stamps[-1]
            priority = pick(PRIORITIES)
            fresh = None
            attributes = Attributes(priority, source, group)
            if policies is not None:
                fresh = due_soon_start(policies, number, status, attributes, now)
            if fresh is not None:  # filed a little before `now`, nothing answered yet
                del message_rows[first_message:]
                message_rows.append((number, CUSTOMER, requester, body, text(fresh)))
                said_in = {REPLY: [body], NOTE: []}
                created = updated = fresh
                first_reply = None
            row: tuple[object, ...] = (
                number,
                subject,
                status,
                priority,
                source,
                requester,
                group,
                assignee,
                private,
                text(created),
                text(updated),
                # As the changes would leave it: one more for each reply or note, and for
                # the status change.
                len(message_rows) - first_message + (status in CHANGED_TO),
            )
            if clocks is not None:
                replied = None if first_reply is None else first_reply[0]
                first, next_, resolution, due_at, policy = clocks.dues(
                    created, status, attributes, replied, updated
                )
                row += (text(first), text(next_), text(resolution), text(due_at), policy)
                resolved = (updated, assignee)
                ended = clocks.verdicts(number, created, status, attributes, first_reply, resolved)
                if ended:
                    judged_rows.append([judged(v) for v in ended])
                    verdict_rows += [(*v[:7], text(v[7]), text(v[8]), *v[9:]) for v in ended]
            if status in CHANGED_TO:
                change = audit.Event(TICKET_STATUS, "ticket", number, number, OPEN, status)
                ends.append((updated, assignee or ids.staff["ada"], change))
            ticket_rows.append(row)
            notes = " ".join(said_in[NOTE]) if said_in[NOTE] else None
            documents.append((number, subject, " ".join(said_in[REPLY]), notes))
        audit_rows, head = audit.chained(head, ends)
        counted.add(judged_rows)
        made = min(total, start + BATCH)
        yield Batch(
            made,
            ticket_rows,
            message_rows,
            [(text(r[0]), *r[1:]) for r in audit_rows],
            verdict_rows,
            documents,
            counted if made == total else None,
        )


def _draws(rnd: random.Random) -> tuple[Callable[[Sequence[T]], T], Callable[[int, int], int]]:
    """`rnd.choice` and `rnd.randrange(a, b)`, the same draws from the same generator (its
    `getrandbits`, as `random.Random` draws below a bound), in one call of Python each
    instead of three."""
    getrandbits = rnd.getrandbits

    def below(n: int) -> int:
        k = n.bit_length()
        r = getrandbits(k)
        while r >= n:
            r = getrandbits(k)
        return r

    def pick(seq: Sequence[T]) -> T:
        n = len(seq)
        k = n.bit_length()
        r = getrandbits(k)
        while r >= n:
            r = getrandbits(k)
        return seq[r]

    def between(a: int, b: int) -> int:
        return a + below(b - a)

    return pick, between


def _texts() -> Callable[[Any], str | None]:
    """A time as the database driver would write it (SQLite's adapter: ISO 8601 with a space),
    each distinct time spelled once: the demo's times repeat (minutes of 90 days)."""
    spelled: dict[datetime, str] = {}

    def text(moment: Any) -> str | None:  # a datetime or None
        if moment is None:
            return None
        try:
            return spelled[moment]
        except KeyError:
            spelled[moment] = found = moment.isoformat(" ")
            return found

    return text
