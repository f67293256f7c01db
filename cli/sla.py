"""`ticketty sla`: service-level policies (targets, conditions, match order, calendar, the
statuses that pause them)."""

from __future__ import annotations

import argparse
from typing import Any

from access.sla import PolicyView
from access.sla_rules import METRICS, Duration, format_targets, parse_duration
from cli.command import Arguments, Commands, open_gate
from cli.output import bounded_int, print_json, print_listing
from cli.ticket_sla import due_within
from settings.config import load_config
from wording.safe_text import one_line

# The conditions: option, the gate's keyword, and what a list shows for each.
CONDITIONS = (
    ("priority", "priorities", "a priority it applies to; repeat for more (any if none)"),
    ("source", "sources", "a source it applies to; repeat for more (any if none)"),
    ("group", "usergroups", "a usergroup it applies to; repeat for more (any if none)"),
)


def register(commands: Commands) -> None:
    sla = commands.noun("sla")
    p = sla.add("add", add_policy, help="add a service-level policy, last in the match order")
    p.add_argument("name")
    p.add_argument("--calendar", required=True, help="the business calendar it counts in")
    policy_options(p)
    sla.add("list", list_policies, help="the policies in match order").add_argument(
        "--json", action="store_true"
    )
    p = sla.add("show", show_policy)
    p.add_argument("name")
    p.add_argument("--json", action="store_true")
    p = sla.add("edit", edit_policy, help="change what is given; the rest stays")
    p.add_argument("name")
    p.add_argument("--name", dest="new_name")
    p.add_argument("--calendar")
    policy_options(p)
    for metric in METRICS:
        flag = metric.replace("_", "-")
        p.add_argument(f"--no-{flag}", action="store_true", help=f"no {flag} target any more")
    for option, _keyword, _help in CONDITIONS:
        p.add_argument(f"--any-{option}", action="store_true", help=f"for any {option}")
    p.add_argument("--no-pause", action="store_true", help="no status pauses the clocks")
    p = sla.add("move", move_policy, help="put a policy at a place in the match order")
    p.add_argument("name")
    p.add_argument("position", type=bounded_int, help="1 first")
    p = sla.add("delete", delete_policy)
    p.add_argument("name")
    p = sla.add(
        "warn", warn_due, help="warn assignees and supervisors of due times near or just passed"
    )
    p.add_argument(
        "--before",
        type=due_within,
        help="how long before, in business time (default: [sla] warn_before, else 1h)",
    )


def policy_options(parser: Arguments) -> None:
    for metric in METRICS:
        parser.add_argument(
            f"--{metric.replace('_', '-')}",
            dest=metric,
            action="append",
            help="business time, e.g. 4h or 3d (a day: the calendar's working day); "
            "priority=duration for one priority, e.g. urgent=1h; repeat for more",
        )
    for option, _keyword, what in CONDITIONS:
        parser.add_argument(f"--{option}", dest=option, action="append", help=what)
    parser.add_argument(
        "--pause-on",
        action="append",
        help="a status that pauses the clocks (pending if none given); repeat for more",
    )


def targets(args: argparse.Namespace, *, editing: bool) -> dict[str, list[str]]:
    given = {m: getattr(args, m) for m in METRICS if getattr(args, m) is not None}
    if editing:
        given |= {m: [] for m in METRICS if getattr(args, f"no_{m}")}
    return given


def conditions(args: argparse.Namespace, *, editing: bool) -> dict[str, list[str]]:
    chosen: dict[str, list[str]] = {}
    for option, keyword, _help in CONDITIONS:
        if getattr(args, option) is not None:
            chosen[keyword] = getattr(args, option)
        elif editing and getattr(args, f"any_{option}"):
            chosen[keyword] = []
    if args.pause_on is not None:
        chosen["pause_on"] = args.pause_on
    elif editing and args.no_pause:
        chosen["pause_on"] = []
    return chosen


def add_policy(args: argparse.Namespace) -> int:
    view = open_gate(args).sla.create_policy(
        args.name,
        calendar=args.calendar,
        targets=targets(args, editing=False),
        **conditions(args, editing=False),
    )
    print(f"added policy {one_line(view.name)} at {view.position}: {describe(view)}")
    return 0


def list_policies(args: argparse.Namespace) -> int:
    return print_listing(
        args.json,
        open_gate(args).sla.list_policies(),
        ["#", "policy", "calendar", "first response", "next response", "resolution", "for"],
        lambda p: [
            str(p.position),
            p.name,
            p.calendar,
            *(shown_targets(p, m) for m in METRICS),
            applies_to(p),
        ],
        policy_json,
    )


def show_policy(args: argparse.Namespace) -> int:
    view = open_gate(args).sla.get_policy(args.name)
    if args.json:
        print_json(policy_json(view))
        return 0
    print(f"policy {one_line(view.name)} at {view.position}: {describe(view)}")
    return 0


def edit_policy(args: argparse.Namespace) -> int:
    chosen = conditions(args, editing=True)
    view = open_gate(args).sla.change_policy(
        args.name,
        new_name=args.new_name,
        calendar=args.calendar,
        targets=targets(args, editing=True) or None,
        priorities=chosen.get("priorities"),
        sources=chosen.get("sources"),
        usergroups=chosen.get("usergroups"),
        pause_on=chosen.get("pause_on"),
    )
    print(f"changed policy {one_line(view.name)}: {describe(view)}")
    return 0


def move_policy(args: argparse.Namespace) -> int:
    order = open_gate(args).sla.move_policy(args.name, args.position)
    print("match order: " + ", ".join(f"{p.position}. {one_line(p.name)}" for p in order))
    return 0


def delete_policy(args: argparse.Namespace) -> int:
    open_gate(args).sla.delete_policy(args.name)
    print(f"deleted policy {one_line(args.name)}")
    return 0


def shown_targets(view: PolicyView, metric: str) -> str:
    written = view.targets.get(metric)
    if not written:
        return "-"
    return format_targets({p: parse_duration(d) for p, d in written.items()})


def applies_to(view: PolicyView) -> str:
    parts = [
        ", ".join(values) for values in (view.priorities, view.sources, view.usergroups) if values
    ]
    return "; ".join(parts) or "every ticket"


def describe(view: PolicyView) -> str:
    goals = "; ".join(
        f"{m.replace('_', ' ')} {shown_targets(view, m)}" for m in METRICS if view.targets.get(m)
    )
    paused = ", ".join(view.pause_on) or "nothing"
    return (
        f"calendar {one_line(view.calendar)}; {goals}; for {one_line(applies_to(view))}; "
        f"paused on {paused}"
    )


def policy_json(view: PolicyView) -> dict[str, Any]:
    return {
        "name": view.name,
        "position": view.position,
        "calendar": view.calendar,
        "targets": view.targets,
        "priorities": list(view.priorities),
        "sources": list(view.sources),
        "usergroups": list(view.usergroups),
        "pause_on": list(view.pause_on),
        "version": view.version,
    }


def warn_due(args: argparse.Namespace) -> int:
    """One pass of what `ticketty serve` does every interval."""
    made = open_gate(args).sla.warn_due(warn_before(args))
    print(f"{made} warning{'' if made == 1 else 's'} made")
    return 0


def warn_before(args: argparse.Namespace) -> Duration:
    """`--before`, else the config file's `[sla] warn_before`."""
    if args.before is not None:
        before: Duration = args.before
        return before
    return load_config().sla_warn_before  # a broken file is a usage error (`ConfigError`)
