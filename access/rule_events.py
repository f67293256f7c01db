"""The events rules answer, as the write paths tell them, after their transaction committed: a
ticket filed, a customer's message, a change of a field through the change pipeline, mail
taken in. One call from each write path; the rules themselves run in `access.rule_runner`.

The runner is imported when an event comes, not with this module: it acts through the gate's
parts (the change pipeline, messages), which themselves call in here."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Protocol

from access.rule_text import ON_CREATED, ON_CUSTOMER, TRIGGER_OF_FIELD

# The gate's clock (`access.request.Session.clock`): the rules an event sets off count "now" and
# write their actions' times by it.
Reading = Callable[[], datetime]

# What mail taken in is, as an event: a new ticket (a follow-up of a closed one too) is filed,
# a message appended is the customer writing.
_MAIL_EVENTS = {"new": ON_CREATED, "follow-up": ON_CREATED, "appended": ON_CUSTOMER}


class TakenMail(Protocol):
    @property
    def outcome(self) -> str: ...

    @property
    def ticket(self) -> int | None: ...


def ticket_filed(clock: Reading, number: int) -> None:
    _after(clock, ON_CREATED, [number])


def customer_wrote(clock: Reading, number: int) -> None:
    _after(clock, ON_CUSTOMER, [number])


def tickets_changed(clock: Reading, field_name: str, numbers: Sequence[int]) -> None:
    """`field_name`: the `Ticket` column the change wrote."""
    trigger = TRIGGER_OF_FIELD.get(field_name)
    if trigger is not None:
        _after(clock, trigger, numbers)


def mail_taken(clock: Reading, taken: Iterable[TakenMail], *, batch: bool = False) -> None:
    """`batch`: the mail was filed in one transaction (an import's batch)."""
    by_event: dict[str, list[int]] = {}
    for one in taken:
        event = _MAIL_EVENTS.get(one.outcome)
        if event is not None and one.ticket is not None:
            by_event.setdefault(event, []).append(one.ticket)
    for event, numbers in by_event.items():
        _after(clock, event, numbers, batch=batch)


def _after(clock: Reading, trigger: str, numbers: Sequence[int], *, batch: bool = False) -> None:
    from access import rule_runner

    rule_runner.after_event(trigger, numbers, clock=rule_runner.Clock.of(clock), batch=batch)
