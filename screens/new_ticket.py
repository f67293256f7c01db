"""Filing a ticket: subject and text, source and priority; for a customer (requester by e-mail,
new or known) only for agents (`tickets.reply`); the group picker only with
`tickets.choose_group`, the private switch only with `tickets.create_private`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, TextArea

from access.vocabulary import DEFAULT_PRIORITY
from tui.modal_screen import TickettyModal
from tui.screen import Action
from wording.safe_text import one_line

# Terminals shorter than this get fields without borders (80x24 has room for the text then).
COMPACT_BELOW = 40


class NewTicketScreen(TickettyModal[int | None]):
    ACTIONS: ClassVar[tuple[Action, ...]] = (
        Action("ctrl+s", "file", "File ticket", "new.file"),
        Action("escape", "cancel", "Cancel", "new.cancel"),
    )

    def __init__(self) -> None:
        super().__init__()
        self.options: dict[str, Any] | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="modal-box compose-box", id="new-ticket"):
            yield Label("New ticket (ctrl+s files it, escape cancels)")
            yield Input(placeholder="Subject", id="subject")
            yield TextArea(id="body")

    def on_mount(self) -> None:
        self.show_options()
        self.query_one("#subject", Input).focus()

    @work(group="new-ticket", exit_on_error=False)
    async def show_options(self) -> None:
        """The fields the person may fill besides subject and text, with their choices."""
        options = await self.app.gate_call(self.gate.filing.new_ticket_options)
        self.options = options
        box = self.query_one("#new-ticket")
        if options["may_file_for_others"]:
            box.mount(
                Input(placeholder="Requester: e-mail or username (empty: you)", id="requester"),
                Input(placeholder="Requester's name (for a new e-mail)", id="requester-name"),
                before="#subject",
            )
        sources = [(one_line(name), name) for name in options["sources"]]
        box.mount(
            Select(sources, prompt="Source", id="source"),
            Select(
                [(p, p) for p in options["priorities"]],
                prompt="Priority",
                value=DEFAULT_PRIORITY,
                allow_blank=False,
                id="priority",
            ),
        )
        if options["may_choose_group"]:
            choices = [(one_line(name), name) for name in options["groups"]]
            box.mount(
                Select(
                    choices,
                    prompt="Usergroup",
                    id="group",
                    value=options["default_group"] or Select.NULL,
                )
            )
        if options["may_file_private"]:
            box.mount(Checkbox("Private: the group's other members do not see it", id="private"))
        self._fit_and_focus(box, for_others=options["may_file_for_others"])

    def _fit_and_focus(self, box: Widget, *, for_others: bool) -> None:
        """On a short terminal the fields go without borders, so that the text keeps several
        lines; filing for a customer starts at the first field, the requester (unless the
        person began the subject meanwhile)."""
        if self.app.size.height < COMPACT_BELOW:
            for field in [*box.query(Input), *box.query(Select), *box.query(Checkbox)]:
                field.compact = True
        if for_others and not self.query_one("#subject", Input).value:
            self.call_after_refresh(self.query_one("#requester", Input).focus)

    def action_file(self) -> None:
        if self.options is None:
            return
        subject = self.query_one("#subject", Input).value
        body = self.query_one("#body", TextArea).text
        group = None
        if self.options["may_choose_group"]:
            value = self.query_one("#group", Select).value
            group = value if isinstance(value, str) else None
        private = (
            self.query_one("#private", Checkbox).value
            if self.options["may_file_private"]
            else False
        )
        requester = name = None
        if self.options["may_file_for_others"]:
            requester = self.query_one("#requester", Input).value or None
            name = self.query_one("#requester-name", Input).value or None
        source = self.query_one("#source", Select).value
        priority = str(self.query_one("#priority", Select).value)
        gate = self.gate
        self.file_ticket(
            lambda: gate.filing.create_ticket(
                subject,
                body,
                group=group,
                private=private,
                source=source if isinstance(source, str) else None,
                priority=priority,
                requester=requester,
                requester_name=name,
            )
        )

    @work(group="new-ticket", exit_on_error=False)
    async def file_ticket(self, create: Callable[[], int]) -> None:
        """File the ticket as the form was when the person asked (`create`), say its number
        and close the form; refused, the form stays with everything typed."""
        number = await self.app.gate_call(create)
        self.notify(f"filed ticket #{number}")
        self.dismiss(number)

    @on(Input.Submitted, "#subject")
    def to_body(self) -> None:
        self.query_one("#body", TextArea).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
