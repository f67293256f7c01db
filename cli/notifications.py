"""`ticketty notifications`: list them, mark them read, and the preferences that steer them."""

from __future__ import annotations

import argparse

from access.notify_events import EVENTS, MAIL_AWAY, MAIL_CHOICES
from access.notify_settings import TERMINAL_CHOICES
from cli.command import Commands, open_gate
from cli.output import EXIT_USAGE, CommandError, bounded_int, plain, print_json, print_listing
from wording.notification_text import EVENT_LABELS, notification_sentence

ON, OFF = "on", "off"


def register(commands: Commands) -> None:
    notifications = commands.noun("notifications")
    p = notifications.add("list", list_notifications, help="newest first")
    p.add_argument("--unread", action="store_true", help="only those not read")
    p.add_argument("--json", action="store_true")
    p = notifications.add("read", mark_read, help="mark notifications read: ID... or --all")
    p.add_argument("ids", nargs="*", type=bounded_int, metavar="ID")
    p.add_argument("--all", action="store_true", help="every notification")
    p = notifications.add(
        "prefs",
        preferences,
        help="show or change your preferences",
        description="With --event, change that event's preference (--in-app, --mail); "
        "the other options change the settings for all events. Mail `on` is `away`: "
        "only while you are not connected.",
    )
    p.add_argument("--event", choices=EVENTS)
    p.add_argument("--in-app", choices=(ON, OFF))
    p.add_argument("--mail", choices=(ON, *MAIL_CHOICES))
    p.add_argument(
        "--quiet", metavar="HH:MM-HH:MM", help="quiet hours, mail waits; 00:00-00:00: none"
    )
    p.add_argument("--zone", metavar="ZONE", help="the quiet hours' time zone (Europe/Warsaw)")
    p.add_argument("--digest", type=bounded_int, metavar="MINUTES", help="0: a mail per event")
    p.add_argument("--bell", choices=TERMINAL_CHOICES)
    p.add_argument("--desktop", choices=TERMINAL_CHOICES)
    p.add_argument("--json", action="store_true")
    p = notifications.add(
        "follow", follow_queue, help="new tickets in a source or usergroup notify you"
    )
    p.add_argument("--source", metavar="NAME")
    p.add_argument("--group", metavar="NAME", help="a usergroup")
    p.add_argument("--stop", action="store_true", help="stop following it")


def list_notifications(args: argparse.Namespace) -> int:
    return print_listing(
        args.json,
        open_gate(args).notifications.list_notifications(unread=args.unread),
        ["id", "when", "read", "what", "subject"],
        lambda n: [
            str(n.id),
            n.created_at.strftime("%Y-%m-%d %H:%M"),
            "yes" if n.read else "",
            notification_sentence(n),
            n.subject,
        ],
        lambda n: {**plain(n), "what": notification_sentence(n)},
    )


def mark_read(args: argparse.Namespace) -> int:
    if args.all == bool(args.ids):
        raise CommandError("name notification ids, or --all", EXIT_USAGE)
    gate = open_gate(args)
    marked = (
        gate.notifications.mark_all_read() if args.all else gate.notifications.mark_read(args.ids)
    )
    print(f"{marked} marked read")
    return 0


def follow_queue(args: argparse.Namespace) -> int:
    if (args.source is None) == (args.group is None):
        raise CommandError("name --source or --group", EXIT_USAGE)
    notifications = open_gate(args).notifications
    if args.stop:
        notifications.unfollow_queue(source=args.source, group=args.group)
        print("no longer followed")
    else:
        notifications.follow_queue(source=args.source, group=args.group)
        print("followed: new tickets there notify you")
    return 0


def preferences(args: argparse.Namespace) -> int:
    gate = open_gate(args)
    per_event = args.in_app is not None or args.mail is not None
    if per_event and args.event is None:
        raise CommandError("--in-app and --mail need --event", EXIT_USAGE)
    if args.event is not None and not per_event:
        raise CommandError("--event needs --in-app or --mail", EXIT_USAGE)
    if per_event:
        gate.notifications.set_preference(
            args.event,
            in_app=None if args.in_app is None else args.in_app == ON,
            mail=MAIL_AWAY if args.mail == ON else args.mail,
        )
    settings = _settings_asked(args)
    if settings:
        gate.notifications.change_settings(**settings)
    prefs, current = gate.notifications.preferences()
    followed = gate.notifications.followed_queues()
    if args.json:
        print_json(
            {"events": plain(prefs), "settings": plain(current), "following": plain(followed)}
        )
        return 0
    print_listing(
        False,
        prefs,
        ["event", "in app", "mail", "what"],
        lambda p: [p.event, ON if p.in_app else OFF, p.mail, EVENT_LABELS[p.event]],
    )
    quiet = (
        "none"
        if current.quiet_from == current.quiet_until
        else f"{current.quiet_from}-{current.quiet_until} {current.zone}"
    )
    digest = f"every {current.digest_minutes} minutes" if current.digest_minutes else "off"
    print(f"quiet hours: {quiet}; mail digest: {digest}")
    print(f"bell: {current.bell}; desktop: {current.desktop}")
    shown = ", ".join(f"{f.kind} {f.name}" for f in followed) or "no source or usergroup"
    print(f"following new tickets in: {shown}")
    return 0


def _settings_asked(args: argparse.Namespace) -> dict[str, object]:
    asked: dict[str, object] = {}
    if args.quiet is not None:
        start, _, end = args.quiet.partition("-")
        asked.update(quiet_from=start.strip(), quiet_until=end.strip())
    if args.digest is not None:
        asked["digest_minutes"] = args.digest
    for name in ("bell", "desktop", "zone"):
        if getattr(args, name) is not None:
            asked[name] = getattr(args, name)
    return asked
