"""`ticketty tickets sla 42`: why a ticket is due when it is (which policy matched and why, the
calendar, each clock with its pauses and business minutes), and the `--due-within` filter's
duration."""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta
from typing import Any

from access.errors import InvalidInput
from access.sla_rules import parse_duration
from access.sla_views import SlaExplanation, TargetExplanation
from cli.command import open_gate
from cli.output import print_json
from wording.safe_text import one_line


def due_within(text: str) -> timedelta:
    """`--due-within 1h` (also `30m`, `2d`, `1d4h`): wall-clock time from now, a day 24 hours."""
    try:
        duration = parse_duration(text)
    except InvalidInput as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return timedelta(days=duration.days, minutes=duration.minutes)


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
    for line in explanation_lines(explained):
        print(line)
    return 0


def explanation_lines(explained: SlaExplanation) -> list[str]:
    """The explanation as text, times in UTC."""
    lines = [f"#{explained.number}: times in UTC, read at {_at(explained.now)}"]
    for check in explained.checked:
        verdict = "matches" if check.matched else "does not match"
        lines.append(f"  {check.position}. policy {one_line(check.policy)} {verdict}")
        for c in check.conditions:
            wanted = ", ".join(one_line(w) for w in c.wanted) or "any"
            mark = "yes" if c.met else "no"
            lines.append(
                f"       {c.field}: {wanted}; the ticket's: {one_line(c.actual) or '-'} ({mark})"
            )
    if explained.policy is None:
        lines.append("  no policy matches: no due times")
        return lines + _verdict_lines(explained)
    lines.append(
        f"  measured by {one_line(explained.policy)} in calendar "
        f"{one_line(explained.calendar or '')} ({explained.zone})"
    )
    for t in explained.targets:
        hours, minutes = divmod(t.counted_minutes, 60)
        target_hours, target_minutes = divmod(t.target_minutes, 60)
        lines.append(
            f"  {t.metric.replace('_', ' ')}: {t.state}, "
            f"{hours}h {minutes:02d}m counted of {target_hours}h {target_minutes:02d}m, "
            f"started {_at(t.started)}, due {_at(t.due)}"
            + (f", ended {_at(t.ended)}" if t.ended else "")
            + (f" (policy {one_line(t.policy)})" if t.policy != explained.policy else "")
        )
        for p in t.pauses:
            lines.append(f"      paused ({p.status}) from {_at(p.start)} to {_at(p.end)}")
    lines.append(f"  breached: {'yes' if explained.breached else 'no'}")
    return lines + _verdict_lines(explained)


def _verdict_lines(explained: SlaExplanation) -> list[str]:
    """The verdicts stored when the ticket's clocks ended, as they were given."""
    if not explained.verdicts:
        return []
    return ["  verdicts kept when the clocks ended (never rewritten):"] + [
        f"    {v.metric.replace('_', ' ')}: {'met' if v.met else 'breached'}, "
        f"{_span(v.business_minutes)} of {_span(v.target_minutes)} "
        f"by {one_line(v.policy)}, ended {_at(v.ended)}"
        for v in explained.verdicts
    ]


def _span(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours}h {rest:02d}m"


def _at(value: datetime | None) -> str:
    return "-" if value is None else f"{value:%Y-%m-%d %H:%M}"
