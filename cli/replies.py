"""`ticketty replies`: canned replies (a name, a body with `{{...}}` variables, the sources and
usergroups they are offered in). `ticketty tickets reply 42 --canned NAME` sends one."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from access.canned_text import STANDARD
from cli.command import Arguments, Commands, open_gate, read_body
from cli.output import print_listing
from wording.safe_text import one_line

if TYPE_CHECKING:
    from access.macros import MacroView
    from access.replies import CannedReplyView

VARIABLES_HELP = (
    "the text, or - to read standard input; variables: "
    + ", ".join(f"{{{{{name}}}}}" for name in STANDARD)
    + ", {{usergroup.FIELD}} for a custom field"
)


def register(commands: Commands) -> None:
    replies = commands.noun("replies")
    p = replies.add("add", add_reply, help="add a canned reply")
    p.add_argument("name")
    p.add_argument("--body", required=True, help=VARIABLES_HELP)
    where(p)
    replies.add("list", list_replies, help="the canned replies").add_argument(
        "--json", action="store_true"
    )
    p = replies.add("edit", edit_reply, help="change what is given; the rest stays")
    p.add_argument("name")
    p.add_argument("--name", dest="new_name")
    p.add_argument("--body", help=VARIABLES_HELP)
    where(p)
    p.add_argument("--any-source", action="store_true", help="offer it in every source")
    p.add_argument("--any-group", action="store_true", help="offer it in every usergroup")
    p = replies.add("copy", copy_reply, help="copy a canned reply under a new name")
    p.add_argument("name")
    p.add_argument("new_name")
    replies.add(
        "delete", remove_reply, help="delete a canned reply", aliases=["remove"]
    ).add_argument("name")


def where(parser: Arguments) -> None:
    parser.add_argument(
        "--source", action="append", help="offer it in this source; repeat for more (all if none)"
    )
    parser.add_argument(
        "--group", action="append", help="offer it in this usergroup; repeat for more (all if none)"
    )


def add_reply(args: argparse.Namespace) -> int:
    view = open_gate(args).replies.add_reply(
        args.name, read_body(args.body), sources=args.source or (), usergroups=args.group or ()
    )
    print(f"added canned reply {one_line(view.name)} ({offered(view)})")
    return 0


def edit_reply(args: argparse.Namespace) -> int:
    view = open_gate(args).replies.change_reply(
        args.name,
        new_name=args.new_name,
        body=None if args.body is None else read_body(args.body),
        sources=[] if args.any_source else args.source,
        usergroups=[] if args.any_group else args.group,
    )
    print(f"changed canned reply {one_line(view.name)} ({offered(view)})")
    return 0


def copy_reply(args: argparse.Namespace) -> int:
    view = open_gate(args).replies.copy_reply(args.name, args.new_name)
    print(f"copied canned reply {one_line(args.name)} to {one_line(view.name)} ({offered(view)})")
    return 0


def remove_reply(args: argparse.Namespace) -> int:
    open_gate(args).replies.remove_reply(args.name)
    print(f"deleted canned reply {one_line(args.name)}")
    return 0


def list_replies(args: argparse.Namespace) -> int:
    return print_listing(
        args.json,
        open_gate(args).replies.list_replies(),
        ["name", "offered", "text"],
        lambda r: [r.name, offered(r), r.body.split("\n", 1)[0][:50]],
        reply_json,
    )


def offered(view: CannedReplyView | MacroView) -> str:
    """Where a canned reply or a macro is offered, in words."""
    sources = ", ".join(view.sources) or "every source"
    groups = ", ".join(view.usergroups) or "every usergroup"
    return f"in {sources}; {groups}"


def reply_json(view: CannedReplyView) -> dict[str, Any]:
    return {
        "name": view.name,
        "body": view.body,
        "sources": list(view.sources),
        "usergroups": list(view.usergroups),
        "version": view.version,
    }
