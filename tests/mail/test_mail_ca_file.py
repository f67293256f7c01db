"""A CA file per source: a mail server whose certificate a private certificate authority signed
is refused with one line naming the certificate problem, and used once the source's CA file
names that authority. Real Dovecot over imaps and a real SMTP server over smtps, both with a
certificate of a CA made for the test by the openssl command."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import peewee
import pytest
from textual.widgets import Static

from access import Gate
from access.catalogue import SOURCES_LIST
from access.errors import PermissionDenied
from mail.channel import MailChannel
from store.models import AuditEvent, Ticket
from tests import builders
from tests.backends import connect
from tests.mail_servers import (
    Dovecot,
    Smtp,
    TlsFiles,
    run_smtp,
    start_dovecot,
    stop_dovecot,
    throwaway_ca,
)
from tests.mail_support import customer_mail, mail_helpdesk
from tests.tui.test_mail_screens import open_sources
from ticketty.launch import build_app
from ticketty.main import main


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    return throwaway_ca(tmp_path_factory.mktemp("ca"))


@pytest.fixture(scope="module")
def tls_dovecot(tls: TlsFiles) -> Iterator[Dovecot]:
    server = start_dovecot(tls)
    yield server
    stop_dovecot(server)


@pytest.fixture
def smtps(tls: TlsFiles) -> Iterator[Smtp]:
    yield from run_smtp(tls=tls)


@pytest.fixture
def helpdesk(db: peewee.Database, db_location: str) -> str:
    mail_helpdesk(db)
    return db_location


def run(capsys: pytest.CaptureFixture[str], db: str, *args: str) -> tuple[int, str, str]:
    code = main(["--db", db, "--user", "ada", *args])
    out, err = capsys.readouterr()
    return code, out, err


def last_account_change() -> dict[str, str]:
    event = (
        AuditEvent.select()
        .where(AuditEvent.action == "source.mail")
        .order_by(AuditEvent.id.desc())
        .get()
    )
    return json.loads(event.after)


@pytest.mark.usefixtures("mail_password")
def test_an_imaps_fetch_needs_the_ca_file_of_a_private_authority(
    helpdesk: str, tls: TlsFiles, tls_dovecot: Dovecot, mailbox: str, capsys
) -> None:
    tls_dovecot.append(mailbox, customer_mail(subject="Over TLS"))
    url = tls_dovecot.tls_url(mailbox)
    assert run(capsys, helpdesk, "sources", "edit", "Support", "--imap", url)[0] == 0

    code, _, err = run(capsys, helpdesk, "mail", "fetch")
    assert code == 1
    refused = [line for line in err.splitlines() if "certificate" in line]
    assert len(refused) == 1, err
    assert "the server's certificate is not trusted" in refused[0]
    assert "self-signed certificate in certificate chain" in refused[0] or (
        "unable to get local issuer certificate" in refused[0]
    )
    assert "--ca-file" in refused[0] and "Traceback" not in err
    assert Ticket.select().count() == 0

    code, _, _ = run(capsys, helpdesk, "sources", "edit", "Support", "--ca-file", str(tls.ca))
    assert code == 0
    assert last_account_change()["ca_file"] == str(tls.ca)
    # A new CA file can vouch for another server under the same name: the password waits
    # until someone with the right says it is this server's.
    code, _, err = run(capsys, helpdesk, "mail", "fetch")
    assert code == 1 and "Traceback" not in err
    assert f"(CA {tls.ca})" in err and "ticketty sources password Support" in err, err
    assert run(capsys, helpdesk, "sources", "password", "Support")[0] == 0
    code, out, err = run(capsys, helpdesk, "mail", "fetch")
    assert code == 0, err
    assert [t.subject for t in Ticket.select()] == ["Over TLS"]
    code, out, _ = run(capsys, helpdesk, "sources", "mail", "--json")
    assert json.loads(out)[0]["ca_file"] == str(tls.ca)

    code, _, _ = run(capsys, helpdesk, "sources", "edit", "Support", "--ca-file", "")
    assert code == 0
    assert "ca_file" not in last_account_change()
    code, _, err = run(capsys, helpdesk, "mail", "fetch")
    assert code == 1 and "ticketty sources password Support" in err, err


def test_an_smtps_delivery_needs_the_ca_file_and_the_reply_waits_meanwhile(
    db: peewee.Database, helpdesk: str, tls: TlsFiles, smtps: Smtp, capsys
) -> None:
    gate = Gate(db, "ada")
    gate.sources.edit_mail_account("Support", smtp=smtps.url)
    number = (
        MailChannel(gate)
        .take_mail(gate.mailboxes.mail_source("Support"), customer_mail(), "test")
        .ticket
    )
    assert number is not None
    gate.messages.reply(number, "Your parcel left today.")

    code, _, err = run(capsys, helpdesk, "mail", "send")
    assert code == 1 and "Traceback" not in err
    assert "not trusted" in err and "--ca-file" in err, err
    account = gate.sources.mail_accounts()[0]
    assert account.waiting == 1 and account.failed == 0
    assert "the server's certificate is not trusted" in account.send_error
    assert smtps.received == []

    assert run(capsys, helpdesk, "sources", "edit", "Support", "--ca-file", str(tls.ca))[0] == 0
    code, _, err = run(capsys, helpdesk, "mail", "send")
    assert code == 0, err
    assert len(smtps.received) == 1
    assert smtps.received[0].message["Subject"] == f"[#{number}] Parcel missing"


def test_a_ca_file_is_checked_and_needs_the_right_to_edit_the_source(
    db: peewee.Database, helpdesk: str, tls: TlsFiles, tmp_path: Path, capsys
) -> None:
    viewer = builders.person("vera")
    builders.role("Viewer", [SOURCES_LIST], holders=[viewer])
    with pytest.raises(PermissionDenied):
        Gate(db, "vera").sources.edit_mail_account("Support", ca_file=str(tls.ca))
    assert Gate(db, "ada").sources.mail_accounts()[0].ca_file == ""
    code, _, err = run(capsys, helpdesk, "sources", "edit", "Support", "--ca-file", "/nowhere.pem")
    assert (code, err.strip()) == (1, "ticketty: no CA file /nowhere.pem")
    not_pem = tmp_path / "notes.txt"
    not_pem.write_text("not a certificate\n")
    code, _, err = run(capsys, helpdesk, "sources", "edit", "Support", "--ca-file", str(not_pem))
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert err.startswith(f"ticketty: {not_pem} holds no CA certificate TLS can read"), err


async def test_the_sources_screen_shows_the_ca_file(
    db: peewee.Database, db_location: str, tls: TlsFiles
) -> None:
    gate = mail_helpdesk(db)
    gate.sources.edit_mail_account("Support", ca_file=str(tls.ca))
    app = build_app(Gate(connect(db_location), "ada"), refresh_seconds=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_sources(pilot)
        detail = str(app.screen.query_one("#detail-text", Static).render())
    assert "CA file" in detail and str(tls.ca) in detail.replace("\n", "")
