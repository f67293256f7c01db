"""A rule's actions on one ticket, each the gate's own public call as the rule's owner: the
change pipeline (assign, move, priority, status, tag, untag), messages (note, and the reply a
canned reply fills), and `gate.rules.notify`. What a call refuses, the rule does not do."""

from __future__ import annotations

from access.auto_assign import advance, pick
from access.auto_replies import AutoReplyHeld, held_because, mark_auto_replied
from access.change_pipeline import TicketChanges
from access.errors import InvalidInput, NoChange, NotFound, PermissionDenied
from access.messages import Messages
from access.replies import Replies
from access.request import Session
from access.rule_text import (
    ADD_TAG,
    ASSIGN,
    MOVE,
    NOTIFY,
    REMOVE_TAG,
    REPLY,
    SET_PRIORITY,
    SET_STATUS,
    Kept,
)
from access.vocabulary import NOTE
from store.models import Person, Ticket, Usergroup
from store.reply_models import CannedReply


def apply_action(session: Session, number: int, action: Kept, rule: str) -> str:
    """One action of `rule` through the gate's own call as its owner; what was done, in
    words."""
    kind = action["do"]
    changes = TicketChanges(session)
    if kind == ASSIGN:
        if "person" in action:
            username = username_of(action["person"])
            changes.assign(number, username)
            return f"assign to {username}"
        return _assign_automatically(changes, number, action)
    if kind == MOVE:
        group = Usergroup.get_or_none(Usergroup.id == action["group"])
        if group is None:
            raise NotFound(f"the usergroup of the rule's move ({action['group']}) was deleted")
        changes.move(number, group.name)
        return f"move to {group.name}"
    if kind == SET_PRIORITY:
        changes.set_priority(number, action["value"])
        return f"priority {action['value']}"
    if kind == SET_STATUS:
        changes.set_status(number, action["value"])
        return f"status {action['value']}"
    if kind == NOTE:
        Messages(session).note(number, action["text"])
        return "note"
    if kind == REPLY:
        return _reply(session, number, action["reply"])
    if kind == NOTIFY:
        return _notify(session, number, action, rule)
    if kind in (ADD_TAG, REMOVE_TAG):
        return _tag(changes, number, kind, action["tag"])
    raise InvalidInput(f"unknown action {kind!r}")


def _reply(session: Session, number: int, reply_id: int) -> str:
    name = CannedReply.select(CannedReply.name).where(CannedReply.id == reply_id).scalar()
    if name is None:
        raise NotFound(f"the canned reply of the rule's reply ({reply_id}) was deleted")
    held = held_because(number, session.clock())
    if held:
        raise AutoReplyHeld(f"held its reply {name}: {held}")
    text = Replies(session).fill_reply(number, str(name))
    Messages(session).reply(number, text)
    mark_auto_replied(number)
    return f"reply {name}"


def _notify(session: Session, number: int, action: Kept, rule: str) -> str:
    from access.rules import RuleAdmin  # the part that runs rules is the one that offers this

    whom = None if "whom" in action else username_of(action["person"])
    notified = RuleAdmin(session).notify(number, whom, rule)
    if not notified:
        raise NoChange(f"nobody to notify on #{number}")
    return "notify " + ", ".join(notified)


def _tag(changes: TicketChanges, number: int, kind: str, name: str) -> str:
    """Through the pipeline's `tag`/`untag` kinds, as a change of one ticket."""
    outcome = changes.apply_bulk(kind, [number], name)
    if outcome.changed:
        return f"{kind} {name}"
    if outcome.nothing_to_do:
        raise NoChange(f"#{number}: {outcome.change} changes nothing")
    reason = outcome.skipped[0][0] if outcome.skipped else "refused"
    raise PermissionDenied(f"{outcome.change} on #{number}: {reason}")


def _assign_automatically(changes: TicketChanges, number: int, action: Kept) -> str:
    group_id = action["group"]
    if group_id is None:
        group_id = Ticket.select(Ticket.usergroup).where(Ticket.number == number).scalar()
        if group_id is None:
            raise InvalidInput(f"#{number} has no usergroup to assign in")
    group = Usergroup.get_or_none(Usergroup.id == group_id)
    if group is None:
        raise NotFound(f"the usergroup of the rule's assign ({group_id}) was deleted")
    chosen = pick(number, group_id, action["how"])
    if chosen is None:
        raise NotFound(
            f"nobody in {group.name} is free to take #{number} "
            "(away, at the cap, or unable to work on it)"
        )
    changes.assign(number, chosen.username)
    advance(chosen)
    return f"assign to {chosen.username} ({chosen.mode} in {group.name})"


def username_of(person_id: int) -> str:
    """The username of the person a rule names by id."""
    name = Person.select(Person.username).where(Person.id == person_id).scalar()
    if name is None:
        raise NotFound(f"the person the rule names ({person_id}) was deleted")
    return str(name)
