"""Small, explicit set-ups for gate tests, written straight to the store for speed; everything
under test then goes through `access.Gate`."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import ParamSpec, TypeVar

import peewee

from access.catalogue import known
from store.models import (
    AuditEvent,
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
    database_proxy,
)
from store.rows import tuple_rows

Params = ParamSpec("Params")
Made = TypeVar("Made")


def written_at_once(build: Callable[Params, Made]) -> Callable[Params, Made]:
    """`build`'s rows written in one transaction (one commit, not one per row)."""

    @functools.wraps(build)
    def built(*args: Params.args, **kwargs: Params.kwargs) -> Made:
        with database_proxy.atomic():
            return build(*args, **kwargs)

    return built


def person(username: str) -> int:
    return Person.create(
        username=username,
        display_name=username.title(),
        email=f"{username}@x.example",
        phone="+48 111 222 333",
    ).id


@written_at_once
def role(
    name: str,
    permissions: Iterable[str],
    *,
    sources: Iterable[int] | None = None,
    scope: str = "all",
    holders: Iterable[int] = (),
) -> int:
    chosen = list(sources) if sources is not None else None
    created = Role.create(name=name, all_sources=chosen is None, ticket_scope=scope)
    rows = [{"role": created.id, "permission": known(key)} for key in permissions]
    if rows:
        RolePermission.insert_many(rows).execute()
    for source in chosen or ():
        RoleSource.create(role=created.id, source=source)
    for holder in holders:
        PersonRole.create(person=holder, role=created.id)
    return created.id


@written_at_once
def ticket(
    source: int,
    requester: int,
    *,
    group: int | None = None,
    assignee: int | None = None,
    private: bool = False,
    subject: str = "A ticket",
    body: str = "Please help",
    note: str | None = None,
) -> int:
    created = Ticket.create(
        subject=subject,
        source=source,
        requester=requester,
        usergroup=group,
        assignee=assignee,
        private=private,
    )
    Message.create(ticket=created.number, kind="customer", author=requester, body=body)
    if note is not None:
        Message.create(ticket=created.number, kind="note", author=requester, body=note)
    return created.number


def snapshot(db: peewee.Database) -> dict[str, list[tuple]]:
    """Every row that a change could touch (the audit log without refusals), to prove that a
    refused action wrote nothing."""
    tables: dict[str, peewee.BaseQuery] = {
        "ticket": Ticket.select().order_by(Ticket.number).tuples(),
        "message": Message.select().order_by(Message.id).tuples(),
        "person": Person.select().order_by(Person.id).tuples(),
        "role": Role.select().order_by(Role.id).tuples(),
        "role_permission": RolePermission.select().order_by(RolePermission.id).tuples(),
        "person_role": PersonRole.select().order_by(PersonRole.id).tuples(),
        "usergroup": Usergroup.select().order_by(Usergroup.id).tuples(),
        "member": GroupMember.select().order_by(GroupMember.id).tuples(),
        "supervisor": GroupSupervisor.select().order_by(GroupSupervisor.id).tuples(),
        "source": Source.select().order_by(Source.id).tuples(),
        "audit": AuditEvent.select(AuditEvent.id, AuditEvent.action)
        .where(~AuditEvent.action.startswith("denied."))
        .order_by(AuditEvent.id)
        .tuples(),
    }
    return {name: list(tuple_rows(rows)) for name, rows in tables.items()}


@dataclass
class World:
    """Two open sources and an archived one, two groups, a requester and a few tickets."""

    s1: int
    s2: int
    archived: int
    g1: int
    g2: int
    customer: int
    other: int
    t_s1: int
    t_s2: int
    t_g1: int
    t_g2: int
    t_private_g1: int
    t_archived: int


@written_at_once
def world() -> World:
    s1 = Source.create(name="Allegro PL", kind="marketplace").id
    s2 = Source.create(name="Amazon DE", kind="marketplace").id
    archived = Source.create(name="eBay DE", kind="marketplace", archived=True).id
    g1 = Usergroup.create(name="Returns").id
    g2 = Usergroup.create(name="Accounting").id
    customer = person("cust")
    other = person("other")
    return World(
        s1=s1,
        s2=s2,
        archived=archived,
        g1=g1,
        g2=g2,
        customer=customer,
        other=other,
        t_s1=ticket(s1, customer, note="secret note s1"),
        t_s2=ticket(s2, customer, note="secret note s2"),
        t_g1=ticket(s1, customer, group=g1),
        t_g2=ticket(s1, customer, group=g2),
        t_private_g1=ticket(s1, other, group=g1, private=True),
        t_archived=ticket(archived, customer, note="secret note archived"),
    )


def judge_every_ticket(location: str) -> None:
    """Store the verdicts of every ticket's ended clocks, as the changes that ended them would
    have (the demo's tickets are written straight to the store, with no such change)."""
    from access import Gate
    from access.due_times import measure_tickets
    from store.db import connect
    from store.models import Ticket

    gate = Gate(connect(location), "ada")
    request = gate.tickets._open()
    numbers = [t.number for t in Ticket.select(Ticket.number)]
    with request.writing():
        measure_tickets(request, numbers, verdicts_since=datetime.min)
