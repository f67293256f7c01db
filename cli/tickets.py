"""`ticketty tickets`: list, show, create and act on tickets, as the app's inbox does."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from access.file_limit import read_within
from access.views import TicketQuery, TicketRow, parse_number
from access.vocabulary import (
    DEFAULT_PRIORITY,
    FAILED,
    MESSAGE_LABELS,
    PENDING,
    RESOLVED,
    TICKET_ORDERS,
    TICKET_PRIORITIES,
    TICKET_STATUSES,
)
from cli import ticket_links
from cli.command import Commands, configured_file_limit, open_gate, read_body
from cli.macros import register_on_tickets
from cli.output import (
    EXIT_REFUSED,
    EXIT_USAGE,
    CommandError,
    bounded_int,
    print_json,
    print_table,
    yes_no,
)
from cli.ticket_sla import due_within, moment, show_sla
from wording.file_text import attached_file
from wording.follow_up_text import follow_up_fields
from wording.link_text import copies_fields, link_fields
from wording.mail_text import attachment_text, delivery_text, posted_text
from wording.safe_text import one_line, visible

if TYPE_CHECKING:
    from access import Gate

NO_GROUP = "none"
# The changes with a one-ticket form at the gate; the others are a change to many of one.
ONE_TICKET = ("assign", "take", "move", "status", "close", "priority")
# What a reply may set the ticket to in the same go.
REPLY_STATUSES = (PENDING, RESOLVED)
UNASSIGNED = ("-", "none")


def register(commands: Commands) -> None:
    tickets = commands.noun("tickets")
    p = tickets.add(
        "list",
        list_tickets,
        help="the tickets you may see, newest activity first",
        description="The tickets you may see, filtered. Repeat --status, --priority, --group "
        "and --source for several. A page of --limit rows; stderr says when there are more.",
    )
    p.add_argument("--status", action="append", choices=TICKET_STATUSES, help="a status")
    p.add_argument("--priority", action="append", choices=TICKET_PRIORITIES, help="a priority")
    p.add_argument("--group", action="append", help=f"a usergroup, or {NO_GROUP}")
    p.add_argument("--source", action="append", help="a source")
    p.add_argument("--assignee", help="a username")
    p.add_argument("--requester", help="a username")
    p.add_argument("--mine", action="store_true", help="assigned to you")
    p.add_argument("--unassigned", action="store_true", help="assigned to nobody")
    p.add_argument("--search", help="words, numbers, a requester; #42 for a ticket")
    p.add_argument("--sort", choices=TICKET_ORDERS, default="activity", help="the order")
    p.add_argument("--breached", action="store_true", help="only those past a due time")
    p.add_argument(
        "--due-within",
        type=due_within,
        metavar="TIME",
        help="due within 30m, 1h, 2d (breached too)",
    )
    p.add_argument("--limit", type=bounded_int, default=50, help="rows to show (50)")
    p.add_argument("--offset", type=bounded_int, default=0, help="rows to skip")
    p.add_argument("--json", action="store_true")
    p = tickets.add("show", show_ticket, help="one ticket with its conversation")
    p.add_argument("number")
    p.add_argument("--json", action="store_true")
    p = tickets.add(
        "sla", show_sla, help="why a ticket is due then: policy, calendar, pauses, minutes"
    )
    p.add_argument("number")
    p.add_argument("--json", action="store_true")
    p = tickets.add("create", create_ticket, help="file a ticket, for yourself or a customer")
    p.add_argument("--subject", required=True)
    p.add_argument("--body", required=True, help="the text, or - to read standard input")
    p.add_argument("--group")
    p.add_argument("--source")
    p.add_argument("--private", action="store_true")
    p.add_argument("--priority", default=DEFAULT_PRIORITY, choices=TICKET_PRIORITIES)
    p.add_argument("--requester", help="file for a customer: their e-mail or username")
    p.add_argument("--requester-name", help="the name of a new requester (an unknown e-mail)")
    for name, handler, what, values in (
        ("assign", assign, "a username, or - to unassign", None),
        ("move", move, f"a usergroup, or {NO_GROUP}", None),
        ("status", set_status, "the new status", TICKET_STATUSES),
        ("priority", set_priority, "the new priority", TICKET_PRIORITIES),
    ):
        p = tickets.add(
            name,
            handler,
            help=f"{name} tickets: NUMBER VALUE, or NUMBER... --to VALUE",
            description=f"Change tickets: `{name} 42 VALUE`, or several with `--to`. "
            + (f"Values: {', '.join(values)}." if values else f"VALUE is {what}."),
        )
        p.add_argument("numbers", nargs="+", metavar="NUMBER", help="ticket numbers (#42 or 42)")
        p.add_argument("--to", metavar="VALUE", help=what)
        p.add_argument(
            "--dry-run", action="store_true", help="say what would change; write nothing"
        )
        p.add_argument("--json", action="store_true")
    p = tickets.add(
        "tag",
        tag,
        help="tag tickets: NUMBER... TAG [--remove]",
        description="Put a tag on tickets, or take it off with --remove. Find them with "
        '`tickets list --search "tag:TAG"`.',
    )
    p.add_argument("numbers", nargs="+", metavar="NUMBER", help="ticket numbers, then the tag")
    p.add_argument("--remove", action="store_true", help="take the tag off")
    p.add_argument("--dry-run", action="store_true", help="say what would change; write nothing")
    p.add_argument("--json", action="store_true")
    p = tickets.add(
        "field",
        set_field,
        help="set a custom field: NUMBER... FIELD VALUE",
        description='Set a custom field of tickets (`ticketty fields add "Order number"`); '
        "an empty VALUE clears it. Find them with `--search 'field:\"Order number\"=123'`.",
    )
    p.add_argument("numbers", nargs="+", metavar="NUMBER", help="ticket numbers")
    p.add_argument("field", help="the field's name")
    p.add_argument("value", help="its value")
    p.add_argument("--dry-run", action="store_true", help="say what would change; write nothing")
    p.add_argument("--json", action="store_true")
    for name, handler in (("take", take), ("close", close)):
        p = tickets.add(name, handler, help=f"{name} one or several tickets")
        p.add_argument("numbers", nargs="+", metavar="NUMBER", help="ticket numbers (#42 or 42)")
        p.add_argument(
            "--dry-run", action="store_true", help="say what would change; write nothing"
        )
        p.add_argument("--json", action="store_true")
    tickets.add("delete", delete, help="delete a ticket").add_argument("number")
    p = tickets.add("attachment", save_attachment, help="save an attachment of a message")
    p.add_argument("number")
    p.add_argument("attachment_id", type=bounded_int, metavar="ID")
    p.add_argument("--output", required=True, help="the file to write, or - for standard output")
    p = tickets.add("reply", reply, help="reply to the requester")
    p.add_argument("number")
    p.add_argument("--body", help="the text, or - to read standard input; after --canned's")
    p.add_argument("--canned", metavar="NAME", help="a canned reply, filled for the ticket")
    p.add_argument("--status", choices=REPLY_STATUSES, help="set the ticket so with the reply")
    p.add_argument(
        "--attach",
        action="append",
        default=[],
        metavar="FILE",
        help="attach a file (repeat for more); one over attachment_limit_mb refuses the reply",
    )
    p = tickets.add("note", note, help="add an internal note")
    p.add_argument("number")
    p.add_argument("--body", required=True, help="the text, or - to read standard input")
    register_on_tickets(tickets)
    p = tickets.add("follow", follow, help="follow a ticket: its changes notify you")
    p.add_argument("number")
    p.add_argument("--stop", action="store_true", help="stop following it")
    p = tickets.add("resend", resend, help="send a reply whose delivery failed once more")
    p.add_argument("number")
    p.add_argument("message", type=bounded_int, metavar="MESSAGE", help="the reply's id")
    ticket_links.register(tickets)


def ticket_json(row: TicketRow) -> dict[str, Any]:
    return {
        "number": row.number,
        "subject": row.subject,
        "source": row.source,
        "usergroup": row.usergroup,
        "status": row.status,
        "priority": row.priority,
        "assignee": row.assignee,
        "requester": row.requester,
        "private": row.private,
        "updated_at": row.updated_at.isoformat(),
        "version": row.version,
        "first_response_due": moment(row.first_response_due),
        "next_response_due": moment(row.next_response_due),
        "resolution_due": moment(row.resolution_due),
        "breached": row.breached,
        "tags": list(row.tags),
    }


def query_of(gate: Gate, args: argparse.Namespace) -> TicketQuery:
    """The filters by name, turned into the ids the gate's query takes."""
    groups: list[int | None] = []
    if args.group:
        known = {g.name: g.id for g in gate.groups.list_groups()}
        for name in args.group:
            if name == NO_GROUP:
                groups.append(None)
            elif name in known:
                groups.append(known[name])
            else:
                raise CommandError(f"no usergroup named {name!r}")
    sources: list[int] = []
    if args.source:
        known_sources = {s.name: s.id for s in gate.sources.list_sources()}
        for name in args.source:
            if name not in known_sources:
                raise CommandError(f"no source named {name!r}")
            sources.append(known_sources[name])
    return TicketQuery(
        statuses=tuple(args.status or ()),
        usergroups=tuple(groups),
        sources=tuple(sources),
        assignee=args.assignee,
        requester=args.requester,
        priorities=tuple(args.priority or ()),
        order=args.sort,
        mine=args.mine,
        unassigned=args.unassigned,
        search=args.search or "",
        breached=args.breached,
        due_within=args.due_within,
    )


def list_tickets(args: argparse.Namespace) -> int:
    if args.limit < 0 or args.offset < 0:
        raise CommandError("--limit and --offset must not be negative", EXIT_USAGE)
    gate = open_gate(args)
    query = query_of(gate, args)
    rows = gate.inbox.list_tickets(query, offset=args.offset, limit=args.limit)
    total = gate.inbox.count_tickets(query) if len(rows) == args.limit else None
    if args.json:
        print_json([ticket_json(r) for r in rows])
    else:
        _print_rows(rows)
    if total is not None and total > args.offset + len(rows):
        # After the rows: a reader that closed the pipe early has gone before this.
        print(
            f"ticketty: rows {args.offset + 1}-{args.offset + len(rows)} of {total}; "
            "--offset and --limit show others",
            file=sys.stderr,
        )
    return 0


def _print_rows(rows: list[TicketRow]) -> None:
    print_table(
        [
            [
                f"#{r.number}",
                r.subject[:60],
                r.requester,
                r.usergroup or "-",
                r.source,
                r.status,
                r.priority,
                r.assignee or "-",
                "private" if r.private else "",
            ]
            for r in rows
        ],
        [
            "number",
            "subject",
            "requester",
            "usergroup",
            "source",
            "status",
            "priority",
            "assignee",
            "",
        ],
    )


def show_ticket(args: argparse.Namespace) -> int:
    detail = open_gate(args).tickets.get_ticket(args.number)
    row = detail.row
    if args.json:
        data = ticket_json(row)
        data["requester_name"] = detail.requester_name
        data["requester_email"] = detail.requester_email
        data["channel"] = detail.channel
        data["requester_phone"] = detail.requester_phone
        data["group_fields"] = {f.name: f.value for f in detail.group_fields}
        data["fields"] = {f.name: f.value for f in detail.ticket_fields}
        data["follow_up_of"] = detail.links.follow_up_of
        data["follow_ups"] = list(detail.links.follow_ups)
        data["links"] = [link._asdict() for link in detail.related]
        data["copies"] = None if detail.copies is None else list(detail.copies)
        data["messages"] = [
            {
                "id": m.id,
                "kind": m.kind,
                "author": m.author,
                "body": m.body,
                "created_at": m.created_at.isoformat(),
                "attachments": [
                    {
                        "id": a.id,
                        "filename": a.filename,
                        "content_type": a.content_type,
                        "size": a.size,
                        "inline": a.inline,
                        "kept": a.kept,
                    }
                    for a in m.attachments
                ],
                **(
                    {"delivery": m.delivery, "delivery_error": m.delivery_error}
                    if m.delivery
                    else {}
                ),
            }
            for m in detail.messages
        ]
        print_json(data)
        return 0
    print(f"#{row.number} {one_line(row.subject)}")
    contact = " ".join(x for x in (detail.requester_email, detail.requester_phone) if x)
    fields = [
        ("status", row.status),
        ("priority", row.priority),
        ("requester", f"{detail.requester_name} ({row.requester}) {contact}".strip()),
        ("usergroup", row.usergroup or "-"),
        ("source", row.source),
        ("assignee", row.assignee or "-"),
        ("private", yes_no(row.private)),
    ]
    fields += copies_fields(detail.copies)
    fields += [("tags", " ".join(row.tags))] if row.tags else []
    fields += [(f.name, f.value) for f in detail.ticket_fields if f.value]
    fields += follow_up_fields(detail.links)
    fields += link_fields(detail.related)
    fields += [(f.name, f.value) for f in detail.group_fields if f.value]
    for name, value in fields:
        print(f"  {one_line(name):16} {one_line(value)}")
    for message in detail.messages:
        print(
            f"\n--- {MESSAGE_LABELS[message.kind]} by {message.author} at "
            f"{message.created_at:%Y-%m-%d %H:%M}"
        )
        print(visible(message.body))
        for attachment in message.attachments:
            print(f"  {attachment_text(attachment)}")
        if message.delivery:
            print(f"  [{delivery_text(message.delivery, message.delivery_error)}]")
        if message.delivery == FAILED:
            print(f"  (to send it again: ticketty tickets resend {row.number} {message.id})")
    return 0


def save_attachment(args: argparse.Namespace) -> int:
    listed, data = open_gate(args).tickets.attachment(args.number, args.attachment_id)
    if args.output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return 0
    target = Path(args.output)
    if target.is_dir():
        raise CommandError(f"{target} is a folder; name the file to write")
    target.write_bytes(data)
    print(f"saved {one_line(listed.filename)} ({listed.size} bytes) to {target}")
    return 0


def create_ticket(args: argparse.Namespace) -> int:
    number = open_gate(args).filing.create_ticket(
        args.subject,
        read_body(args.body),
        group=args.group,
        source=args.source,
        private=args.private,
        priority=args.priority,
        requester=args.requester,
        requester_name=args.requester_name,
    )
    print(number)
    return 0


def _numbers_and_value(args: argparse.Namespace) -> tuple[list[int], str]:
    """`42 VALUE` (the one-ticket form) or `42 43 --to VALUE`."""
    positional = list(args.numbers)
    if args.to is None:
        if len(positional) < 2:
            raise CommandError("give NUMBER VALUE, or NUMBER... --to VALUE", EXIT_USAGE)
        value = positional.pop()
    else:
        value = args.to
    return [parse_number(n) for n in positional], value


def _change(args: argparse.Namespace, kind: str, numbers: list[int], value: str | None) -> int:
    """One ticket without --dry-run: the gate's one-ticket action (a refusal is one line and
    its exit code; a ticket already so says so and exits 0). Several, or --dry-run: what the
    change did or would do to each; exit 1 when any ticket was skipped for a reason other than
    already being so. Both are the gate's one change pipeline (`access.change_pipeline`)."""
    gate = open_gate(args)
    if len(numbers) == 1 and not args.dry_run and kind in ONE_TICKET:
        number = numbers[0]
        single = {
            "assign": lambda: gate.changes.assign(number, value),
            "take": lambda: gate.changes.take(number),
            "move": lambda: gate.changes.move(number, value),
            "status": lambda: gate.changes.set_status(number, value or ""),
            "close": lambda: gate.changes.close(number),
            "priority": lambda: gate.changes.set_priority(number, value or ""),
        }
        single[kind]()
        return 0
    if args.dry_run:
        outcome = gate.changes.plan_bulk(kind, numbers, value)
    else:
        outcome = gate.changes.apply_bulk(kind, numbers, value)
    if args.json:
        print_json(
            {
                "change": outcome.change,
                "applied": outcome.applied,
                "changed": list(outcome.changed),
                "skipped": {reason: list(which) for reason, which in outcome.skipped},
            }
        )
    else:
        print(f"{outcome.change}: {outcome.summary()}")
        for reason, which in outcome.skipped:
            print(f"  {reason}: {' '.join(f'#{n}' for n in which)}")
    return 0 if outcome.nothing_to_do else EXIT_REFUSED


def tag(args: argparse.Namespace) -> int:
    """`tag 42 43 refund`: the tickets, then the tag; a change to many in every case."""
    if len(args.numbers) < 2:
        raise CommandError("give NUMBER... TAG", EXIT_USAGE)
    *numbers, name = args.numbers
    kind = "untag" if args.remove else "tag"
    return _change(args, kind, [parse_number(n) for n in numbers], name)


def set_field(args: argparse.Namespace) -> int:
    numbers = [parse_number(n) for n in args.numbers]
    return _change(args, "field", numbers, f"{args.field}={args.value}")


def assign(args: argparse.Namespace) -> int:
    numbers, person = _numbers_and_value(args)
    return _change(args, "assign", numbers, None if person in UNASSIGNED else person)


def take(args: argparse.Namespace) -> int:
    return _change(args, "take", [parse_number(n) for n in args.numbers], None)


def move(args: argparse.Namespace) -> int:
    numbers, group = _numbers_and_value(args)
    return _change(args, "move", numbers, None if group == NO_GROUP else group)


def set_status(args: argparse.Namespace) -> int:
    numbers, status = _numbers_and_value(args)
    return _change(args, "status", numbers, status)


def set_priority(args: argparse.Namespace) -> int:
    numbers, priority = _numbers_and_value(args)
    return _change(args, "priority", numbers, priority)


def close(args: argparse.Namespace) -> int:
    return _change(args, "close", [parse_number(n) for n in args.numbers], None)


def delete(args: argparse.Namespace) -> int:
    open_gate(args).tickets.delete_ticket(args.number)
    return 0


def reply(args: argparse.Namespace) -> int:
    """A reply (or the requester's own message), with the files of `--attach` read within the
    gate's limit before anything is written (one too big, a folder or unreadable is one line
    and nothing is sent); what became of it, when there is more to it than sent (a follow-up,
    not sent, a closed ticket staying closed), on standard error."""
    if args.body is None and args.canned is None:
        raise CommandError("give --body, --canned or both", EXIT_USAGE)
    gate = open_gate(args, configured_file_limit() if args.attach else None)
    files = [
        attached_file(Path(name).name, read_within(Path(name), gate.file_limit))
        for name in args.attach
    ]
    parts = [] if args.canned is None else [gate.replies.fill_reply(args.number, args.canned)]
    if args.body is not None:
        parts.append(read_body(args.body))
    posted = gate.messages.reply(args.number, "\n\n".join(parts), status=args.status, files=files)
    said = posted_text(posted)
    if said:
        print(said, file=sys.stderr)
    return 0


def resend(args: argparse.Namespace) -> int:
    open_gate(args).messages.resend(args.number, args.message)
    print(f"reply {args.message} of #{args.number.lstrip('#')} waits to send again")
    return 0


def note(args: argparse.Namespace) -> int:
    open_gate(args).messages.note(args.number, read_body(args.body))
    return 0


def follow(args: argparse.Namespace) -> int:
    notifications = open_gate(args).notifications
    number = args.number.lstrip("#")
    if args.stop:
        notifications.unfollow(args.number)
        print(f"you no longer follow #{number}")
    else:
        notifications.follow(args.number)
        print(f"you follow #{number}")
    return 0
