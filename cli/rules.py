"""`ticketty rules`: automation acting as its owner (add, list, move, enable, disable, delete,
take over, test on past tickets, run the time rules once), and who is away for automatic
assignment (`ticketty people away`) and how a usergroup assigns (`ticketty groups
assignment`)."""

from __future__ import annotations

import argparse

from access.rule_text import ASSIGN_MODES, TRIGGERS
from access.rules import RuleView
from cli.command import Commands, open_gate
from cli.output import bounded_int, print_json, print_listing, print_table, yes_no
from wording.safe_text import one_line


def register(commands: Commands) -> None:
    rules = commands.noun("rules")
    p = rules.add("add", add_rule, help="add a rule, last in the order; it acts as you")
    p.add_argument("name")
    p.add_argument("--on", choices=TRIGGERS, help="the event it answers")
    p.add_argument("--every", help="a time rule, tried this often by serve (e.g. 1h)")
    p.add_argument(
        "--if",
        dest="conditions",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a condition, e.g. group=Returns, words=refund, tag=vip, due=30m; repeat for more",
    )
    p.add_argument(
        "--then",
        dest="actions",
        action="append",
        default=[],
        metavar="KIND:VALUE",
        help="an action, e.g. assign:round-robin, reply:NAME, notify:ola, tag:T; repeat for more",
    )
    rules.add("list", list_rules, help="the rules in the order they run").add_argument(
        "--json", action="store_true"
    )
    p = rules.add("move", move_rule, help="put a rule at a place in the order")
    p.add_argument("name")
    p.add_argument("position", type=bounded_int, help="1 first")
    for name, handler in (("enable", enable_rule), ("disable", disable_rule)):
        rules.add(name, handler).add_argument("name")
    rules.add("delete", delete_rule, aliases=["remove"]).add_argument("name")
    rules.add("take", take_rule, help="become the rule's owner: it acts as you").add_argument(
        "name"
    )
    p = rules.add(
        "test", test_rule, aliases=["try"], help="what the rule would have done; writes nothing"
    )
    p.add_argument("name")
    p.add_argument("--since", default="30d", help="how far back, e.g. 30d (default) or 12h")
    p.add_argument("--json", action="store_true")
    rules.add("run", run_rules, help="run the time rules that are due once (serve does so)")


def add_rule(args: argparse.Namespace) -> int:
    view = open_gate(args).rules.create_rule(
        args.name,
        on=args.on,
        every=args.every,
        conditions=args.conditions,
        actions=args.actions,
    )
    print(f"added rule {one_line(view.name)} at {view.position}: {describe(view)}")
    return 0


def list_rules(args: argparse.Namespace) -> int:
    return print_listing(
        args.json,
        open_gate(args).rules.list_rules(),
        ["#", "rule", "owner", "when", "if", "then", "active"],
        lambda r: [
            str(r.position),
            r.name,
            r.owner,
            when(r),
            " ".join(r.conditions) or "-",
            " ".join(r.actions),
            yes_no(r.active),
        ],
    )


def move_rule(args: argparse.Namespace) -> int:
    order = open_gate(args).rules.move_rule(args.name, args.position)
    print("order: " + ", ".join(f"{r.position}. {one_line(r.name)}" for r in order))
    return 0


def enable_rule(args: argparse.Namespace) -> int:
    open_gate(args).rules.set_rule_active(args.name, True)
    print(f"enabled rule {one_line(args.name)}")
    return 0


def disable_rule(args: argparse.Namespace) -> int:
    open_gate(args).rules.set_rule_active(args.name, False)
    print(f"disabled rule {one_line(args.name)}")
    return 0


def delete_rule(args: argparse.Namespace) -> int:
    open_gate(args).rules.delete_rule(args.name)
    print(f"deleted rule {one_line(args.name)}")
    return 0


def take_rule(args: argparse.Namespace) -> int:
    view = open_gate(args).rules.take_over_rule(args.name)
    print(f"rule {one_line(view.name)} now acts as {one_line(view.owner)}")
    return 0


def test_rule(args: argparse.Namespace) -> int:
    matched = open_gate(args).rules.try_rule(args.name, args.since)
    if args.json:
        print_json([m._asdict() for m in matched])
        return 0
    rows = [[f"#{m.number}", m.subject, " ".join(m.would)] for m in matched]
    print_table(rows, ["ticket", "subject", "would"])
    print(f"{len(matched)} ticket(s) would have matched; nothing was changed")
    return 0


def run_rules(args: argparse.Namespace) -> int:
    tried = open_gate(args).rules.run_time_rules()
    print(f"time rules tried on {tried} ticket(s)")
    return 0


def when(view: RuleView) -> str:
    return f"every {view.every_minutes}m" if view.every_minutes else f"on {view.trigger}"


def describe(view: RuleView) -> str:
    conditions = " ".join(view.conditions) or "any ticket"
    return f"{when(view)} if {one_line(conditions)} then {one_line(' '.join(view.actions))}"


def register_away(people: Commands) -> None:
    """`ticketty people away [NAME] [--back]`."""
    p = people.add("away", set_away, help="mark yourself (or NAME) away: not auto-assigned")
    p.add_argument("username", nargs="?")
    p.add_argument("--back", action="store_true", help="back again")


def register_assignment(groups: Commands) -> None:
    """`ticketty groups assignment GROUP [--mode M] [--cap N]`."""
    p = groups.add("assignment", group_assignment, help="how a group's rules assign tickets")
    p.add_argument("group")
    p.add_argument("--mode", choices=ASSIGN_MODES)
    p.add_argument("--cap", type=bounded_int, help="most open tickets per agent (0: no cap)")
    p.add_argument("--json", action="store_true")


def set_away(args: argparse.Namespace) -> int:
    open_gate(args).availability.set_away(not args.back, args.username)
    who = one_line(args.username) if args.username else "you"
    print(f"{who}: {'back' if args.back else 'away'}")
    return 0


def group_assignment(args: argparse.Namespace) -> int:
    gate = open_gate(args)
    if args.mode is not None or args.cap is not None:
        gate.availability.set_group_assignment(args.group, mode=args.mode, cap=args.cap)
    view = gate.availability.group_assignment(args.group)
    if args.json:
        print_json(view._asdict())
        return 0
    cap = str(view.cap) if view.cap else "no cap"
    print(f"{one_line(view.usergroup)}: {view.mode}, {cap}")
    rows = [[name, str(load), "away" if away else ""] for name, load, away in view.members]
    print_table(rows, ["member", "open", ""])
    return 0
