"""A macro applied from the app, by the inbox (to the marked tickets, else the one under the
cursor) and the ticket screen: pick one of those offered on these tickets (typing filters the
list), read the preview (per step, as a bulk change's: how many tickets it changes, which it
skips and why), confirm, apply. The gate applies each step as the person could alone, a
chunk of tickets per transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.notifications import SeverityLevel

from tui.ticket_changes import numbers_text, plan_lines, still_to_do
from tui.widgets import ConfirmModal, PickerModal
from wording.safe_text import one_line

if TYPE_CHECKING:
    from access.macros import MacroOutcome, MacroView
    from tui.screen import TickettyScreen

STEPS_SHOWN = 60  # characters of a macro's steps beside its name in the picker


def macro_choices(macros: list[MacroView]) -> list[tuple[str, str]]:
    """The picker's rows: a macro's name, then its steps (cut to fit)."""
    rows = []
    for macro in macros:
        steps = ", ".join(macro.steps)
        cut = steps if len(steps) <= STEPS_SHOWN else steps[: STEPS_SHOWN - 1] + "…"
        rows.append((macro.name, f"{macro.name} · {cut}"))
    return rows


def macro_preview(plan: MacroOutcome, count: int) -> str:
    """The question before a macro is applied to `count` tickets."""
    tickets = "1 ticket" if count == 1 else f"{count:,} tickets"
    lines = [f"Macro {plan.macro} on {tickets}"]
    for step in plan.steps:
        lines += plan_lines(step)
    return "\n".join([*lines, "", "Apply?"])


def outcome_text(outcome: MacroOutcome) -> str:
    """What the macro did, one line: per step how many changed and how many were skipped."""
    said = "; ".join(f"{step.change}: {step.summary()}" for step in outcome.steps)
    return f"Macro {outcome.macro}: {said}"


def skipped_still(outcome: MacroOutcome) -> list[int]:
    """The tickets a step skipped for another reason than being so already."""
    return sorted({n for step in outcome.steps for n in still_to_do(step)})


async def apply_macro(screen: TickettyScreen[Any], numbers: list[int]) -> MacroOutcome | None:
    """Pick, preview, confirm and apply a macro on `numbers`; the outcome when it was applied,
    None when the person stopped or nothing was to change."""
    app, gate = screen.app, screen.gate
    macros = await app.gate_call(lambda: gate.macros.macros_for(numbers))
    if not macros:
        screen.notify("no macro is offered on these tickets")
        return None
    name: str | None = await app.asked(PickerModal("Macro (type to filter)", macro_choices(macros)))
    if name is None:
        return None
    plan = await app.gate_call(lambda: gate.macros.plan_macro(name, numbers))
    if not any(step.changed for step in plan.steps):
        said: SeverityLevel = (
            "information" if all(s.nothing_to_do for s in plan.steps) else "warning"
        )
        lines = [f"Macro {plan.macro}: nothing to change"]
        for step in plan.steps:
            lines += plan_lines(step)[2:]
        screen.notify("\n".join(one_line(line) for line in lines), severity=said, timeout=8)
        return None
    if not await app.asked(ConfirmModal(macro_preview(plan, len(numbers)))):
        return None
    outcome = await app.gate_call(lambda: gate.macros.apply_macro(name, numbers))
    text = outcome_text(outcome)
    kept = skipped_still(outcome)
    if len(numbers) > 1 and kept:
        text += f" — still marked: {numbers_text(kept)}"
    severity: SeverityLevel = (
        "information" if all(s.nothing_to_do for s in outcome.steps) else "warning"
    )
    screen.notify(one_line(text), severity=severity, timeout=8)
    return outcome
