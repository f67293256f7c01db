"""Several sessions on one database file: two apps (Pilot) and a command-line writer. Every
screen follows the others' changes, no typed word is lost to a conflict, and what a person may
do follows their grants while they work. Each test awaits the messages that carry a change,
never a sleep."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from access import Gate
from access.catalogue import TICKETS_CLOSE
from access.live import ChangeFeed
from access.views import TicketDetail, TicketQuery
from screens.role_editor import RoleEditorScreen
from screens.ticket_detail import TicketDetailScreen
from screens.usergroups import UsergroupsScreen
from tests.backends import connect
from tests.tui_support import (
    Handled,
    handled,
    make_app,
    row_under_cursor,
    settle,
    tick,
)
from tui.app import TickettyApp
from tui.live import LiveChange, OthersChanged, SessionEnded
from tui.ticket_list import TicketList
from tui.ticket_text import message_text

FAST = 0.05  # the refresh interval of the sessions under test


@pytest.fixture
def demo(new_demo) -> str:
    return new_demo()


async def script(demo: str, user: str, *args: str) -> None:
    """The command line, in its own process, as `user`."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ticketty", "--db", str(demo), "--user", user, *args
    )
    assert await process.wait() == 0


async def open_ticket(pilot: Pilot[Any], number: int) -> TicketDetailScreen:
    await pilot.press("slash", *f"#{number}", "enter")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, TicketDetailScreen)
    return pilot.app.screen


def about(number: int) -> Callable[[OthersChanged], bool]:
    return lambda message: number in message.changes.tickets


async def test_two_apps_and_a_script_follow_each_other_and_lose_no_reply(demo: str) -> None:
    number = (
        Gate(connect(str(demo)), "ola").inbox.list_tickets(TicketQuery(statuses=("new",)))[0].number
    )
    ada_app, ola_app = make_app(demo, "ada", FAST), make_app(demo, "ola", FAST)
    ada_saw, ola_saw = Handled(), Handled()
    async with (
        ada_app.run_test(size=(100, 30), message_hook=ada_saw.hook) as ada,
        ola_app.run_test(size=(100, 30), message_hook=ola_saw.hook) as ola,
    ):
        await settle(ada)
        await settle(ola)
        # A script reassigns the ticket: ola's open inbox shows it at the top, reassigned.
        seen = ola_saw.expect(OthersChanged, about(number))
        await script(demo, "ada", "tickets", "assign", str(number), "tom")
        await handled(seen, ola)
        top = row_under_cursor(ola_app.screen.query_one(TicketList))
        assert (top.number, top.assignee) == (number, "tom")

        # Ada changes the status in her app: ola's open ticket screen shows it.
        ola_ticket = await open_ticket(ola, number)
        await open_ticket(ada, number)
        seen = ola_saw.expect(OthersChanged, about(number))
        await ada.press("s", *"pending", "enter")
        await settle(ada)
        await handled(seen, ola)
        assert ola_ticket.detail is not None and ola_ticket.detail.row.status == "pending"
        assert "status new → pending" in str(ola_ticket.query_one("#changed").render())

        # Ola writes a reply; ada answers first: ola's send is stopped, her text kept.
        await ola.press("r", *"Your parcel left today.")
        seen = ola_saw.expect(OthersChanged, about(number))
        await ada.press("r", *"Sent yesterday.", "ctrl+s")
        await settle(ada)
        await handled(seen, ola)  # refreshed beneath the composer: not read by ola yet
        await ola.press("ctrl+s")
        await settle(ola)
        assert ola_app.screen is ola_ticket
        assert ola_app.drafts[(number, "reply")] == "Your parcel left today."
        assert "1 new message (reply by ada)" in str(ola_ticket.query_one("#changed").render())
        await ola.press("r")  # the kept reply, under what changed
        await settle(ola)
        note = ola_app.screen.query_one(".compose-note").render()
        assert "Changed meanwhile: 1 new message (reply by ada)" in str(note)
        await ola.press("escape")
        await settle(ola)
        await ola.press("ctrl+s")  # one key sends the kept reply, now that ola saw ada's
        await settle(ola)
        # Closed by mistake, the composer keeps the text; a reassignment does not stop it.
        await ola.press("r", *"One more thing.", "escape")
        await script(demo, "ada", "tickets", "assign", str(number), "ola")
        await ola.press("r")
        await settle(ola)
        assert ola_app.screen is ola_ticket and ola_ticket.composer.is_open
        await ola.press("ctrl+s")
        await settle(ola)
    bodies = [m.body for m in Gate(connect(str(demo)), "ada").tickets.get_ticket(number).messages]
    assert bodies[-3:] == ["Sent yesterday.", "Your parcel left today.", "One more thing."]
    assert ola_app.drafts == {}


async def test_the_second_save_of_a_role_is_a_conflict_that_keeps_the_ticks(demo: str) -> None:
    Gate(connect(str(demo)), "ada").roles.grant_role("sam", "Administrator")
    first, second = make_app(demo, "ada"), make_app(demo, "sam")  # neither refreshes by itself
    async with (
        first.run_test(size=(120, 40)) as ada,
        second.run_test(size=(120, 40)) as sam,
    ):
        for pilot, permission in ((ada, "tickets.take"), (sam, "tickets.close")):
            await settle(pilot)
            await pilot.press("R")
            await settle(pilot)
            editor = pilot.app.screen
            assert isinstance(editor, RoleEditorScreen)
            for _ in range([r.name for r in editor.roles].index("Viewer")):
                await pilot.press("down")
            await settle(pilot)
            await tick(pilot, editor, permission)
        await ada.press("ctrl+s")
        await settle(ada)
        await sam.press("ctrl+s")
        await settle(sam)
        editor = second.screen
        assert isinstance(editor, RoleEditorScreen)
        summary = str(editor.query_one("#role-summary").render())
        assert "Changed by someone else meanwhile: added tickets.take" in summary
        assert {"tickets.take", "tickets.close"} <= editor.pending
        assert (
            TICKETS_CLOSE
            not in Gate(connect(str(demo)), "ada").roles.get_role("Viewer").permissions
        )
        await sam.press("ctrl+s")
        await settle(sam)
    viewer = Gate(connect(str(demo)), "ada").roles.get_role("Viewer").permissions
    assert {"tickets.take", "tickets.close"} <= viewer


def offered(app: TickettyApp) -> set[str]:
    """The actions the footer, the help and the palette offer on the current screen."""
    return {b.action for _, b, enabled, _ in app.screen.active_bindings.values() if enabled}


async def test_keys_follow_grants_changed_while_the_session_runs(demo: str) -> None:
    admin = Gate(connect(str(demo)), "ada")
    app, saw = make_app(demo, "vic", FAST), Handled()
    async with app.run_test(size=(100, 30), message_hook=saw.hook) as vic:
        await settle(vic)
        assert "take" not in offered(app)
        viewer = admin.roles.get_role("Viewer")
        change = saw.expect(LiveChange)
        admin.roles.set_role_permissions("Viewer", viewer.permissions | {"tickets.take"})
        await handled(change, vic)
        assert "take" in offered(app)
        palette = {c.title for c in app.get_system_commands(app.screen)}
        assert "Take" in palette
        change = saw.expect(LiveChange)
        admin.roles.set_role_permissions("Viewer", viewer.permissions)
        await handled(change, vic)
        assert "take" not in offered(app)
        assert "Take" not in {c.title for c in app.get_system_commands(app.screen)}


async def test_a_person_deactivated_while_connected_is_told_and_the_app_ends(
    demo: str, capsys: pytest.CaptureFixture[str]
) -> None:
    app, saw = make_app(demo, "vic", FAST), Handled()
    async with app.run_test(size=(100, 30), message_hook=saw.hook) as vic:
        await settle(vic)
        ended = saw.expect(SessionEnded)
        Gate(connect(str(demo)), "ada").people.set_active("vic", False)
        await asyncio.wait_for(ended, 20)
        await vic.pause()
    assert app.return_code == 4
    assert "ticketty: vic is deactivated; the session ends" in capsys.readouterr().err


async def test_the_usergroups_screen_shows_a_field_added_elsewhere(demo: str) -> None:
    app, saw = make_app(demo, "ada", FAST), Handled()
    async with app.run_test(size=(120, 30), message_hook=saw.hook) as ada:
        await settle(ada)
        app.push_screen(UsergroupsScreen())
        await settle(ada)
        screen = app.screen
        assert isinstance(screen, UsergroupsScreen) and screen.current is not None
        seen = saw.expect(OthersChanged, lambda m: m.changes.touches("usergroup"))
        other = Gate(connect(str(demo)), "ada")
        other.groups.define_field("Slack channel")
        other.groups.set_field_value(screen.current.name, "Slack channel", "#returns")
        await handled(seen, ada)
        assert "#returns" in str(screen.query_one("#detail-text").render())


async def watching(pilot: Pilot[Any], app: TickettyApp) -> ChangeFeed:
    """The session's change feed, once it has asked twice (the first ask reads what the
    opening missed)."""
    feed = app.watcher.feed
    while feed is None or feed.asked < 2:
        await pilot.pause(FAST)
        feed = app.watcher.feed
    return feed


async def test_an_idle_session_asks_one_cheap_question_per_interval(demo: str) -> None:
    app = make_app(demo, "ada", FAST)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        feed = await watching(pilot, app)
        asked, read = feed.asked, feed.read
        while feed.asked < asked + 10:
            await pilot.pause(FAST)
        assert feed.read == read  # nothing changed: ten asks, no read of anything
        assert not list(app.workers)  # and no screen read anything


@pytest.mark.postgresql_only(reason="the server's notifications; SQLite asks data_version")
async def test_an_idle_session_on_postgresql_sends_no_statement(demo: str) -> None:
    """The session waits for the server's notification: over ten intervals none of the
    app's connections sends a statement (each one's last statement start stays put)."""
    import psycopg

    app = make_app(demo, "ada", FAST)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        feed = await watching(pilot, app)
        with psycopg.connect(demo, autocommit=True) as server:

            def statements() -> set[tuple]:
                return set(
                    server.execute(
                        "SELECT pid, query_start FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                        "AND backend_type = 'client backend'"  # not autovacuum's workers
                    ).fetchall()
                )

            before, asked = statements(), feed.asked
            while feed.asked < asked + 10:
                await pilot.pause(FAST)
            assert statements() == before


async def test_a_screen_reads_its_own_change_once_and_others_changes_again(
    demo: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ticket screen reads its ticket back after its own change; the session's watcher
    does not have it read a second time, and still has it read another's change."""
    gate = Gate(connect(str(demo)), "ola")
    number = gate.inbox.list_tickets(TicketQuery(statuses=("pending",)), limit=1)[0].number
    app, saw = make_app(demo, "ola", FAST), Handled()
    async with app.run_test(size=(100, 30), message_hook=saw.hook) as ola:
        await settle(ola)
        await open_ticket(ola, number)
        reads: list[int] = []
        read = app.gate.tickets.get_ticket

        def counted(number: int) -> TicketDetail:
            reads.append(number)
            return read(number)

        monkeypatch.setattr(app.gate.tickets, "get_ticket", counted)
        await ola.press("s", *"open", "enter")
        await settle(ola)
        assert reads == [number]  # read back by the screen that changed it
        feed = app.watcher.feed
        assert feed is not None
        asked = feed.asked
        while feed.asked < asked + 3:  # the watcher has seen the change by now
            await ola.pause(FAST)
        await settle(ola)
        assert reads == [number]
        seen = saw.expect(OthersChanged, about(number))
        Gate(connect(str(demo)), "ada").messages.note(number, "seen by ola")
        await handled(seen, ola)
        assert reads == [number, number]


async def test_a_change_that_changes_nothing_is_said_and_writes_nothing(demo: str) -> None:
    gate = Gate(connect(str(demo)), "ola")
    row = gate.inbox.list_tickets(TicketQuery(statuses=("pending",)), limit=1)[0]
    admin = Gate(connect(str(demo)), "ada")
    events = admin.audit.list_audit(limit=1)
    app = make_app(demo, "ola")
    async with app.run_test(size=(100, 30)) as ola:
        await settle(ola)
        ticket = await open_ticket(ola, row.number)
        await ola.press("s", *"pending", "enter")
        await settle(ola)
        said = [n.message for n in app._notifications]
        assert any("already pending" in text for text in said), said
        assert ticket.detail is not None and ticket.detail.row.version == row.version
    assert gate.tickets.get_ticket(row.number).row.version == row.version
    assert admin.audit.list_audit(limit=1) == events  # no event, not even a refusal


async def test_a_change_to_a_long_conversation_mounts_only_the_new_message(demo: str) -> None:
    """Another agent's note on a ticket with a long conversation: the messages shown stay the
    same widgets, and the new one is mounted after them, in the order the gate gives."""
    ada = Gate(connect(str(demo)), "ada")
    number = ada.inbox.list_tickets(TicketQuery(statuses=("pending",)), limit=1)[0].number
    for count in range(40):
        ada.messages.note(number, f"looked again, {count}")
    app, saw = make_app(demo, "ola", FAST), Handled()
    async with app.run_test(size=(100, 30), message_hook=saw.hook) as ola:
        await settle(ola)
        screen = await open_ticket(ola, number)
        shown = list(screen.query(".message"))
        assert len(shown) >= 41
        seen = saw.expect(OthersChanged, about(number))
        ada.messages.note(number, "one more look")
        await handled(seen, ola)
        await settle(ola)
        after = list(screen.query(".message"))
        assert after[:-1] == shown and all(a is b for a, b in zip(after, shown, strict=False))
        assert screen.detail is not None
        assert [str(widget.render()) for widget in after] == [
            str(message_text(message)) for message in screen.detail.messages
        ]
        assert "one more look" in str(after[-1].render())


async def test_the_conversation_redraws_a_changed_message_and_drops_an_unreadable_one(
    demo: str,
) -> None:
    """A ticket read again with one message's delivery changed and another no longer readable
    (as after a change of grants): the first is redrawn in its widget, the second removed."""
    number = Gate(connect(str(demo)), "ada").inbox.list_tickets(TicketQuery(), limit=1)[0].number
    app = make_app(demo, "ada", FAST)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = await open_ticket(pilot, number)
        assert screen.detail is not None
        _first, *rest = screen.detail.messages
        assert rest, "the demo's tickets have a conversation"
        shown = list(screen.query(".message"))
        failed = rest[-1]._replace(delivery="failed", delivery_error="mailbox full")
        changed = screen.detail._replace(messages=(*rest[:-1], failed))
        screen.post_message(TicketDetailScreen.Loaded(changed, tell=False))
        await settle(pilot)
        after = list(screen.query(".message"))
        assert after == shown[1:] and after[-1] is shown[-1]
        assert "mailbox full" in str(after[-1].render())


async def test_a_role_save_after_a_live_refresh_is_a_conflict_too(demo: str) -> None:
    """However soon the other admin's save shows live (PostgreSQL's notice arrives at once,
    SQLite's at the next poll), ticks made before it are first refused as a conflict that names
    it, and saved on top of it by the next ctrl+s: both backends alike."""
    admin = Gate(connect(str(demo)), "ada")
    admin.roles.grant_role("sam", "Administrator")
    app, saw = make_app(demo, "sam", FAST), Handled()
    async with app.run_test(size=(120, 40), message_hook=saw.hook) as sam:
        await settle(sam)
        await sam.press("R")
        await settle(sam)
        editor = app.screen
        assert isinstance(editor, RoleEditorScreen)
        for _ in range([r.name for r in editor.roles].index("Viewer")):
            await sam.press("down")
        await settle(sam)
        await tick(sam, editor, "tickets.close")
        seen = saw.expect(OthersChanged, lambda m: m.changes.touches("role"))
        viewer = admin.roles.get_role("Viewer")
        admin.roles.set_role_permissions("Viewer", viewer.permissions | {"tickets.take"})
        await handled(seen, sam)
        assert editor.current is not None and "tickets.take" in editor.current.permissions
        await sam.press("ctrl+s")
        await settle(sam)
        shown = [n.message for n in app._notifications]
        assert any("role.permissions (added tickets.take)" in text for text in shown), shown
        assert TICKETS_CLOSE not in admin.roles.get_role("Viewer").permissions
        assert {"tickets.take", "tickets.close"} <= editor.pending
        await sam.press("ctrl+s")
        await settle(sam)
    assert {"tickets.take", "tickets.close"} <= admin.roles.get_role("Viewer").permissions
