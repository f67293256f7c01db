"""Notifications are made here, inside the transaction of the change that causes them: the
write paths (`access.change_pipeline`, `access.filing`, `access.messages`, mail intake through
`access.filing.customer_wrote`) call one function each. Whoever made the change is never
notified of it; each person gets one notification per ticket and change, the most telling
one; the people's preferences are read in one statement and the notifications written in one
insert, however many people a change concerns.

Whether the person may still see the ticket is not asked here: it is asked when a notification
is read or mailed (`access.notifications`, `access.notify_mail`), so that a person who lost
sight of a ticket in between learns nothing of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

import peewee

from access import scope
from access.catalogue import TICKETS_VIEW, TICKETS_VIEW_NOTES
from access.errors import InvalidInput
from access.grants import read_grants
from access.vocabulary import NOTE
from store.among import among
from store.models import Draft, GroupSupervisor, Message, Person, Ticket
from store.notification_models import (
    Follow,
    GroupFollow,
    Notification,
    NotificationPreference,
    SourceFollow,
)
from store.prepared import NumbersQuery, PreparedInsert, PreparedSelect, padded
from store.rows import tuple_rows

# What happened, for the person notified. The service-level ones (SLA_SOON before a due time,
# SLA_MISSED at it) are made by `access.sla_warnings`, without an actor. DRAFT_LEFT: a ticket on
# which the person keeps a draft changed since.
ASSIGNED = "assigned"
CUSTOMER_WROTE = "customer_wrote"
NEW_TICKET = "new_ticket"
MENTIONED = "mentioned"
FOLLOWED = "followed"
SLA_SOON = "sla_soon"
SLA_MISSED = "sla_missed"
DRAFT_LEFT = "draft_left"
RULE_NOTICE = "rule_notice"  # a rule's notify: action (`access.rule_notices`)
EVENTS = (
    ASSIGNED,
    CUSTOMER_WROTE,
    NEW_TICKET,
    MENTIONED,
    FOLLOWED,
    SLA_SOON,
    SLA_MISSED,
    DRAFT_LEFT,
    RULE_NOTICE,
)

# How an event reaches a person by mail: never, when they are not connected, or always.
MAIL_OFF, MAIL_AWAY, MAIL_ALWAYS = "off", "away", "always"
MAIL_CHOICES = (MAIL_OFF, MAIL_AWAY, MAIL_ALWAYS)

# Without a preference of their own: every event in the app; by mail, when away, those
# addressed to the person alone.
DEFAULT_MAIL = {
    ASSIGNED: MAIL_AWAY,
    CUSTOMER_WROTE: MAIL_AWAY,
    NEW_TICKET: MAIL_OFF,
    MENTIONED: MAIL_AWAY,
    FOLLOWED: MAIL_OFF,
    SLA_SOON: MAIL_OFF,
    SLA_MISSED: MAIL_AWAY,
    DRAFT_LEFT: MAIL_OFF,
    RULE_NOTICE: MAIL_AWAY,
}

_INSERT = PreparedInsert(
    Notification,
    ("person", "ticket", "event", "actor", "message", "created_at", "in_app", "mail_state", "rule"),
)

# `@name` at the start or after a space or an opening mark: an e-mail address is no mention.
_MENTION = re.compile(r"(?:^|(?<=[\s(\[{,;:]))@([a-z][a-z0-9._-]{0,31})")


class Pending(NamedTuple):
    """A notification to make: for `person`, about `ticket`."""

    person: int
    ticket: int
    event: str
    message: int | None = None
    rule: str = ""  # the rule whose `notify:` it is


def mentioned_names(body: str) -> list[str]:
    """The usernames a note mentions (`@ola`), each once, in order; a trailing full stop is
    the sentence's, not the name's."""
    return list(dict.fromkeys(name.rstrip(".") for name in _MENTION.findall(body)))


def check_mentions(number: int, body: str) -> list[int]:
    """The people a note on ticket `number` mentions, by id; `InvalidInput` for a name
    nobody has, or for someone who could not read the note there (nobody learns of a ticket
    through a mention)."""
    found = mentions_on([number], body)[number]
    if isinstance(found, InvalidInput):
        raise found
    return found


def mentions_on(numbers: Sequence[int], body: str) -> dict[int, list[int] | InvalidInput]:
    """`check_mentions` of one note on each of `numbers`, what it returns or what it raises:
    the people named read once, and for each of them which of the tickets they see and on
    which they may read notes, in one statement."""
    names = mentioned_names(body)
    if not names:
        return {number: [] for number in numbers}
    people = dict(
        tuple_rows(
            Person.select(Person.username, Person.id).where(
                Person.username.in_(names) & Person.active
            )
        )
    )
    readable = {name: _notes_readable(person, numbers) for name, person in people.items()}
    found: dict[int, list[int] | InvalidInput] = {}
    for number in numbers:
        refusal = next(
            (why for name in names if (why := _refusal(name, number, readable.get(name)))), None
        )
        found[number] = (
            InvalidInput(f"{refusal}; the note was not sent")
            if refusal
            else [people[name] for name in names]
        )
    return found


def _refusal(name: str, number: int, readable: dict[int, bool] | None) -> str | None:
    """Why `name` may not be mentioned on ticket `number` (`readable`: `_notes_readable` of
    them; None: nobody active has the name)."""
    if readable is None:
        return f"nobody is named @{name}"
    if number not in readable:
        return f"@{name} cannot see #{number}"
    if not readable[number]:
        return f"@{name} may not read notes on #{number}"
    return None


def _notes_readable(person: int, numbers: Sequence[int]) -> dict[int, bool]:
    """Of `numbers`, the tickets the active `person` sees, and whether they may read notes
    on each."""
    grants = read_grants(Person.id == person)
    assert grants is not None  # an active person, read in this transaction
    notes = peewee.Case(None, [(scope.may(grants, TICKETS_VIEW_NOTES), 1)], 0)
    query = Ticket.select(Ticket.number, notes).where(
        among(Ticket.number, numbers) & scope.may(grants, TICKETS_VIEW)
    )
    return {number: bool(flag) for number, flag in tuple_rows(query)}


def mention_refusal(person: int, name: str, number: int) -> str | None:
    """Why the active person `name` (id `person`) may not be mentioned in a note on ticket
    `number`; None when they may read it."""
    return _refusal(name, number, _notes_readable(person, [number]))


def tickets_changed(
    actor: int, field: str, value: object, numbers: list[int], at: datetime
) -> None:
    """A change of the pipeline (`field` set to `value` on `numbers`): the new assignee is
    told it is theirs, the tickets' followers that they changed."""
    pending = []
    if field == "assignee" and isinstance(value, int):
        pending += [Pending(value, number, ASSIGNED) for number in numbers]
    pending += _followers(numbers, FOLLOWED)
    deliver(actor, pending, at)


def source_followers(source: int) -> list[tuple[int]]:
    """The people following `source`, as rows of one person each (for `ticket_filed`)."""
    return [(int(person),) for (person,) in _SOURCE_FOLLOWERS.rows(source)]


def ticket_filed(
    actor: int,
    number: int,
    source: int,
    group: int | None,
    private: bool,
    at: datetime,
    followers: list[tuple[int]] | None = None,
) -> None:
    """A new ticket: the supervisors of its group are told (not of a private one, which
    supervision does not reach), and the people who follow its source or its group (whether
    they may see it is asked when they read it). One statement finds them all; without a group
    (mail), one built once, or none when the caller read the source's `followers` already."""
    watchers: Iterable[tuple[Any, ...]]
    if group is None:
        watchers = _SOURCE_FOLLOWERS.rows(source) if followers is None else followers
    else:
        query: peewee.SelectBase = SourceFollow.select(SourceFollow.person).where(
            SourceFollow.source == source
        ) | GroupFollow.select(GroupFollow.person).where(GroupFollow.usergroup == group)
        if not private:
            query = query | GroupSupervisor.select(GroupSupervisor.person).where(
                GroupSupervisor.usergroup == group
            )
        watchers = tuple_rows(query)
    deliver(actor, [Pending(person, number, NEW_TICKET) for (person,) in watchers], at)


def customer_wrote(number: int, message: int, at: datetime) -> None:
    """The requester wrote `message` on ticket `number` (in the app or by mail, which the
    mail channel's person files): its assignee and followers are told, the writer as actor."""
    query = (
        Message.select(Message.author, Ticket.assignee)
        .join(Ticket, on=(Message.ticket == Ticket.number))
        .where(Message.id == message)
    )
    ((author, assignee),) = tuple_rows(query)
    pending = [] if assignee is None else [Pending(assignee, number, CUSTOMER_WROTE, message)]
    deliver(author, pending + _followers([number], FOLLOWED, message), at)


def message_added(
    actor: int, number: int, message: int, kind: str, body: str, at: datetime
) -> None:
    """An agent's reply or note: the people a note mentions (checked: `check_mentions`)
    and the ticket's followers are told."""
    mentioned = check_mentions(number, body) if kind == NOTE else []
    messages_added(actor, {number: message}, {number: mentioned}, at)


def messages_added(
    actor: int, messages: Mapping[int, int], mentioned: Mapping[int, list[int]], at: datetime
) -> None:
    """Agent's replies or notes on many tickets (`messages`: ticket number to message id), the
    people each mentions already checked (`mentioned`): one read of the followers, one of the
    preferences, one insert."""
    pending = [
        Pending(person, number, MENTIONED, messages[number])
        for number, people in mentioned.items()
        for person in people
    ]
    followers = _followers(messages, FOLLOWED)
    pending += [
        p._replace(message=messages[p.ticket]) if p.event == FOLLOWED else p for p in followers
    ]
    deliver(actor, pending, at)


def _followers(numbers: Iterable[int], event: str, message: int | None = None) -> list[Pending]:
    """The tickets' followers (told `event`), then the people who left a draft on them (told
    that the ticket changed since), in one statement; a follower's own notification comes
    first, and `deliver` keeps one per person and ticket."""
    numbers = list(numbers)
    if not numbers:
        return []
    if len(numbers) == 1:  # most changes: the statement built once
        rows = _ONE_TICKETS_FOLLOWERS.rows(numbers[0], numbers[0])
    else:
        rows = _FOLLOWERS.raw_rows(
            None,
            padded(numbers),
            lambda listed: _followers_query(
                among(Follow.ticket, listed), among(Draft.ticket, listed)
            ),
        )
    return [
        Pending(person, ticket, DRAFT_LEFT if drafted else event, None if drafted else message)
        for person, ticket, drafted in rows
    ]


def _followers_query(follows_where: peewee.ColumnBase, drafts_where: peewee.ColumnBase) -> Any:
    follows = Follow.select(Follow.person, Follow.ticket, peewee.SQL("0").alias("drafted"))
    drafts = Draft.select(Draft.person, Draft.ticket, peewee.SQL("1").alias("drafted"))
    return (follows.where(follows_where) | drafts.where(drafts_where)).order_by(
        peewee.SQL("drafted")
    )


_SOURCE_FOLLOWERS = PreparedSelect(
    lambda source: SourceFollow.select(SourceFollow.person).where(SourceFollow.source == source)
)
_ONE_TICKETS_FOLLOWERS = PreparedSelect(
    lambda follows, drafts: _followers_query(Follow.ticket == follows, Draft.ticket == drafts)
)
_FOLLOWERS = NumbersQuery()  # `_followers` of several tickets, by count


def deliver(actor: int | None, pending: list[Pending], at: datetime) -> None:
    """Write the notifications `pending` asks for, as the people's preferences say: one read
    of the preferences, one insert. The actor (None: nobody, a clock) is left out, and so is
    all but the first of a person's notifications about one ticket. `at`: when, by the
    gate's clock."""
    chosen: dict[tuple[int, int], Pending] = {}
    for item in pending:
        if item.person != actor:
            chosen.setdefault((item.person, item.ticket), item)
    if not chosen:
        return
    people = sorted({person for person, _ in chosen})
    events = sorted({item.event for item in chosen.values()})
    preferences = {
        (person, event): (in_app, mail)
        for person, event, in_app, mail in tuple_rows(
            NotificationPreference.select(
                NotificationPreference.person,
                NotificationPreference.event,
                NotificationPreference.in_app,
                NotificationPreference.mail,
            ).where(
                NotificationPreference.person.in_(people) & NotificationPreference.event.in_(events)
            )
        )
    }
    rows = []
    for item in chosen.values():
        in_app, mail = preferences.get((item.person, item.event), (True, DEFAULT_MAIL[item.event]))
        if not in_app and mail == MAIL_OFF:
            continue
        rows.append(
            {
                "person": item.person,
                "ticket": item.ticket,
                "event": item.event,
                "actor": actor,
                "message": item.message,
                "created_at": at,
                "in_app": bool(in_app),
                "mail_state": "" if mail == MAIL_OFF else mail,
                "rule": item.rule,
            }
        )
    if rows:
        _INSERT.run_many(rows)
