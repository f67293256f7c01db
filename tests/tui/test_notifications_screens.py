"""Notifications in the app (Pilot, both backends): two sessions on one database, where an
assignment made in one reaches the other within the live interval as a toast and a count in
the header; the notifications screen lists it, opens its ticket and marks it read; `f` on the
ticket screen follows it; a notification whose ticket left the reader's scope is never shown."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from access import Gate
from screens.notifications import NotificationsScreen
from screens.ticket_detail import TicketDetailScreen
from store.models import RoleSource, Ticket
from store.notification_models import Follow
from tests.backends import connect
from tests.tui.test_drafts_presence_screens import FAST, first_ticket, open_ticket, until
from tests.tui_support import make_app, settle
from tui.notifier import desktop_sequence, terminal_text, wanted
from tui.widgets import PickerModal


@pytest.fixture
def demo(new_demo: Callable[..., str]) -> str:
    return new_demo()


def unassigned(demo: str) -> int:
    number = first_ticket(demo)
    connect(demo)
    Ticket.update(assignee=None).where(Ticket.number == number).execute()
    return number


async def test_an_assignment_in_one_session_notifies_the_other_live(demo: str) -> None:
    number = unassigned(demo)
    ada_app, ola_app = make_app(demo, "ada", FAST), make_app(demo, "ola", FAST)
    toasts: list[str] = []
    async with ada_app.run_test(size=(100, 30)) as ada, ola_app.run_test(size=(100, 30)) as ola:
        await settle(ada)
        await settle(ola)
        await until(ola, lambda: ola_app.notifier.known, "ola's first count")
        assert ola_app.notifier.unread == 0 and ola_app.title == "Ticketty"
        real_notify = ola_app.notify

        def notify(message: str, **options: Any) -> None:
            toasts.append(message)
            real_notify(message, **options)

        ola_app.notify = notify  # type: ignore[method-assign]
        started = time.monotonic()
        await ada_app.gate_call(lambda: ada_app.gate.changes.assign(number, "ola"))
        await until(ola, lambda: bool(toasts), "the toast in ola's session")
        took = time.monotonic() - started
        assert took < 5  # the live interval is FAST; a loaded machine is slower than 1 s
        assert toasts == [f"ada assigned #{number} to you: {Ticket.get_by_id(number).subject}"]
        assert ola_app.notifier.unread == 1 and ola_app.title == "Ticketty · 1 unread"
        # The screen: newest first; enter opens the ticket and marks it read.
        await ola.press("b")
        await settle(ola)
        screen = ola_app.screen
        assert isinstance(screen, NotificationsScreen)
        assert [r.ticket for r in screen.records] == [number]
        await ola.press("enter")
        await settle(ola)
        assert isinstance(ola_app.screen, TicketDetailScreen)
        assert ola_app.screen.number == number
        assert ola_app.notifier.unread == 0 and ola_app.title == "Ticketty"
        # No notification for ada, who made the change.
        assert ada_app.notifier.unread == 0


async def test_f_follows_the_ticket_and_a_change_by_another_is_told(demo: str) -> None:
    number = first_ticket(demo)
    tom_app = make_app(demo, "tom", FAST)
    async with tom_app.run_test(size=(100, 30)) as tom:
        await settle(tom)
        await open_ticket(tom, number)
        await tom.press("f")
        await settle(tom)
        assert Follow.select().where(Follow.ticket == number).count() == 1
        ola = Gate(connect(demo), "ola")
        ola.changes.set_priority(number, "urgent")
        await until(tom, lambda: tom_app.notifier.unread == 1, "tom's count")
        await tom.press("f")
        await settle(tom)
        assert Follow.select().count() == 0


async def test_w_follows_a_source_and_a_new_ticket_there_is_told(demo: str) -> None:
    tom_app = make_app(demo, "tom", FAST)
    async with tom_app.run_test(size=(100, 30)) as tom:
        await settle(tom)
        await tom.press("b")
        await settle(tom)
        await tom.press("w")
        await settle(tom)
        picker = tom_app.screen
        assert isinstance(picker, PickerModal)
        assert ("source:Phone", "source Phone") in picker.choices
        assert ("group:Returns", "group Returns") in picker.choices
        await tom.press(*"Phone", "enter")
        await settle(tom)
        assert [(f.kind, f.name) for f in tom_app.gate.notifications.followed_queues()] == [
            ("source", "Phone")
        ]
        number = Gate(connect(demo), "ada").filing.create_ticket("Call", "Back.", source="Phone")
        await until(tom, lambda: tom_app.notifier.unread == 1, "tom's count")
        await tom.press("w")
        await settle(tom)
        picker = tom_app.screen
        assert isinstance(picker, PickerModal)
        assert ("source:Phone", "source Phone (followed: stop)") in picker.choices
        await tom.press(*"Phone", "enter")
        await settle(tom)
        assert tom_app.gate.notifications.followed_queues() == []
    (told,) = Gate(connect(demo), "tom").notifications.list_notifications()
    assert told.ticket == number


async def test_mark_all_read_and_out_of_scope_never_shown(demo: str) -> None:
    number = unassigned(demo)
    ada = Gate(connect(demo), "ada")
    ada.changes.assign(number, "ali")
    ali_app = make_app(demo, "ali", FAST)
    async with ali_app.run_test(size=(100, 30)) as ali:
        await settle(ali)
        await until(ali, lambda: ali_app.notifier.known, "ali's first count")
        assert ali_app.notifier.unread == 1
        await ali.press("b")
        await settle(ali)
        await ali.press("A")
        await settle(ali)
        assert ali_app.notifier.unread == 0
        assert ali_app.gate.notifications.summary().unread == 0
    # Ali loses sight of the ticket: a new notification about it is never shown to him.
    ada.changes.assign(number, "ola")
    ada.changes.assign(number, "ali")
    ada.changes.assign(number, "ola")
    RoleSource.delete().execute()
    ali_app = make_app(demo, "ali", FAST)
    async with ali_app.run_test(size=(100, 30)) as ali:
        await settle(ali)
        await until(ali, lambda: ali_app.notifier.known, "ali's count")
        assert ali_app.notifier.unread == 0 and ali_app.title == "Ticketty"
        await ali.press("b")
        await settle(ali)
        screen = ali_app.screen
        assert isinstance(screen, NotificationsScreen) and screen.records == []


def test_the_terminal_escapes_carry_no_control_character() -> None:
    assert terminal_text("a\x1b]52;c;x\x07b") == "a ]52;c;x b"
    assert desktop_sequence("Ticketty", "#4 \x1b[2J") == "\x1b]9;Ticketty: #4  [2J\x07"
    assert desktop_sequence("T;x", "hi", term="foot") == "\x1b]777;notify;T,x;hi\x07"
    wrapped = desktop_sequence("T", "hi", tmux=True)
    assert wrapped == "\x1bPtmux;\x1b\x1b]9;T: hi\x07\x1b\\"
    assert wanted("auto", over_ssh=False) and not wanted("auto", over_ssh=True)
    assert wanted("on", over_ssh=True) and not wanted("off", over_ssh=False)


async def test_a_mention_completes_to_people_who_could_read_the_note(demo: str) -> None:
    number = first_ticket(demo)
    tom_app = make_app(demo, "tom", FAST)
    async with tom_app.run_test(size=(100, 30)) as tom:
        await settle(tom)
        screen = await open_ticket(tom, number)
        await tom.press("N")
        await settle(tom)
        await tom.press(*"ask @ad")
        await until(tom, lambda: screen.composer.mentions == ["ada"], "the names offered")
        await tom.press("tab")
        await settle(tom)
        assert screen.composer.text == "ask @ada "
        assert screen.composer.mentions == []
