"""A ticket's service levels in words, the same in the app and on the command line: its
targets with the time left (the ticket screen), and "why is it due then"
(`gate.tickets.sla_explanation`): the policies tried in match order with each condition, the
calendar, each clock with its pauses and the business minutes it counted. Times are UTC, as
stored. Every name from the data is made one line (`one_line`); a terminal still appends it as
plain text, never as markup."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from access.business_time import Calendar, business_seconds
from wording.safe_text import one_line

if TYPE_CHECKING:
    from access.list_views import TicketRow
    from access.sla_views import SlaExplanation, TargetExplanation

TARGET_NAMES = {
    "first_response": "First response",
    "next_response": "Next response",
    "resolution": "Resolution",
}

# One line of an explanation: a lead said in bold where the terminal can, and the rest.
Line = tuple[str, str]


def span(minutes: float) -> str:
    """`45m`, `2h 10m`, `3d 4h` (days of 24 hours): at most 8 characters up to 999 days."""
    whole = round(minutes)
    days, rest = divmod(whole, 1440)
    hours, left = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    return f"{hours}h {left:02d}m" if hours else f"{left}m"


def due_fields(
    row: TicketRow, now: datetime, calendar: Calendar | None = None
) -> list[tuple[str, str]]:
    """The ticket screen's due line: each running target and the time left to it, in working
    time of the policy's `calendar` as the inbox's due column counts it (wall-clock time until
    the calendar is known)."""
    dues = (
        ("first_response", row.first_response_due),
        ("next_response", row.next_response_due),
        ("resolution", row.resolution_due),
    )
    return [
        (f"{TARGET_NAMES[metric]} due", _left(due, now, calendar)) for metric, due in dues if due
    ]


def _left(due: datetime, now: datetime, calendar: Calendar | None) -> str:
    when = _at(due)
    if calendar is None:
        minutes = (due - now).total_seconds() / 60
        return f"{when}, {span(minutes)} left" if minutes >= 0 else f"{when}, {span(-minutes)} ago"
    now = now.replace(second=0, microsecond=0)
    if due >= now:
        return f"{when}, {span(business_seconds(calendar, now, due) / 60)} of working time left"
    past = business_seconds(calendar, due, now) / 60
    if past < 1:
        return f"{when}, past due (outside working hours since)"
    return f"{when}, past due by {span(past)} of working time"


def explanation_lines(explained: SlaExplanation) -> list[Line]:
    """The explanation, line by line."""
    lines: list[Line] = []
    if explained.policy is None:
        lines.append(("", "No policy matches this ticket, so it has no due times."))
    else:
        zone = f"{one_line(explained.calendar or '-')} ({explained.zone})"
        lines.append(("Policy ", f"{one_line(explained.policy)}, calendar {zone}"))
    lines += [("", ""), ("Policies tried, in match order", "")]
    for check in explained.checked:
        verdict = "matches" if check.matched else "does not match"
        lines.append(("", f"  {check.position}. {one_line(check.policy)}: {verdict}"))
        for condition in check.conditions:
            wanted = ", ".join(one_line(w) for w in condition.wanted) or "any"
            mark = "yes" if condition.met else "no"
            lines.append(
                (
                    "",
                    f"       {condition.field}: {wanted}; the ticket's "
                    f"{one_line(condition.actual)} ({mark})",
                )
            )
    for target in explained.targets:
        lines.append(("", ""))
        lines += _target_lines(target, explained.now)
    return lines + _verdict_lines(explained)


def _verdict_lines(explained: SlaExplanation) -> list[Line]:
    """The verdicts stored when the ticket's clocks ended, as they were given then."""
    if not explained.verdicts:
        return []
    lines: list[Line] = [("", ""), ("Verdicts kept when the clocks ended", " (never rewritten)")]
    for verdict in explained.verdicts:
        name = TARGET_NAMES.get(verdict.metric, verdict.metric)
        lines.append(
            (
                "",
                f"  {name}: {'met' if verdict.met else 'breached'}, "
                f"{span(verdict.business_minutes)} of {span(verdict.target_minutes)} "
                f"by {one_line(verdict.policy)}, ended {_at(verdict.ended)}",
            )
        )
    return lines


def _target_lines(target: TargetExplanation, now: datetime) -> list[Line]:
    name = TARGET_NAMES.get(target.metric, target.metric)
    lines: list[Line] = [
        (name, f": {target.state}, by {one_line(target.policy)} in {one_line(target.calendar)}"),
        (
            "",
            f"  target {span(target.target_minutes)} of business time; "
            f"counted {span(target.counted_minutes)} since {_at(target.started)}",
        ),
    ]
    if target.ended is not None:
        due = "-" if target.due is None else _at(target.due)
        how = ", resolved or closed unanswered" if target.unanswered else ""
        lines.append(("", f"  due {due}, ended {_at(target.ended)}{how}"))
    elif target.due is not None:
        lines.append(("", f"  due {_left(target.due, now, None)}"))
    else:
        lines.append(("", "  no due time while it does not run"))
    for pause in target.pauses:
        until = "now" if pause.end is None else _at(pause.end)
        lines.append(("", f"  paused while {pause.status}: {_at(pause.start)} to {until}"))
    return lines


def _at(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M}"
