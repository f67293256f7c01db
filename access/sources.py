"""Sources through the gate: where tickets come from, their mail accounts, and archiving them."""

from __future__ import annotations

from typing import Protocol

import peewee

from access.audit_actions import (
    SOURCE_ADD,
    SOURCE_ARCHIVE,
    SOURCE_MAIL,
    SOURCE_PASSWORD,
    SOURCE_RENAME,
    SOURCE_RESTORE,
)
from access.catalogue import SOURCES_ARCHIVED, SOURCES_EDIT, SOURCES_LIST, PermissionKey
from access.delegation import RightsGuard
from access.errors import InvalidInput, NoChange, PermissionDenied
from access.floods import FLOOD_REASON
from access.grants import Grants
from access.lookup import require_free_name, source_named
from access.mail_accounts import (
    check_address,
    check_ca_file,
    parse_url,
    password_variable,
    secret_refusal,
    trusted_server,
)
from access.request import Part
from access.validation import checked_name
from access.versions import bump
from access.views import MailAccountView, SourceView
from access.vocabulary import FAILED, QUEUED, SENT, SOURCE_KINDS
from store.models import (
    MailAccount,
    OutboxItem,
    Person,
    QuarantinedMail,
    Source,
    Ticket,
)
from store.rows import tuple_rows


def covers_source(grants: Grants, permission: PermissionKey, source_id: int) -> bool:
    """True when a role granting `permission` has a source scope that takes in the source."""
    return any(
        role.all_sources or source_id in role.source_ids for role in grants.roles_with(permission)
    )


def source_filter(grants: Grants, permission: PermissionKey) -> peewee.ColumnBase | None:
    """The condition on `Source.id` that keeps the sources a role granting `permission` takes
    in; None when one takes in every source."""
    roles = grants.roles_with(permission)
    if any(role.all_sources for role in roles):
        return None
    return Source.id.in_(sorted({i for role in roles for i in role.source_ids}))


class Asker(Protocol):
    """Whoever asks: a request (`access.request.Request`)."""

    username: str

    def grants(self) -> Grants: ...


def require_on_source(asker: Asker, permission: PermissionKey, source: Source) -> Grants:
    """`permission` on a scope that covers `source` (a mailbox is its source's, not every
    holder's of `sources.edit` somewhere)."""
    grants = asker.grants()
    if not grants.holds(permission):
        raise PermissionDenied(f"{asker.username} lacks {permission}")
    if not covers_source(grants, permission, source.id):
        raise PermissionDenied(f"{asker.username} lacks {permission} on source {source.name}")
    return grants


class SourceAdmin(Part):
    """`gate.sources`: where tickets come from, their mail accounts, and archiving them."""

    def list_sources(self) -> list[SourceView]:
        self._open().require(SOURCES_LIST)
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
        request = self._open()
        request.require(SOURCES_EDIT)
        name = checked_name(name, "source name")
        if kind not in SOURCE_KINDS:
            raise InvalidInput(f"unknown source kind {kind!r}; one of {', '.join(SOURCE_KINDS)}")
        account = None
        if address is not None or imap or smtp:
            if kind != "email":
                raise InvalidInput("only an e-mail source has an address and mail servers")
            account = _account_values(address or "", imap, smtp)
        with request.writing():
            require_free_name(Source.name, name, "source")
            _require_own_secret_key(name)
            source = Source.create(name=name, kind=kind)
            if account is not None:
                MailAccount.create(source=source.id, **account, **_secrets_for(account))
            after = {"name": name, "kind": kind, **(account or {})}
            request.record(SOURCE_ADD, "source", source.id, after=after)

    def edit_mail_account(
        self,
        name: str,
        *,
        address: str | None = None,
        imap: str | None = None,
        smtp: str | None = None,
        ca_file: str | None = None,
        expected_version: int | None = None,
    ) -> None:
        """Set the address, servers or CA file of an e-mail source; what is not given stays
        ("" clears the CA file). Needs `sources.edit` on a scope covering the source. A
        password stays with the server it was set for: after a server's host or user changes,
        it is not sent until someone with the right confirms it is the new server's
        (`confirm_mail_password`)."""
        request = self._open()
        request.require(SOURCES_EDIT)
        with request.writing():
            source = source_named(name)
            require_on_source(request, SOURCES_EDIT, source)
            if source.kind != "email":
                raise InvalidInput(f"{name} is a {source.kind} source, not an e-mail one")
            current = MailAccount.get_or_none(MailAccount.source == source.id)
            before = _account_dict(current)
            given = {"address": address, "imap_url": imap, "smtp_url": smtp, "ca_file": ca_file}
            merged = {**before, **{k: v for k, v in given.items() if v is not None}}
            values = _account_values(
                merged.get("address", ""),
                merged.get("imap_url", ""),
                merged.get("smtp_url", ""),
                merged.get("ca_file", ""),
            )
            if values == before:
                raise NoChange(f"source {name} already has these mail settings; nothing changed")
            bump(source, expected_version, f"source {name}")
            if current is None:
                MailAccount.create(source=source.id, **values, **_secrets_for(values))
            else:
                new_servers = {k: v for k, v in values.items() if not before.get(k)}
                first = _secrets_for({**new_servers, "ca_file": values.get("ca_file", "")})
                MailAccount.update({"ca_file": "", **values, **first}).where(
                    MailAccount.id == current.id
                ).execute()
            request.record(SOURCE_MAIL, "source", source.id, before=before, after=values)

    def confirm_mail_password(self, name: str, *, expected_version: int | None = None) -> None:
        """Say that the password in the secrets file or the environment is the one of the
        servers the source's account names now: from here on it is sent to them. Needs
        `sources.edit` on a scope covering the source; audited with the servers."""
        request = self._open()
        request.require(SOURCES_EDIT)
        with request.writing():
            source = source_named(name)
            require_on_source(request, SOURCES_EDIT, source)
            account = MailAccount.get_or_none(MailAccount.source == source.id)
            if account is None:
                raise InvalidInput(f"{name} has no mail account; set one with sources edit")
            before = {"imap": account.imap_secret_for, "smtp": account.smtp_secret_for}
            now = _secrets_for(_account_dict(account))
            if now == {f"{k}_secret_for": v for k, v in before.items()}:
                raise NoChange(f"the passwords of {name} are already for these servers")
            bump(source, expected_version, f"source {name}")
            MailAccount.update(now).where(MailAccount.id == account.id).execute()
            after = {"imap": now["imap_secret_for"], "smtp": now["smtp_secret_for"]}
            request.record(SOURCE_PASSWORD, "source", source.id, before=before, after=after)

    def mail_accounts(self) -> list[MailAccountView]:
        """Each e-mail source's account and state: last fetch, its error, replies waiting to
        go out or failed, messages in quarantine; of the sources `sources.list` covers."""
        request = self._open()
        request.require(SOURCES_LIST)
        in_scope = source_filter(request.grants(), SOURCES_LIST)
        counts: dict[tuple[int, str], int] = {
            (s, st): n
            for s, st, n in tuple_rows(
                OutboxItem.select(
                    OutboxItem.source, OutboxItem.state, peewee.fn.COUNT(OutboxItem.id)
                )
                .where(OutboxItem.state != SENT)
                .group_by(OutboxItem.source, OutboxItem.state)
            )
        }
        held = _quarantined_per_source()
        floods = _quarantined_per_source(QuarantinedMail.reason.startswith(FLOOD_REASON))
        rows = MailAccount.select(MailAccount, Source).join(Source).order_by(Source.name)
        if in_scope is not None:
            rows = rows.where(in_scope)
        return [
            MailAccountView(
                source=a.source.name,
                address=a.address,
                imap=a.imap_url,
                smtp=a.smtp_url,
                ca_file=a.ca_file,
                ignored=a.ignored,
                last_ignored=a.last_ignored,
                last_ignored_at=a.last_ignored_at,
                archived=a.source.archived,
                last_fetch_at=a.last_fetch_at,
                last_error=a.last_error,
                waiting=counts.get((a.source_id, QUEUED), 0),
                failed=counts.get((a.source_id, FAILED), 0),
                quarantined=held.get(a.source_id, 0),
                floods=floods.get(a.source_id, 0),
                secret=_secret_state(a),
                send_error=a.send_error,
            )
            for a in rows
        ]

    def rename_source(
        self, name: str, new_name: str, *, expected_version: int | None = None
    ) -> None:
        request = self._open()
        request.require(SOURCES_EDIT)
        new_name = checked_name(new_name, "source name")
        with request.writing():
            source = source_named(name)
            require_on_source(request, SOURCES_EDIT, source)
            _require_own_secret_key(new_name, source.id)
            request.rename(source, new_name, expected_version, "source", SOURCE_RENAME)

    def set_archived(
        self, name: str, archived: bool, *, expected_version: int | None = None
    ) -> None:
        """Archive or restore a source: needs `sources.archived` beside `sources.edit`, and
        may not change anyone's reach beyond the actor's own."""
        request = self._open()
        grants = request.require(SOURCES_EDIT)
        request.require(SOURCES_ARCHIVED)
        with request.writing():
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
            request.record(
                SOURCE_ARCHIVE if archived else SOURCE_RESTORE,
                "source",
                source.id,
                before={"archived": source.archived},
                after={"archived": archived},
            )
            guard.verify()


def _require_own_secret_key(name: str, source_id: int | None = None) -> None:
    """Refuse a name whose password would be another source's: `SUPPORT@SHOP.EXAMPLE` and
    `support shop example` both read `TICKETTY_MAIL_PASSWORD_SUPPORT_SHOP_EXAMPLE`."""
    key = password_variable(name)
    for other_id, other in tuple_rows(Source.select(Source.id, Source.name)):
        if other_id != source_id and password_variable(other) == key:
            raise InvalidInput(
                f"{name!r} would share its mail password ({key}) with source {other!r}; "
                "choose a name that differs in letters or digits"
            )


def _secrets_for(account: dict[str, str]) -> dict[str, str]:
    """The servers (`access.mail_accounts.trusted_server`) the account's passwords are set
    for, for the URLs and CA file in `account`."""
    return {
        f"{protocol}_secret_for": trusted_server(
            account[f"{protocol}_url"], account.get("ca_file", "")
        )
        for protocol in ("imap", "smtp")
        if f"{protocol}_url" in account
    }


def _secret_state(account: MailAccount) -> str:
    """One line when a password is held back from the server its URL names now."""
    for protocol in ("imap", "smtp"):
        url = getattr(account, f"{protocol}_url")
        if url:
            refusal = secret_refusal(
                account.source.name,
                protocol,
                url,
                getattr(account, f"{protocol}_secret_for"),
                account.ca_file,
            )
            if refusal:
                return refusal
    return ""


def _quarantined_per_source(where: peewee.ColumnBase | None = None) -> dict[int, int]:
    query = QuarantinedMail.select(QuarantinedMail.source, peewee.fn.COUNT(QuarantinedMail.id))
    if where is not None:
        query = query.where(where)
    return dict(tuple_rows(query.group_by(QuarantinedMail.source)))


def _account_values(address: str, imap: str, smtp: str, ca_file: str = "") -> dict[str, str]:
    """Checked account settings; a URL with a password in it is refused. The CA file is
    there only when set (an account without one reads as it always did, in the audit log
    too)."""
    if imap:
        parse_url(imap, "imap")
    if smtp:
        parse_url(smtp, "smtp")
    values = {"address": check_address(address), "imap_url": imap.strip(), "smtp_url": smtp.strip()}
    ca_file = check_ca_file(ca_file)
    return {**values, "ca_file": ca_file} if ca_file else values


def _account_dict(account: MailAccount | None) -> dict[str, str]:
    if account is None:
        return {}
    values = {
        "address": account.address,
        "imap_url": account.imap_url,
        "smtp_url": account.smtp_url,
    }
    return {**values, "ca_file": account.ca_file} if account.ca_file else values
