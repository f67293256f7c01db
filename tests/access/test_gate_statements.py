"""How many SQL statements a request costs: the person's grants are read once per request, so
an inbox page and an assignment stay within a fixed number of statements however many roles
and groups the person has. A count that grows fails here."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import peewee
import pytest

from access import Gate, change_pipeline, filing, messages
from access.catalogue import TICKETS_VIEW
from access.grants import read_grants
from access.tally_counts import tally_of
from access.views import TicketQuery
from store import dialect
from store.models import NO_DUE, Person, Ticket
from store.sla_models import SlaVerdict

PAGE_STATEMENTS = 2
# Six for the change and its audit rows, three for its notifications: the followers read, their
# preferences read, and one insert (`access.notify_events`); after its commit, the lookup of the
# rules it sets off.
ASSIGNMENT_STATEMENTS = 10


@contextmanager
def statements(db: peewee.Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The SQL of every statement run on `db` inside the block (the real database runs them)."""
    run: list[str] = []
    execute_sql = db.execute_sql

    def counting(sql: str, *args: Any, **kwargs: Any) -> Any:
        run.append(sql)
        return execute_sql(sql, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(db, "execute_sql", counting)
        yield run


@pytest.mark.parametrize("username", ["ada", "sam", "ali", "mia"])
def test_an_inbox_page_reads_grants_once(
    demo_db: peewee.Database,
    gate_for: Callable[[str], Gate],
    monkeypatch: pytest.MonkeyPatch,
    username: str,
) -> None:
    gate = gate_for(username)
    with statements(demo_db, monkeypatch) as run:
        rows = gate.inbox.list_tickets(limit=100)
    assert rows
    assert len(run) <= PAGE_STATEMENTS, "\n".join(run)


@pytest.mark.parametrize("form", ["one ticket", "as the app"])
def test_an_assignment_reads_grants_once(
    demo_db: peewee.Database,
    gate_for: Callable[[str], Gate],
    monkeypatch: pytest.MonkeyPatch,
    form: str,
) -> None:
    """The one-ticket call and the app's change (the pipeline with the versions it showed)
    are one path, and cost the same."""
    gate = gate_for("sam")
    returns = next(g.id for g in gate.groups.list_groups() if g.name == "Returns")
    row = gate.inbox.list_tickets(TicketQuery(usergroups=(returns,)), limit=1)[0]
    with statements(demo_db, monkeypatch) as run:
        if form == "one ticket":
            gate.changes.assign(row.number, "ola", expected_version=row.version)
        else:
            done = gate.changes.apply_bulk(
                "assign", [row.number], "ola", versions={row.number: row.version}
            )
            assert done.changed == (row.number,)
    assert gate.tickets.get_ticket(row.number).row.assignee == "ola"
    assert len(run) <= ASSIGNMENT_STATEMENTS, "\n".join(run)


def test_an_assignment_of_many_tickets_costs_as_much_as_one(
    demo_db: peewee.Database, gate_for: Callable[[str], Gate], monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = gate_for("ada")
    rows = [r for r in gate.inbox.list_tickets(limit=200) if r.assignee != "ola"][:50]
    versions = {r.number: r.version for r in rows}
    with statements(demo_db, monkeypatch) as run:
        done = gate.changes.apply_bulk("assign", list(versions), "ola", versions=versions)
    assert len(done.changed) + done.skipped_count == len(rows) and done.changed
    assert len(run) <= ASSIGNMENT_STATEMENTS, "\n".join(run)


@pytest.mark.parametrize("username", ["ada", "sam", "vic", "c000.muller"])
@pytest.mark.parametrize("search", ["", "tag:refund"])
def test_a_count_from_a_tally_is_one_statement_after_the_grants(
    demo_db: peewee.Database,
    gate_for: Callable[[str], Gate],
    monkeypatch: pytest.MonkeyPatch,
    username: str,
    search: str,
) -> None:
    """The tally's sum and the tickets the person filed that it leaves out, together."""
    gate = gate_for(username)
    query = TicketQuery(statuses=("new", "open", "pending"), search=search)
    assert tally_of(query) is not None
    with statements(demo_db, monkeypatch) as run:
        counted = gate.inbox.count_tickets(query)
    listed = gate.inbox.list_tickets(query, limit=10**5)
    assert counted == len(listed)
    assert len(run) == 2, "\n".join(run)


def test_a_role_change_counts_from_the_next_request(gate_for: Callable[[str], Gate]) -> None:
    """The app keeps one gate for the whole session: what an admin changes applies to the
    person's very next request, with no new gate."""
    vic, ada = gate_for("vic"), gate_for("ada")
    seen = vic.inbox.count_tickets()
    assert seen > 0 and "tickets.view" in vic.me.capabilities()
    (person,) = [p for p in ada.people.list_people() if p.username == "vic"]
    for role in person.roles:
        ada.roles.revoke_role("vic", role)
    assert vic.inbox.count_tickets() < seen
    assert TICKETS_VIEW not in vic.me.capabilities()


def test_grants_are_read_with_a_statement_built_once(
    demo_db: peewee.Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every change reads the person's grants inside its write transaction, where building
    the statement took twenty times longer than running it: it is built once per database,
    and each person's grants read with it are that person's. The first read, by name as a
    gate is made, builds the read by id that each change then makes."""
    first = read_grants(Person.username == "ada")  # as a gate is made
    built: list[peewee.Database] = []
    context = peewee.Database.get_sql_context  # where Peewee starts building any statement

    def counting(database: peewee.Database, **options: Any) -> peewee.Context:
        built.append(database)
        return context(database, **options)

    monkeypatch.setattr(peewee.Database, "get_sql_context", counting)
    assert first is not None and read_grants(Person.id == first.person_id) == first
    for username in ("sam", "ali", "mia"):
        grants = read_grants(Person.username == username)
        assert grants is not None and grants.username == username
        assert read_grants(Person.id == grants.person_id) == grants
    assert read_grants(Person.username == "nobody") is None
    assert built == []


# What keeping the due times adds to a change that moves them (`access.due_times`): one
# statement reading the history and the policies, one writing the due times (with the verdicts
# of the clocks the change ended, in the same statement on PostgreSQL).
DUE_TIME_STATEMENTS = 2


def due_time_budget(db: peewee.Database, *, ends_a_clock: bool) -> int:
    """SQLite runs no INSERT inside a WITH: there a change that ends a clock inserts its
    verdict in a statement of its own, an in-process call with no round trip."""
    return DUE_TIME_STATEMENTS + (1 if ends_a_clock and dialect.is_sqlite(db) else 0)


@pytest.fixture
def with_policies(demo_db: peewee.Database) -> None:
    ada = Gate(demo_db, "ada")
    ada.calendars.create_calendar("PL office", zone="Europe/Warsaw", hours="mon-fri 08:00-16:00")
    for name, priorities in (("Urgent", ["urgent"]), ("Standard", [])):
        ada.sla.create_policy(
            name,
            calendar="PL office",
            targets={"first_response": ["4h"], "next_response": ["8h"], "resolution": ["3d"]},
            priorities=priorities,
        )


def without_due_times(monkeypatch: pytest.MonkeyPatch) -> None:
    """The write path as it was before due times: their step does nothing."""
    for module in (change_pipeline, filing, messages):
        monkeypatch.setattr(module, "keep_due_times", lambda request, numbers: {})


@pytest.mark.usefixtures("with_policies")
@pytest.mark.parametrize("change", ["status", "priority", "move", "resolve"])
def test_a_change_that_moves_due_times_costs_two_statements_more(
    demo_db: peewee.Database,
    gate_for: Callable[[str], Gate],
    monkeypatch: pytest.MonkeyPatch,
    change: str,
) -> None:
    """The same change to two like tickets, with and without keeping their due times."""
    ada = gate_for("ada")
    rows = ada.inbox.list_tickets(limit=50)
    first, second = [r for r in rows if r.status == "open" and r.priority == "normal"][:2]
    kind, value = {
        "status": ("status", "pending"),
        "priority": ("priority", "urgent"),
        "move": ("move", "Accounting"),
        "resolve": ("status", "resolved"),
    }[change]
    with statements(demo_db, monkeypatch) as keeping:
        done = ada.changes.apply_bulk(kind, [first.number], value)
    assert done.changed == (first.number,)
    assert Ticket.get_by_id(first.number).sla_policy is not None
    with monkeypatch.context() as patch:
        without_due_times(patch)
        with statements(demo_db, monkeypatch) as before:
            ada.changes.apply_bulk(kind, [second.number], value)
    judged = SlaVerdict.select().where(SlaVerdict.ticket == first.number)
    assert [v.metric for v in judged if v.metric == "resolution"] == (
        ["resolution"] if change == "resolve" else []
    )
    budget = due_time_budget(demo_db, ends_a_clock=change == "resolve")
    assert len(keeping) - len(before) <= budget, "\n".join(keeping)


@pytest.mark.usefixtures("with_policies")
@pytest.mark.parametrize("kind", ["reply", "customer"])
def test_a_message_costs_two_statements_more(
    demo_db: peewee.Database,
    gate_for: Callable[[str], Gate],
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> None:
    writer = gate_for("ada" if kind == "reply" else "mia")
    numbers = [gate_for("mia").filing.create_ticket("Parcel lost", "Where?") for _ in range(2)]
    with statements(demo_db, monkeypatch) as keeping:
        writer.messages.reply(numbers[0], "Any news?")
    with monkeypatch.context() as patch:
        without_due_times(patch)
        with statements(demo_db, monkeypatch) as before:
            writer.messages.reply(numbers[1], "Any news?")
    judged = [v.metric for v in SlaVerdict.select().where(SlaVerdict.ticket == numbers[0])]
    assert judged == (["first_response"] if kind == "reply" else [])
    budget = due_time_budget(demo_db, ends_a_clock=kind == "reply")
    assert len(keeping) - len(before) <= budget, "\n".join(keeping)


@pytest.mark.usefixtures("with_policies")
def test_filing_costs_two_statements_more(
    demo_db: peewee.Database, gate_for: Callable[[str], Gate], monkeypatch: pytest.MonkeyPatch
) -> None:
    ada = gate_for("ada")
    with statements(demo_db, monkeypatch) as keeping:
        number = ada.filing.create_ticket("Parcel lost", "Where is it?")
    with monkeypatch.context() as patch:
        without_due_times(patch)
        with statements(demo_db, monkeypatch) as before:
            ada.filing.create_ticket("Parcel lost", "Where is it?")
    assert Ticket.get_by_id(number).due_at != NO_DUE
    assert len(keeping) - len(before) <= DUE_TIME_STATEMENTS, "\n".join(keeping)
