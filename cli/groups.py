"""`ticketty groups`: usergroups, their members and supervisors, and their custom fields."""

from __future__ import annotations

import argparse

from access.vocabulary import FIELD_KINDS
from cli.command import Commands, open_gate
from cli.output import CommandError, print_listing, yes_no
from cli.rules import register_assignment


def register(commands: Commands) -> None:
    groups = commands.noun("groups")
    groups.add("list", list_groups).add_argument("--json", action="store_true")
    groups.add("create", create_group).add_argument("name")
    p = groups.add("rename", rename_group)
    p.add_argument("name")
    p.add_argument("new")
    p = groups.add("delete", delete_group)
    p.add_argument("name")
    p.add_argument("--move-tickets-to")
    p.add_argument("--orphan-tickets", action="store_true")
    for name in ("add-member", "remove-member", "remove-supervisor"):
        p = groups.add(name, change_membership)
        p.add_argument("group")
        p.add_argument("username")
    p = groups.add("add-supervisor", add_supervisor)
    p.add_argument("group")
    p.add_argument("username")
    p.add_argument(
        "--customer",
        action="store_true",
        help="make a customer (a person holding no role) a supervisor all the same",
    )
    register_assignment(groups)
    groups.add("fields", list_fields).add_argument("--json", action="store_true")
    p = groups.add("define-field", define_field)
    p.add_argument("name")
    p.add_argument("--kind", default=FIELD_KINDS[0], choices=FIELD_KINDS)
    p.add_argument("--required", action="store_true")
    p = groups.add("set-field", set_field)
    p.add_argument("group")
    p.add_argument("field")
    p.add_argument("value")


def list_groups(args: argparse.Namespace) -> int:
    return print_listing(
        args.json,
        open_gate(args).groups.list_groups(),
        ["usergroup", "supervisors", "members", "fields"],
        lambda g: [
            g.name,
            ", ".join(g.supervisors),
            ", ".join(g.members),
            "; ".join(f"{f.name}: {f.value}" for f in g.fields if f.value),
        ],
    )


def create_group(args: argparse.Namespace) -> int:
    open_gate(args).groups.create_group(args.name)
    return 0


def rename_group(args: argparse.Namespace) -> int:
    open_gate(args).groups.rename_group(args.name, args.new)
    return 0


def delete_group(args: argparse.Namespace) -> int:
    """A group with tickets is deleted only when told where its tickets go."""
    gate = open_gate(args)
    if not args.move_tickets_to and not args.orphan_tickets:
        count = gate.groups.group_ticket_count(args.name)
        if count:
            raise CommandError(
                f"{args.name} has {count} tickets: add --move-tickets-to GROUP to move them, "
                "or --orphan-tickets to leave them without a group"
            )
    moved = gate.groups.delete_group(args.name, move_tickets_to=args.move_tickets_to)
    print(f"deleted {args.name}; {moved} tickets moved")
    return 0


def change_membership(args: argparse.Namespace) -> int:
    """add-member, remove-member, add-supervisor, remove-supervisor: the gate's method of the
    same name."""
    gate = open_gate(args)
    getattr(gate.groups, args.groups_action.replace("-", "_"))(args.group, args.username)
    return 0


def add_supervisor(args: argparse.Namespace) -> int:
    open_gate(args).groups.add_supervisor(args.group, args.username, customer=args.customer)
    return 0


def list_fields(args: argparse.Namespace) -> int:
    return print_listing(
        args.json,
        open_gate(args).groups.list_fields(include_retired=True),
        ["field", "kind", "required", "retired"],
        lambda f: [f.name, f.kind, yes_no(f.required), yes_no(f.retired)],
    )


def define_field(args: argparse.Namespace) -> int:
    open_gate(args).groups.define_field(args.name, args.kind, required=args.required)
    return 0


def set_field(args: argparse.Namespace) -> int:
    open_gate(args).groups.set_field_value(args.group, args.field, args.value)
    return 0
