"""A ticket's service levels as text: its targets with the time left on the ticket screen, and
"why is it due then" (`gate.tickets.sla_explanation`) in a modal: the policies tried in match
order with each condition, the calendar, each clock with its pauses and the business minutes
it counted. Every name from the data is appended as plain text (never read as markup)."""

from __future__ import annotations

from datetime import datetime

from rich.text import Text

from access.sla_views import SlaExplanation, TargetExplanation
from access.views import TicketRow
from tui.due_cells import span
from wording.safe_text import one_line

TARGET_NAMES = {
    "first_response": "First response",
    "next_response": "Next response",
    "resolution": "Resolution",
}


def due_fields(row: TicketRow, now: datetime) -> list[tuple[str, str]]:
    """The ticket screen's due line: each running target and the time left to it."""
    dues = (
        ("first_response", row.first_response_due),
        ("next_response", row.next_response_due),
        ("resolution", row.resolution_due),
    )
    return [(f"{TARGET_NAMES[metric]} due", _left(due, now)) for metric, due in dues if due]


def _left(due: datetime, now: datetime) -> str:
    minutes = (due - now).total_seconds() / 60
    when = f"{due:%Y-%m-%d %H:%M}"
    return f"{when}, {span(minutes)} left" if minutes >= 0 else f"{when}, {span(-minutes)} ago"


def explanation_text(explained: SlaExplanation) -> Text:
    text = Text()
    if explained.policy is None:
        text.append("No policy matches this ticket, so it has no due times.\n\n")
    else:
        text.append("Policy ", style="bold")
        text.append(one_line(explained.policy))
        text.append(f", calendar {one_line(explained.calendar or '-')} ({explained.zone})\n\n")
    text.append("Policies tried, in match order\n", style="bold")
    for check in explained.checked:
        verdict = "matches" if check.matched else "does not match"
        text.append(f"  {check.position}. {one_line(check.policy)}: {verdict}\n")
        for condition in check.conditions:
            wanted = ", ".join(one_line(w) for w in condition.wanted) or "any"
            mark = "yes" if condition.met else "no"
            text.append(
                f"       {condition.field}: {wanted}; the ticket's {one_line(condition.actual)}"
                f" ({mark})\n"
            )
    for target in explained.targets:
        text.append("\n")
        text.append_text(_target_text(target, explained.now))
    return text


def _target_text(target: TargetExplanation, now: datetime) -> Text:
    text = Text()
    text.append(TARGET_NAMES.get(target.metric, target.metric), style="bold")
    text.append(f": {target.state}, by {one_line(target.policy)} in {one_line(target.calendar)}\n")
    text.append(
        f"  target {span(target.target_minutes)} of business time; "
        f"counted {span(target.counted_minutes)} since {target.started:%Y-%m-%d %H:%M}\n"
    )
    if target.ended is not None:
        due = "-" if target.due is None else f"{target.due:%Y-%m-%d %H:%M}"
        text.append(f"  due {due}, ended {target.ended:%Y-%m-%d %H:%M}\n")
    elif target.due is not None:
        text.append(f"  due {_left(target.due, now)}\n")
    else:
        text.append("  no due time while it does not run\n")
    for pause in target.pauses:
        until = "now" if pause.end is None else f"{pause.end:%Y-%m-%d %H:%M}"
        text.append(f"  paused while {pause.status}: {pause.start:%Y-%m-%d %H:%M} to {until}\n")
    return text
