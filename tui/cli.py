"""The `ticketty` command: the TUI with no subcommand, and admin commands for scripts.

Every command acts as `--user` through the access gate, so the command line can do exactly what
the person could do in the app, and every change lands in the audit log.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from access import AccessError, Conflict, Gate, UnknownPerson
from access.catalogue import CATALOGUE
from access.views import TicketQuery, TicketRow
from store.db import DatabaseError, connect, resolve_location
from tui.safe_text import one_line, visible

EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_DATABASE = 3
EXIT_PERSON = 4
EXIT_CONFLICT = 5


class CommandError(Exception):
    """A refusal of the command line itself (not the gate's), with its exit code."""

    def __init__(self, message: str, code: int = EXIT_REFUSED) -> None:
        super().__init__(message)
        self.code = code


Handler = Callable[[argparse.Namespace], int]


# ------------------------------------------------------------------------------- helpers


def _user(args: argparse.Namespace) -> str:
    return args.user or os.environ.get("TICKETTY_USER") or getpass.getuser()


def _gate(args: argparse.Namespace) -> Gate:
    db = connect(resolve_location(args.db))
    return Gate(db, _user(args))


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def _table(rows: list[list[str]], headers: list[str]) -> None:
    cells = [[one_line(str(c)) for c in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def _ticket_json(row: TicketRow) -> dict[str, Any]:
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
    }


def _body(text: str) -> str:
    return sys.stdin.read() if text == "-" else text


# ------------------------------------------------------------------------ init and demo


def cmd_init(args: argparse.Namespace) -> int:
    """Create the database and its first administrator.

    Nobody exists yet to pass the gate, so this bootstrap writes the first role, person and
    source directly (with audit events), and refuses on a database that already has people."""
    from access.bootstrap import create_first_admin

    db = connect(resolve_location(args.db), create=True)
    create_first_admin(db, args.admin, args.name or args.admin)
    print(f"created {resolve_location(args.db)} with administrator {args.admin}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from access.demo import PERSONAS, build_demo

    location = resolve_location(args.db)
    path = Path(location)
    if path.exists() and path.stat().st_size > 0:
        if not args.force:
            raise CommandError(f"{path} exists; add --force to replace it with demo data")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    if args.tickets < 0:
        raise CommandError("--tickets must not be negative", EXIT_USAGE)
    db = connect(location, create=True)
    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task("tickets", total=args.tickets)
        summary = build_demo(
            db,
            tickets=args.tickets,
            seed=args.seed,
            progress=lambda done, total: bar.update(task, completed=done),
        )
    print(
        f"demo helpdesk in {location}: {summary.tickets} tickets, {summary.messages} messages, "
        f"{summary.people} people, {summary.usergroups} usergroups, {summary.sources} sources"
    )
    print("log in as one of:")
    for username, what in PERSONAS.items():
        print(f"  {username:4}  {what}")
    print(f"open it: ticketty --db {location} --user ada")
    return 0


# ------------------------------------------------------------------------------- people


def cmd_people(args: argparse.Namespace) -> int:
    gate = _gate(args)
    action = args.people_action
    if action == "list":
        people = gate.list_people()
        if args.json:
            _print_json([asdict(p) for p in people])
        else:
            _table(
                [
                    [
                        p.username,
                        p.display_name,
                        p.email,
                        p.phone,
                        "yes" if p.active else "no",
                        ", ".join(p.roles),
                    ]
                    for p in people
                ],
                ["username", "name", "email", "phone", "active", "roles"],
            )
    elif action == "add":
        gate.add_person(args.username, args.name, email=args.email or "", phone=args.phone or "")
    elif action == "edit":
        gate.edit_person(args.username, display_name=args.name, email=args.email, phone=args.phone)
    elif action in ("deactivate", "activate"):
        gate.set_active(args.username, action == "activate")
    elif action == "grant":
        gate.grant_role(args.username, args.role)
    elif action == "revoke":
        gate.revoke_role(args.username, args.role)
    return 0


# -------------------------------------------------------------------------------- roles


def cmd_roles(args: argparse.Namespace) -> int:
    action = args.roles_action
    if action == "catalogue":
        for group in CATALOGUE:
            print(f"{group.name}: {group.description}")
            for leaf in group.leaves:
                print(f"  {leaf.key:24} {leaf.description}")
        return 0
    gate = _gate(args)
    if action == "list":
        roles = gate.list_roles()
        if args.json:
            _print_json([_role_json(r) for r in roles])
        else:
            _table(
                [
                    [r.name, str(len(r.permissions)), _scope_text(r), ", ".join(r.holders)]
                    for r in roles
                ],
                ["role", "permissions", "scope", "holders"],
            )
    elif action == "show":
        role = gate.get_role(args.name)
        if args.json:
            _print_json(_role_json(role))
        else:
            print(f"role {one_line(role.name)}: {_scope_text(role)}")
            print("holders: " + (", ".join(role.holders) or "nobody"))
            for key in sorted(role.permissions):
                print(f"  {key}")
    elif action == "create":
        gate.create_role(
            args.name,
            args.permission or (),
            all_sources=not args.source,
            sources=args.source or (),
            ticket_scope=args.scope,
        )
    elif action == "copy":
        gate.copy_role(args.name, args.new)
    elif action == "rename":
        gate.rename_role(args.name, args.new)
    elif action == "delete":
        gate.delete_role(args.name)
    elif action in ("permit", "forbid"):
        current = set(gate.get_role(args.name).permissions)
        wanted = (
            current | set(args.permissions)
            if action == "permit"
            else (current - set(args.permissions))
        )
        gate.set_role_permissions(args.name, wanted)
    elif action == "scope":
        role = gate.get_role(args.name)
        sources = args.source or ()
        all_sources = args.all_sources or (not sources and role.all_sources)
        gate.set_role_scope(
            args.name,
            all_sources=all_sources,
            sources=() if all_sources else (sources or role.sources),
            ticket_scope=args.tickets or role.ticket_scope,
        )
    return 0


def _role_json(role: Any) -> dict[str, Any]:
    data = asdict(role)
    data["permissions"] = sorted(role.permissions)
    return data


def _scope_text(role: Any) -> str:
    sources = "all sources" if role.all_sources else ", ".join(role.sources) or "no source"
    return f"{role.ticket_scope} tickets in {sources}"


# ------------------------------------------------------------------------------- groups


def cmd_groups(args: argparse.Namespace) -> int:
    gate = _gate(args)
    action = args.groups_action
    if action == "list":
        groups = gate.list_groups()
        if args.json:
            _print_json([asdict(g) for g in groups])
        else:
            _table(
                [
                    [
                        g.name,
                        ", ".join(g.supervisors),
                        ", ".join(g.members),
                        "; ".join(f"{f.name}: {f.value}" for f in g.fields if f.value),
                    ]
                    for g in groups
                ],
                ["usergroup", "supervisors", "members", "fields"],
            )
    elif action == "create":
        gate.create_group(args.name)
    elif action == "rename":
        gate.rename_group(args.name, args.new)
    elif action == "delete":
        if not args.move_tickets_to and not args.orphan_tickets:
            count = gate.group_ticket_count(args.name)
            if count:
                raise CommandError(
                    f"{args.name} has {count} tickets: add --move-tickets-to GROUP to move them, "
                    "or --orphan-tickets to leave them without a group"
                )
        moved = gate.delete_group(args.name, move_tickets_to=args.move_tickets_to)
        print(f"deleted {args.name}; {moved} tickets moved")
    elif action in ("add-member", "remove-member", "add-supervisor", "remove-supervisor"):
        method = getattr(gate, action.replace("-", "_"))
        method(args.group, args.username)
    elif action == "fields":
        fields = gate.list_fields(include_retired=True)
        if args.json:
            _print_json([asdict(f) for f in fields])
        else:
            _table(
                [
                    [f.name, f.kind, "yes" if f.required else "no", "yes" if f.retired else "no"]
                    for f in fields
                ],
                ["field", "kind", "required", "retired"],
            )
    elif action == "define-field":
        gate.define_field(args.name, args.kind, required=args.required)
    elif action == "set-field":
        gate.set_field_value(args.group, args.field, args.value)
    return 0


# ------------------------------------------------------------------------------ sources


def cmd_sources(args: argparse.Namespace) -> int:
    gate = _gate(args)
    action = args.sources_action
    if action == "list":
        sources = gate.list_sources()
        if args.json:
            _print_json([asdict(s) for s in sources])
        else:
            _table(
                [[s.name, s.kind, "archived" if s.archived else ""] for s in sources],
                ["source", "kind", "state"],
            )
    elif action == "add":
        gate.add_source(args.name, args.kind)
    elif action == "rename":
        gate.rename_source(args.name, args.new)
    elif action in ("archive", "restore"):
        gate.set_archived(args.name, action == "archive")
    return 0


# ------------------------------------------------------------------------------- access


def cmd_access(args: argparse.Namespace) -> int:
    gate = _gate(args)
    if args.access_action == "who":
        holders = gate.who(args.permission)
        if not holders:
            print(f"nobody holds {args.permission}")
        for holder in holders:
            print(f"{holder.username:12} {one_line(holder.display_name):24} {one_line(holder.via)}")
        return 0
    who = args.person or gate.username
    if args.permission:
        reasons = gate.explain_permission(args.permission, number=args.ticket, username=args.person)
        if not reasons:
            print(
                f"{who} does not hold {args.permission}"
                + (f" on #{args.ticket}" if args.ticket else "")
            )
    elif args.ticket:
        reasons = gate.explain_ticket(args.ticket, args.person)
        if not reasons:
            print(f"{who} does not see #{args.ticket}")
    else:
        raise CommandError("say --ticket N, --permission P, or both", EXIT_USAGE)
    for reason in reasons:
        print(f"{reason.rule:10} {one_line(reason.detail)}")
    return 0


# ------------------------------------------------------------------------------ tickets


def _query(gate: Gate, args: argparse.Namespace) -> TicketQuery:
    groups: list[int | None] = []
    if args.group:
        known = {g.name: g.id for g in gate.list_groups()}
        for name in args.group:
            if name == "none":
                groups.append(None)
            elif name in known:
                groups.append(known[name])
            else:
                raise CommandError(f"no usergroup named {name!r}")
    sources: list[int] = []
    if args.source:
        known_sources = {s.name: s.id for s in gate.list_sources()}
        for name in args.source:
            if name not in known_sources:
                raise CommandError(f"no source named {name!r}")
            sources.append(known_sources[name])
    return TicketQuery(
        statuses=tuple(args.status or ()),
        usergroups=tuple(groups),
        sources=tuple(sources),
        assignee=args.assignee,
        mine=args.mine,
        unassigned=args.unassigned,
        search=args.search or "",
    )


def cmd_tickets(args: argparse.Namespace) -> int:
    gate = _gate(args)
    action = args.tickets_action
    if action == "list":
        if args.limit < 0 or args.offset < 0:
            raise CommandError("--limit and --offset must not be negative", EXIT_USAGE)
        rows = gate.list_tickets(_query(gate, args), offset=args.offset, limit=args.limit)
        if args.json:
            _print_json([_ticket_json(r) for r in rows])
        else:
            _table(
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
    elif action == "show":
        _show_ticket(gate, args.number, args.json)
    elif action == "create":
        number = gate.create_ticket(
            args.subject,
            _body(args.body),
            group=args.group,
            source=args.source,
            private=args.private,
            priority=args.priority,
        )
        print(number)
    elif action == "assign":
        target = None if args.person in ("-", "none") else args.person
        gate.assign(args.number, target)
    elif action == "take":
        gate.take(args.number)
    elif action == "move":
        gate.move(args.number, None if args.group == "none" else args.group)
    elif action == "status":
        gate.set_status(args.number, args.status)
    elif action == "close":
        gate.close(args.number)
    elif action == "reply":
        gate.reply(args.number, _body(args.body))
    elif action == "note":
        gate.note(args.number, _body(args.body))
    elif action == "delete":
        gate.delete_ticket(args.number)
    return 0


def _show_ticket(gate: Gate, number: str, as_json: bool) -> None:
    detail = gate.get_ticket(number)
    row = detail.row
    if as_json:
        data = _ticket_json(row)
        data["requester_name"] = detail.requester_name
        data["requester_email"] = detail.requester_email
        data["requester_phone"] = detail.requester_phone
        data["group_fields"] = {f.name: f.value for f in detail.group_fields}
        data["messages"] = [
            {
                "kind": m.kind,
                "author": m.author,
                "body": m.body,
                "created_at": m.created_at.isoformat(),
            }
            for m in detail.messages
        ]
        _print_json(data)
        return
    print(f"#{row.number} {one_line(row.subject)}")
    contact = " ".join(x for x in (detail.requester_email, detail.requester_phone) if x)
    fields = [
        ("status", row.status),
        ("priority", row.priority),
        ("requester", f"{detail.requester_name} ({row.requester}) {contact}".strip()),
        ("usergroup", row.usergroup or "-"),
        ("source", row.source),
        ("assignee", row.assignee or "-"),
        ("private", "yes" if row.private else "no"),
    ]
    fields += [(f.name, f.value) for f in detail.group_fields if f.value]
    for name, value in fields:
        print(f"  {one_line(name):16} {one_line(value)}")
    labels = {"customer": "CUSTOMER", "reply": "REPLY", "note": "INTERNAL NOTE"}
    for message in detail.messages:
        print(
            f"\n--- {labels[message.kind]} by {message.author} at "
            f"{message.created_at:%Y-%m-%d %H:%M}"
        )
        print(visible(message.body))


# -------------------------------------------------------------------------------- audit


def cmd_audit(args: argparse.Namespace) -> int:
    gate = _gate(args)
    if args.audit_action == "verify":
        from access.audit import verify_chain

        gate.list_audit(limit=1)  # the gate checks audit.view
        broken = verify_chain()
        if broken is not None:
            raise CommandError(f"the audit log was altered at event {broken}")
        print("the audit log is whole")
        return 0
    events = gate.list_audit(person=args.person, ticket=args.ticket, limit=args.limit)
    if args.json:
        _print_json([asdict(e) for e in events])
    else:
        _table(
            [
                [
                    str(e.id),
                    f"{e.at:%Y-%m-%d %H:%M:%S}",
                    e.actor or "-",
                    e.action,
                    f"{e.target_kind} {e.target_id or ''}".strip(),
                    e.before[:40],
                    e.after[:40],
                ]
                for e in events
            ],
            ["id", "at", "who", "action", "target", "before", "after"],
        )
    return 0


# ------------------------------------------------------------------------------ reports


def cmd_reports(args: argparse.Namespace) -> int:
    rows = _gate(args).workload()
    if args.json:
        _print_json([asdict(r) for r in rows])
    else:
        _table(
            [
                [
                    r.username,
                    str(r.open_assigned),
                    str(r.replies_30d),
                    "-"
                    if r.median_first_response_minutes is None
                    else f"{r.median_first_response_minutes:.0f} min",
                ]
                for r in rows
            ],
            ["agent", "open assigned", "replies 30d", "median first reply"],
        )
    return 0


# ----------------------------------------------------------------------------- the app


def cmd_app(args: argparse.Namespace) -> int:
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise CommandError("ticketty needs a terminal; use a subcommand for scripts", EXIT_USAGE)
    from tui.app import run_app  # refuses an unknown person or a bad database in one line

    return run_app(resolve_location(args.db), _user(args))


# ------------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    def options(default: Any) -> argparse.ArgumentParser:
        """`--db` and `--user`, accepted before or after the subcommand."""
        holder = argparse.ArgumentParser(add_help=False)
        holder.add_argument(
            "--db", default=default, help="SQLite file or postgresql:// URL (env TICKETTY_DB)"
        )
        holder.add_argument(
            "--user", default=default, help="act as this person (env TICKETTY_USER)"
        )
        return holder

    # Subcommands must not reset what was given before them, hence SUPPRESS there.
    common = options(argparse.SUPPRESS)
    parser = argparse.ArgumentParser(
        prog="ticketty",
        parents=[options(None)],
        description="A helpdesk that lives in the terminal.",
    )
    parser.set_defaults(handler=cmd_app)
    commands = parser.add_subparsers(dest="command")

    def sub(parent: Any, name: str, handler: Handler | None = None, **kw: Any) -> Any:
        p = parent.add_parser(name, parents=[common], **kw)
        if handler is not None:
            p.set_defaults(handler=handler)
        return p

    init = sub(commands, "init", cmd_init, help="create the database and a first admin")
    init.add_argument("--admin", required=True)
    init.add_argument("--name")
    demo = sub(commands, "demo", cmd_demo, help="fill a database with demo data")
    demo.add_argument("--tickets", type=int, default=2000)
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--force", action="store_true", help="replace an existing file")

    people = sub(commands, "people", cmd_people).add_subparsers(dest="people_action", required=True)
    sub(people, "list").add_argument("--json", action="store_true")
    for name in ("add", "edit"):
        p = sub(people, name)
        p.add_argument("username")
        p.add_argument("--name", required=name == "add")
        p.add_argument("--email")
        p.add_argument("--phone")
    for name in ("deactivate", "activate"):
        sub(people, name).add_argument("username")
    for name in ("grant", "revoke"):
        p = sub(people, name)
        p.add_argument("username")
        p.add_argument("role")

    roles = sub(commands, "roles", cmd_roles).add_subparsers(dest="roles_action", required=True)
    sub(roles, "list").add_argument("--json", action="store_true")
    sub(roles, "catalogue")
    p = sub(roles, "show")
    p.add_argument("name")
    p.add_argument("--json", action="store_true")
    p = sub(roles, "create")
    p.add_argument("name")
    p.add_argument("--permission", action="append")
    p.add_argument("--source", action="append")
    p.add_argument("--scope", default="all", choices=["all", "usergroups", "own"])
    for name in ("copy", "rename"):
        p = sub(roles, name)
        p.add_argument("name")
        p.add_argument("new")
    sub(roles, "delete").add_argument("name")
    for name in ("permit", "forbid"):
        p = sub(roles, name)
        p.add_argument("name")
        p.add_argument("permissions", nargs="+")
    p = sub(roles, "scope")
    p.add_argument("name")
    p.add_argument("--all-sources", action="store_true")
    p.add_argument("--source", action="append")
    p.add_argument("--tickets", choices=["all", "usergroups", "own"])

    groups = sub(commands, "groups", cmd_groups).add_subparsers(dest="groups_action", required=True)
    sub(groups, "list").add_argument("--json", action="store_true")
    sub(groups, "create").add_argument("name")
    p = sub(groups, "rename")
    p.add_argument("name")
    p.add_argument("new")
    p = sub(groups, "delete")
    p.add_argument("name")
    p.add_argument("--move-tickets-to")
    p.add_argument("--orphan-tickets", action="store_true")
    for name in ("add-member", "remove-member", "add-supervisor", "remove-supervisor"):
        p = sub(groups, name)
        p.add_argument("group")
        p.add_argument("username")
    sub(groups, "fields").add_argument("--json", action="store_true")
    p = sub(groups, "define-field")
    p.add_argument("name")
    p.add_argument("--kind", default="text", choices=["text", "phone", "email", "url", "address"])
    p.add_argument("--required", action="store_true")
    p = sub(groups, "set-field")
    p.add_argument("group")
    p.add_argument("field")
    p.add_argument("value")

    sources = sub(commands, "sources", cmd_sources).add_subparsers(
        dest="sources_action", required=True
    )
    sub(sources, "list").add_argument("--json", action="store_true")
    p = sub(sources, "add")
    p.add_argument("name")
    p.add_argument("--kind", default="email", choices=["email", "marketplace", "web", "phone"])
    p = sub(sources, "rename")
    p.add_argument("name")
    p.add_argument("new")
    sub(sources, "archive").add_argument("name")
    sub(sources, "restore").add_argument("name")

    access = sub(commands, "access", cmd_access).add_subparsers(dest="access_action", required=True)
    p = sub(access, "explain")
    p.add_argument("--ticket")
    p.add_argument("--permission")
    p.add_argument("--person")
    sub(access, "who").add_argument("permission")

    tickets = sub(commands, "tickets", cmd_tickets).add_subparsers(
        dest="tickets_action", required=True
    )
    p = sub(tickets, "list")
    p.add_argument("--status", action="append")
    p.add_argument("--group", action="append")
    p.add_argument("--source", action="append")
    p.add_argument("--assignee")
    p.add_argument("--mine", action="store_true")
    p.add_argument("--unassigned", action="store_true")
    p.add_argument("--search")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--offset", type=int, default=0)
    p.add_argument("--json", action="store_true")
    p = sub(tickets, "show")
    p.add_argument("number")
    p.add_argument("--json", action="store_true")
    p = sub(tickets, "create")
    p.add_argument("--subject", required=True)
    p.add_argument("--body", required=True, help="the text, or - to read standard input")
    p.add_argument("--group")
    p.add_argument("--source")
    p.add_argument("--private", action="store_true")
    p.add_argument("--priority", default="normal")
    p = sub(tickets, "assign")
    p.add_argument("number")
    p.add_argument("person", help="a username, or - to unassign")
    for name in ("take", "close", "delete"):
        sub(tickets, name).add_argument("number")
    p = sub(tickets, "move")
    p.add_argument("number")
    p.add_argument("group", help="a usergroup, or none")
    p = sub(tickets, "status")
    p.add_argument("number")
    p.add_argument("status")
    for name in ("reply", "note"):
        p = sub(tickets, name)
        p.add_argument("number")
        p.add_argument("--body", required=True, help="the text, or - to read standard input")

    reports = sub(commands, "reports", cmd_reports).add_subparsers(
        dest="reports_action", required=True
    )
    sub(reports, "workload").add_argument("--json", action="store_true")

    audit = sub(commands, "audit", cmd_audit).add_subparsers(dest="audit_action", required=True)
    p = sub(audit, "list")
    p.add_argument("--person")
    p.add_argument("--ticket", type=int)
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true")
    sub(audit, "verify")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except UnknownPerson as exc:
        return _fail(str(exc), EXIT_PERSON)
    except Conflict as exc:
        return _fail(str(exc), EXIT_CONFLICT)
    except AccessError as exc:
        return _fail(str(exc), EXIT_REFUSED)
    except DatabaseError as exc:
        return _fail(str(exc), EXIT_DATABASE)
    except CommandError as exc:
        return _fail(str(exc), exc.code)
    except KeyboardInterrupt:
        return _fail("interrupted; nothing half-done was written", 130)


def _fail(message: str, code: int) -> int:
    print(f"ticketty: {one_line(message)}", file=sys.stderr)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
