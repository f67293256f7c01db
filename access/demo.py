"""Realistic demo data for `ticketty demo`: a small e-commerce support team and its personas.

It lives in `access` because it seeds roles from the permission catalogue; it writes through the
store's bulk loader (`store.bulk`, either backend), not through the gate, the way a restore
would. The data is
deterministic for a seed and a clock: its times are drawn back from `now`, which is `DEMO_NOW`
unless given, so demo screens and snapshot tests are stable; `ticketty demo` gives the time it
is made, so the service levels' clocks are running when a newcomer opens it.
"""

from __future__ import annotations

import operator
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import NotRequired, TypedDict

import peewee

from access import audit
from access.audit_actions import DEMO_CREATE
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
from access.demo_apart import can_fork, made_apart
from access.demo_links import seed_links
from access.demo_mail import ADDRESS as MAIL_SOURCE
from access.demo_mail import seed_mailbox
from access.demo_replies import seed_replies
from access.demo_rules import seed_rules
from access.demo_service_levels import VERDICT_COLUMNS, seed_service_levels
from access.demo_tickets import (
    HOSTILE,
    MESSAGE_COLUMNS,
    Batch,
    Ids,
    batches,
    ticket_columns,
)
from access.demo_triage import seed_triage
from access.due_times import PolicySet
from store import bulk, scope_words, sla_tally, tallies, ticket_bits
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
from store.scope_words import SCOPE_COLUMNS
from store.search_apart import SearchApart
from store.sla_models import SlaVerdict

DEMO_NOW = datetime(2026, 11, 1, 9, 0, 0)
# Larger demos have their rows made by a child process while the batch before is written, and
# their search documents indexed by another.
APART_FROM = 20_000

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
    apart: bool | None = None,
) -> DemoSummary:
    """Fill an empty, migrated database with a demo helpdesk of `tickets` tickets, its times
    before `now` (naive UTC); with `service_levels`, two calendars, three policies and every
    ticket's due times, some of them due soon after `now` (`access.demo_service_levels`).
    `apart`: whether the rows are made and the search documents indexed by processes of
    their own (forked; by default above `APART_FROM` tickets where the platform forks)."""
    rnd = random.Random(seed)
    with db.atomic():
        ids = _seed_directory(rnd)
        policies = seed_service_levels(ids.sources) if service_levels else None
    # The saved views' and tags' tallies are counted once, after the tickets, their links and
    # their tags, not by a trigger per row nor after each of them.
    with tallies.without_triggers(db):
        messages = _seed_tickets(db, rnd, tickets, ids, progress, policies, now, apart)
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
    scope_words.compact(db)  # the scope of the tickets the demo changed after their load
    ticket_bits.build_tokens(db)  # PostgreSQL's sets of the scope's tokens, for first counts
    # The loader's statistics were taken before the tally of saved views was counted.
    db.execute_sql("ANALYZE view_tally")
    return DemoSummary(
        people=Person.select().count(),
        usergroups=len(GROUPS),
        sources=len(SOURCES),
        tickets=tickets,
        messages=messages,
    )


def _seed_directory(rnd: random.Random) -> Ids:
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
    return Ids(staff=staff, customers=customers, sources=sources, groups=groups)


def _ascii(text: str) -> str:
    table = str.maketrans("ąćęłńóśźżäöüßáéí", "acelnoszzaousaei")
    return text.lower().translate(table)


def _seed_tickets(
    db: peewee.Database,
    rnd: random.Random,
    total: int,
    ids: Ids,
    progress: Callable[[int, int], None] | None,
    policies: PolicySet | None = None,
    now: datetime = DEMO_NOW,
    apart: bool | None = None,
) -> int:
    columns = ticket_columns(policies is not None)
    loaded = [Ticket, Message, AuditEvent] + ([] if policies is None else [SlaVerdict])
    # The verdicts' tally, as the rows' maker counted it, written instead of a recount.
    counted = sla_tally.Counted()
    messages = 0
    # The audit chain's head is read here: the rows' maker reads no database.
    _, head = audit.chained(None, [])

    def make() -> Iterator[Batch]:
        return batches(rnd, total, ids, policies, now, head)

    if apart is None:
        apart = total > APART_FROM and can_fork()
    with bulk.loading(
        db,
        loaded,
        verdict_tally=counted,
        tallies_aside=True,
        documents_given=True,
        documents_apart=apart,
    ) as loader:
        search = loader.apart
        made: Iterator[Batch]
        if search is not None:  # the documents go from the rows' maker to their indexer
            made = made_apart(lambda: _documents_sent(make(), search, columns))
        else:
            made = made_apart(make) if apart else make()
        for batch in made:
            with db.atomic():  # one commit per batch
                loader.insert(Ticket, columns, batch.tickets)
                loader.insert(Message, MESSAGE_COLUMNS, batch.messages)
                loader.insert(AuditEvent, audit.COLUMNS, batch.audit)
                if batch.verdicts:
                    loader.insert(SlaVerdict, VERDICT_COLUMNS, batch.verdicts)
                if search is None:
                    loader.index(batch.documents)
            if batch.counted is not None:
                counted.verdicts.update(batch.counted.verdicts)
                counted.tickets.update(batch.counted.tickets)
            messages += len(batch.messages)
            if progress is not None:
                progress(batch.made, total)
    return messages


def _documents_sent(
    made: Iterator[Batch], search: SearchApart, columns: tuple[peewee.Field, ...]
) -> Iterator[Batch]:
    """`made`'s batches without their search documents, which go to `search` with their
    tickets' number and scope columns (in the rows' maker: the loader never holds them)."""
    names = [column.column_name for column in columns]
    scope = operator.itemgetter(*(names.index(name) for name in ("number", *SCOPE_COLUMNS)))
    for batch in made:
        search.add(batch.documents, list(map(scope, batch.tickets)))
        yield batch._replace(documents=[])
