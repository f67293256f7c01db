"""`ticketty reports`: the workload and service-level reports (own figures; everyone's with
reports.team)."""

from __future__ import annotations

import argparse

from access.sla_reports import SlaFigures
from cli.command import Commands, open_gate
from cli.output import (
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    plain,
    print_csv,
    print_json,
    print_listing,
)
from wording.units import duration


def register(commands: Commands) -> None:
    reports = commands.noun("reports")
    p = reports.add("workload", workload, help="per-agent workload over a period")
    p.add_argument("--days", type=int, default=30, help="the period: the last DAYS days (30)")
    p.add_argument("--json", action="store_true")
    p = reports.add("sla", sla, help="service-level attainment and median times for a month")
    p.add_argument("--period", help="the month, e.g. 2026-11 (this month)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--csv", action="store_true", help="comma-separated, a row per figure line")


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


# The table's columns and each one's cell.
SLA_COLUMNS = (
    ("by", lambda r: r.by),
    ("name", lambda r: r.name),
    ("tickets", lambda r: str(r.tickets)),
    (
        "1st resp. met",
        lambda r: _share(
            r.first_response_met, r.first_response_breached, r.first_response_met_percent
        ),
    ),
    ("median 1st resp.", lambda r: duration(r.median_first_response_minutes)),
    (
        "resolution met",
        lambda r: _share(r.resolution_met, r.resolution_breached, r.resolution_met_percent),
    ),
    ("median resolution", lambda r: duration(r.median_resolution_minutes)),
    (
        "next resp. met",
        lambda r: _share(
            r.next_response_met, r.next_response_breached, r.next_response_met_percent
        ),
    ),
    ("median next resp.", lambda r: duration(r.median_next_response_minutes)),
)


def sla(args: argparse.Namespace) -> int:
    if args.json and args.csv:
        raise CommandError("choose one of --json and --csv", EXIT_USAGE)
    report = open_gate(args).reports.sla(args.period)
    if args.json:
        print_json(plain(report))
    elif args.csv:
        print_csv(([report.period, *row] for row in report.rows), ["period", *SlaFigures._fields])
    else:
        print(f"{report.period}: verdicts given in the month, business time")
        if report.incomplete:
            print(f"incomplete: {report.incomplete}")
        print_listing(
            False,
            report.rows,
            [h for h, _ in SLA_COLUMNS],
            lambda r: [c(r) for _, c in SLA_COLUMNS],
        )
    return EXIT_OK


def _share(met: int, breached: int, percent: float | None) -> str:
    """`42/50 (84.0%)`, or `-` when no target has a verdict."""
    return "-" if percent is None else f"{met}/{met + breached} ({percent}%)"
