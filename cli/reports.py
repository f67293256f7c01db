"""`ticketty reports`: the workload report (own figures; everyone's with reports.team)."""

from __future__ import annotations

import argparse

from cli.command import Commands, open_gate
from cli.output import print_listing
from wording.units import duration


def register(commands: Commands) -> None:
    reports = commands.noun("reports")
    p = reports.add("workload", workload, help="per-agent workload over a period")
    p.add_argument("--days", type=int, default=30, help="the period: the last DAYS days (30)")
    p.add_argument("--json", action="store_true")


def workload(args: argparse.Namespace) -> int:
    return print_listing(
        args.json,
        open_gate(args).reports.workload(args.days),
        ["agent", "open assigned", f"replies {args.days}d", "median first reply"],
        lambda r: [
            r.username,
            str(r.open_assigned),
            str(r.replies),
            duration(r.median_first_response_minutes),
        ],
    )
