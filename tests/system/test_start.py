"""The command's start: what the first frame shows (the person, their permissions, the first
page) is read by a forked child while Textual and the screens are imported, and a failure there
is said by the command as before."""

from __future__ import annotations

import subprocess
import sys

import pytest

from access import Gate
from access.views import INBOX_DEFAULT
from tests.backends import connect
from tui.opening import PAGE

# Script lines that choose the opening's reader as a free core, or none, would
# (`ticketty.opening_read.opening_reader`): each test says which start it checks.
FORKED = "from ticketty import opening_read\nopening_read.core_free = lambda: True\n"
THREADED = "from ticketty import opening_read\nopening_read.core_free = lambda: False\n"


def fresh_interpreter(script: str) -> str:
    """What `script` prints, run in an interpreter of its own (which must succeed)."""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_opening_is_read_by_a_child_gone_once_it_has_read(demo_copy: str) -> None:
    """In a fresh interpreter: importing the wiring loads no Textual; `open_app` reads the
    opening in a child process of the command, which is gone (waited for) once the command
    has the result, and the app holds the same first page as a gate asked directly."""
    script = FORKED + (
        "import os, sys\n"
        "from ticketty import launch\n"
        "from tui.opening import Opening\n"
        "assert 'textual' not in sys.modules, 'textual imported with the wiring'\n"
        "read = Opening.read.__func__\n"
        "readers = os.pipe()\n"
        "def reading(cls, gate):\n"
        "    os.write(readers[1], f'{os.getpid()} {os.getppid()}\\n'.encode())\n"
        "    return read(cls, gate)\n"
        "Opening.read = classmethod(reading)\n"
        f"opened = launch.open_app({demo_copy!r}, 'ada')\n"
        "os.close(readers[1])\n"
        "reader, parent = map(int, os.read(readers[0], 100).split())\n"
        "print(reader != os.getpid() and parent == os.getpid())\n"
        "try:\n"
        "    os.waitpid(reader, os.WNOHANG)\n"
        "    print('still a child')\n"
        "except ChildProcessError:\n"
        "    print('gone')\n"
        "print([row.number for row in opened.app.opening.first_page])\n"
    )
    by_a_child, child, numbers = fresh_interpreter(script).splitlines()
    assert by_a_child == "True"
    assert child == "gone"
    expected = Gate(connect(demo_copy), "ada").inbox.list_tickets(INBOX_DEFAULT, limit=PAGE)
    assert numbers == str([row.number for row in expected])


def test_without_a_free_core_the_opening_is_read_in_a_thread_of_the_command(
    demo_copy: str,
) -> None:
    """In a fresh interpreter where no core is free: the opening is read by the command's own
    process, every statement before the app is made its own, the grants read once, and the
    app holds the same first page as a gate asked directly."""
    script = THREADED + (
        "import os, peewee\n"
        "from access import grants\n"
        "pids = set()\n"
        "execute_sql = peewee.Database.execute_sql\n"
        "def counting(db, sql, *args, **kwargs):\n"
        "    pids.add(os.getpid())\n"
        "    return execute_sql(db, sql, *args, **kwargs)\n"
        "peewee.Database.execute_sql = counting\n"
        "from ticketty import launch\n"
        f"opened = launch.open_app({demo_copy!r}, 'ada')\n"
        "assert not isinstance(opened, int)\n"
        "print(pids == {os.getpid()})\n"
        "print([row.number for row in opened.app.opening.first_page])\n"
    )
    own, numbers = fresh_interpreter(script).splitlines()
    assert own == "True"
    expected = Gate(connect(demo_copy), "ada").inbox.list_tickets(INBOX_DEFAULT, limit=PAGE)
    assert numbers == str([row.number for row in expected])


def test_a_core_is_free_when_fewer_tasks_are_ready_than_cores() -> None:
    """The reader forks only where the kernel counts fewer tasks ready to run (the start's own
    among them) than the cores the process may use."""
    from ticketty.opening_read import core_free, runnable_tasks

    assert runnable_tasks("0.52 0.58 0.59 1/467 12345\n") == 1
    assert runnable_tasks("3.10 2.00 1.50 12/800 999") == 12
    with pytest.raises(ValueError, match="not a load average line"):
        runnable_tasks("")
    with pytest.raises(ValueError):
        runnable_tasks("a b c d/e f")
    assert isinstance(core_free(), bool)


# What the first frame waits for: the schema check, the person's grants, the newest audit event,
# the first page, and the due column's calendars, holidays and policies.
OPENING_STATEMENTS = 7


def test_the_first_frame_waits_for_one_reading_of_the_grants(demo_copy: str) -> None:
    """In a fresh interpreter: every statement run before the app runs (what its first frame
    waits for) is the opening's reader's, none the command's; the schema check is one of them
    and the person's grants another, read once for the gate and its first request."""
    script = FORKED + (
        "import os, peewee\n"
        "from access import grants\n"
        "told = os.pipe()\n"
        "def note(what):\n"
        "    os.write(told[1], f'{os.getpid()}\\t{what}\\0'.encode())\n"
        "execute_sql = peewee.Database.execute_sql\n"
        "def counting(db, sql, *args, **kwargs):\n"
        "    note(sql)\n"
        "    return execute_sql(db, sql, *args, **kwargs)\n"
        "peewee.Database.execute_sql = counting\n"
        "read_grants = grants.read_grants\n"
        "def reading(person):\n"
        "    note('grants')\n"
        "    return read_grants(person)\n"
        "grants.read_grants = reading\n"
        "import access.request\n"
        "access.request.read_grants = reading\n"
        "from ticketty import launch\n"
        f"opened = launch.open_app({demo_copy!r}, 'ada')\n"
        "assert not isinstance(opened, int)\n"
        "os.close(told[1])\n"
        "said = b''\n"
        "while chunk := os.read(told[0], 1 << 16):\n"
        "    said += chunk\n"
        "run = [n.decode().split('\\t', 1) for n in said.split(b'\\0') if n]\n"
        "print(sorted({'command' if int(pid) == os.getpid() else 'reader' for pid, _ in run}))\n"
        "print(sum(sql == 'grants' for _pid, sql in run))\n"
        "print(sum(sql != 'grants' for _pid, sql in run))\n"
        "print(sum('schema_version' in sql for _pid, sql in run))\n"
    )
    readers, grants_read, statements, schema_checks = fresh_interpreter(script).splitlines()
    assert readers == "['reader']"
    assert grants_read == "1"
    assert int(statements) <= OPENING_STATEMENTS
    assert schema_checks == "1"


@pytest.mark.parametrize("core_free", [True, False], ids=["forked", "threaded"])
def test_a_failure_in_the_opening_read_is_one_line_and_its_code(
    demo_copy: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    core_free: bool,
) -> None:
    from ticketty import opening_read
    from ticketty.launch import open_app

    monkeypatch.setattr(opening_read, "core_free", lambda: core_free)
    assert open_app(demo_copy, "nobody") != 0
    err = capsys.readouterr().err
    assert "nobody" in err and len(err.strip().splitlines()) == 1, err


@pytest.mark.parametrize("reader", [FORKED, THREADED], ids=["forked", "threaded"])
def test_an_error_in_the_reader_reaches_the_command_with_its_causes(
    demo_copy: str, reader: str
) -> None:
    """In a fresh interpreter: a database error the reader meets is raised in the command as
    itself with its chain of causes, which is what says a full disk."""
    script = reader + (
        "import sqlite3, peewee\n"
        "from ticketty import launch\n"
        "from tui.opening import Opening\n"
        "def failing(cls, gate):\n"
        "    raise peewee.DatabaseError('failed') from sqlite3.OperationalError("
        "'database or disk is full')\n"
        "Opening.read = classmethod(failing)\n"
        f"print(launch.open_app({demo_copy!r}, 'ada'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.stdout.strip() == "3", done.stderr
    assert (
        done.stderr.strip()
        == f"ticketty: the disk holding {demo_copy} is full; nothing was written"
    )


def test_a_start_failing_before_the_result_ends_and_waits_for_its_reader(demo_copy: str) -> None:
    """In a fresh interpreter: when importing Textual's side fails while the child reads, the
    command ends the child and waits for it before the error goes on."""
    script = FORKED + (
        "import os, sys\n"
        "from ticketty import launch\n"
        "sys.modules['tui.app'] = None\n"
        "try:\n"
        f"    launch.open_app({demo_copy!r}, 'ada')\n"
        "except ImportError:\n"
        "    pass\n"
        "try:\n"
        "    os.waitpid(-1, os.WNOHANG)\n"
        "    print('a child left')\n"
        "except ChildProcessError:\n"
        "    print('none left')\n"
    )
    assert fresh_interpreter(script).strip() == "none left"


def test_the_start_leaves_the_icalendar_readers_unloaded(demo_copy: str) -> None:
    """The command's start up to a made app imports no iCalendar reader: only reading a
    holidays file needs one, and they weighed more than the rest of the gate's modules."""
    script = FORKED + (
        "import sys\n"
        "from ticketty import launch\n"
        f"opened = launch.open_app({demo_copy!r}, 'ada')\n"
        "assert not isinstance(opened, int)\n"
        "print(sorted(n for n in ('icalendar', 'recurring_ical_events', 'x_wr_timezone')"
        " if n in sys.modules))\n"
    )
    assert fresh_interpreter(script).strip() == "[]"


# Loaded by what the person asks for after the first frame, not by the start: the modals and
# the pickers' lists (with Textual's DataTable and SelectionList), the change and macro flows,
# the notifications' wording, the mail channel's intake, the gate's presence and drafts (made
# when the inbox first reads who is where, after its first frame), the counts from tallies;
# and on PostgreSQL, `importlib.metadata` (the driver's versions are read without it); `secrets`
# (and its `hmac`), which the session's presence needed for its random name; the migrations and
# the model modules only they import (a current database's versions are checked without them);
# Textual's `Header` (the screens draw its line with `tui.header.TitleBar`); the audit writer,
# the versions and the name checks of a write (`access.request` loads them when it writes);
# the calendar and service-level admin parts (the due column's calendars are read by
# `access.calendar_reads`), the tallies' models (loaded by the counts), the policies' rules (the
# due column and the settings need only `access.durations`), the command line's CSV writer, and
# the records of a ticket's detail and of the admin screens (the list's are `access.list_views`);
# the mail channel's models and the drafts' (`store.models` names them, importing them when asked);
# the base of the gate's modal screens; the live watcher, the drafts' keeper and the breach watch
# (the app makes them as its first frame is drawn); and in the command's process, peewee, SQLite's
# driver, the store's models and connection, the gate and its requests, the command line's parser
# (the reader, a child, loads them; the app's gate is made at its first use: `FIRST_USE`).
FIRST_USE = (
    "peewee",
    "sqlite3",
    "store.models",
    "store.db",
    "access.request",
    "access.grants",
    "access.gate",
    "access.database",
    "cli.command_line",
    "cli.command",
    "argparse",
)
AFTER_THE_FIRST_FRAME = (
    *FIRST_USE,
    "store.schema",
    "store.migration_chunks",
    "store.notification_models",
    "store.sla_tally",
    "importlib.metadata",
    "secrets",
    "hmac",
    "access.presence",
    "access.drafts",
    "access.tally_counts",
    "access.due_window",
    "tui.widgets",
    "tui.moving",
    "tui.ticket_changes",
    "tui.macro_apply",
    "wording.notification_text",
    "access.inbound",
    "textual.widgets._header",
    "textual.widgets._data_table",
    "textual.widgets._selection_list",
    "access.audit",
    "access.versions",
    "access.lookup",
    "store.reply_models",
    "store.rule_models",
    "access.sla",
    "access.calendars",
    "access.validation",
    "access.ordering",
    "store.tally_models",
    "access.sla_rules",
    "csv",
    "access.views",
    "store.mail_models",
    "store.draft_models",
    "tui.modal_screen",
    "tui.live",
    "access.live",
    "tui.drafts",
    "tui.breach_watch",
)


def test_the_start_leaves_what_the_first_frame_does_not_show_unloaded(demo_copy: str) -> None:
    """The command's start up to a made app imports none of `AFTER_THE_FIRST_FRAME`; once the
    first frame is drawn, the app's live watcher runs in its thread, and opening a modal (the
    keys' help) loads it then."""
    script = FORKED + (
        "import asyncio, sys\n"
        "from ticketty import launch\n"
        f"opened = launch.open_app({demo_copy!r}, 'ada')\n"
        "assert not isinstance(opened, int)\n"
        f"names = {AFTER_THE_FIRST_FRAME!r}\n"
        "print(sorted(n for n in names if n in sys.modules))\n"
        "async def help_shown():\n"
        "    async with opened.app.run_test() as pilot:\n"
        "        await pilot.press('question_mark')\n"
        "        await pilot.pause()\n"
        "        app = opened.app\n"
        "        print(app.watcher_thread is not None and app.watcher_thread.is_alive())\n"
        "        print(type(opened.app.screen).__name__)\n"
        "asyncio.run(help_shown())\n"
    )
    assert fresh_interpreter(script).splitlines() == ["[]", "True", "TextModal"]


def test_the_gate_is_made_after_the_first_frame(demo_copy: str) -> None:
    """In a fresh interpreter: when the app has drawn its first frame (its after-first-frame
    calls begin), the command's process has loaded none of `FIRST_USE` and made no gate; the
    app's gate is made at its first use after it, and answers as the person's."""
    script = FORKED + (
        "import asyncio, sys\n"
        "from ticketty.main import made_app\n"
        f"opened = made_app({demo_copy!r}, 'ada')\n"
        "assert not isinstance(opened, int)\n"
        f"names = {FIRST_USE!r}\n"
        "def at_first_frame():\n"
        "    print(sorted(n for n in names if n in sys.modules), opened.gate._gate is None)\n"
        "opened.app.after_first_frame_calls.insert(0, at_first_frame)\n"
        "async def shown():\n"
        "    async with opened.app.run_test() as pilot:\n"
        "        await pilot.pause()\n"
        "        gate = opened.app.gate\n"
        "        print(gate.username, gate.person_id == gate.made().person_id)\n"
        "        print(len(await opened.app.gate_call(lambda: gate.me.capabilities())) > 0)\n"
        "asyncio.run(shown())\n"
    )
    assert fresh_interpreter(script).splitlines() == ["[] True", "ada True", "True"]


def test_the_inbox_is_the_first_screen_with_none_beneath_it(demo_copy: str) -> None:
    """The app starts on the inbox as its default screen: no blank screen is composed, styled
    and drawn beneath it first."""
    import asyncio

    from ticketty.launch import OpenedApp, open_app

    opened = open_app(demo_copy, "ada")
    assert isinstance(opened, OpenedApp)

    async def stack() -> list[str]:
        async with opened.app.run_test() as pilot:
            await pilot.pause()
            return [type(screen).__name__ for screen in opened.app.screen_stack]

    try:
        assert asyncio.run(stack()) == ["InboxScreen"]
    finally:
        opened.db.close()


def test_the_models_built_apart_load_when_first_named() -> None:
    """In a fresh interpreter: `store.models` builds none of the mail channel's models nor the
    drafts', and names each of them, the same class as its own module's, once asked for."""
    script = (
        "import sys\n"
        "import store.models as models\n"
        "apart = ('store.mail_models', 'store.draft_models')\n"
        "print(sorted(n for n in apart if n in sys.modules))\n"
        "from store.models import Draft, MailAccount, OutboxItem\n"
        "from store import draft_models, mail_models\n"
        "print(MailAccount is mail_models.MailAccount, OutboxItem is mail_models.OutboxItem)\n"
        "print(Draft is draft_models.Draft, models.DraftFile is draft_models.DraftFile)\n"
        "print(models.MailAccount in models.BaseModel.__subclasses__())\n"
        "print(hasattr(models, 'Mailbox'))\n"
    )
    assert fresh_interpreter(script).splitlines() == [
        "[]",
        "True True",
        "True True",
        "True",
        "False",
    ]
