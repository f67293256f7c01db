"""Sources: add, rename, archive and restore. An archived source's tickets exist only for
people with `sources.archived`. An e-mail source shows its mailbox's state: last fetch, its
error, replies waiting to go out or failed, messages in quarantine; its account (address, IMAP
and SMTP servers) is set here, never its password, which comes from the secrets file or the
environment."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.text import Text

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
        def kind_chosen(name: str, kind: str) -> None:
            if kind == "email":
                self._mail_form(name, {}, lambda v: self.gate.sources.add_source(name, kind, **v))
            else:
                self.change(lambda: self.gate.sources.add_source(name, kind), f"added {name}", name)

        self.ask(
            "Name of the new source",
            lambda name: self.pick(
                "Kind of source",
                tuple(SOURCE_KINDS_TEXT.items()),
                lambda kind: kind_chosen(name, kind),
            ),
        )

    def action_edit_mail(self) -> None:
        source = self.current
        if source is None:
            return
        if source.kind != "email":
            self.notify(f"{source.name} is a {source.kind} source; only e-mail has an account")
            return
        account = self.accounts.get(source.name)
        current = (
            {"address": account.address, "imap": account.imap, "smtp": account.smtp}
            if account is not None
            else {}
        )
        self._mail_form(
            source.name,
            current,
            lambda v: self.gate.sources.edit_mail_account(
                source.name, expected_version=source.version, **v
            ),
        )

    def _mail_form(
        self, name: str, values: dict[str, str], save: Callable[[dict[str, str]], None]
    ) -> None:
        """The account's address and servers; a refused one (a password in a URL, say) opens
        the form again with what was typed, so nothing typed is lost. (The CA file is set by
        `sources edit --ca-file`: a fourth field pushed the form's keys off an 80x24 screen.)"""
        fields = (
            Field("address", "Address customers write to", values.get("address", "")),
            Field("imap", "IMAP server", values.get("imap", ""), "imaps://USER@HOST:993/INBOX"),
            Field("smtp", "SMTP server", values.get("smtp", ""), "smtp+starttls://USER@HOST:587"),
        )
        hint = (
            f"No password here: set {password_variable(name)} or put `{name} = ...` "
            f"in {secrets_path()} (README, Customers by e-mail)."
        )

        def answered(typed: dict[str, str] | None) -> None:
            if typed is None:
                return

            def saved(_: object) -> None:
                self.notify(one_line(f"saved the mail account of {name}"))
                self.reload(name)

            self.app.run_gate(
                lambda: save(typed), saved, failed=lambda _: self._mail_form(name, typed, save)
            )

        self.app.push_screen(FormModal(f"Mail account of {name}", fields, hint), answered)

    def action_quarantine(self) -> None:
        source = self.current
        if source is not None:
            self.app.push_screen(QuarantineScreen(source.name))

    def action_rename(self) -> None:
        source = self.current
        if source is not None:
            self.ask(
                f"Rename {source.name} to",
                lambda new: self.change(
                    lambda: self.gate.sources.rename_source(
                        source.name, new, expected_version=source.version
                    ),
                    "renamed",
                    new,
                ),
                source.name,
            )

    def action_archive(self) -> None:
        source = self.current
        if source is None:
            return
        if source.archived:
            question = f"Restore {source.name}? Its tickets come back for everyone in scope."
        else:
            question = (
                f"Archive {source.name}? Its tickets vanish for everyone without sources.archived."
            )
        self.confirm(
            question,
            lambda: self.change(
                lambda: self.gate.sources.set_archived(
                    source.name, not source.archived, expected_version=source.version
                ),
                "restored" if source.archived else "archived",
                source.name,
            ),
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
