"""`ticketty tags`: the list of tags and its lock. Tickets are tagged with `tickets tag`."""

from __future__ import annotations

import argparse

from cli.command import Commands, open_gate
from cli.output import print_json


def register(commands: Commands) -> None:
    tags = commands.noun("tags")
    tags.add("list", list_tags, help="the tags, and whether the list is locked").add_argument(
        "--json", action="store_true"
    )
    tags.add("add", add_tag, help="put a tag on the list").add_argument("name")
    tags.add("remove", remove_tag, help="take a tag off the list and every ticket").add_argument(
        "name"
    )
    tags.add("lock", lock, help="only the tags on the list may be used")
    tags.add("unlock", unlock, help="any word may be used as a tag")


def list_tags(args: argparse.Namespace) -> int:
    listed = open_gate(args).tags.list_tags()
    if args.json:
        print_json({"tags": list(listed.names), "locked": listed.locked})
        return 0
    for name in listed.names:
        print(name)
    print("(the list is locked)" if listed.locked else "(any word may be used)")
    return 0


def add_tag(args: argparse.Namespace) -> int:
    open_gate(args).tags.create_tag(args.name)
    return 0


def remove_tag(args: argparse.Namespace) -> int:
    carried = open_gate(args).tags.delete_tag(args.name)
    print(f"removed {args.name.strip().casefold()}; it was on {carried} tickets")
    return 0


def lock(args: argparse.Namespace) -> int:
    open_gate(args).tags.lock_tags(True)
    return 0


def unlock(args: argparse.Namespace) -> int:
    open_gate(args).tags.lock_tags(False)
    return 0
