"""Service-level verdicts kept when a clock ends (`access.sla_verdicts`): written by the change
that ends the clock, with the policy and target of then, never rewritten by a later edit; a
reopened ticket resolved again gets a second one; a policy edit measures open tickets in
transactions of their own after the edit's; a logged move matches a group renamed since."""

from __future__ import annotations

from typing import Any

import pytest

from access import Gate, due_times
from access.due_times import Dues
from access.request import Request
from cli.ticket_sla import explanation_json
from store.models import AuditEvent, Person, SlaPolicy, Ticket, Usergroup
from store.sla_models import SlaVerdict
from wording.sla_text import explanation_lines


def verdicts(number: int) -> list[tuple[Any, ...]]:
    query = (
        SlaVerdict.select()
        .where(SlaVerdict.ticket == number)
        .order_by(SlaVerdict.ended_at, SlaVerdict.id)
    )
    return [
        (
            v.metric,
            v.policy_name,
            v.policy_id,
            v.target_minutes,
            v.business_minutes,
            v.met,
            v.ended_at,
            v.agent,
            v.usergroup,
        )
        for v in query
    ]


def test_a_reply_keeps_the_first_response_verdict_a_note_does_not(ada: Gate) -> None:
    number = ada.filing.create_ticket("Parcel lost", "Where is it?", group="Returns")
    ada.messages.note(number, "Checking the warehouse")
    assert verdicts(number) == []
    ada.messages.reply(number, "It is on its way.")
    (kept,) = verdicts(number)
    reply_at = Ticket.get_by_id(number).updated_at
    ada_id = Person.get(Person.username == "ada").id
    returns = Usergroup.get(Usergroup.name == "Returns").id
    standard = SlaPolicy.get(SlaPolicy.name == "Standard").id
    assert kept[:4] == ("first_response", "Standard", standard, 240)
    assert kept[4] == 0 and kept[5] is True  # answered within the minute
    assert abs((kept[6] - reply_at).total_seconds()) < 1
    assert kept[7:] == (ada_id, returns)


def test_a_policy_edit_moves_open_due_times_only(ada: Gate) -> None:
    number = ada.filing.create_ticket("Parcel lost", "Where is it?")
    ada.messages.reply(number, "It is on its way.")
    before = verdicts(number)
    due = Ticket.get_by_id(number).resolution_due
    ada.sla.change_policy("Standard", targets={"first_response": ["1m"], "resolution": ["2d"]})
    assert verdicts(number) == before
    assert Ticket.get_by_id(number).resolution_due != due
    ada.sla.delete_policy("Standard")
    assert verdicts(number) == before
    lines = [lead + rest for lead, rest in explanation_lines(ada.tickets.sla_explanation(number))]
    kept = "  First response: met, 0m of 4h 00m by Standard, ended "
    assert "No policy matches this ticket, so it has no due times." in lines
    assert any(line.startswith(kept) for line in lines)
    (shown,) = explanation_json(ada.tickets.sla_explanation(number))["verdicts"]
    assert (shown["metric"], shown["policy"], shown["met"]) == ("first_response", "Standard", True)


def test_a_reopened_ticket_keeps_its_first_resolution_verdict(ada: Gate) -> None:
    number = ada.filing.create_ticket("Parcel lost", "Where is it?")
    ada.changes.set_status(number, "resolved")
    first = verdicts(number)
    assert [v[0] for v in first] == ["resolution"] and first[0][5] is True
    ada.changes.set_status(number, "open")
    assert verdicts(number) == first
    ada.changes.set_status(number, "closed")
    again = verdicts(number)
    assert again[0] == first[0]
    assert [v[0] for v in again] == ["resolution", "resolution"] and again[1][6] > first[0][6]


def test_a_policy_edit_measures_open_tickets_after_its_own_transaction(
    ada: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The edit and its audit event commit first; then each chunk of open tickets commits on
    its own: a failure in the second chunk leaves the edit and the first chunk written."""
    numbers = [ada.filing.create_ticket(f"Parcel {n}", "Where?") for n in range(4)]
    open_before = Ticket.select().where(Ticket.status.not_in(["resolved", "closed"])).count()
    monkeypatch.setattr(due_times, "CHUNK", max(1, open_before - 2))
    chunks: list[list[int]] = []
    measure = due_times.measure_tickets

    def failing_second(request: Request, chunk: list[int], **given: Any) -> dict[int, Dues]:
        chunks.append(chunk)
        if len(chunks) == 2:
            raise RuntimeError("the second chunk fails")
        return measure(request, chunk, **given)

    monkeypatch.setattr(due_times, "measure_tickets", failing_second)
    dues = {n: Ticket.get_by_id(n).resolution_due for n in numbers}
    with pytest.raises(RuntimeError, match="second chunk"):
        ada.sla.change_policy("Standard", targets={"resolution": ["2d"]})
    assert SlaPolicy.get(SlaPolicy.name == "Standard").version == 2
    assert AuditEvent.select().where(AuditEvent.action == "policy.change").count() == 1
    moved = [n for n in numbers if Ticket.get_by_id(n).resolution_due != dues[n]]
    assert moved == [n for n in numbers if n in chunks[0]]
    assert numbers[-1] not in chunks[0]


def test_a_group_renamed_since_a_move_still_matches(ada: Gate) -> None:
    """Filed in Returns, answered there under the Returns policy, then moved out; Returns is
    renamed. Measured again, the answer is still Returns' (the logged move names the group
    as it was called then)."""
    ada.sla.create_policy(
        "Returns desk",
        calendar="Always",
        targets={"first_response": ["1h"]},
        usergroups=["Returns"],
    )
    ada.sla.move_policy("Returns desk", 1)
    number = ada.filing.create_ticket("Parcel lost", "Where is it?", group="Returns")
    ada.messages.reply(number, "It is on its way.")
    ada.changes.move(number, "Accounting")
    ada.groups.rename_group("Returns", "Returns and refunds")
    explained = ada.tickets.sla_explanation(number)
    (first,) = [t for t in explained.targets if t.metric == "first_response"]
    assert (first.policy, first.target_minutes) == ("Returns desk", 60)
    assert explained.policy == "Standard"
