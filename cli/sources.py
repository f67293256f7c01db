"""`ticketty sources`: where tickets come from, e-mail accounts among them; archived ones are
kept, not deleted."""

from __future__ import annotations

import argparse

from access.vocabulary import SOURCE_KINDS
from cli.command import Arguments, Commands, open_gate, read_body
from cli.output import print_listing
from wording.safe_text import one_line

MAIL_OPTIONS_HELP = "see README, Customers by e-mail; never a password"


def register(commands: Commands) -> None:
    sources = commands.noun("sources")
    sources.add("list", list_sources).add_argument("--json", action="store_true")
    p = sources.add("add", add_source)
    p.add_argument("name")
    p.add_argument("--kind", default=SOURCE_KINDS[0], choices=SOURCE_KINDS)
    _mail_options(p)
    p = sources.add(
        "edit", edit_source, help="set the address, servers and CA file of an e-mail source"
    )
    p.add_argument("name")
    _mail_options(p)
    p.add_argument(
        "--ca-file",
        help="PEM file of the certificate authority the IMAP and SMTP servers' certificates "
        "are checked against (a private CA); '' for the system's",
    )
    p = sources.add(
        "password",
        confirm_password,
        help="say the password in the secrets file is the one of the account's servers now",
    )
    p.add_argument("name")
    p = sources.add("mail", mail_state, help="the e-mail accounts and their state")
    p.add_argument("--json", action="store_true")
    p = sources.add(
        "signature",
        set_signature,
        help="the signature under replies that leave the source by mail ('' removes it)",
    )
    p.add_argument("name")
    p.add_argument("--body", required=True, help="the text, or - to read standard input")
    p.add_argument("--person", help="one agent's signature there, in place of the source's")
    sources.add("signatures", list_signatures, help="the signatures").add_argument(
        "--json", action="store_true"
    )
    p = sources.add("rename", rename_source)
    p.add_argument("name")
    p.add_argument("new")
    sources.add("archive", archive).add_argument("name")
    sources.add("restore", restore).add_argument("name")


def _mail_options(parser: Arguments) -> None:
    parser.add_argument("--address", help="the address customers write to")
    parser.add_argument("--imap", help=f"imaps://USER@HOST:993/INBOX ({MAIL_OPTIONS_HELP})")
    parser.add_argument("--smtp", help=f"smtp+starttls://USER@HOST:587 ({MAIL_OPTIONS_HELP})")


def list_sources(args: argparse.Namespace) -> int:
    return print_listing(
        args.json,
        open_gate(args).sources.list_sources(),
        ["source", "kind", "state"],
        lambda s: [s.name, s.kind, "archived" if s.archived else ""],
    )


def add_source(args: argparse.Namespace) -> int:
    open_gate(args).sources.add_source(
        args.name, args.kind, address=args.address, imap=args.imap or "", smtp=args.smtp or ""
    )
    return 0


def edit_source(args: argparse.Namespace) -> int:
    open_gate(args).sources.edit_mail_account(
        args.name, address=args.address, imap=args.imap, smtp=args.smtp, ca_file=args.ca_file
    )
    return 0


def confirm_password(args: argparse.Namespace) -> int:
    open_gate(args).sources.confirm_mail_password(args.name)
    return 0


def mail_state(args: argparse.Namespace) -> int:
    return print_listing(
        args.json,
        open_gate(args).sources.mail_accounts(),
        [
            "source",
            "address",
            "state",
            "last fetch",
            "error",
            "to send",
            "failed",
            "quarantine",
            "ignored",
        ],
        lambda a: [
            a.source,
            a.address,
            "archived" if a.archived else "",
            f"{a.last_fetch_at:%Y-%m-%d %H:%M}" if a.last_fetch_at else "never",
            "; ".join(e for e in (a.secret or a.last_error, a.send_error) if e) or "-",
            str(a.waiting),
            str(a.failed),
            f"{a.quarantined} ({a.floods} flood)" if a.floods else str(a.quarantined),
            a.ignored_text(),
        ],
    )


def rename_source(args: argparse.Namespace) -> int:
    open_gate(args).sources.rename_source(args.name, args.new)
    return 0


def archive(args: argparse.Namespace) -> int:
    open_gate(args).sources.set_archived(args.name, True)
    return 0


def restore(args: argparse.Namespace) -> int:
    open_gate(args).sources.set_archived(args.name, False)
    return 0


def set_signature(args: argparse.Namespace) -> int:
    body = read_body(args.body)
    open_gate(args).signatures.set_signature(args.name, body, username=args.person)
    whose = f"{one_line(args.person)}'s signature" if args.person else "signature"
    done = "set" if body.strip() else "removed"
    print(f"{done} the {whose} of {one_line(args.name)}")
    return 0


def list_signatures(args: argparse.Namespace) -> int:
    return print_listing(
        args.json,
        open_gate(args).signatures.list_signatures(),
        ["source", "person", "signature"],
        lambda s: [s.source, s.username or "(the source's)", s.body.replace("\n", " ")[:50]],
        lambda s: {"source": s.source, "person": s.username, "body": s.body},
    )
