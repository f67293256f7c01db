"""`ticketty audit`: the audit log, and whether its hash chain is whole."""

from __future__ import annotations

import argparse

from cli.command import Commands, open_gate
from cli.output import CommandError, bounded_int, print_listing


def register(commands: Commands) -> None:
    audit = commands.noun("audit")
    p = audit.add("list", list_events)
    p.add_argument("--person")
    p.add_argument("--ticket", type=bounded_int)
    p.add_argument("--limit", type=bounded_int, default=50)
    p.add_argument("--json", action="store_true")
    audit.add("verify", verify)


def verify(args: argparse.Namespace) -> int:
    from access.audit import verify_chain

    open_gate(args).audit.list_audit(limit=1)  # the gate checks audit.view
    broken = verify_chain()
    if broken is not None:
        raise CommandError(f"the audit log was altered at event {broken}")
    print("the audit log is whole")
    return 0


def list_events(args: argparse.Namespace) -> int:
    return print_listing(
        args.json,
        open_gate(args).audit.list_audit(person=args.person, ticket=args.ticket, limit=args.limit),
        ["id", "at", "who", "action", "target", "before", "after"],
        lambda e: [
            str(e.id),
            f"{e.at:%Y-%m-%d %H:%M:%S}",
            e.actor or "-",
            e.action,
            e.target_label,
            e.before[:40],
            e.after[:40],
        ],
    )
