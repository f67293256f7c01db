"""Rules in the order they run: each with its owner, event, conditions and actions; enabled or
disabled with a key (`rules.edit`), and moved up or down; tried over a past period (`T`: what
it would have matched and done, writing nothing). A rule acts as its owner (README, Rules and
automatic assignment)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import work

from access.catalogue import RULES_EDIT, RULES_LIST
from access.rules import RuleView, TriedTicket
from tui.gate_funnel import GateCallFailed
from tui.listing import ListingScreen, pairs
from tui.screen import Action
from tui.widgets import TextModal


class RulesScreen(ListingScreen):
    TITLE_TEXT = "Rules"
    COLUMNS = ("#", "Rule", "Owner", "When", "Active")
    WATCHES = ("rule",)
    ACTIONS: ClassVar[tuple[Action, ...]] = (
        *ListingScreen.ACTIONS,
        Action("e", "switch_active", "Enable/disable", "rules.toggle", RULES_EDIT),
        Action("K", "earlier", "Earlier", "rules.earlier", RULES_EDIT),
        Action("J", "later", "Later", "rules.later", RULES_EDIT),
        Action("T", "try_rule", "Try", "rules.try", RULES_LIST),
    )

    def fetch(self) -> list[RuleView]:
        return self.gate.rules.list_rules()

    def cells(self, record: RuleView) -> Sequence[str]:
        return (str(record.position), record.name, record.owner, _when(record),
                "yes" if record.active else "no")  # fmt: skip

    def describe(self, record: RuleView) -> Text:
        return pairs(
            [
                ("Owner", f"{record.owner} (it acts as them)"),
                ("When", _when(record)),
                ("If", " ".join(record.conditions) or "any ticket"),
                ("Then", " ".join(record.actions)),
                ("Active", "yes" if record.active else "no (e to enable)"),
            ],
            record.name,
        )

    def action_switch_active(self) -> None:
        rule = self.current
        if rule is not None:
            self.switch_active(rule)

    @work(group="rule-change", exit_on_error=False)
    async def switch_active(self, rule: RuleView) -> None:
        active = not rule.active
        await self.changed(
            lambda: self.gate.rules.set_rule_active(
                rule.name, active, expected_version=rule.version
            ),
            f"{'enabled' if active else 'disabled'} {rule.name}",
            rule.name,
        )

    def action_earlier(self) -> None:
        self._move(-1)

    def action_later(self) -> None:
        self._move(1)

    def _move(self, step: int) -> None:
        rule = self.current
        if rule is not None and 1 <= rule.position + step <= len(self.records):
            self.move(rule, rule.position + step)

    @work(group="rule-change", exit_on_error=False)
    async def move(self, rule: RuleView, position: int) -> None:
        await self.changed(
            lambda: self.gate.rules.move_rule(rule.name, position),
            f"{rule.name} is now at {position}",
            rule.name,
        )

    def action_try_rule(self) -> None:
        rule = self.current
        if rule is not None:
            self.try_rule(rule)

    @work(group="rule-try", exit_on_error=False)
    async def try_rule(self, rule: RuleView) -> None:
        """Ask the period, replay the rule over it (in a thread: it reads many tickets), and
        show what it would have matched and done."""
        since = await self.asked_text(f"Try {rule.name} over the last (30m, 8h, 30d)", "30d")
        if since is None:
            return
        try:
            tried = await self.app.gate_call(lambda: self.gate.rules.try_rule(rule.name, since))
        except GateCallFailed:
            return
        self.app.push_screen(TextModal(f"{rule.name} over the last {since}", tried_text(tried)))


def tried_text(tried: Sequence[TriedTicket]) -> Text:
    """The tickets a rule would have matched, each with what it would have done; nothing is
    read as markup."""
    if not tried:
        return Text("it would have matched no ticket; nothing was written")
    text = Text(f"it would have matched {len(tried)} tickets; nothing was written\n")
    for one in tried:
        text.append(f"\n#{one.number} ", style="bold")
        text.append(one.subject)
        text.append(f"\n  {' · '.join(one.would)}", style="dim")
    return text


def _when(rule: RuleView) -> str:
    return f"every {rule.every_minutes}m" if rule.every_minutes else f"on {rule.trigger}"
