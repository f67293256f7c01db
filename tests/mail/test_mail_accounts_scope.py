"""A mailbox belongs to those who may reach it: account changes need `sources.edit` on the
source, a password goes only to the server it was set for, look-alike names and plain-text
servers elsewhere are refused, and the mail commands say only what the person may see. The
fetch runs against the real Dovecot the suite starts."""

from __future__ import annotations

import peewee
import pytest

from access import Gate, InvalidInput, PermissionDenied
from access.catalogue import SOURCES_EDIT, SOURCES_LIST
from mail.channel import MailChannel
from store.models import AuditEvent, MailAccount, Message, SchemaVersion, Ticket
from tests import builders
from tests.backends import connect
from tests.mail_servers import PASSWORD, Dovecot, Smtp
from tests.mail_support import customer_mail, mail_helpdesk
from ticketty.main import main


def mallory(gate: Gate, sources: list[str]) -> Gate:
    """`mal`: `sources.edit` and `sources.list` scoped to `sources`, no ticket rights."""
    ids = [s.id for s in gate.sources.list_sources() if s.name in sources]
    mal = builders.person("mal")
    builders.role("Mail admin", [SOURCES_EDIT, SOURCES_LIST], sources=ids, holders=[mal])
    return Gate(peewee_db(), "mal")


def peewee_db() -> peewee.Database:
    from store.models import database_proxy

    return database_proxy.obj


@pytest.fixture
def gate(db: peewee.Database) -> Gate:
    gate = mail_helpdesk(db, imap="imaps://support%40shop.example@mail.shop.example/INBOX")
    gate.sources.add_source("Allegro", "marketplace")
    return gate


def test_a_holder_scoped_to_another_source_cannot_touch_the_mailbox(gate: Gate) -> None:
    mal = mallory(gate, ["Allegro"])
    before = MailAccount.get()
    with pytest.raises(PermissionDenied):
        mal.sources.edit_mail_account("Support", imap="imaps://mal@evil.example/INBOX")
    with pytest.raises(PermissionDenied):
        mal.sources.rename_source("Support", "Old support")
    with pytest.raises(PermissionDenied):
        mal.sources.confirm_mail_password("Support")
    with pytest.raises(PermissionDenied):
        mal.mailboxes.mail_source("Support")
    assert MailAccount.get().imap_url == before.imap_url
    assert mal.mailboxes.open_mail_sources() == []


def test_names_that_share_a_password_are_refused(gate: Gate) -> None:
    gate.sources.add_source("support@shop.example", "email", address="other@shop.example")
    for look_alike in ("SUPPORT@SHOP.EXAMPLE", "support shop example", "SUPPORT"):
        with pytest.raises(InvalidInput, match="share its mail password"):
            gate.sources.add_source(look_alike, "email", address="x@shop.example")
    with pytest.raises(InvalidInput, match="share its mail password"):
        gate.sources.rename_source("Allegro", "support")
    gate.sources.rename_source("Support", "SUPPORT")  # itself, in other letters


def test_an_unencrypted_server_is_refused_unless_on_this_machine(gate: Gate) -> None:
    with pytest.raises(InvalidInput, match="unencrypted"):
        gate.sources.edit_mail_account("Support", imap="imap://u@mail.shop.example")
    with pytest.raises(InvalidInput, match="unencrypted"):
        gate.sources.edit_mail_account("Support", smtp="smtp://u@mail.shop.example")
    for host in ("127.0.0.1", "localhost", "[::1]"):
        gate.sources.edit_mail_account(
            "Support", imap=f"imap://u@{host}:1", smtp=f"smtp://u@{host}:1"
        )


def test_the_password_goes_only_to_the_server_it_was_set_for(
    db: peewee.Database,
    db_location: str,
    dovecot: Dovecot,
    mailbox: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gate = mail_helpdesk(db, imap=dovecot.url(mailbox))
    monkeypatch.setenv("TICKETTY_MAIL_PASSWORD_SUPPORT", PASSWORD)
    other = f"{mailbox}x"
    dovecot.append(other, customer_mail("Waiting in the other mailbox"))
    gate.sources.edit_mail_account("Support", imap=f"imap://{other}@localhost:{dovecot.port}/INBOX")

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--db", db_location, "--user", "ada", *args])
        out, err = capsys.readouterr()
        return code, out, err

    code, _, err = run("mail", "fetch")
    assert code == 1 and f"set for {mailbox}@127.0.0.1, not {other}@localhost" in err
    assert Ticket.select().count() == 0
    _, out, _ = run("sources", "mail")
    assert "ticketty sources password Support" in out
    assert run("sources", "password", "Support")[0] == 0
    code, out, _ = run("mail", "fetch")
    assert code == 0 and ": new #" in out
    event = AuditEvent.get(AuditEvent.action == "source.password")
    assert f"{other}@localhost" in event.after and PASSWORD not in event.after


def test_an_account_of_before_keeps_its_servers_password(db_location: str) -> None:
    """The migration takes an existing account's password as set for its servers of now."""
    db = connect(db_location)
    mail_helpdesk(db, imap="imaps://box@mail.shop.example/INBOX", smtp="smtps://box@mx.example")
    for column in ("imap_secret_for", "smtp_secret_for"):
        db.execute_sql(f'ALTER TABLE "{MailAccount._meta.table_name}" DROP COLUMN {column}')
    SchemaVersion.delete().where(SchemaVersion.version >= 10).execute()
    db.close()
    connect(db_location)
    account = MailAccount.get()
    assert (account.imap_secret_for, account.smtp_secret_for) == (
        "box@mail.shop.example",
        "box@mx.example",
    )


# ------------------------------------------- the mail commands say only what one may see


def test_import_and_send_by_a_holder_who_sees_no_tickets(
    db: peewee.Database, db_location: str, tmp_path, capsys, smtp: Smtp
) -> None:
    gate = mail_helpdesk(db, smtp=smtp.url)
    mallory(gate, ["Support"])
    hidden = (
        MailChannel(gate)
        .take_mail(gate.mailboxes.mail_source("Support"), customer_mail(), "test")
        .ticket
    )
    assert hidden is not None
    gate.messages.reply(hidden, "We sent it again")
    gate.changes.set_status(hidden, "pending")
    guess = tmp_path / "guess.eml"
    guess.write_bytes(customer_mail("Is this jan's?", subject=f"Re: [#{hidden}] Parcel missing"))

    code = main(["--db", db_location, "--user", "mal", "mail", "import", "--source", "Support",
                 str(guess)])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0 and f"#{hidden}" not in out and "jan@example.pl" not in out
    assert ": filed" in out and "1 filed" in out
    assert Ticket.get_by_id(hidden).status == "pending"
    assert Message.select().where(Message.ticket == hidden).count() == 2

    code = main(["--db", db_location, "--user", "mal", "mail", "send"])
    out = capsys.readouterr().out
    assert "reply on a ticket you cannot see" in out
    assert f"#{hidden}" not in out and "jan@example.pl" not in out


def test_retry_into_a_source_archived_since_is_refused(gate: Gate) -> None:
    source = gate.mailboxes.mail_source("Support")
    held = MailChannel(gate).take_mail(source, b"Subject: no sender\r\n\r\nwho?\r\n", "test")
    assert held.outcome == "quarantined"
    (record,) = gate.mailboxes.quarantined()
    gate.sources.set_archived("Support", True)
    with pytest.raises(InvalidInput, match="archived"):
        MailChannel(gate).retry_quarantined(record.id)


def test_a_holder_scoped_to_one_source_lists_only_its_accounts_and_quarantine(
    gate: Gate,
) -> None:
    gate.sources.add_source("Returns", "email", address="returns@shop.example")
    for name in ("Support", "Returns"):
        held = MailChannel(gate).take_mail(
            gate.mailboxes.mail_source(name), b"Subject: no sender\r\n\r\nwho?\r\n", "test"
        )
        assert held.outcome == "quarantined"
    assert [a.source for a in gate.sources.mail_accounts()] == ["Returns", "Support"]

    mal = mallory(gate, ["Returns"])
    assert [a.source for a in mal.sources.mail_accounts()] == ["Returns"]
    assert [q.source for q in mal.mailboxes.quarantined()] == ["Returns"]
    assert mal.mailboxes.quarantined("Support") == []
    assert len(gate.mailboxes.quarantined()) == 2
