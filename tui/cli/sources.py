"""`ticketty sources`: where tickets come from; archived ones are kept, not deleted."""

from __future__ import annotations

import argparse
from dataclasses import asdict

from store.models import SOURCE_KINDS
from tui.cli.command import Commands, open_gate
from tui.cli.output import print_json, print_table


def register(commands: Commands) -> None:
    sources = commands.noun("sources")
    sources.add("list", list_sources).add_argument("--json", action="store_true")
    p = sources.add("add", add_source)
    p.add_argument("name")
    p.add_argument("--kind", default=SOURCE_KINDS[0], choices=SOURCE_KINDS)
    p = sources.add("rename", rename_source)
    p.add_argument("name")
    p.add_argument("new")
    sources.add("archive", archive).add_argument("name")
    sources.add("restore", restore).add_argument("name")


def list_sources(args: argparse.Namespace) -> int:
    sources = open_gate(args).list_sources()
    if args.json:
        print_json([asdict(s) for s in sources])
        return 0
    print_table(
        [[s.name, s.kind, "archived" if s.archived else ""] for s in sources],
        ["source", "kind", "state"],
    )
    return 0


def add_source(args: argparse.Namespace) -> int:
    open_gate(args).add_source(args.name, args.kind)
    return 0


def rename_source(args: argparse.Namespace) -> int:
    open_gate(args).rename_source(args.name, args.new)
    return 0


def archive(args: argparse.Namespace) -> int:
    open_gate(args).set_archived(args.name, True)
    return 0


def restore(args: argparse.Namespace) -> int:
    open_gate(args).set_archived(args.name, False)
    return 0
