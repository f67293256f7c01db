"""Property: applying any macro leaves no ticket changed beyond what its user could change one
by one. Two copies of the demo go in step: on one a person applies a macro of random steps to
some tickets; on the other the same person makes the same changes one at a time through the
gate's ordinary calls (a change, a reply, a note), each refused one left out. The tickets must
end the same: status, priority, usergroup, assignee, tags and messages. (One who may apply no
macro at all changes nothing with one.)"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from access import AccessError, Gate
from access.macro_steps import NOBODY, PIPELINE_KINDS
from access.vocabulary import NOTE, REPLY
from store.models import Message, Ticket
from store.tag_models import Tag, TicketTag
from tests.backends import connect

PERSONAS = ("ada", "tom", "ali", "vic", "mia", "sam", "eva")
STEP_VALUES = {
    "status": ("open", "pending", "resolved", "closed"),
    "priority": ("low", "normal", "high", "urgent"),
    "usergroup": ("Returns", "Accounting", "Warehouse Kraków", "none"),
    "assignee": ("tom", "ali", "ada", "-"),
    "tag": ("refund", "vip"),
    "untag": ("refund", "vip"),
    NOTE: ("Checked",),
    REPLY: ("Refund approved", "Return label"),
}
STEPS = st.lists(
    st.sampled_from(sorted(STEP_VALUES)).flatmap(
        lambda kind: st.sampled_from(STEP_VALUES[kind]).map(lambda value: f"{kind}:{value}")
    ),
    min_size=1,
    max_size=4,
)


def state(numbers: list[int]) -> dict[int, tuple[Any, ...]]:
    """What a person sees change on each ticket."""
    found = {}
    for number in numbers:
        ticket = Ticket.get_by_id(number)
        tags = sorted(
            t.name for t in Tag.select().join(TicketTag).where(TicketTag.ticket == number)
        )
        messages = [
            (m.kind, m.body)
            for m in Message.select().where(Message.ticket == number).order_by(Message.id)
        ]
        found[number] = (
            ticket.status,
            ticket.priority,
            ticket.usergroup_id,
            ticket.assignee_id,
            tags,
            messages,
        )
    return found


def one_by_one(gate: Gate, steps: list[str], number: int) -> None:
    """The macro's steps on one ticket as separate calls; a refused one is left out."""
    for text in steps:
        kind, _, value = text.partition(":")
        try:
            if kind == REPLY:
                gate.messages.reply(number, gate.replies.fill_reply(number, value))
            elif kind == NOTE:
                gate.messages.note(number, value)
            else:
                change = PIPELINE_KINDS[kind]
                assert change is not None
                field_value = None if value in NOBODY else value
                gate.changes.apply_bulk(change, [number], field_value)
        except AccessError:
            continue


def test_a_macro_changes_no_more_than_its_steps_one_by_one(
    new_demo: Callable[..., str],
) -> None:
    by_macro, by_hand = new_demo(), new_demo()
    connect(by_macro)
    numbers = [t.number for t in Ticket.select(Ticket.number).order_by(Ticket.number).limit(40)]
    made = iter(range(10_000))

    # No shrinking: the two copies change with every example, so an example is not replayed
    # alone; a failure names the person and the steps.
    @settings(
        max_examples=15,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        persona=st.sampled_from(PERSONAS),
        steps=STEPS,
        chosen=st.lists(st.sampled_from(numbers), min_size=1, max_size=3, unique=True),
    )
    def check(persona: str, steps: list[str], chosen: list[int]) -> None:
        name = f"Random {next(made)}"
        Gate(connect(by_macro), "ada").macros.add_macro(name, steps)
        before = state(chosen)
        try:
            Gate(connect(by_macro), persona).macros.apply_macro(name, chosen)
        except AccessError:
            # One who may apply no macro at all changes nothing by one (the copies stay in step).
            assert state(chosen) == before
            return
        after_macro = state(chosen)
        hand = Gate(connect(by_hand), persona)
        for number in chosen:
            one_by_one(hand, steps, number)
        assert state(chosen) == after_macro, (persona, steps)

    check()
