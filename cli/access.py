"""`ticketty access`: why a person sees a ticket or holds a permission, and who holds one."""

from __future__ import annotations

import argparse

from cli.command import Commands, open_gate
from cli.output import EXIT_USAGE, CommandError
from wording.safe_text import one_line


def register(commands: Commands) -> None:
    access = commands.noun("access")
    p = access.add("explain", explain)
    p.add_argument("--ticket")
    p.add_argument("--permission")
    p.add_argument("--person")
    access.add("who", who_holds).add_argument("permission")


def who_holds(args: argparse.Namespace) -> int:
    holders = open_gate(args).explain.who(args.permission)
    if not holders:
        print(f"nobody holds {args.permission}")
    for holder in holders:
        print(f"{holder.username:12} {one_line(holder.display_name):24} {one_line(holder.via)}")
    return 0


def explain(args: argparse.Namespace) -> int:
    gate = open_gate(args)
    who = args.person or gate.username
    if args.permission:
        reasons = gate.explain.explain_permission(
            args.permission, number=args.ticket, username=args.person
        )
        if not reasons:
            on_ticket = f" on #{args.ticket}" if args.ticket else ""
            print(f"{who} does not hold {args.permission}{on_ticket}")
    elif args.ticket:
        reasons = gate.explain.explain_ticket(args.ticket, args.person)
        if not reasons:
            print(f"{who} does not see #{args.ticket}")
    else:
        raise CommandError("say --ticket N, --permission P, or both", EXIT_USAGE)
    for reason in reasons:
        print(f"{reason.rule:10} {one_line(reason.detail)}")
    return 0
