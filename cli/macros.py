"""`ticketty macros` (add, list, edit, copy, delete) and `ticketty tickets macro NAME 42`: several
changes at once, each as the person could make it alone; `--dry-run` says per step what would
change and what would be skipped, and why."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from access.views import parse_number
from cli.command import Commands, open_gate
from cli.output import EXIT_REFUSED, print_json, print_listing
from cli.replies import offered, where
from wording.safe_text import one_line

if TYPE_CHECKING:
    from access.macros import MacroOutcome, MacroView


def register(commands: Commands) -> None:
    from access.macro_steps import PIPELINE_KINDS  # the steps' help: `tickets macro` needs none

    step_help = (
        f"kind:value, in order; kinds: {', '.join(PIPELINE_KINDS)} (reply takes a canned reply's "
        "name, assignee and usergroup take - for nobody)"
    )
    macros = commands.noun("macros")
    p = macros.add("add", add_macro, help="add a macro")
    p.add_argument("name")
    p.add_argument("--step", action="append", required=True, help=step_help)
    where(p)
    macros.add("list", list_macros, help="the macros").add_argument("--json", action="store_true")
    p = macros.add("edit", edit_macro, help="change what is given; the rest stays")
    p.add_argument("name")
    p.add_argument("--name", dest="new_name")
    p.add_argument("--step", action="append", help=f"{step_help}; given, they replace all steps")
    where(p)
    p.add_argument("--any-source", action="store_true", help="offer it in every source")
    p.add_argument("--any-group", action="store_true", help="offer it in every usergroup")
    p = macros.add("copy", copy_macro, help="copy a macro under a new name")
    p.add_argument("name")
    p.add_argument("new_name")
    macros.add("delete", remove_macro, help="delete a macro", aliases=["remove"]).add_argument(
        "name"
    )


def register_on_tickets(tickets: Commands) -> None:
    p = tickets.add("macro", apply_macro, help="apply a macro to tickets")
    p.add_argument("name")
    p.add_argument("numbers", nargs="+", metavar="NUMBER", help="ticket numbers (#42 or 42)")
    p.add_argument("--dry-run", action="store_true", help="say what would change; write nothing")
    p.add_argument("--json", action="store_true")


def add_macro(args: argparse.Namespace) -> int:
    view = open_gate(args).macros.add_macro(
        args.name, args.step, sources=args.source or (), usergroups=args.group or ()
    )
    print(f"added macro {one_line(view.name)}: {one_line(', '.join(view.steps))}")
    return 0


def list_macros(args: argparse.Namespace) -> int:
    return print_listing(
        args.json,
        open_gate(args).macros.list_macros(),
        ["name", "steps", "offered"],
        lambda m: [m.name, ", ".join(m.steps), offered(m)],
        macro_json,
    )


def edit_macro(args: argparse.Namespace) -> int:
    view = open_gate(args).macros.change_macro(
        args.name,
        new_name=args.new_name,
        steps=args.step,
        sources=[] if args.any_source else args.source,
        usergroups=[] if args.any_group else args.group,
    )
    print(f"changed macro {one_line(view.name)}: {one_line(', '.join(view.steps))}")
    return 0


def copy_macro(args: argparse.Namespace) -> int:
    view = open_gate(args).macros.copy_macro(args.name, args.new_name)
    print(f"copied macro {one_line(args.name)} to {one_line(view.name)}")
    return 0


def remove_macro(args: argparse.Namespace) -> int:
    open_gate(args).macros.remove_macro(args.name)
    print(f"deleted macro {one_line(args.name)}")
    return 0


def apply_macro(args: argparse.Namespace) -> int:
    """Exit 1 when a step was skipped on a ticket for another reason than being so already."""
    gate = open_gate(args)
    numbers = [parse_number(n) for n in args.numbers]
    if args.dry_run:
        outcome = gate.macros.plan_macro(args.name, numbers)
    else:
        outcome = gate.macros.apply_macro(args.name, numbers)
    if args.json:
        print_json(outcome_json(outcome))
    else:
        print(f"macro {one_line(outcome.macro)}" + ("" if outcome.applied else " (dry run)"))
        for step in outcome.steps:
            print(f"  {one_line(step.change)}: {one_line(step.summary())}")
            for reason, which in step.skipped:
                print(f"    {one_line(reason)}: {' '.join(f'#{n}' for n in which)}")
    return 0 if all(step.nothing_to_do for step in outcome.steps) else EXIT_REFUSED


def outcome_json(outcome: MacroOutcome) -> dict[str, Any]:
    return {
        "macro": outcome.macro,
        "applied": outcome.applied,
        "steps": [
            {
                "step": step.change,
                "changed": list(step.changed),
                "skipped": {reason: list(which) for reason, which in step.skipped},
            }
            for step in outcome.steps
        ],
        "tickets": {
            str(number): [{"step": s, "skipped": why} for s, why in steps]
            for number, steps in outcome.by_ticket().items()
        },
    }


def macro_json(view: MacroView) -> dict[str, Any]:
    return {
        "name": view.name,
        "steps": list(view.steps),
        "sources": list(view.sources),
        "usergroups": list(view.usergroups),
        "version": view.version,
    }
