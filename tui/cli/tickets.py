"""`ticketty tickets`: list, show, create and act on tickets, as the app's inbox does."""

from __future__ import annotations

import argparse
from typing import Any

from access import Gate
from access.views import TicketQuery, TicketRow
from tui.cli.command import Commands, open_gate, read_body
from tui.cli.output import EXIT_USAGE, CommandError, print_json, print_table, yes_no
from tui.safe_text import one_line, visible

NO_GROUP = "none"
UNASSIGNED = ("-", "none")
MESSAGE_LABELS = {"customer": "CUSTOMER", "reply": "REPLY", "note": "INTERNAL NOTE"}


def register(commands: Commands) -> None:
    tickets = commands.noun("tickets")
    p = tickets.add("list", list_tickets)
    p.add_argument("--status", action="append")
    p.add_argument("--group", action="append")
    p.add_argument("--source", action="append")
    p.add_argument("--assignee")
    p.add_argument("--mine", action="store_true")
    p.add_argument("--unassigned", action="store_true")
    p.add_argument("--search")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--offset", type=int, default=0)
    p.add_argument("--json", action="store_true")
    p = tickets.add("show", show_ticket)
    p.add_argument("number")
    p.add_argument("--json", action="store_true")
    p = tickets.add("create", create_ticket)
    p.add_argument("--subject", required=True)
    p.add_argument("--body", required=True, help="the text, or - to read standard input")
    p.add_argument("--group")
    p.add_argument("--source")
    p.add_argument("--private", action="store_true")
    p.add_argument("--priority", default="normal")
    p = tickets.add("assign", assign)
    p.add_argument("number")
    p.add_argument("person", help="a username, or - to unassign")
    tickets.add("take", take).add_argument("number")
    tickets.add("close", close).add_argument("number")
    tickets.add("delete", delete).add_argument("number")
    p = tickets.add("move", move)
    p.add_argument("number")
    p.add_argument("group", help=f"a usergroup, or {NO_GROUP}")
    p = tickets.add("status", set_status)
    p.add_argument("number")
    p.add_argument("status")
    for name, handler in (("reply", reply), ("note", note)):
        p = tickets.add(name, handler)
        p.add_argument("number")
        p.add_argument("--body", required=True, help="the text, or - to read standard input")


def ticket_json(row: TicketRow) -> dict[str, Any]:
    return {
        "number": row.number,
        "subject": row.subject,
        "source": row.source,
        "usergroup": row.usergroup,
        "status": row.status,
        "priority": row.priority,
        "assignee": row.assignee,
        "requester": row.requester,
        "private": row.private,
        "updated_at": row.updated_at.isoformat(),
        "version": row.version,
    }


def query_of(gate: Gate, args: argparse.Namespace) -> TicketQuery:
    """The filters by name, turned into the ids the gate's query takes."""
    groups: list[int | None] = []
    if args.group:
        known = {g.name: g.id for g in gate.list_groups()}
        for name in args.group:
            if name == NO_GROUP:
                groups.append(None)
            elif name in known:
                groups.append(known[name])
            else:
                raise CommandError(f"no usergroup named {name!r}")
    sources: list[int] = []
    if args.source:
        known_sources = {s.name: s.id for s in gate.list_sources()}
        for name in args.source:
            if name not in known_sources:
                raise CommandError(f"no source named {name!r}")
            sources.append(known_sources[name])
    return TicketQuery(
        statuses=tuple(args.status or ()),
        usergroups=tuple(groups),
        sources=tuple(sources),
        assignee=args.assignee,
        mine=args.mine,
        unassigned=args.unassigned,
        search=args.search or "",
    )


def list_tickets(args: argparse.Namespace) -> int:
    if args.limit < 0 or args.offset < 0:
        raise CommandError("--limit and --offset must not be negative", EXIT_USAGE)
    gate = open_gate(args)
    rows = gate.list_tickets(query_of(gate, args), offset=args.offset, limit=args.limit)
    if args.json:
        print_json([ticket_json(r) for r in rows])
        return 0
    print_table(
        [
            [
                f"#{r.number}",
                r.subject[:60],
                r.requester,
                r.usergroup or "-",
                r.source,
                r.status,
                r.priority,
                r.assignee or "-",
                "private" if r.private else "",
            ]
            for r in rows
        ],
        [
            "number",
            "subject",
            "requester",
            "usergroup",
            "source",
            "status",
            "priority",
            "assignee",
            "",
        ],
    )
    return 0


def show_ticket(args: argparse.Namespace) -> int:
    detail = open_gate(args).get_ticket(args.number)
    row = detail.row
    if args.json:
        data = ticket_json(row)
        data["requester_name"] = detail.requester_name
        data["requester_email"] = detail.requester_email
        data["requester_phone"] = detail.requester_phone
        data["group_fields"] = {f.name: f.value for f in detail.group_fields}
        data["messages"] = [
            {
                "kind": m.kind,
                "author": m.author,
                "body": m.body,
                "created_at": m.created_at.isoformat(),
            }
            for m in detail.messages
        ]
        print_json(data)
        return 0
    print(f"#{row.number} {one_line(row.subject)}")
    contact = " ".join(x for x in (detail.requester_email, detail.requester_phone) if x)
    fields = [
        ("status", row.status),
        ("priority", row.priority),
        ("requester", f"{detail.requester_name} ({row.requester}) {contact}".strip()),
        ("usergroup", row.usergroup or "-"),
        ("source", row.source),
        ("assignee", row.assignee or "-"),
        ("private", yes_no(row.private)),
    ]
    fields += [(f.name, f.value) for f in detail.group_fields if f.value]
    for name, value in fields:
        print(f"  {one_line(name):16} {one_line(value)}")
    for message in detail.messages:
        print(
            f"\n--- {MESSAGE_LABELS[message.kind]} by {message.author} at "
            f"{message.created_at:%Y-%m-%d %H:%M}"
        )
        print(visible(message.body))
    return 0


def create_ticket(args: argparse.Namespace) -> int:
    number = open_gate(args).create_ticket(
        args.subject,
        read_body(args.body),
        group=args.group,
        source=args.source,
        private=args.private,
        priority=args.priority,
    )
    print(number)
    return 0


def assign(args: argparse.Namespace) -> int:
    open_gate(args).assign(args.number, None if args.person in UNASSIGNED else args.person)
    return 0


def take(args: argparse.Namespace) -> int:
    open_gate(args).take(args.number)
    return 0


def move(args: argparse.Namespace) -> int:
    open_gate(args).move(args.number, None if args.group == NO_GROUP else args.group)
    return 0


def set_status(args: argparse.Namespace) -> int:
    open_gate(args).set_status(args.number, args.status)
    return 0


def close(args: argparse.Namespace) -> int:
    open_gate(args).close(args.number)
    return 0


def delete(args: argparse.Namespace) -> int:
    open_gate(args).delete_ticket(args.number)
    return 0


def reply(args: argparse.Namespace) -> int:
    open_gate(args).reply(args.number, read_body(args.body))
    return 0


def note(args: argparse.Namespace) -> int:
    open_gate(args).note(args.number, read_body(args.body))
    return 0
