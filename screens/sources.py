"""Sources: add, rename, archive and restore. An archived source's tickets exist only for
people with `sources.archived`. An e-mail source shows its mailbox's state: last fetch, its
error, replies waiting to go out or failed, messages in quarantine; its account (address, IMAP
and SMTP servers) is set here, never its password, which comes from the secrets file or the
environment."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual import work

from access.catalogue import SOURCES_EDIT, SOURCES_LIST
from access.mail_accounts import password_variable, secrets_path
from access.views import MailAccountView, SourceView
from access.vocabulary import SOURCE_KINDS_TEXT
from screens.quarantine import QuarantineScreen
from tui.listing import ListingScreen, pairs
from tui.screen import Action
from tui.widgets import Field, FormModal
from wording.safe_text import one_line


class SourcesScreen(ListingScreen):
    TITLE_TEXT = "Sources"
    COLUMNS = ("Source", "Kind", "State")
    WATCHES = ("source",)
    ACTIONS: ClassVar[tuple[Action, ...]] = (
        Action("n", "new", "New", "sources.new", SOURCES_EDIT),
        Action("R", "rename", "Rename", "sources.rename", SOURCES_EDIT),
        Action("a", "archive", "Archive/restore", "sources.archive", SOURCES_EDIT),
        Action("e", "edit_mail", "Mail", "sources.mail", SOURCES_EDIT),
        Action("Q", "quarantine", "Quarantine", "sources.quarantine", SOURCES_LIST),
    )

    # The e-mail sources' accounts by source name, read with the list (replaced, never changed).
    accounts: dict[str, MailAccountView] = {}

    def fetch(self) -> list[SourceView]:
        sources = self.gate.sources.list_sources()
        self.accounts = {a.source: a for a in self.gate.sources.mail_accounts()}
        return sources

    def cells(self, record: SourceView) -> Sequence[str]:
        state = "archived" if record.archived else "open"
        account = self.accounts.get(record.name)
        if account is not None and not record.archived:
            state = _mail_state(account)
        return (record.name, record.kind, state)

    def describe(self, record: SourceView) -> Text:
        state = (
            "archived: its tickets are seen only with sources.archived"
            if record.archived
            else "open"
        )
        lines = [("Kind", record.kind), ("State", state)]
        account = self.accounts.get(record.name)
        if account is not None:
            fetched = (
                f"{account.last_fetch_at:%Y-%m-%d %H:%M}" if account.last_fetch_at else "never"
            )
            lines += [
                ("Address", account.address),
                ("IMAP", account.imap or "-"),
                ("SMTP", account.smtp or "-"),
                ("CA file", account.ca_file or "the system's certificate authorities"),
                ("Last fetch", fetched),
                ("Error", account.last_error or "none"),
                ("Sending", account.send_error or "working"),
                ("To send", str(account.waiting)),
                ("Failed", str(account.failed)),
                ("Quarantine", f"{account.quarantined} (Q to see and retry)"),
                ("Ignored", account.ignored_text()),
            ]
        return pairs(lines, record.name)

    def action_new(self) -> None:
        self.add_source()

    @work(group="source-change", exit_on_error=False)
    async def add_source(self) -> None:
        """Name and kind; an e-mail source's account is asked for at once."""
        name = await self.asked_text("Name of the new source")
        if name is None:
            return
        kind = await self.asked_choice("Kind of source", tuple(SOURCE_KINDS_TEXT.items()))
        if kind == "email":
            await self.mail_form(name, {}, lambda v: self.gate.sources.add_source(name, kind, **v))
        elif kind is not None:
            await self.changed(
                lambda: self.gate.sources.add_source(name, kind), f"added {name}", name
            )

    def action_edit_mail(self) -> None:
        source = self.current
        if source is None:
            return
        if source.kind != "email":
            self.notify(f"{source.name} is a {source.kind} source; only e-mail has an account")
            return
        self.edit_mail_account(source)

    @work(group="source-change", exit_on_error=False)
    async def edit_mail_account(self, source: SourceView) -> None:
        account = self.accounts.get(source.name)
        current = (
            {"address": account.address, "imap": account.imap, "smtp": account.smtp}
            if account is not None
            else {}
        )
        await self.mail_form(
            source.name,
            current,
            lambda v: self.gate.sources.edit_mail_account(
                source.name, expected_version=source.version, **v
            ),
        )

    async def mail_form(
        self, name: str, values: dict[str, str], save: Callable[[dict[str, str]], None]
    ) -> None:
        """In a flow: the account's address and servers, then `save`; a refused one (a
        password in a URL, say) opens the form again with what was typed, so nothing typed is
        lost. (The CA file is set by `sources edit --ca-file`: a fourth field pushed the form's
        keys off an 80x24 screen.)"""
        hint = (
            f"No password here: set {password_variable(name)} or put `{name} = ...` "
            f"in {secrets_path()} (README, Customers by e-mail)."
        )
        while True:
            fields = (
                Field("address", "Address customers write to", values.get("address", "")),
                Field("imap", "IMAP server", values.get("imap", ""), "imaps://USER@HOST:993/INBOX"),
                Field(
                    "smtp", "SMTP server", values.get("smtp", ""), "smtp+starttls://USER@HOST:587"
                ),
            )
            typed = await self.app.asked(FormModal(f"Mail account of {name}", fields, hint))
            if typed is None:
                return
            if await self.refusal(partial(save, typed)) is None:
                self.notify(one_line(f"saved the mail account of {name}"))
                self.reload(name)
                return
            values = typed

    def action_quarantine(self) -> None:
        source = self.current
        if source is not None:
            self.app.push_screen(QuarantineScreen(source.name))

    def action_rename(self) -> None:
        if self.current is not None:
            self.rename_source(self.current)

    @work(group="source-change", exit_on_error=False)
    async def rename_source(self, source: SourceView) -> None:
        new = await self.asked_text(f"Rename {source.name} to", source.name)
        if new is None:
            return
        await self.changed(
            lambda: self.gate.sources.rename_source(
                source.name, new, expected_version=source.version
            ),
            "renamed",
            new,
        )

    def action_archive(self) -> None:
        if self.current is not None:
            self.archive_or_restore(self.current)

    @work(group="source-change", exit_on_error=False)
    async def archive_or_restore(self, source: SourceView) -> None:
        if source.archived:
            question = f"Restore {source.name}? Its tickets come back for everyone in scope."
        else:
            question = (
                f"Archive {source.name}? Its tickets vanish for everyone without sources.archived."
            )
        if not await self.asked_yes(question):
            return
        await self.changed(
            lambda: self.gate.sources.set_archived(
                source.name, not source.archived, expected_version=source.version
            ),
            "restored" if source.archived else "archived",
            source.name,
        )


def _mail_state(account: MailAccountView) -> str:
    """The State column of an e-mail source: what needs a look first."""
    if account.last_error:
        return "mail error"
    if account.send_error:
        return f"sending waits, {account.waiting} to send"
    notes = [
        f"{n} {what}"
        for n, what in (
            (account.failed, "failed"),
            (account.quarantined, "quarantined"),
            (account.waiting, "to send"),
        )
        if n
    ]
    return ", ".join(notes) or "open"
