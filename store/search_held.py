"""PostgreSQL: a mail batch's new tickets given their search documents once, at its end
(`dialect.search_indexed_once`), instead of by the triggers a ticket and a message at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

import peewee

from store.words import NOTE

# A transaction's own setting (`set_config(..., true)`) that holds back the trigger of a new
# ticket's document inside `indexed_once`; no other connection sees it.
SETTING = "ticketty.search_held"
# The same for a new message's words, held for the rest of the transaction by
# `messages_indexed_once`.
MESSAGES_SETTING = "ticketty.messages_held"


def triggers() -> list[str]:
    """Migration 40 (and `dialect.postgres_search`): a new ticket's document held back while
    `SETTING` is on, a message's words parsed once (they were parsed for each of the two
    documents), and the aggregate that joins a ticket's words in order as the triggers join
    them, one `||` at a time (`indexed_once`)."""
    return [
        "CREATE OR REPLACE TRIGGER ticket_search_ai AFTER INSERT ON ticket FOR EACH ROW "
        f"WHEN (current_setting('{SETTING}', true) IS DISTINCT FROM 'on') "
        "EXECUTE FUNCTION ticket_search_ticket()",
        "CREATE OR REPLACE FUNCTION message_search() RETURNS trigger AS $$ BEGIN "
        "UPDATE ticket_search SET (everything, public) = (SELECT everything || w.v, "
        f"CASE WHEN NEW.kind = '{NOTE}' THEN public ELSE public || w.v END "
        "FROM (SELECT ticketty_words(NEW.body) AS v) AS w) WHERE number = NEW.ticket_id; "
        "RETURN NULL; END $$ LANGUAGE plpgsql",
        "CREATE OR REPLACE AGGREGATE ticketty_words_joined(tsvector) "
        "(SFUNC = tsvector_concat, STYPE = tsvector, INITCOND = '')",
    ]


def message_trigger() -> str:
    """Migration 41 (and `dialect.postgres_search`): a new message's words added to its
    ticket's document, unless `MESSAGES_SETTING` holds them back (`messages_indexed_once`)."""
    return (
        "CREATE OR REPLACE TRIGGER message_search_ai AFTER INSERT ON message FOR EACH ROW "
        f"WHEN (current_setting('{MESSAGES_SETTING}', true) IS DISTINCT FROM 'on') "
        "EXECUTE FUNCTION message_search()"
    )


# The newest ticket whose document the block has written (`indexed_once`), kept by the server
# for the transaction, so that writing the next tickets' documents waits for no read.
_INDEXED_UPTO = "ticketty.indexed_upto"
_NEWEST = "(SELECT coalesce(max(number), 0) FROM ticket)"
# The block's start: the newest message before it, the new tickets' trigger held, and the
# newest ticket before it.
_HOLD = (
    f"SELECT (SELECT coalesce(max(id), 0) FROM message), set_config('{SETTING}', 'on', true), "
    f"set_config('{_INDEXED_UPTO}', {_NEWEST}::text, true)"
)
_RELEASE = f"SELECT set_config('{SETTING}', 'off', true)"
_INDEXED = f"SELECT set_config('{_INDEXED_UPTO}', {_NEWEST}::text, true)"
# Each ticket filed in the block since the last of these that has no document yet (its subject
# not changed since, else `ticket_search_au` wrote one), its document as the triggers leave it:
# its subject's words (`ticketty_index_ticket` of a ticket without messages), then each new
# message's after them in order of id, a note's in `everything` alone.
_UPTO = f"current_setting('{_INDEXED_UPTO}')::integer"
_NEW_DOCUMENTS = (
    "INSERT INTO ticket_search (number, public, everything) "
    "SELECT d.n, ticketty_words_joined(d.w ORDER BY d.k) FILTER (WHERE d.shown), "
    "ticketty_words_joined(d.w ORDER BY d.k) FROM ("
    "SELECT t.number AS n, 0 AS k, ticketty_words(t.subject || ' ') AS w, true AS shown "
    f"FROM ticket t WHERE t.number > {_UPTO} UNION ALL "
    f"SELECT m.ticket_id, m.id, ticketty_words(m.body), m.kind <> '{NOTE}' FROM message m "
    f"WHERE m.ticket_id > {_UPTO} AND m.id > %s) AS d "
    "WHERE NOT EXISTS (SELECT 1 FROM ticket_search s WHERE s.number = d.n) "
    "GROUP BY d.n ORDER BY d.n"
)


@contextmanager
def indexed_once(db: peewee.Database) -> Iterator[Callable[[], None]]:
    """`dialect.search_indexed_once` on PostgreSQL: inside, a new ticket gets no document (the
    ticket trigger is held back by `SETTING`), so its messages' trigger finds none to add to
    and parses nothing; every such ticket's document is written in one statement, each
    message's words parsed once, at the end and where the block calls what it is given (for
    the tickets filed so far; a message on one of them after that is added by its trigger, as
    on older tickets, which have a document)."""
    messages, _held, _upto = db.execute_sql(_HOLD).fetchone()

    def index_so_far() -> None:
        db.execute_sql(_NEW_DOCUMENTS, (messages,))
        db.execute_sql(_INDEXED)

    try:
        yield index_so_far
    except BaseException:
        with suppress(peewee.DatabaseError):  # a rollback takes the setting back as well
            db.execute_sql(_RELEASE)
        raise
    db.execute_sql(_RELEASE)
    index_so_far()


# The start of `messages_indexed_once`: the newest message before it, and the messages' trigger
# held back.
_HOLD_MESSAGES = (
    "SELECT (SELECT coalesce(max(id), 0) FROM message), "
    f"set_config('{MESSAGES_SETTING}', 'on', true)"
)
_RELEASE_MESSAGES = f"SELECT set_config('{MESSAGES_SETTING}', 'off', true)"
# Its end: the trigger released, and each message written since (after the id given) added to
# its ticket's documents as the trigger adds it: its words after the document's, a ticket's
# messages in order of id, a note's in `everything` alone; its words parsed once, a ticket's
# document written once. Two statements in one round trip.
_ADD_MESSAGES = (
    f"{_RELEASE_MESSAGES}; UPDATE ticket_search s "
    "SET (everything, public) = (s.everything || w.every, s.public || w.shown) "
    "FROM (SELECT d.ticket_id, ticketty_words_joined(d.v ORDER BY d.id) AS every, "
    f"ticketty_words_joined(d.v ORDER BY d.id) FILTER (WHERE d.kind <> '{NOTE}') AS shown "
    "FROM (SELECT m.ticket_id, m.id, m.kind, ticketty_words(m.body) AS v FROM message m "
    "WHERE m.id > %s AND EXISTS (SELECT 1 FROM ticket_search t WHERE t.number = m.ticket_id)) "
    "AS d GROUP BY d.ticket_id) AS w WHERE s.number = w.ticket_id"
)


@contextmanager
def messages_indexed_once(db: peewee.Database) -> Iterator[None]:
    """`dialect.messages_indexed_once` on PostgreSQL: the messages written inside are added to
    their tickets' documents when it ends, each ticket's document written once, instead of by
    the trigger a message at a time. Write nothing inside that makes a ticket's document anew
    (a new ticket, a new subject): that document would hold the held messages' words already."""
    messages, _held = db.execute_sql(_HOLD_MESSAGES).fetchone()
    try:
        yield
    except BaseException:
        with suppress(peewee.DatabaseError):  # a rollback takes the setting back as well
            db.execute_sql(_RELEASE_MESSAGES)
        raise
    db.execute_sql(_ADD_MESSAGES, (messages,))
