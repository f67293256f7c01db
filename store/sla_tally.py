"""The monthly tally of service-level verdicts (`SlaTally`, `SlaTicketTally`), kept by triggers on
the verdict table.

Triggers rather than the gate's own writes: every writer of verdicts keeps the tally without
knowing of it (the change pipeline's due-time step, the backfill of migration 28, anything
written later), in the same transaction as the verdict, and a change that ends a clock costs no
statement more (the statement budgets hold). Verdicts are never updated or deleted, so an
insert trigger is all it takes. The bulk loader sets the triggers aside and counts the loaded
verdicts at the end in one statement (`without_triggers`, `recount`), or, when the loader's
caller counted them as it made them (`Counted`), writes those counts.

A ticket counts once per month in each agent's, usergroup's and source's `tickets`: when its
first first-response or resolution verdict there is written (no earlier verdict of the ticket,
by id, has the same month and member; ids only grow, and on PostgreSQL, where a statement's
row triggers run after all its rows are in, the earliest of them counts).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from datetime import datetime

import peewee

from store import dialect
from store.words import FIRST_RESPONSE, RESOLUTION

TRIGGER = "sla_verdict_tally_ai"
_FUNCTION = "sla_verdict_tally"
DIMENSIONS = ("agent", "usergroup", "source")
# The clock kinds whose verdicts count a ticket in `tickets`.
TICKET_METRICS = f"('{FIRST_RESPONSE}', '{RESOLUTION}')"


def month_of(db: peewee.Database | peewee.DatabaseProxy, column: str) -> str:
    """SQL for `2026-11`, the month of the UTC datetime `column`."""
    if dialect.is_sqlite(db):
        return f"substr({column}, 1, 7)"
    return f"to_char({column}, 'YYYY-MM')"


def _counts(met: str) -> str:
    return f"CASE WHEN {met} THEN 1 ELSE 0 END, CASE WHEN {met} THEN 0 ELSE 1 END"


def _keep(db: peewee.Database) -> list[str]:
    """The two statements a new verdict (NEW) runs: its minutes counted in each dimension, and
    its ticket counted where it has no earlier verdict of the month."""
    period = month_of(db, "NEW.ended_at")
    values = ", ".join(
        f"({period}, NEW.metric, '{d}', coalesce(NEW.{d}, 0), NEW.business_minutes, "
        f"{_counts('NEW.met')})"
        for d in DIMENSIONS
    )
    members = " UNION ALL ".join(
        f"SELECT '{d}' AS dimension, NEW.{d} AS member" for d in DIMENSIONS
    )
    which = " ".join(f"WHEN '{d}' THEN v.{d}" for d in DIMENSIONS[:-1])
    return [
        "INSERT INTO sla_tally (period, metric, dimension, member, minutes, met, breached) "
        f"VALUES {values} "
        "ON CONFLICT (period, dimension, member, metric, minutes) DO UPDATE SET "
        "met = sla_tally.met + excluded.met, breached = sla_tally.breached + excluded.breached",
        "INSERT INTO sla_ticket_tally (period, dimension, member, tickets) "
        f"SELECT {period}, d.dimension, coalesce(d.member, 0), 1 FROM ({members}) AS d "
        f"WHERE NEW.metric IN {TICKET_METRICS} AND NOT EXISTS ("
        "SELECT 1 FROM sla_verdict AS v WHERE v.ticket = NEW.ticket AND v.id < NEW.id "
        f"AND v.metric IN {TICKET_METRICS} "
        f"AND {month_of(db, 'v.ended_at')} = {period} "
        f"AND coalesce(CASE d.dimension {which} ELSE v.{DIMENSIONS[-1]} END, 0) "
        "= coalesce(d.member, 0)) "
        "ON CONFLICT (period, dimension, member) DO UPDATE SET "
        "tickets = sla_ticket_tally.tickets + 1",
    ]


def create_triggers(db: peewee.Database) -> None:
    """The insert trigger that keeps the tally (made anew if it is there)."""
    if dialect.is_sqlite(db):
        db.execute_sql(f"DROP TRIGGER IF EXISTS {TRIGGER}")
        db.execute_sql(_sqlite_trigger(db))
        return
    body = ";\n".join(_keep(db))
    db.execute_sql(
        f"CREATE OR REPLACE FUNCTION {_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        f"BEGIN\n{body};\nRETURN NULL;\nEND $$"
    )
    db.execute_sql(f"DROP TRIGGER IF EXISTS {TRIGGER} ON sla_verdict")
    db.execute_sql(
        f"CREATE TRIGGER {TRIGGER} AFTER INSERT ON sla_verdict "
        f"FOR EACH ROW EXECUTE FUNCTION {_FUNCTION}()"
    )


def _sqlite_trigger(db: peewee.Database) -> str:
    body = ";\n".join(_keep(db))
    return f"CREATE TRIGGER {TRIGGER} AFTER INSERT ON sla_verdict BEGIN\n{body};\nEND"


def _by_member(db: peewee.Database | peewee.DatabaseProxy, where: str) -> str:
    """Each verdict `where` selects once per dimension: period, metric, dimension, member,
    minutes, met, ticket."""
    period = month_of(db, "ended_at")
    return " UNION ALL ".join(
        f"SELECT {period} AS period, metric, '{d}' AS dimension, coalesce({d}, 0) AS member, "
        f"business_minutes AS minutes, met, ticket FROM sla_verdict WHERE {where}"
        for d in DIMENSIONS
    )


def recounted(db: peewee.Database | peewee.DatabaseProxy) -> tuple[str, str]:
    """Two SELECTs giving the tally's rows and the ticket tally's as counted afresh from every
    verdict (in the tables' column order)."""
    tally = (
        "SELECT period, metric, dimension, member, minutes, "
        "SUM(CASE WHEN met THEN 1 ELSE 0 END), SUM(CASE WHEN met THEN 0 ELSE 1 END) "
        f"FROM ({_by_member(db, 'TRUE')}) AS e "
        "GROUP BY period, metric, dimension, member, minutes"
    )
    tickets = (
        "SELECT period, dimension, member, COUNT(DISTINCT ticket) "
        f"FROM ({_by_member(db, f'metric IN {TICKET_METRICS}')}) AS e "
        "GROUP BY period, dimension, member"
    )
    return tally, tickets


def recount(db: peewee.Database) -> None:
    """The tally counted afresh from every verdict: two statements."""
    tally, tickets = recounted(db)
    with db.atomic():
        db.execute_sql("DELETE FROM sla_tally")
        db.execute_sql("DELETE FROM sla_ticket_tally")
        db.execute_sql(
            "INSERT INTO sla_tally (period, metric, dimension, member, minutes, met, breached) "
            + tally
        )
        db.execute_sql(
            "INSERT INTO sla_ticket_tally (period, dimension, member, tickets) " + tickets
        )


# What the tally reads of one verdict, in this order (`Counted`): metric, business minutes,
# met, its end (naive UTC), agent, usergroup, source.
JUDGED = ("metric", "business_minutes", "met", "ended_at", "agent", "usergroup", "source")
Judged = tuple[str, int, bool, datetime, int | None, int | None, int | None]
# Each dimension's place among them in the order the recount groups and inserts them.
_AGENT, _USERGROUP, _SOURCE = (sorted(DIMENSIONS).index(d) for d in DIMENSIONS)


class Counted:
    """The tally of verdicts counted as they are made, for a bulk load that writes no verdict
    but these: `add` the verdicts of whole tickets, then `write` instead of `recount` (the same
    rows, in the order the recount inserts them). Kept as counts of plain keys (a month as a
    number, a dimension by its place), counted in C by `Counter.update`, spelled at the end."""

    def __init__(self) -> None:
        # (month, metric, dimension, member, minutes, met) -> verdicts
        self.verdicts: Counter[tuple[int, str, int, int, int, bool]] = Counter()
        # (month, dimension, member) -> tickets
        self.tickets: Counter[tuple[int, int, int]] = Counter()

    def add(self, tickets: Iterable[Iterable[Judged]]) -> None:
        """Count these tickets' verdicts, each ticket's all at once (a ticket counts once per
        month and member in `tickets`)."""
        keys: list[tuple[int, str, int, int, int, bool]] = []
        members: list[tuple[int, int, int]] = []
        for verdicts in tickets:
            seen: set[tuple[int, int, int]] = set()
            for metric, minutes, met, ended, agent, usergroup, source in verdicts:
                month = ended.year * 12 + ended.month - 1
                by = ((_AGENT, agent or 0), (_USERGROUP, usergroup or 0), (_SOURCE, source or 0))
                keys += [(month, metric, d, member, minutes, met) for d, member in by]
                if metric in (FIRST_RESPONSE, RESOLUTION):
                    seen.update((month, d, member) for d, member in by)
            members += seen
        self.verdicts.update(keys)
        self.tickets.update(members)

    def write(self, db: peewee.Database) -> None:
        """The tallies replaced by these counts."""
        names = sorted(DIMENSIONS)
        tally: dict[tuple[str, str, str, int, int], list[int]] = {}
        for (month, metric, d, member, minutes, met), n in sorted(self.verdicts.items()):
            key = (_period(month), metric, names[d], member, minutes)
            tally.setdefault(key, [0, 0])[0 if met else 1] += n
        tickets = [
            (_period(month), names[d], member, n)
            for (month, d, member), n in sorted(self.tickets.items())
        ]
        marks = "?" if dialect.is_sqlite(db) else "%s"
        with db.atomic():
            db.execute_sql("DELETE FROM sla_tally")
            db.execute_sql("DELETE FROM sla_ticket_tally")
            cursor = db.cursor()
            cursor.executemany(
                "INSERT INTO sla_tally (period, metric, dimension, member, minutes, met, "
                f"breached) VALUES ({', '.join([marks] * 7)})",
                [(*key, met, breached) for key, (met, breached) in tally.items()],
            )
            cursor.executemany(
                "INSERT INTO sla_ticket_tally (period, dimension, member, tickets) "
                f"VALUES ({', '.join([marks] * 4)})",
                tickets,
            )


def _period(month: int) -> str:
    """`2026-11` for the months since the year 0 (`year * 12 + month - 1`)."""
    return f"{month // 12:04d}-{month % 12 + 1:02d}"


def without_triggers(
    db: peewee.Database, counted: Counted | None = None
) -> AbstractContextManager[None]:
    """Verdicts inserted without the per-row trigger; the tally is counted afresh after, or
    written from `counted` when given (and the trigger put back), even when the load fails."""
    then: Callable[[], None] = (
        (lambda: recount(db)) if counted is None else (lambda: counted.write(db))
    )
    return dialect.triggers_aside(
        db,
        sqlite=((TRIGGER,), lambda: [_sqlite_trigger(db)]),
        postgres=(("sla_verdict", TRIGGER),),
        then=then,
    )
