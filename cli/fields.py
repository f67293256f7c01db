"""`ticketty fields`: custom fields, of tickets (`--on tickets`) or of usergroups. A ticket's
value is set with `tickets field`."""

from __future__ import annotations

import argparse

from access.vocabulary import FIELD_KINDS
from cli.command import Commands, open_gate
from cli.output import print_listing, yes_no

ON = ("tickets", "usergroups")


def register(commands: Commands) -> None:
    fields = commands.noun("fields")
    p = fields.add("add", add_field, help="define a custom field")
    p.add_argument("name")
    p.add_argument("--kind", default=FIELD_KINDS[0], choices=FIELD_KINDS)
    p.add_argument("--on", default=ON[0], choices=ON, help="what the field is of (tickets)")
    p = fields.add("list", list_fields, help="the custom fields")
    p.add_argument("--on", default=ON[0], choices=ON)
    p.add_argument("--json", action="store_true")


def add_field(args: argparse.Namespace) -> int:
    gate = open_gate(args)
    if args.on == "tickets":
        gate.ticket_fields.define_ticket_field(args.name, args.kind)
    else:
        gate.groups.define_field(args.name, args.kind)
    return 0


def list_fields(args: argparse.Namespace) -> int:
    gate = open_gate(args)
    if args.on == "tickets":
        listed = gate.ticket_fields.list_ticket_fields(include_retired=True)
    else:
        listed = gate.groups.list_fields(include_retired=True)
    return print_listing(
        args.json,
        listed,
        ["field", "kind", "retired"],
        lambda f: [f.name, f.kind, yes_no(f.retired)],
    )
