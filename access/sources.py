"""Sources through the gate: where tickets come from, their mail accounts, and archiving them."""

from __future__ import annotations

import peewee

from access.catalogue import SOURCES_ARCHIVED, SOURCES_EDIT, SOURCES_LIST
from access.delegation import RightsGuard
from access.errors import InvalidInput, NoChange
from access.gate import GateBase
from access.lookup import require_free_name, source_named
from access.mail.accounts import check_address, parse_url
from access.validation import checked_name
from access.versions import bump
from access.views import MailAccountView, SourceView
from access.vocabulary import SOURCE_KINDS
from store.models import MailAccount, OutboxItem, Person, QuarantinedMail, Source, Ticket
from store.rows import tuple_rows


class SourceAdmin(GateBase):
    def list_sources(self) -> list[SourceView]:
        self.require(SOURCES_LIST)
        return [
            SourceView(s.id, s.name, s.kind, s.archived, s.version)
            for s in Source.select().order_by(Source.name)
        ]

    def add_source(
        self,
        name: str,
        kind: str = "email",
        *,
        address: str | None = None,
        imap: str = "",
        smtp: str = "",
    ) -> None:
        """A new source; an e-mail source given an `address` gets its mail account in the
        same change."""
        self.require(SOURCES_EDIT)
        name = checked_name(name, "source name")
        if kind not in SOURCE_KINDS:
            raise InvalidInput(f"unknown source kind {kind!r}; one of {', '.join(SOURCE_KINDS)}")
        account = None
        if address is not None or imap or smtp:
            if kind != "email":
                raise InvalidInput("only an e-mail source has an address and mail servers")
            account = _account_values(address or "", imap, smtp)
        with self.writing():
            require_free_name(Source.name, name, "source")
            source = Source.create(name=name, kind=kind)
            if account is not None:
                MailAccount.create(source=source.id, **account)
            after = {"name": name, "kind": kind, **(account or {})}
            self.record("source.add", "source", source.id, after=after)

    def edit_mail_account(
        self,
        name: str,
        *,
        address: str | None = None,
        imap: str | None = None,
        smtp: str | None = None,
        expected_version: int | None = None,
    ) -> None:
        """Set the address or servers of an e-mail source; what is not given stays."""
        self.require(SOURCES_EDIT)
        with self.writing():
            source = source_named(name)
            if source.kind != "email":
                raise InvalidInput(f"{name} is a {source.kind} source, not an e-mail one")
            current = MailAccount.get_or_none(MailAccount.source == source.id)
            before = _account_dict(current)
            given = {"address": address, "imap_url": imap, "smtp_url": smtp}
            merged = {**before, **{k: v for k, v in given.items() if v is not None}}
            values = _account_values(
                merged.get("address", ""), merged.get("imap_url", ""), merged.get("smtp_url", "")
            )
            if values == before:
                raise NoChange(f"source {name} already has these mail settings; nothing changed")
            bump(source, expected_version, f"source {name}")
            if current is None:
                MailAccount.create(source=source.id, **values)
            else:
                MailAccount.update(values).where(MailAccount.id == current.id).execute()
            self.record("source.mail", "source", source.id, before=before, after=values)

    def mail_accounts(self) -> list[MailAccountView]:
        """Each e-mail source's account and state: last fetch, its error, replies waiting to
        go out or failed, messages in quarantine."""
        self.require(SOURCES_LIST)
        counts: dict[tuple[int, str], int] = {
            (s, st): n
            for s, st, n in tuple_rows(
                OutboxItem.select(
                    OutboxItem.source, OutboxItem.state, peewee.fn.COUNT(OutboxItem.id)
                )
                .where(OutboxItem.state != "sent")
                .group_by(OutboxItem.source, OutboxItem.state)
            )
        }
        held: dict[int, int] = dict(
            tuple_rows(
                QuarantinedMail.select(
                    QuarantinedMail.source, peewee.fn.COUNT(QuarantinedMail.id)
                ).group_by(QuarantinedMail.source)
            )
        )
        rows = MailAccount.select(MailAccount, Source).join(Source).order_by(Source.name)
        return [
            MailAccountView(
                source=a.source.name,
                address=a.address,
                imap=a.imap_url,
                smtp=a.smtp_url,
                archived=a.source.archived,
                last_fetch_at=a.last_fetch_at,
                last_error=a.last_error,
                waiting=counts.get((a.source_id, "queued"), 0),
                failed=counts.get((a.source_id, "failed"), 0),
                quarantined=held.get(a.source_id, 0),
                send_error=a.send_error,
            )
            for a in rows
        ]

    def rename_source(
        self, name: str, new_name: str, *, expected_version: int | None = None
    ) -> None:
        self.require(SOURCES_EDIT)
        new_name = checked_name(new_name, "source name")
        with self.writing():
            self.rename(source_named(name), new_name, expected_version, "source", "source.rename")

    def set_archived(
        self, name: str, archived: bool, *, expected_version: int | None = None
    ) -> None:
        """Archive or restore a source: needs `sources.archived` beside `sources.edit`, and
        may not change anyone's reach beyond the actor's own."""
        grants = self.require(SOURCES_EDIT)
        self.require(SOURCES_ARCHIVED, grants)
        with self.writing():
            source = source_named(name)
            if source.archived == archived:
                state = "archived" if archived else "open"
                raise NoChange(f"source {name} is already {state}; nothing changed")
            bump(source, expected_version, f"source {name}")
            verb = "archive" if archived else "restore"
            guard = RightsGuard(
                grants,
                tickets=Ticket.source == source.id,
                what=f"{verb} {name}",
                gives=not archived,
                takes=archived,
            )
            guard.watch(p.id for p in Person.select(Person.id).where(Person.active == True))  # noqa: E712
            Source.update(archived=archived).where(Source.id == source.id).execute()
            self.record(
                "source.archive" if archived else "source.restore",
                "source",
                source.id,
                before={"archived": source.archived},
                after={"archived": archived},
            )
            guard.verify()


def _account_values(address: str, imap: str, smtp: str) -> dict[str, str]:
    """Checked account settings; a URL with a password in it is refused."""
    if imap:
        parse_url(imap, "imap")
    if smtp:
        parse_url(smtp, "smtp")
    return {"address": check_address(address), "imap_url": imap.strip(), "smtp_url": smtp.strip()}


def _account_dict(account: MailAccount | None) -> dict[str, str]:
    if account is None:
        return {}
    return {"address": account.address, "imap_url": account.imap_url, "smtp_url": account.smtp_url}
