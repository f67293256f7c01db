"""Schema versions: each migration runs once, in order, at start-up, recorded in `schemaversion`."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import peewee

from store import dialect, migration_chunks, scope_words, search_held, tallies, ticket_bits
from store.draft_models import DESK_MODELS, DRAFT_FILE_MODELS
from store.links import LINK_MODELS
from store.mail_models import (
    MAIL_MODELS,
    MailAccount,
    MailFailure,
    OutboxItem,
    QuarantinedMail,
    mail_server,
)
from store.models import (
    ALL_MODELS,
    DUE_INDEX,
    NO_DUE,
    POLICY_MODELS,
    SLA_MODELS,
    Message,
    RolePermission,
    SchemaVersion,
    Ticket,
)
from store.notification_models import (
    FIRST_RUN,
    NOTIFY_MODELS,
    QUEUE_FOLLOW_MODELS,
    Notification,
    NotificationSettings,
    SlaWarning,
)
from store.reply_models import REPLY_MODELS, Macro
from store.rule_models import RULE_MODELS, RULES_VERSION_SETTING, Rule, RuleRetry
from store.schema_versions import VERDICT_BACKFILL, VERSIONS, gate_step
from store.sla_models import SLA_TALLY_MODELS, VERDICT_MODELS
from store.sla_tally import create_triggers, recount
from store.tag_models import TAG_MODELS, DeskSetting
from store.tally_models import TALLY_MODELS


def _v1_initial(db: peewee.Database) -> None:
    db.create_tables(ALL_MODELS)
    for statement in dialect.audit_append_only(db):
        db.execute_sql(statement)


def _v2_search(db: peewee.Database) -> None:
    for statement in dialect.search_index(db):
        db.execute_sql(statement)


VERSIONED = ("person", "source", "role", "usergroup")


def _v3_versions(db: peewee.Database) -> None:
    """People, sources, roles and usergroups carry a version, as tickets do."""
    for table in VERSIONED:
        if "version" not in {column.name for column in db.get_columns(table)}:
            db.execute_sql(f"ALTER TABLE {table} ADD COLUMN version INTEGER NOT NULL DEFAULT 1")


def _v4_mail(db: peewee.Database) -> None:
    db.create_tables(MAIL_MODELS)


def _v5_ticket_numbers_never_reused(db: peewee.Database) -> None:
    """A deleted ticket's number is never given again (a new ticket would inherit its audit
    history). PostgreSQL's serial sequence never goes back; SQLite reuses the highest rowid
    unless the table is AUTOINCREMENT, which only a rebuild of the table adds: copy the rows
    into an AUTOINCREMENT twin, swap it in and recreate its indexes and triggers. `migrate`
    runs this with foreign keys off, as SQLite's procedure for changing a table asks."""
    if not isinstance(db, peewee.SqliteDatabase):
        return
    (table_sql,) = db.execute_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'ticket'"
    ).fetchone()
    if "AUTOINCREMENT" in table_sql.upper():
        return
    dependents = [
        row[0]
        for row in db.execute_sql(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'ticket' "
            "AND type IN ('index', 'trigger') AND sql IS NOT NULL"
        )
    ]
    twin_sql, replaced = re.subn(
        r'("number" INTEGER NOT NULL PRIMARY KEY)', r"\1 AUTOINCREMENT", table_sql, count=1
    )
    if not replaced:
        raise peewee.DatabaseError("the ticket table has an unexpected shape")
    twin_sql = twin_sql.replace('"ticket"', '"ticket_autoincrement"', 1)
    db.execute_sql(twin_sql)
    db.execute_sql('INSERT INTO "ticket_autoincrement" SELECT * FROM "ticket"')
    db.execute_sql('DROP TABLE "ticket"')
    db.execute_sql("PRAGMA legacy_alter_table = ON")
    try:
        db.execute_sql('ALTER TABLE "ticket_autoincrement" RENAME TO "ticket"')
    finally:
        db.execute_sql("PRAGMA legacy_alter_table = OFF")
    for statement in dependents:
        db.execute_sql(statement)
    if db.execute_sql("PRAGMA foreign_key_check").fetchone() is not None:
        raise peewee.DatabaseError("rebuilding the ticket table broke a reference")


def _v6_postgres_parity(db: peewee.Database) -> None:
    """PostgreSQL gets what SQLite had from the start: unbounded, bytewise-ordered text, the
    full-text index, and a signal of every change for live screens. Nothing to do on SQLite."""
    if dialect.is_sqlite(db):
        return
    for statement in [
        *dialect.postgres_text_columns(db),
        *dialect.audit_append_only(db),
        *dialect.postgres_search(),
        *dialect.POSTGRES_CHANGE_SIGNAL,
    ]:
        db.execute_sql(statement)
    dialect.rebuild_search(db)


def _v7_search_folds_letters(db: peewee.Database) -> None:
    """SQLite's search index folds the letters `unaccent` folds on PostgreSQL (`ł`, `ß`, ...):
    its triggers made anew and every ticket indexed again. Nothing to do on PostgreSQL."""
    if not dialect.is_sqlite(db):
        return
    _v37_search_scope(db)
    dialect.rebuild_search(db)


def _v8_drafts_and_presence(db: peewee.Database) -> None:
    """Drafts kept per person and ticket, and presence on tickets. On PostgreSQL a change of
    presence (not a heartbeat, which moves only `seen_at`) sends the change signal, as an
    audit event does; on SQLite every commit moves the signal already."""
    db.create_tables(DESK_MODELS)
    if not dialect.is_sqlite(db):
        db.execute_sql(dialect.POSTGRES_PRESENCE_SIGNAL)


def _v9_mail_delivery(db: peewee.Database) -> None:
    """A reply is claimed by one sender before it goes to SMTP (a lease that a killed sender's
    claim runs out of), and an account keeps why its SMTP server could not be used."""
    text = "TEXT NOT NULL DEFAULT ''" + ("" if dialect.is_sqlite(db) else ' COLLATE "C"')
    moment = "DATETIME" if dialect.is_sqlite(db) else "TIMESTAMP"
    added = {
        OutboxItem: {"claimed_by": text, "claimed_until": moment},
        MailAccount: {"send_error": text},
    }
    for model, columns in added.items():
        table = model._meta.table_name
        present = {column.name for column in db.get_columns(table)}
        for name, kind in columns.items():
            if name not in present:
                db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "{name}" {kind}')


def _v10_mail_secrets_and_floods(db: peewee.Database) -> None:
    """Each mail account records the server its passwords were set for (the accounts there are
    taken as set for their servers of now), and a sender's recent messages are counted through
    an index (the flood limit)."""
    table = MailAccount._meta.table_name
    columns = {column.name for column in db.get_columns(table)}
    for name in ("imap_secret_for", "smtp_secret_for"):
        if name not in columns:
            db.execute_sql(f"ALTER TABLE \"{table}\" ADD COLUMN {name} TEXT NOT NULL DEFAULT ''")
    # Only the columns this version knows: later versions add others to the model.
    for account in MailAccount.select(MailAccount.id, MailAccount.imap_url, MailAccount.smtp_url):
        MailAccount.update(
            imap_secret_for=mail_server(account.imap_url),
            smtp_secret_for=mail_server(account.smtp_url),
        ).where(MailAccount.id == account.id).execute()
    peewee.SchemaManager(Message).create_indexes(safe=True)


def _v11_mail_robustness(db: peewee.Database) -> None:
    """A failure count per message being filed, quarantined mail that kept only its header (over
    the size limit), and a CA file per mail account."""
    db.create_tables([MailFailure])
    boolean = (
        "INTEGER NOT NULL DEFAULT 1" if dialect.is_sqlite(db) else "BOOLEAN NOT NULL DEFAULT TRUE"
    )
    for model, column, kind in (
        (QuarantinedMail, "complete", boolean),
        (MailAccount, "ca_file", "TEXT NOT NULL DEFAULT ''"),
    ):
        table = model._meta.table_name
        if column not in {c.name for c in db.get_columns(table)}:
            db.execute_sql(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")


def _v12_ignored_mail_counted(db: peewee.Database) -> None:
    """Each mail account counts the automatic mail it took in and did not file."""
    table = MailAccount._meta.table_name
    present = {c.name for c in db.get_columns(table)}
    moment = "DATETIME" if dialect.is_sqlite(db) else "TIMESTAMP"
    for column, kind in (
        ("ignored", "INTEGER NOT NULL DEFAULT 0"),
        ("last_ignored", "TEXT NOT NULL DEFAULT ''"),
        ("last_ignored_at", moment),
    ):
        if column not in present:
            db.execute_sql(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")


# Those who could edit roles get the rights the next version adds: nobody gives a right they do
# not hold, so without them nobody could ever hold the new ones.
SLA_RIGHTS = ("sla.list", "sla.edit")


def _give_holders_of(held: str, rights: tuple[str, ...]) -> None:
    """New rights for every role holding `held`, the right nearest to them."""
    holders = [
        row.role_id
        for row in RolePermission.select(RolePermission.role).where(
            RolePermission.permission == held
        )
    ]
    if holders:
        RolePermission.insert_many(
            [{"role": role, "permission": key} for role in holders for key in rights]
        ).on_conflict_ignore().execute()


def _give_role_editors(rights: tuple[str, ...]) -> None:
    """New rights for the roles that may edit roles: nobody gives what they do not hold, so
    without them nobody could hand the new rights out."""
    _give_holders_of("roles.edit", rights)


def _v13_calendars(db: peewee.Database) -> None:
    """Business calendars and their holidays (service levels); the roles that may edit roles
    get `sla.list` and `sla.edit`."""
    db.create_tables(SLA_MODELS)
    _give_role_editors(SLA_RIGHTS)


def _v14_policies(db: peewee.Database) -> None:
    """Service-level policies: targets, conditions, match order and a calendar each."""
    db.create_tables(POLICY_MODELS)


def _v15_due_times(db: peewee.Database) -> None:
    """Tickets keep their service-level due times (`access.due_times` writes them), the policy
    they match, and `due_at`, the earliest, indexed with the scope's columns like the activity
    order. Due times are written by the gate: a database that had policies before this version
    gets them at the next edit of a policy or calendar (every open ticket is then measured)."""
    table = Ticket._meta.table_name
    present = {c.name for c in db.get_columns(table)}
    moment = "DATETIME" if dialect.is_sqlite(db) else "TIMESTAMP"
    for column, kind in (
        ("first_response_due", moment),
        ("next_response_due", moment),
        ("resolution_due", moment),
        ("due_at", f"{moment} NOT NULL DEFAULT '{NO_DUE}'"),
        ("sla_policy", "INTEGER"),
    ):
        if column not in present:
            db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN {column} {kind}')
    peewee.SchemaManager(Ticket).create_indexes(safe=True)


# Those who may close a ticket may merge one into another from the next version on.
MERGE_RIGHT = ("tickets.close", "tickets.merge")


def _v20_links_and_copies(db: peewee.Database) -> None:
    """Links between tickets (related, duplicate, parent, merged into) and the addresses
    copied on a ticket; the roles that may close tickets get `tickets.merge`."""
    db.create_tables(LINK_MODELS)
    closing, merging = MERGE_RIGHT
    _give_holders_of(closing, (merging,))


# The rights migration 19 adds, and the right whose holders get each: those who may edit roles
# get the new admin rights; those who may change a ticket's status may tag it.
TAG_RIGHTS = (
    ("roles.edit", "tags.edit"),
    ("roles.edit", "fields.edit"),
    ("roles.edit", "views.share"),
    ("tickets.change_status", "tickets.tag"),
    ("tickets.change_status", "tickets.set_fields"),
)


def _v19_tags(db: peewee.Database) -> None:
    """Tags and custom fields on tickets, saved views, and the desk's settings (the lock of
    the list of tags); the rights to tag, to set fields, to edit their lists and to share
    views given to the roles that held their nearest right."""
    db.create_tables(TAG_MODELS)
    for held, added in TAG_RIGHTS:
        _give_holders_of(held, (added,))


# Those who could edit roles get the rights the next version adds (as with SLA_RIGHTS).
REPLY_RIGHTS = ("replies.list", "replies.edit", "macros.list", "macros.edit")


def _v17_canned_replies(db: peewee.Database) -> None:
    """Canned replies, signatures and macros; the roles that may edit roles get the rights to
    see and edit them."""
    db.create_tables(REPLY_MODELS)
    _give_role_editors(REPLY_RIGHTS)


def _v16_notifications(db: peewee.Database) -> None:
    """Notifications for people, the tickets they follow, and their preferences."""
    db.create_tables(NOTIFY_MODELS)


def _v22_queue_follows(db: peewee.Database) -> None:
    """People follow a source or a usergroup: its new tickets notify them. Quiet hours are
    kept in the person's time zone."""
    db.create_tables(QUEUE_FOLLOW_MODELS)
    table = NotificationSettings._meta.table_name
    if "zone" not in {column.name for column in db.get_columns(table)}:
        db.execute_sql(f"ALTER TABLE {table} ADD COLUMN zone TEXT NOT NULL DEFAULT 'UTC'")


RULE_RIGHTS = ("rules.list", "rules.edit")


def _v18_rules(db: peewee.Database) -> None:
    """Rules, usergroups' assignment settings and away marks; the roles that may edit roles
    get `rules.list` and `rules.edit`."""
    db.create_tables(RULE_MODELS)
    _give_role_editors(RULE_RIGHTS)


def _v21_sla_verdicts(db: peewee.Database) -> None:
    """Each service-level clock's verdict, kept when the clock ends (`access.sla_verdicts`).
    Clocks that ended before this version get theirs at the ticket's next change."""
    db.create_tables(VERDICT_MODELS)


def _v26_sla_warnings(db: peewee.Database) -> None:
    """The service-level warnings made, so that each is made once."""
    db.create_tables([SlaWarning])


def _v24_rules_version(db: peewee.Database) -> None:
    """A version token for the rules, so that a change finds them compiled: every write to the
    rules gives a new one (`access.rule_cache`)."""
    DeskSetting.insert(
        key=RULES_VERSION_SETTING, value=uuid.uuid4().hex
    ).on_conflict_ignore().execute()


def _v25_counting_indexes(db: peewee.Database) -> None:
    """The tickets' counting indexes (`store.models.Ticket`): a view's count reads one of them
    alone."""
    peewee.SchemaManager(Ticket).create_indexes(safe=True)


def _v23_macros_offered(db: peewee.Database) -> None:
    """Macros are offered in the sources and usergroups they name, as canned replies are
    (none named: everywhere); their editors are scoped by them."""
    table = Macro._meta.table_name
    present = {c.name for c in db.get_columns(table)}
    for column in ("sources", "usergroups"):
        if column not in present:
            db.execute_sql(f"ALTER TABLE {table} ADD COLUMN {column} TEXT NOT NULL DEFAULT '[]'")


ChunkDone = Callable[[int], None] | None
# The migrations run after the others' transaction, a chunk per transaction: the gate's step.
_AFTER_COMMIT = {32: VERDICT_BACKFILL}


def _v28_sla_tally(db: peewee.Database) -> None:
    """The verdicts' monthly tally, kept by a trigger (`store.sla_tally`) and counted from the
    verdicts there are; the clocks that ended before verdicts were kept (migration 21) are
    judged, once, by the policies of now (`access.sla_backfill`), after this transaction, a
    chunk at a time (migration 32)."""
    db.create_tables(SLA_TALLY_MODELS)
    recount(db)
    create_triggers(db)
    migration_chunks.leave_marker()


def _v27_tallies(db: peewee.Database) -> None:
    """The tallies a saved view's count reads (`store.tallies`): created, kept by triggers on
    tickets and their tags, and filled from the tickets there are."""
    db.create_tables(TALLY_MODELS)
    tallies.create(db)


def _v29_no_mail_loops(db: peewee.Database) -> None:
    """What keeps rules from answering machines in a loop: the mark of automatic mail on its
    message, the `Auto-Submitted` of a queued reply and when it was queued (indexed by
    recipient), the rule a notification comes from, a due rule's place among tickets due at
    one time, and its refused escalations to try again."""
    sqlite = dialect.is_sqlite(db)
    timestamp = "DATETIME" if sqlite else "TIMESTAMP"
    text = "TEXT NOT NULL DEFAULT ''" + ("" if sqlite else ' COLLATE "C"')
    added = (
        (Message, "automatic", text),
        (OutboxItem, "auto_submitted", text),
        (OutboxItem, "queued_at", timestamp),
        (Notification, "rule", text),
        (Rule, "last_ticket", "INTEGER NOT NULL DEFAULT 0"),
    )
    for model, column, kind in added:
        table = model._meta.table_name
        if column not in {c.name for c in db.get_columns(table)}:
            db.execute_sql(f'ALTER TABLE "{table}" ADD COLUMN "{column}" {kind}')
    peewee.SchemaManager(OutboxItem).create_indexes(safe=True)
    db.create_tables([RuleRetry])


def _v30_warnings_per_run(db: peewee.Database) -> None:
    """A service-level warning is made once per run of its clock (`SlaWarning.run`), not once
    per due time; each clock's due time is indexed where it runs, so the warnings find a
    clock falling due whatever the ticket's other clocks (`access.sla_warnings`)."""
    table = SlaWarning._meta.table_name
    moment = "DATETIME" if dialect.is_sqlite(db) else "TIMESTAMP"
    if "run" not in {c.name for c in db.get_columns(table)}:
        db.execute_sql(
            f"ALTER TABLE \"{table}\" ADD COLUMN run {moment} NOT NULL DEFAULT '{FIRST_RUN}'"
        )
    db.execute_sql(f'DROP INDEX IF EXISTS "{table}_ticket_id_metric_stage_due"')
    peewee.SchemaManager(SlaWarning).create_indexes(safe=True)
    # The due-time index also holds the ticket's policy: "due within" counts read it alone.
    former = Ticket.index(*(getattr(Ticket, c) for c in DUE_INDEX[:-1]))
    db.execute_sql(f'DROP INDEX IF EXISTS "{former._name}"')  # type: ignore[attr-defined]
    peewee.SchemaManager(Ticket).create_indexes(safe=True)


def _v31_draft_files(db: peewee.Database) -> None:
    """A reply draft keeps its attached files, their bytes (`access.drafts`)."""
    db.create_tables(DRAFT_FILE_MODELS)


def _v32_verdict_backfill(db: peewee.Database) -> None:
    """Migration 28's backfill of verdicts, a chunk of tickets per transaction, run by
    `migrate` after the migrations' transaction (`store.migration_chunks`)."""
    migration_chunks.run(db, 32, gate_step(_AFTER_COMMIT[32]))


def _v36_breached_index(db: peewee.Database) -> None:
    """The breached filter counts from an index of the tickets' statuses and due times alone
    (`Ticket.Meta`)."""
    peewee.SchemaManager(Ticket).create_indexes(safe=True)


def _v37_search_scope(db: peewee.Database) -> None:
    """SQLite's search documents gain the ticket's scope as tokens (`store.scope_words`):
    the index made anew with the column, filled from the documents and the tickets, swapped in;
    the triggers made anew, a change of scope noted in the stale set. Nothing on PostgreSQL."""
    if not dialect.is_sqlite(db):
        return
    triggers = dialect.search_triggers()
    for name in triggers:
        db.execute_sql(f"DROP TRIGGER IF EXISTS {name}")
    if not scope_words.has_scope(db):
        db.execute_sql(dialect.search_table("ticket_search_scoped"))
        db.execute_sql(
            "INSERT INTO ticket_search_scoped(rowid, subject, public, notes, scope) "
            f"SELECT s.rowid, s.subject, s.public, s.notes, {scope_words.scope_tokens('t')} "
            "FROM ticket_search s JOIN ticket t ON t.number = s.rowid"
        )
        # Merged into one segment: FTS5 left merges of its largest segments half done, which
        # every write after the migration (each mail taken) finished a step at a time.
        db.execute_sql("INSERT INTO ticket_search_scoped(ticket_search_scoped) VALUES ('optimize')")
        db.execute_sql("DROP TABLE ticket_search")
        db.execute_sql("ALTER TABLE ticket_search_scoped RENAME TO ticket_search")
    db.execute_sql(scope_words.stale_table())
    db.execute_sql(dialect.SEARCH_DEFERRED_TABLE)  # which today's triggers read
    for statement in triggers.values():
        db.execute_sql(statement)


def _v38_ticket_bits(db: peewee.Database) -> None:
    """PostgreSQL: sets of tickets as bitsets for exact word counts, the notes of changed
    tickets and their triggers (`store.ticket_bits`). Nothing on SQLite."""
    if dialect.is_sqlite(db):
        return
    for statement in ticket_bits.migration():
        db.execute_sql(statement)


def _v39_search_deferred(db: peewee.Database) -> None:
    """SQLite: the triggers of a new ticket's document and a new message's words can be held
    back inside a write transaction by a row of a table of their own
    (`dialect.search_indexed_once`), instead of being dropped and made again (a change of
    schema every other connection pays for). Nothing on PostgreSQL."""
    if not dialect.is_sqlite(db):
        return
    db.execute_sql(dialect.SEARCH_DEFERRED_TABLE)
    triggers = dialect.search_triggers()
    for name in ("ticket_search_ai", "message_search_ai"):
        db.execute_sql(f"DROP TRIGGER IF EXISTS {name}")
        db.execute_sql(triggers[name])


def _v40_search_held(db: peewee.Database) -> None:
    """PostgreSQL: a new ticket's document can be held back inside a write transaction by a
    setting of its own and written once at its end (`dialect.search_indexed_once`), a
    message's words are parsed once for both documents. Nothing on SQLite."""
    if dialect.is_sqlite(db):
        return
    for statement in search_held.triggers():
        db.execute_sql(statement)


def _v41_messages_held(db: peewee.Database) -> None:
    """PostgreSQL: a new message's words can be held back inside a write transaction by a
    setting of its own and added once per ticket at its end (`dialect.messages_indexed_once`).
    Nothing on SQLite."""
    if dialect.is_sqlite(db):
        return
    db.execute_sql(search_held.message_trigger())


MIGRATIONS: list[tuple[int, Callable[[peewee.Database], None]]] = [
    (1, _v1_initial),
    (2, _v2_search),
    (3, _v3_versions),
    (4, _v4_mail),
    (5, _v5_ticket_numbers_never_reused),
    (6, _v6_postgres_parity),
    (7, _v7_search_folds_letters),
    (8, _v8_drafts_and_presence),
    (9, _v9_mail_delivery),
    (10, _v10_mail_secrets_and_floods),
    (11, _v11_mail_robustness),
    (12, _v12_ignored_mail_counted),
    (13, _v13_calendars),
    (14, _v14_policies),
    (15, _v15_due_times),
    (16, _v16_notifications),
    (17, _v17_canned_replies),
    (18, _v18_rules),
    (19, _v19_tags),
    (20, _v20_links_and_copies),
    (21, _v21_sla_verdicts),
    (22, _v22_queue_follows),
    (23, _v23_macros_offered),
    (24, _v24_rules_version),
    (25, _v25_counting_indexes),
    (26, _v26_sla_warnings),
    (27, _v27_tallies),
    (28, _v28_sla_tally),
    (29, _v29_no_mail_loops),
    (30, _v30_warnings_per_run),
    (31, _v31_draft_files),
    (32, _v32_verdict_backfill),
    (36, _v36_breached_index),
    (37, _v37_search_scope),
    (38, _v38_ticket_bits),
    (39, _v39_search_deferred),
    (40, _v40_search_held),
    (41, _v41_messages_held),
]

LATEST = MIGRATIONS[-1][0]
if tuple(version for version, _step in MIGRATIONS) != VERSIONS:
    raise RuntimeError("store.schema_versions.VERSIONS must list the migrations' numbers")


def _missing(db: peewee.Database) -> list[tuple[int, Callable[[peewee.Database], None]]]:
    if not SchemaVersion.table_exists():
        return MIGRATIONS
    applied = {row.version for row in SchemaVersion.select(SchemaVersion.version)}
    return [(version, step) for version, step in MIGRATIONS if version not in applied]


def migrate(db: peewee.Database, chunk_done: ChunkDone = None) -> None:
    """Apply the migrations this database lacks, in one write transaction; one missing below
    the newest applied runs too (versions are numbered apart by branches of work that land in
    any order). Then those that run a chunk per transaction (`_AFTER_COMMIT`), each told
    `chunk_done` after each chunk (a test's hook)."""
    missing = _missing(db)
    if missing == []:
        return
    later = [(v, gate_step(_AFTER_COMMIT[v])) for v, _step in missing if v in _AFTER_COMMIT]
    sqlite = isinstance(db, peewee.SqliteDatabase)
    if sqlite:  # a table rebuild must not cascade; only takes effect outside a transaction
        db.execute_sql("PRAGMA foreign_keys = OFF")
    try:
        with db.atomic():
            db.create_tables([SchemaVersion])
            for version, step in _missing(db):
                if version not in _AFTER_COMMIT:
                    step(db)
                    SchemaVersion.create(version=version)
    finally:
        if sqlite:
            db.execute_sql("PRAGMA foreign_keys = ON")
    for version, chunk in later:
        migration_chunks.run(db, version, chunk, chunk_done)
