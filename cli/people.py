"""`ticketty people`: list, add, edit, (de)activate people and grant or revoke their roles."""

from __future__ import annotations

import argparse

from cli.command import Commands, open_gate
from cli.output import print_listing, yes_no
from cli.rules import register_away


def register(commands: Commands) -> None:
    people = commands.noun("people")
    people.add("list", list_people).add_argument("--json", action="store_true")
    for name, handler in (("add", add_person), ("edit", edit_person)):
        p = people.add(name, handler)
        p.add_argument("username")
        p.add_argument("--name", required=name == "add")
        p.add_argument("--email")
        p.add_argument("--phone")
    people.add("deactivate", deactivate).add_argument("username")
    people.add("activate", activate).add_argument("username")
    for name, handler in (("grant", grant_role), ("revoke", revoke_role)):
        p = people.add(name, handler)
        p.add_argument("username")
        p.add_argument("role")
    register_away(people)


def list_people(args: argparse.Namespace) -> int:
    return print_listing(
        args.json,
        open_gate(args).people.list_people(),
        ["username", "name", "email", "phone", "active", "roles"],
        lambda p: [
            p.username,
            p.display_name,
            p.email,
            p.phone,
            yes_no(p.active),
            ", ".join(p.roles),
        ],
    )


def add_person(args: argparse.Namespace) -> int:
    open_gate(args).people.add_person(
        args.username, args.name, email=args.email or "", phone=args.phone or ""
    )
    return 0


def edit_person(args: argparse.Namespace) -> int:
    open_gate(args).people.edit_person(
        args.username, display_name=args.name, email=args.email, phone=args.phone
    )
    return 0


def deactivate(args: argparse.Namespace) -> int:
    open_gate(args).people.set_active(args.username, False)
    return 0


def activate(args: argparse.Namespace) -> int:
    open_gate(args).people.set_active(args.username, True)
    return 0


def grant_role(args: argparse.Namespace) -> int:
    open_gate(args).roles.grant_role(args.username, args.role)
    return 0


def revoke_role(args: argparse.Namespace) -> int:
    open_gate(args).roles.revoke_role(args.username, args.role)
    return 0
