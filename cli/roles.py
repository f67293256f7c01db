"""`ticketty roles`: the permission catalogue, and roles with their permissions and scope."""

from __future__ import annotations

import argparse
from typing import Any

from access import NoChange, StillHeld
from access.catalogue import CATALOGUE
from access.validation import checked_permissions
from access.views import RoleView
from access.vocabulary import TICKET_SCOPES, describe_scope
from cli.command import Commands, open_gate
from cli.output import CommandError, plain, print_json, print_listing
from wording.safe_text import one_line


def register(commands: Commands) -> None:
    roles = commands.noun("roles")
    roles.add("list", list_roles).add_argument("--json", action="store_true")
    roles.add("catalogue", print_catalogue)
    p = roles.add("show", show_role)
    p.add_argument("name")
    p.add_argument("--json", action="store_true")
    p = roles.add("create", create_role)
    p.add_argument("name")
    p.add_argument("--permission", action="append")
    p.add_argument("--source", action="append")
    p.add_argument("--scope", default=TICKET_SCOPES[0], choices=TICKET_SCOPES)
    for name, handler in (("copy", copy_role), ("rename", rename_role)):
        p = roles.add(name, handler)
        p.add_argument("name")
        p.add_argument("new")
    p = roles.add("delete", delete_role)
    p.add_argument("name")
    p.add_argument("--force", action="store_true", help="delete it even if people hold it")
    for name, handler in (("permit", permit), ("forbid", forbid)):
        p = roles.add(name, handler)
        p.add_argument("name")
        p.add_argument("permissions", nargs="+")
    p = roles.add("scope", set_scope)
    p.add_argument("name")
    p.add_argument("--all-sources", action="store_true")
    p.add_argument("--source", action="append")
    p.add_argument("--tickets", choices=TICKET_SCOPES)


def print_catalogue(args: argparse.Namespace) -> int:
    for group in CATALOGUE:
        print(f"{group.name}: {group.description}")
        for leaf in group.leaves:
            print(f"  {leaf.key:24} {leaf.description}")
    return 0


def list_roles(args: argparse.Namespace) -> int:
    return print_listing(
        args.json,
        open_gate(args).roles.list_roles(),
        ["role", "permissions", "scope", "holders"],
        lambda r: [r.name, str(len(r.permissions)), scope_text(r), ", ".join(r.holders)],
        role_json,
    )


def show_role(args: argparse.Namespace) -> int:
    role = open_gate(args).roles.get_role(args.name)
    if args.json:
        print_json(role_json(role))
        return 0
    print(f"role {one_line(role.name)}: {scope_text(role)}")
    print("holders: " + (", ".join(role.holders) or "nobody"))
    for key in sorted(role.permissions):
        print(f"  {key}")
    return 0


def create_role(args: argparse.Namespace) -> int:
    open_gate(args).roles.create_role(
        args.name,
        args.permission or (),
        all_sources=not args.source,
        sources=args.source or (),
        ticket_scope=args.scope,
    )
    return 0


def copy_role(args: argparse.Namespace) -> int:
    open_gate(args).roles.copy_role(args.name, args.new)
    return 0


def rename_role(args: argparse.Namespace) -> int:
    open_gate(args).roles.rename_role(args.name, args.new)
    return 0


def delete_role(args: argparse.Namespace) -> int:
    gate = open_gate(args)
    try:
        gate.roles.delete_role(args.name, even_if_held=args.force)
    except StillHeld as exc:
        raise CommandError(f"{exc}; add --force to delete it") from None
    return 0


def permit(args: argparse.Namespace) -> int:
    gate = open_gate(args)
    current = set(gate.roles.get_role(args.name).permissions)
    named = checked_permissions(args.permissions)
    if named <= current:
        raise NoChange(f"role {args.name} already has {', '.join(sorted(named))}; nothing changed")
    gate.roles.set_role_permissions(args.name, current | named)
    return 0


def forbid(args: argparse.Namespace) -> int:
    gate = open_gate(args)
    current = set(gate.roles.get_role(args.name).permissions)
    named = checked_permissions(args.permissions)
    if not named & current:
        raise NoChange(
            f"role {args.name} does not have {', '.join(sorted(named))}; nothing changed"
        )
    gate.roles.set_role_permissions(args.name, current - named)
    return 0


def set_scope(args: argparse.Namespace) -> int:
    """Only what is given changes: sources without `--all-sources` replace the role's list."""
    gate = open_gate(args)
    role = gate.roles.get_role(args.name)
    sources = args.source or ()
    all_sources = args.all_sources or (not sources and role.all_sources)
    gate.roles.set_role_scope(
        args.name,
        all_sources=all_sources,
        sources=() if all_sources else (sources or role.sources),
        ticket_scope=args.tickets or role.ticket_scope,
    )
    return 0


def role_json(role: RoleView) -> dict[str, Any]:
    data = plain(role)
    data["permissions"] = sorted(role.permissions)
    return data


def scope_text(role: RoleView) -> str:
    return describe_scope(role.ticket_scope, role.all_sources, role.sources)
