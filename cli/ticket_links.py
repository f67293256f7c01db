"""`ticketty tickets merge | link | unlink | split | cc`: one ticket into another, links
between two (and their removal), a message off into a new ticket, and the addresses copied on a
ticket."""

from __future__ import annotations

import argparse

from access.vocabulary import LINK_KINDS, RELATED
from cli.command import Arguments, Commands, open_gate
from cli.output import bounded_int, print_json


def register(tickets: Commands) -> None:
    p = tickets.add(
        "merge",
        merge,
        help="merge a ticket into another: NUMBER --into NUMBER",
        description="Move the ticket's messages, attachments, drafts and copies onto the one "
        "named by --into; the ticket is closed and linked as merged into it, and mail "
        "answering it lands there. Needs tickets.merge on both tickets.",
    )
    p.add_argument("number", help="the ticket merged away")
    p.add_argument("--into", required=True, metavar="NUMBER", help="the ticket kept")
    p.add_argument("--dry-run", action="store_true", help="say what would move; write nothing")
    p.add_argument("--json", action="store_true")
    p = tickets.add("link", link, help="link two tickets: NUMBER OTHER --kind KIND [--remove]")
    _link_arguments(p)
    p.add_argument("--remove", action="store_true", help="remove the link(s) instead")
    p = tickets.add(
        "unlink",
        unlink,
        help="remove the links between two tickets: NUMBER OTHER [--kind KIND]",
        description="Removes every link between the two (either way round), or only those of "
        "--kind; a merge is not undone this way. Needs the rights that link them.",
    )
    _link_arguments(p)
    p = tickets.add(
        "split",
        split,
        help="move a message into a new ticket, linked: NUMBER MESSAGE_ID",
        description="The message (its id: `tickets show --json`) leaves the ticket for a new "
        "one of the same requester, source and group, linked as related; prints its number.",
    )
    p.add_argument("number")
    p.add_argument("message", type=bounded_int, metavar="MESSAGE_ID")
    p = tickets.add(
        "cc",
        copies,
        help="add or remove addresses copied on a ticket",
        description="Replies go to the requester with these addresses in Cc, and mail from "
        "them threads onto the ticket. Repeat --add and --remove for several.",
    )
    p.add_argument("number")
    p.add_argument("--add", action="append", default=[], metavar="ADDRESS")
    p.add_argument("--remove", action="append", default=[], metavar="ADDRESS")
    p.add_argument("--json", action="store_true")


def _link_arguments(parser: Arguments) -> None:
    parser.add_argument("number")
    parser.add_argument("other")
    parser.add_argument(
        "--kind",
        choices=LINK_KINDS,
        help="related (the default of a new link), duplicate (NUMBER duplicates OTHER), "
        "parent (NUMBER is OTHER's parent)",
    )


def merge(args: argparse.Namespace) -> int:
    plan = open_gate(args).merging.merge(args.number, args.into, dry_run=args.dry_run)
    if args.json:
        print_json(plan._asdict())
    else:
        print(plan.describe())
    return 0


def link(args: argparse.Namespace) -> int:
    if args.remove:
        return unlink(args)
    kind = args.kind or RELATED
    open_gate(args).merging.link(args.number, args.other, kind)
    print(f"#{args.number.lstrip('#')} linked to #{args.other.lstrip('#')} ({kind})")
    return 0


def unlink(args: argparse.Namespace) -> int:
    kinds = open_gate(args).merging.unlink(args.number, args.other, args.kind)
    first, second = args.number.lstrip("#"), args.other.lstrip("#")
    print(f"#{first} unlinked from #{second} ({', '.join(kinds)})")
    return 0


def split(args: argparse.Namespace) -> int:
    print(open_gate(args).merging.split(args.number, args.message))
    return 0


def copies(args: argparse.Namespace) -> int:
    after = open_gate(args).copies.change_copies(args.number, add=args.add, remove=args.remove)
    if args.json:
        print_json(after)
    else:
        print(", ".join(after) if after else "no copies")
    return 0
