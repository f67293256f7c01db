"""`ticketty views`: saved views of the inbox, each listed with its live count."""

from __future__ import annotations

import argparse

from access.views import TicketQuery
from access.vocabulary import TICKET_ORDERS, TICKET_PRIORITIES, TICKET_STATUSES
from cli.command import Commands, open_gate
from cli.output import print_listing
from cli.ticket_sla import due_within
from cli.tickets import NO_GROUP, query_of


def register(commands: Commands) -> None:
    views = commands.noun("views", help="saved views of the inbox, with their counts")
    p = views.add(
        "add",
        add_view,
        help="save filters, a search and a sort under a name",
        description="Save a view (the same name replaces it). Repeat --status, --priority, "
        "--group and --source for several. --share-role or --share-group (with views.share) "
        "shows it to the holders of a role or the members of a usergroup.",
    )
    p.add_argument("name")
    p.add_argument("--status", action="append", choices=TICKET_STATUSES)
    p.add_argument("--priority", action="append", choices=TICKET_PRIORITIES)
    p.add_argument("--group", action="append", help=f"a usergroup, or {NO_GROUP}")
    p.add_argument("--source", action="append")
    p.add_argument("--assignee")
    p.add_argument("--requester")
    p.add_argument("--mine", action="store_true")
    p.add_argument("--unassigned", action="store_true")
    p.add_argument("--search", help='words, "tag:refund", field:"Order number"=123')
    p.add_argument("--sort", choices=TICKET_ORDERS, default="activity")
    p.add_argument("--breached", action="store_true", help="only those past a due time")
    p.add_argument("--due-within", type=due_within, metavar="TIME", help="due within 30m, 1h, 2d")
    p.add_argument("--share-role", metavar="ROLE")
    p.add_argument("--share-group", metavar="USERGROUP")
    views.add("list", list_views, help="your views and those shared with you").add_argument(
        "--json", action="store_true"
    )
    views.add("remove", remove_view, help="remove a view").add_argument("name")


def add_view(args: argparse.Namespace) -> int:
    gate = open_gate(args)
    query: TicketQuery = query_of(gate, args)
    gate.views.save_view(args.name, query, role=args.share_role, usergroup=args.share_group)
    return 0


def list_views(args: argparse.Namespace) -> int:
    """Numbered as the inbox's keys `1`...`9` jump to them."""
    numbered = list(enumerate(open_gate(args).views.list_views(), start=1))
    return print_listing(
        args.json,
        numbered,
        ["", "view", "tickets", "shared with", "owner"],
        lambda n: [
            str(n[0]),
            n[1].name,
            f"{n[1].tickets}{'+' if n[1].at_least else ''}",  # 5000+: at least
            n[1].shared_with or "-",
            n[1].owner,
        ],
        lambda n: {
            "key": n[0],
            "name": n[1].name,
            "tickets": n[1].tickets,
            "tickets_at_least": n[1].at_least,  # a lower bound: counting stopped there
            "shared_with": n[1].shared_with,
            "owner": n[1].owner,
            "query": n[1].query._asdict(),
        },
    )


def remove_view(args: argparse.Namespace) -> int:
    open_gate(args).views.remove_view(args.name)
    return 0
