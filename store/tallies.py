"""The triggers that keep the tallies (`store.tally_models`) with every write to tickets and
their tags, whoever writes (the gate, the command line, mail, a migration, another program),
their rebuild after a bulk load, and PostgreSQL's fold of the rows writers append.

A ticket's delete first deletes its tags (a trigger before the delete), so the tags' trigger
still finds the ticket's columns; a change of a ticket's counted columns moves its tags'
counts too. The bulk loader sets the triggers aside and rebuilds the tallies once."""

from __future__ import annotations

from contextlib import AbstractContextManager

import peewee

from store import dialect

VIEW_COLUMNS = "status, priority, usergroup_id, source_id, assignee_id, private"
TAG_COLUMNS = f"tag_id, {VIEW_COLUMNS}"

# PostgreSQL folds the appended rows into one per combination once there are this many.
FOLD_AFTER = 5000
# The fold's advisory lock: one fold at a time, the others skip theirs.
_FOLD_LOCK = 2627


def _ticket_values(row: str) -> str:
    """A ticket row's counted columns, as a tally stores them (no group, no assignee: 0)."""
    return (
        f"{row}.status, {row}.priority, coalesce({row}.usergroup_id, 0), {row}.source_id, "
        f"coalesce({row}.assignee_id, 0), {row}.private"
    )


_CHANGED = " OR ".join(f"OLD.{c} IS {{not_same}} NEW.{c}" for c in VIEW_COLUMNS.split(", "))


def _sqlite_add(table: str, columns: str, select: str) -> str:
    """Add `select`'s rows (its columns, then n) to a SQLite tally, one row per combination.
    (The WHERE keeps SQLite's parser from reading ON CONFLICT as a join's ON.)"""
    where = "" if " WHERE " in select else " WHERE 1"
    return (
        f"INSERT INTO {table} ({columns}, n) {select}{where} "
        f"ON CONFLICT ({columns}) DO UPDATE SET n = n + excluded.n;"
    )


def _tags_of(row: str, sign: int) -> str:
    return (
        f"SELECT tt.tag_id, {_ticket_values(row)}, {sign} "
        f"FROM ticket_tag tt WHERE tt.ticket_id = {row}.number"
    )


def _tag_on(row: str, sign: int) -> str:
    return (
        f"SELECT {row}.tag_id, {_ticket_values('t')}, {sign} "
        f"FROM ticket t WHERE t.number = {row}.ticket_id"
    )


def _sqlite_triggers() -> list[str]:
    def view(row: str, sign: int) -> str:
        return _sqlite_add("view_tally", VIEW_COLUMNS, f"SELECT {_ticket_values(row)}, {sign}")

    def tags(select: str) -> str:
        return _sqlite_add("tag_tally", TAG_COLUMNS, select)

    changed = _CHANGED.format(not_same="NOT")
    return [
        f"CREATE TRIGGER ticket_tally_ai AFTER INSERT ON ticket BEGIN {view('NEW', 1)} END",
        "CREATE TRIGGER ticket_tally_bd BEFORE DELETE ON ticket BEGIN "
        "DELETE FROM ticket_tag WHERE ticket_id = OLD.number; END",
        f"CREATE TRIGGER ticket_tally_ad AFTER DELETE ON ticket BEGIN {view('OLD', -1)} END",
        f"CREATE TRIGGER ticket_tally_au AFTER UPDATE OF {VIEW_COLUMNS} ON ticket "
        f"WHEN {changed} BEGIN {view('OLD', -1)} {view('NEW', 1)} "
        f"{tags(_tags_of('OLD', -1))} {tags(_tags_of('NEW', 1))} END",
        f"CREATE TRIGGER ticket_tag_tally_ai AFTER INSERT ON ticket_tag BEGIN "
        f"{tags(_tag_on('NEW', 1))} END",
        f"CREATE TRIGGER ticket_tag_tally_ad AFTER DELETE ON ticket_tag BEGIN "
        f"{tags(_tag_on('OLD', -1))} END",
        f"CREATE TRIGGER ticket_tag_tally_au AFTER UPDATE ON ticket_tag BEGIN "
        f"{tags(_tag_on('OLD', -1))} {tags(_tag_on('NEW', 1))} END",
    ]


_SQLITE_TRIGGERS = (
    "ticket_tally_ai",
    "ticket_tally_bd",
    "ticket_tally_ad",
    "ticket_tally_au",
    "ticket_tag_tally_ai",
    "ticket_tag_tally_ad",
    "ticket_tag_tally_au",
)


def _pg_append(table: str, columns: str, select: str) -> str:
    return f"INSERT INTO {table} ({columns}, n, folded) {select};"


def _postgres_triggers() -> list[str]:
    def view(row: str, sign: int) -> str:
        select = f"SELECT {_ticket_values(row)}, {sign}, false"
        return _pg_append("view_tally", VIEW_COLUMNS, select)

    def tags(select: str) -> str:
        return _pg_append("tag_tally", TAG_COLUMNS, select.replace(" FROM ", ", false FROM ", 1))

    changed = _CHANGED.format(not_same="DISTINCT FROM")
    return [
        "CREATE OR REPLACE FUNCTION ticketty_tally_ticket() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP <> 'INSERT' THEN {view('OLD', -1)} END IF; "
        f"IF TG_OP <> 'DELETE' THEN {view('NEW', 1)} END IF; "
        f"IF TG_OP = 'UPDATE' THEN {tags(_tags_of('OLD', -1))} {tags(_tags_of('NEW', 1))} "
        "END IF; RETURN NULL; END $$",
        "CREATE OR REPLACE FUNCTION ticketty_untag_ticket() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        "DELETE FROM ticket_tag WHERE ticket_id = OLD.number; RETURN OLD; END $$",
        "CREATE OR REPLACE FUNCTION ticketty_tally_tag() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP <> 'INSERT' THEN {tags(_tag_on('OLD', -1))} END IF; "
        f"IF TG_OP <> 'DELETE' THEN {tags(_tag_on('NEW', 1))} END IF; "
        "RETURN NULL; END $$",
        "CREATE TRIGGER ticket_tally AFTER INSERT OR DELETE ON ticket "
        "FOR EACH ROW EXECUTE FUNCTION ticketty_tally_ticket()",
        f"CREATE TRIGGER ticket_tally_change AFTER UPDATE OF {VIEW_COLUMNS} ON ticket "
        f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION ticketty_tally_ticket()",
        "CREATE TRIGGER ticket_untag BEFORE DELETE ON ticket "
        "FOR EACH ROW EXECUTE FUNCTION ticketty_untag_ticket()",
        "CREATE TRIGGER ticket_tag_tally AFTER INSERT OR UPDATE OR DELETE ON ticket_tag "
        "FOR EACH ROW EXECUTE FUNCTION ticketty_tally_tag()",
    ]


_POSTGRES_TRIGGERS = (
    ("ticket", "ticket_tally"),
    ("ticket", "ticket_tally_change"),
    ("ticket", "ticket_untag"),
    ("ticket_tag", "ticket_tag_tally"),
)


def create(db: peewee.Database) -> None:
    """The tallies' indexes and triggers (their tables exist), and their fill; made anew
    when there already (a migration run again)."""
    if dialect.is_sqlite(db):
        for name in _SQLITE_TRIGGERS:
            db.execute_sql(f"DROP TRIGGER IF EXISTS {name}")
        db.execute_sql(
            f"CREATE UNIQUE INDEX IF NOT EXISTS view_tally_key ON view_tally ({VIEW_COLUMNS})"
        )
        db.execute_sql(
            f"CREATE UNIQUE INDEX IF NOT EXISTS tag_tally_key ON tag_tally ({TAG_COLUMNS})"
        )
        statements = _sqlite_triggers()
    else:
        for table, name in _POSTGRES_TRIGGERS:
            db.execute_sql(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        db.execute_sql("CREATE INDEX IF NOT EXISTS tag_tally_tag ON tag_tally (tag_id)")
        statements = _postgres_triggers()
    for statement in statements:
        db.execute_sql(statement)
    rebuild(db)


def rebuild(db: peewee.Database) -> None:
    """Count every ticket anew into the tallies (after a load that set the triggers aside)."""
    db.execute_sql("DELETE FROM view_tally")
    db.execute_sql("DELETE FROM tag_tally")
    db.execute_sql(
        f"INSERT INTO view_tally ({VIEW_COLUMNS}, n, folded) "
        f"SELECT {_ticket_values('t')}, count(*), {_true(db)} FROM ticket t "
        f"GROUP BY {_ticket_values('t')}"
    )
    tagged = f"tt.tag_id, {_ticket_values('t')}"
    db.execute_sql(
        f"INSERT INTO tag_tally ({TAG_COLUMNS}, n, folded) "
        f"SELECT {tagged}, count(*), {_true(db)} FROM ticket_tag tt "
        f"JOIN ticket t ON t.number = tt.ticket_id GROUP BY {tagged}"
    )


def _true(db: peewee.Database) -> str:
    return "1" if dialect.is_sqlite(db) else "true"


def without_triggers(db: peewee.Database) -> AbstractContextManager[None]:
    """Writes to tickets and tags that leave the tallies alone; they are rebuilt after (also
    when the writes fail), and the triggers put back."""
    return dialect.triggers_aside(
        db,
        sqlite=(_SQLITE_TRIGGERS, _sqlite_triggers),
        postgres=_POSTGRES_TRIGGERS,
        then=lambda: rebuild(db),
    )


def fold(db: peewee.Database) -> None:
    """PostgreSQL: the rows writers appended, summed into one per combination (in one
    statement, so a row appended meanwhile is left for the next fold); skipped while another
    fold runs. Nothing to do on SQLite, whose tallies are updated in place."""
    if dialect.is_sqlite(db):
        return
    with db.atomic():
        (locked,) = db.execute_sql("SELECT pg_try_advisory_xact_lock(%s)", (_FOLD_LOCK,)).fetchone()
        if not locked:
            return
        for table, columns in (("view_tally", VIEW_COLUMNS), ("tag_tally", TAG_COLUMNS)):
            db.execute_sql(
                f"WITH gone AS (DELETE FROM {table} RETURNING {columns}, n) "
                f"INSERT INTO {table} ({columns}, n, folded) "
                f"SELECT {columns}, sum(n), true FROM gone GROUP BY {columns} HAVING sum(n) <> 0"
            )
