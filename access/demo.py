"""Realistic demo data for `ticketty demo`: a small e-commerce support team and its personas.

It lives in `access` because it seeds roles from the permission catalogue; it writes through the
store's bulk loader (`store.bulk`, either backend), not through the gate, the way a restore
would. The data is
deterministic for a seed and a clock: its times are drawn back from `now`, which is `DEMO_NOW`
unless given, so demo screens and snapshot tests are stable; `ticketty demo` gives the time it
is made, so the service levels' clocks are running when a newcomer opens it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NotRequired, TypedDict

import peewee

from access import audit
from access.audit_actions import DEMO_CREATE, TICKET_STATUS
from access.catalogue import (
    MACROS_LIST,
    PEOPLE_LIST,
    PERMISSIONS,
    REPORTS_OWN,
    SOURCES_LIST,
    TICKETS_ASSIGN,
    TICKETS_CHANGE_GROUP,
    TICKETS_CHANGE_STATUS,
    TICKETS_CHOOSE_GROUP,
    TICKETS_CLOSE,
    TICKETS_CREATE,
    TICKETS_CREATE_PRIVATE,
    TICKETS_LIST,
    TICKETS_MERGE,
    TICKETS_NOTE,
    TICKETS_REPLY,
    TICKETS_SET_FIELDS,
    TICKETS_TAG,
    TICKETS_TAKE,
    TICKETS_VIEW,
    TICKETS_VIEW_CONTACT,
    TICKETS_VIEW_NOTES,
    USERGROUPS_LIST,
    VIEW_ONLY,
)
from access.demo_links import seed_links
from access.demo_mail import ADDRESS as MAIL_SOURCE
from access.demo_mail import seed_mailbox
from access.demo_replies import seed_replies
from access.demo_rules import seed_rules
from access.demo_service_levels import (
    VERDICT_COLUMNS,
    DemoClocks,
    due_soon_start,
    judged,
    seed_service_levels,
)
from access.demo_triage import seed_triage
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
from store import bulk, sla_tally, tallies
from store.models import (
    AuditEvent,
    CustomField,
    CustomFieldValue,
    GroupMember,
    GroupSupervisor,
    Message,
    Person,
    PersonRole,
    Role,
    RolePermission,
    RoleSource,
    Source,
    Ticket,
    Usergroup,
)
from store.sla_models import SlaVerdict

DEMO_NOW = datetime(2026, 11, 1, 9, 0, 0)
# The demo's tickets are filed over the 90 days before its `now`.
DEMO_MINUTES = 90 * 24 * 60
DEMO_AHEAD = timedelta(days=60)

PERSONAS: dict[str, str] = {
    "ada": "Ada Lovelace, administrator: every permission, every source, archives included",
    "sam": "Sam Novak, supervisor of Returns: a narrow role, works Returns tickets as supervisor",
    "ali": "Ali Kaya, agent limited to the single source Allegro PL",
    "vic": "Vic Moreau, view-only: the list and view leaves, nothing that changes anything",
    "mia": "Mia Wójcik, member of Accounting: files tickets, private ones too, picks the group",
    "max": "Max Bauer, member of Accounting: cannot see Mia's private tickets",
    "ola": "Ola Nowak, agent on every source",
}

_AGENT_TICKETS = [
    TICKETS_LIST,
    TICKETS_VIEW,
    TICKETS_VIEW_NOTES,
    TICKETS_VIEW_CONTACT,
    TICKETS_CREATE,
    TICKETS_REPLY,
    TICKETS_NOTE,
    TICKETS_TAKE,
    TICKETS_ASSIGN,
    TICKETS_CHANGE_GROUP,
    TICKETS_CHANGE_STATUS,
    TICKETS_CLOSE,
    TICKETS_MERGE,
    TICKETS_TAG,
    TICKETS_SET_FIELDS,
]


class RoleSpec(TypedDict):
    """A demo role: its permissions, the sources it is limited to (all when none), its scope."""

    permissions: list[str]
    sources: NotRequired[list[str]]
    scope: NotRequired[str]


ROLES: dict[str, RoleSpec] = {
    "Administrator": {"permissions": sorted(PERMISSIONS)},
    "Agent": {
        "permissions": [
            *_AGENT_TICKETS,
            USERGROUPS_LIST,
            PEOPLE_LIST,
            SOURCES_LIST,
            REPORTS_OWN,
            MACROS_LIST,
        ]
    },
    "Allegro agent": {
        "permissions": [*_AGENT_TICKETS, USERGROUPS_LIST, REPORTS_OWN, MACROS_LIST],
        "sources": ["Allegro PL"],
    },
    "Viewer": {"permissions": sorted(VIEW_ONLY)},
    "Member": {
        "permissions": [TICKETS_CREATE, TICKETS_LIST, TICKETS_VIEW],
        "scope": "usergroups",
    },
    "Member (private + choose group)": {
        "permissions": [
            TICKETS_CREATE,
            TICKETS_LIST,
            TICKETS_VIEW,
            TICKETS_CREATE_PRIVATE,
            TICKETS_CHOOSE_GROUP,
        ],
        "scope": "usergroups",
    },
    "Supervisor (basic)": {"permissions": [TICKETS_CREATE]},
}

STAFF: list[tuple[str, str, str, list[str]]] = [
    ("ada", "Ada Lovelace", "ada@shop.example", ["Administrator"]),
    ("sam", "Sam Novak", "sam@shop.example", ["Supervisor (basic)"]),
    ("ali", "Ali Kaya", "ali@shop.example", ["Allegro agent"]),
    ("vic", "Vic Moreau", "vic@shop.example", ["Viewer"]),
    ("mia", "Mia Wójcik", "mia@shop.example", ["Member (private + choose group)"]),
    ("max", "Max Bauer", "max@shop.example", ["Member"]),
    ("ola", "Ola Nowak", "ola@shop.example", ["Agent"]),
    ("tom", "Tom Schulz", "tom@shop.example", ["Agent"]),
    ("eva", "Eva Horváth", "eva@shop.example", ["Agent"]),
]

SOURCES: list[tuple[str, str, bool]] = [
    ("support@shop.example", "email", False),
    ("Allegro PL", "marketplace", False),
    ("Amazon DE", "marketplace", False),
    ("eBay DE (disconnected)", "marketplace", True),
    ("Web form", "web", False),
    ("Phone", "phone", False),
]

GROUPS: dict[str, dict[str, str]] = {
    "Returns": {
        "Phone": "+48 12 345 67 89",
        "E-mail": "returns@shop.example",
        "Address": "ul. Wielicka 28, 30-552 Kraków",
    },
    "Accounting": {"Phone": "+48 22 100 20 30", "E-mail": "accounting@shop.example"},
    "Warehouse Kraków": {
        "Phone": "+48 12 200 30 40",
        "Address": "ul. Półłanki 64, 30-740 Kraków",
        "Website": "https://warehouse.shop.example",
    },
    "B2B: Acme Sp. z o.o.": {
        "Phone": "+48 61 555 01 02",
        "E-mail": "zakupy@acme.example",
        "Website": "https://acme.example",
        "Account manager": "Ola Nowak",
    },
}

FIELDS: list[tuple[str, str, bool]] = [
    ("Phone", "phone", True),
    ("E-mail", "email", False),
    ("Address", "address", False),
    ("Website", "url", False),
    ("Account manager", "text", False),
]

FIRST = [
    "Anna",
    "Piotr",
    "Katarzyna",
    "Tomasz",
    "Magdalena",
    "Jan",
    "Lukas",
    "Julia",
    "Felix",
    "Sophie",
    "Marek",
    "Zofia",
    "Jonas",
    "Lena",
]
LAST = [
    "Kowalski",
    "Nowak",
    "Wiśniewska",
    "Müller",
    "Schmidt",
    "Zieliński",
    "Fischer",
    "Weber",
    "Lewandowska",
    "Krause",
]

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


@dataclass(frozen=True)
class DemoSummary:
    people: int
    usergroups: int
    sources: int
    tickets: int
    messages: int


def build_demo(
    db: peewee.Database,
    *,
    tickets: int = 2000,
    seed: int = 7,
    progress: Callable[[int, int], None] | None = None,
    service_levels: bool = False,
    now: datetime = DEMO_NOW,
) -> DemoSummary:
    """Fill an empty, migrated database with a demo helpdesk of `tickets` tickets, its times
    before `now` (naive UTC); with `service_levels`, two calendars, three policies and every
    ticket's due times, some of them due soon after `now` (`access.demo_service_levels`)."""
    rnd = random.Random(seed)
    with db.atomic():
        ids = _seed_directory(rnd)
        policies = seed_service_levels(ids.sources) if service_levels else None
    # The saved views' and tags' tallies are counted once, after the tickets, their links and
    # their tags, not by a trigger per row nor after each of them.
    with tallies.without_triggers(db):
        messages = _seed_tickets(db, rnd, tickets, ids, progress, policies, now)
        seed_links(db, after=len(HOSTILE), by=ids.staff["ada"])
        with db.atomic():
            seed_mailbox(ids.sources[MAIL_SOURCE], now)
            seed_triage()
            seed_replies(ids.sources, ids.groups)
            seed_rules(ids.staff["ada"])
            audit.record(
                None,
                DEMO_CREATE,
                "database",
                None,
                after={"tickets": tickets, "seed": seed, "messages": messages},
                at=now,
            )
    # The loader's statistics were taken before the tally of saved views was counted.
    db.execute_sql("ANALYZE view_tally")
    return DemoSummary(
        people=Person.select().count(),
        usergroups=len(GROUPS),
        sources=len(SOURCES),
        tickets=tickets,
        messages=messages,
    )


@dataclass
class _Ids:
    staff: dict[str, int]
    customers: list[int]
    sources: dict[str, int]
    groups: dict[str, int]


def _seed_directory(rnd: random.Random) -> _Ids:
    sources = {
        name: Source.create(name=name, kind=kind, archived=archived).id
        for name, kind, archived in SOURCES
    }
    roles: dict[str, int] = {}
    for name, spec in ROLES.items():
        chosen = list(spec.get("sources", []))
        role = Role.create(name=name, all_sources=not chosen, ticket_scope=spec.get("scope", "all"))
        roles[name] = role.id
        RolePermission.insert_many(
            [{"role": role.id, "permission": key} for key in spec["permissions"]]
        ).execute()
        for source in chosen:
            RoleSource.create(role=role.id, source=sources[source])
    staff: dict[str, int] = {}
    for username, name, email, role_names in STAFF:
        phone = f"+48 600 {rnd.randrange(100, 999)} {rnd.randrange(100, 999)}"
        person = Person.create(username=username, display_name=name, email=email, phone=phone)
        staff[username] = person.id
        for role_name in role_names:
            PersonRole.create(person=person.id, role=roles[role_name])
    fields = {
        name: CustomField.create(name=name, kind=kind, required=required, position=i).id
        for i, (name, kind, required) in enumerate(FIELDS, start=1)
    }
    groups: dict[str, int] = {}
    for name, values in GROUPS.items():
        group = Usergroup.create(name=name)
        groups[name] = group.id
        for field_name, value in values.items():
            CustomFieldValue.create(field=fields[field_name], usergroup=group.id, value=value)
    GroupSupervisor.create(usergroup=groups["Returns"], person=staff["sam"])
    GroupMember.create(usergroup=groups["Returns"], person=staff["tom"])
    for member in ("mia", "max"):
        GroupMember.create(usergroup=groups["Accounting"], person=staff[member])
    GroupSupervisor.create(usergroup=groups["Accounting"], person=staff["eva"])
    customers = []
    rows = []
    for i in range(300):
        first, last = rnd.choice(FIRST), rnd.choice(LAST)
        rows.append(
            {
                "username": f"c{i:03d}.{_ascii(last).lower()}",
                "display_name": f"{first} {last}",
                "email": f"{_ascii(first).lower()}.{_ascii(last).lower()}{i}@mail.example",
                "phone": f"+48 5{rnd.randrange(10, 99)} {rnd.randrange(100, 999)} "
                f"{rnd.randrange(100, 999)}",
            }
        )
    Person.insert_many(rows).execute()
    customers = [
        p.id
        for p in Person.select(Person.id).where(Person.username.startswith("c")).order_by(Person.id)
    ]
    return _Ids(staff=staff, customers=customers, sources=sources, groups=groups)


def _ascii(text: str) -> str:
    table = str.maketrans("ąćęłńóśźżäöüßáéí", "acelnoszzaousaei")
    return text.lower().translate(table)


def _seed_tickets(
    db: peewee.Database,
    rnd: random.Random,
    total: int,
    ids: _Ids,
    progress: Callable[[int, int], None] | None,
    policies: PolicySet | None = None,
    now: datetime = DEMO_NOW,
) -> int:
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
    ticket_columns: tuple[peewee.Field, ...] = (
        Ticket.number,
        Ticket.subject,
        Ticket.status,
        Ticket.priority,
        Ticket.source,
        Ticket.requester,
        Ticket.usergroup,
        Ticket.assignee,
        Ticket.private,
        Ticket.created_at,
        Ticket.updated_at,
        Ticket.version,
    )
    if policies is not None:
        ticket_columns += (
            Ticket.first_response_due,
            Ticket.next_response_due,
            Ticket.resolution_due,
            Ticket.due_at,
            Ticket.sla_policy,
        )
    message_columns = (
        Message.ticket,
        Message.kind,
        Message.author,
        Message.body,
        Message.created_at,
    )
    messages = 0
    # The clocks' ledgers span the demo's stretch and reach past `now`, as far as the running
    # clocks' due times.
    clocks = None
    if policies is not None:
        stretch = (now - timedelta(minutes=DEMO_MINUTES), now + DEMO_AHEAD)
        clocks = DemoClocks(policies, *stretch)
    loaded = [Ticket, Message, AuditEvent] + ([] if clocks is None else [SlaVerdict])
    # The verdicts' tally counted as they are made (and written), not from the table after.
    counted = sla_tally.Counted()
    head = None  # the audit chain's, as the last batch left it
    with bulk.loading(db, loaded, verdict_tally=counted, tallies_aside=True) as loader:
        for start in range(0, total, BATCH):
            ticket_rows: list[tuple[object, ...]] = []
            message_rows: list[tuple[object, ...]] = []
            verdicts: list[list[tuple[object, ...]]] = []  # per ticket
            # A pending, resolved or closed ticket was open until its last activity, when its
            # assignee (else ada) changed its status: the change, as it would be logged.
            ends: list[tuple[datetime, int | None, audit.Event]] = []
            for number in range(start + 1, min(total, start + BATCH) + 1):
                created = now - timedelta(minutes=rnd.randrange(60, DEMO_MINUTES))
                order = f"#{rnd.randrange(100000, 999999)}"
                subject, body = rnd.choice(TOPICS)
                subject, body = subject.format(order=order), body.format(order=order)
                requester = rnd.choice(ids.customers)
                group = rnd.choice(group_ids) if rnd.random() < 0.75 else None
                source = rnd.choice(source_ids)
                private = rnd.random() < 0.03
                if number <= len(HOSTILE):
                    subject, body = HOSTILE[number - 1]
                elif number % 25 == 0:
                    requester, group, private = mia, accounting, number % 50 == 0
                if number % 7 == 0:
                    source = allegro
                if number % 40 == 0:
                    source = archived
                status = rnd.choice(STATUSES)
                assignee = rnd.choice(agents) if rnd.random() < 0.65 else None
                if source == allegro and assignee is not None:
                    assignee = ids.staff["ali"]
                elif assignee == ids.staff["ali"]:  # no draw: the rest of the demo stays as it was
                    assignee = every_source[number % len(every_source)]
                if source == archived and assignee is not None:
                    assignee = ids.staff["ada"]  # the only one who sees the archived source
                stamps = [created]
                first_message = len(message_rows)
                first_reply: tuple[datetime, int] | None = None
                message_rows.append((number, CUSTOMER, requester, body, created))
                for _ in range(rnd.randrange(0, 4)):
                    kind = NOTE if rnd.random() < 0.35 else REPLY
                    author = assignee or rnd.choice(agents)
                    if source == archived:
                        author = ids.staff["ada"]
                    elif author == ids.staff["ali"] and source != allegro:
                        author = every_source[number % len(every_source)]
                    text = rnd.choice(NOTES if kind == NOTE else REPLIES)
                    later = stamps[-1] + timedelta(minutes=rnd.randrange(5, 3000))
                    stamps.append(min(later, now))
                    message_rows.append((number, kind, author, text, stamps[-1]))
                    if kind == REPLY and first_reply is None:
                        first_reply = (stamps[-1], author)
                updated = stamps[-1]
                priority = rnd.choice(PRIORITIES)
                fresh = None
                attributes = Attributes(priority, source, group)
                if policies is not None:
                    fresh = due_soon_start(policies, number, status, attributes, now)
                if fresh is not None:  # filed a little before `now`, nothing answered yet
                    del message_rows[first_message:]
                    message_rows.append((number, CUSTOMER, requester, body, fresh))
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
                    created,
                    updated,
                    # As the changes would leave it: one more for each reply or note, and for
                    # the status change.
                    len(message_rows) - first_message + (status in CHANGED_TO),
                )
                if clocks is not None:
                    replied = None if first_reply is None else first_reply[0]
                    row += clocks.dues(created, status, attributes, replied, updated)
                    resolved = (updated, assignee)
                    verdicts.append(
                        clocks.verdicts(number, created, status, attributes, first_reply, resolved)
                    )
                if status in CHANGED_TO:
                    change = audit.Event(TICKET_STATUS, "ticket", number, number, OPEN, status)
                    ends.append((updated, assignee or ids.staff["ada"], change))
                ticket_rows.append(row)
            audit_rows, head = audit.chained(head, ends)
            with db.atomic():  # one commit per batch
                loader.insert(Ticket, ticket_columns, ticket_rows)
                loader.insert(Message, message_columns, message_rows)
                loader.insert(AuditEvent, audit.COLUMNS, audit_rows)
                if verdicts:
                    loader.insert(SlaVerdict, VERDICT_COLUMNS, (r for t in verdicts for r in t))
            counted.add(map(judged, t) for t in verdicts)
            messages += len(message_rows)
            if progress is not None:
                progress(min(total, start + BATCH), total)
    return messages
