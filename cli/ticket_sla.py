"""`ticketty tickets sla 42`: why a ticket is due when it is (which policy matched and why, the
calendar, each clock with its pauses and business minutes), and the `--due-within` filter's
duration."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import TYPE_CHECKING, Any

from access.errors import InvalidInput
from access.sla_rules import Duration, parse_duration
from cli.command import open_gate
from cli.output import print_json
from wording.sla_text import explanation_lines

if TYPE_CHECKING:
    from access.sla_views import SlaExplanation, TargetExplanation


def due_within(text: str) -> Duration:
    """`--due-within 1h` (also `30m`, `2d`, `1d4h`): business time of each ticket's calendar
    (a day is one of its working days), counted from now as the due column counts it."""
    try:
        return parse_duration(text)
    except InvalidInput as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def moment(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def explanation_json(explained: SlaExplanation) -> dict[str, Any]:
    return {
        "number": explained.number,
        "policy": explained.policy,
        "calendar": explained.calendar,
        "zone": explained.zone,
        "checked": [
            {
                "policy": c.policy,
                "position": c.position,
                "matched": c.matched,
                "conditions": [
                    {"field": k.field, "wanted": list(k.wanted), "actual": k.actual, "met": k.met}
                    for k in c.conditions
                ],
            }
            for c in explained.checked
        ],
        "targets": [_target_json(t) for t in explained.targets],
        "first_response_due": moment(explained.first_response_due),
        "next_response_due": moment(explained.next_response_due),
        "resolution_due": moment(explained.resolution_due),
        "breached": explained.breached,
        "now": explained.now.isoformat(),
        "verdicts": [
            {
                "metric": v.metric,
                "policy": v.policy,
                "target_minutes": v.target_minutes,
                "business_minutes": v.business_minutes,
                "met": v.met,
                "started": moment(v.started),
                "ended": moment(v.ended),
            }
            for v in explained.verdicts
        ],
    }


def _target_json(target: TargetExplanation) -> dict[str, Any]:
    return {
        "metric": target.metric,
        "policy": target.policy,
        "calendar": target.calendar,
        "target_minutes": target.target_minutes,
        "counted_minutes": target.counted_minutes,
        "started": moment(target.started),
        "due": moment(target.due),
        "ended": moment(target.ended),
        "state": target.state,
        "pauses": [
            {"status": p.status, "start": moment(p.start), "end": moment(p.end)}
            for p in target.pauses
        ],
    }


def show_sla(args: argparse.Namespace) -> int:
    explained = open_gate(args).tickets.sla_explanation(args.number)
    if args.json:
        print_json(explanation_json(explained))
        return 0
    print(f"#{explained.number}: times in UTC, read at {explained.now:%Y-%m-%d %H:%M}")
    for lead, rest in explanation_lines(explained):
        print(f"{lead}{rest}")
    return 0
