"""`ticketty reports`: the workload report (own figures; everyone's with reports.team)."""

from __future__ import annotations

import argparse
from dataclasses import asdict

from tui.cli.command import Commands, open_gate
from tui.cli.output import print_json, print_table


def register(commands: Commands) -> None:
    reports = commands.noun("reports")
    reports.add("workload", workload).add_argument("--json", action="store_true")


def workload(args: argparse.Namespace) -> int:
    rows = open_gate(args).workload()
    if args.json:
        print_json([asdict(r) for r in rows])
        return 0
    print_table(
        [
            [
                r.username,
                str(r.open_assigned),
                str(r.replies_30d),
                "-"
                if r.median_first_response_minutes is None
                else f"{r.median_first_response_minutes:.0f} min",
            ]
            for r in rows
        ],
        ["agent", "open assigned", "replies 30d", "median first reply"],
    )
    return 0
