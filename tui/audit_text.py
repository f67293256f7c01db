"""Audit events as sentences a person reads: "tom replied: first line…", "ada assigned to tom
(was ola)". The ticket's history (`h`) and the audit log say what happened in words; the audit
log's detail pane keeps the values as recorded beside the sentence.

Each sentence is one line of plain text (a quoted message: its first line, cut); it carries
names and words people typed, so it goes to the screen through `safe_text`, never as markup."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from rich.text import Text

from access.audit_actions import (
    DATABASE_INIT,
    DEMO_CREATE,
    FIELD_DEFINE,
    FIELD_UPDATE,
    GROUP_CREATE,
    GROUP_DELETE,
    GROUP_FIELD,
    GROUP_MEMBER_ADD,
    GROUP_MEMBER_REMOVE,
    GROUP_RENAME,
    GROUP_SUPERVISOR_ADD,
    GROUP_SUPERVISOR_REMOVE,
    MACRO_APPLY,
    MAIL_BOUNCE,
    MAIL_DISCARD,
    MAIL_QUARANTINE,
    MAIL_RELEASE,
    PERSON_ACTIVATE,
    PERSON_ADD,
    PERSON_DEACTIVATE,
    PERSON_EDIT,
    ROLE_CREATE,
    ROLE_DELETE,
    ROLE_GRANT,
    ROLE_PERMISSIONS,
    ROLE_RENAME,
    ROLE_REVOKE,
    ROLE_SCOPE,
    RULE_GAVE_UP,
    RULE_HELD,
    SLA_WARNING,
    SOURCE_ADD,
    SOURCE_ARCHIVE,
    SOURCE_MAIL,
    SOURCE_RENAME,
    SOURCE_RESTORE,
    TAG_CREATE,
    TAG_DELETE,
    TAG_LOCK,
    TICKET_ASSIGN,
    TICKET_COPIES,
    TICKET_CREATE,
    TICKET_CUSTOMER,
    TICKET_DELETE,
    TICKET_FIELD,
    TICKET_FIELD_DEFINE,
    TICKET_FOLLOW_UP,
    TICKET_LINK,
    TICKET_MERGE,
    TICKET_MERGED_IN,
    TICKET_MOVE,
    TICKET_NOTE,
    TICKET_PRIORITY,
    TICKET_REPLY,
    TICKET_SPLIT,
    TICKET_STATUS,
    TICKET_TAG,
    TICKET_TAKE,
    TICKET_UNLINK,
    TICKET_UNTAG,
    VIEW_REMOVE,
    VIEW_SAVE,
    attempted,
    is_denied,
)
from access.sla_warnings import MISSED
from access.views import AuditView
from access.vocabulary import describe_scope
from wording.safe_text import as_text, one_line

QUOTE = 60  # characters of a quoted message


def _decoded(value: str) -> Any:
    """A recorded value: JSON as written by the audit log, else the text itself."""
    if not value:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return value


def quoted(body: object) -> str:
    """A message's first line, cut to `QUOTE` characters; `…` where anything was left out."""
    text = str(body or "").strip()
    first, _, rest = text.partition("\n")
    first = first.strip()
    if len(first) > QUOTE:
        return first[: QUOTE - 1].rstrip() + "…"
    return first + ("…" if rest.strip() else "")


def _plain(value: Any, empty: str = "none") -> str:
    """A recorded value in words: a list joined, a mapping as `key value` pairs."""
    if value is None or value == "" or value == []:
        return empty
    if isinstance(value, dict):
        return ", ".join(f"{key} {_plain(item, '-')}" for key, item in value.items())
    if isinstance(value, list):
        return ", ".join(_plain(item) for item in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return quoted(value)


def _field(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else None


def _sla_warning(e: Event) -> str:
    metric = str(_field(e.after, "metric") or "").replace("_", " ")
    due = _plain(_field(e.after, "due"))
    if _field(e.after, "stage") == MISSED:
        return f"the assignee and supervisors were told its {metric} is past due ({due} UTC)"
    return f"the assignee and supervisors were warned its {metric} falls due {due} UTC"


class Event:
    """One event's parts as a sentence needs them."""

    def __init__(self, event: AuditView) -> None:
        self.who = event.actor or "Ticketty"
        self.target = event.target or str(event.target_id or "")
        self.before = _decoded(event.before)
        self.after = _decoded(event.after)
        self.event = event

    def was(self, empty: str = "none") -> str:
        return f" (was {_plain(self.before, empty)})"


def _set(what: str, empty: str = "none") -> Callable[[Event], str]:
    return lambda e: f"{e.who} set the {what} to {_plain(e.after, empty)}{e.was(empty)}"


def _assigned(e: Event) -> str:
    if e.after is None:
        return f"{e.who} unassigned the ticket{e.was('nobody')}"
    return f"{e.who} assigned to {_plain(e.after)}{e.was('nobody')}"


def _taken(e: Event) -> str:
    return f"{e.who} took the ticket" + (e.was() if e.before else "")


def _filed(e: Event) -> str:
    requester = _field(e.after, "requester")
    for_whom = f" for {requester}" if requester and requester != e.who else ""
    return f"{e.who} filed the ticket{for_whom}: {quoted(_field(e.after, 'subject'))}"


def _customer(e: Event) -> str:
    body = _field(e.after, "body")
    if body is None:
        return f"the customer wrote by e-mail{'' if e.who == 'Ticketty' else f' ({e.who})'}"
    return f"{e.who} wrote: {quoted(body)}"


def _follow_up(e: Event) -> str:
    return f"{e.who} started follow-up #{e.after} of closed #{e.before}"


def _other(e: Event) -> str:
    """The other ticket of a merge, link or split: blanked where the reader may not see it."""
    number = e.event.target_id
    return f"#{number}" if number else "a ticket you cannot see"


def _merged_in(e: Event) -> str:
    moved = _field(e.after, "messages")
    return f"{e.who} merged {_other(e)} into this ticket ({moved or 0} messages)"


def _copies(e: Event) -> str:
    """The addresses are contact data: the ticket's history leaves them out for a reader
    without `tickets.view_contact` (`gate.tickets.ticket_history`)."""
    if not e.event.after:
        return f"{e.who} changed the copies (Cc)"
    return f"{e.who} set the copies (Cc) to {_plain(e.after)}"


def _permissions(e: Event) -> str:
    before, after = set(e.before or ()), set(e.after or ())
    parts = [f"added {', '.join(sorted(after - before))}"] if after - before else []
    parts += [f"removed {', '.join(sorted(before - after))}"] if before - after else []
    return f"{e.who} changed role {e.target}: {'; '.join(parts) or 'no permission'}"


def _scope(e: Event) -> str:
    def scope(value: Any) -> str:
        if not isinstance(value, dict):
            return _plain(value)
        return describe_scope(
            str(value.get("ticket_scope")), bool(value.get("all_sources")), value.get("sources", ())
        )

    return f"{e.who} set role {e.target} to {scope(e.after)} (was {scope(e.before)})"


def _group_field(e: Event) -> str:
    after = e.after if isinstance(e.after, dict) else {}
    before = e.before if isinstance(e.before, dict) else {}
    return "; ".join(
        f"{e.who} set {name} of {e.target} to {_plain(value, '-')} "
        f"(was {_plain(before.get(name), '-')})"
        for name, value in after.items()
    )


def _edited(e: Event) -> str:
    after = e.after if isinstance(e.after, dict) else {}
    before = e.before if isinstance(e.before, dict) else {}
    changes = ", ".join(
        f"{key} to {_plain(value, '-')} (was {_plain(before.get(key), '-')})"
        for key, value in after.items()
    )
    return f"{e.who} changed {e.event.target_kind} {e.target}: {changes}"


def _named(verb: str, kind: str) -> Callable[[Event], str]:
    """`ada created role Returns team`: the name recorded in the event, else the target's."""

    def say(e: Event) -> str:
        recorded = _field(e.before, "name") or _field(e.after, "name")
        return f"{e.who} {verb} {kind} {recorded or e.target}"

    return say


def _member(verb: str, what: str) -> Callable[[Event], str]:
    def say(e: Event) -> str:
        person = _field(e.after, "person") or _field(e.before, "person")
        return f"{e.who} {verb} {person} as {what} of {e.target}"

    return say


def _macro(e: Event) -> str:
    """`ada applied macro Refund done: status resolved, priority low (skipped: reply ...)`:
    the events just before it, in its transaction, are its steps."""
    done = _field(e.after, "done") or []
    skipped = _field(e.after, "skipped") or {}
    text = f"{e.who} applied macro {_plain(_field(e.after, 'macro'))}: {', '.join(done)}"
    if skipped:
        text += " (skipped: " + "; ".join(f"{s}, {why}" for s, why in skipped.items()) + ")"
    return text


SENTENCES: dict[str, Callable[[Event], str]] = {
    TICKET_REPLY: lambda e: f"{e.who} replied: {quoted(_field(e.after, 'body'))}",
    TICKET_NOTE: lambda e: f"{e.who} wrote a note: {quoted(_field(e.after, 'body'))}",
    TICKET_CUSTOMER: _customer,
    TICKET_ASSIGN: _assigned,
    TICKET_TAKE: _taken,
    TICKET_STATUS: _set("status"),
    TICKET_PRIORITY: _set("priority"),
    TICKET_MOVE: lambda e: f"{e.who} moved to {_plain(e.after, 'no group')}{e.was('no group')}",
    TICKET_CREATE: _filed,
    TICKET_FOLLOW_UP: _follow_up,
    TICKET_MERGE: lambda e: f"{e.who} merged this ticket into {_other(e)}",
    TICKET_MERGED_IN: _merged_in,
    TICKET_LINK: lambda e: f"{e.who} linked this ticket to {_other(e)} ({_plain(e.after)})",
    TICKET_UNLINK: lambda e: f"{e.who} unlinked this ticket from {_other(e)} ({_plain(e.after)})",
    TICKET_SPLIT: lambda e: f"{e.who} split message {_plain(e.after)} off into {_other(e)}",
    TICKET_COPIES: _copies,
    TICKET_TAG: lambda e: f"{e.who} tagged {_plain(e.after)}",
    SLA_WARNING: _sla_warning,
    TICKET_UNTAG: lambda e: f"{e.who} removed the tag {_plain(e.after)}",
    TICKET_FIELD: lambda e: f"{e.who} set {_plain(e.after)}",
    TICKET_FIELD_DEFINE: _named("defined", "ticket field"),
    VIEW_SAVE: _named("saved", "view"),
    VIEW_REMOVE: _named("removed", "view"),
    TAG_CREATE: lambda e: f"{e.who} added the tag {_plain(e.after)} to the list",
    TAG_DELETE: lambda e: f"{e.who} removed the tag {_plain(e.before)} from the list",
    TAG_LOCK: lambda e: f"{e.who} {_plain(e.after)} the list of tags",
    TICKET_DELETE: lambda e: f"{e.who} deleted the ticket: {quoted(_field(e.before, 'subject'))}",
    MAIL_BOUNCE: lambda e: f"a reply bounced: {_plain(e.after)}",
    MAIL_QUARANTINE: lambda e: f"mail held in quarantine: {_plain(_field(e.after, 'why'))}",
    MAIL_RELEASE: lambda e: f"{e.who} took in quarantined mail: {_plain(e.after)}",
    MAIL_DISCARD: lambda e: (
        f"{e.who} discarded quarantined mail from {_plain(_field(e.before, 'origin'))}"
    ),
    ROLE_CREATE: _named("created", "role"),
    ROLE_DELETE: _named("deleted", "role"),
    ROLE_RENAME: lambda e: f"{e.who} renamed role {_plain(e.before)} to {_plain(e.after)}",
    ROLE_PERMISSIONS: _permissions,
    ROLE_SCOPE: _scope,
    ROLE_GRANT: lambda e: f"{e.who} gave {e.target} the role {_field(e.after, 'role')}",
    ROLE_REVOKE: lambda e: f"{e.who} took from {e.target} the role {_field(e.before, 'role')}",
    GROUP_CREATE: _named("created", "usergroup"),
    GROUP_DELETE: _named("deleted", "usergroup"),
    GROUP_RENAME: lambda e: f"{e.who} renamed usergroup {_plain(e.before)} to {_plain(e.after)}",
    GROUP_MEMBER_ADD: _member("added", "member"),
    GROUP_MEMBER_REMOVE: _member("removed", "member"),
    GROUP_SUPERVISOR_ADD: _member("added", "supervisor"),
    GROUP_SUPERVISOR_REMOVE: _member("removed", "supervisor"),
    GROUP_FIELD: _group_field,
    PERSON_ADD: lambda e: f"{e.who} added {e.target} ({_field(e.after, 'display_name')})",
    PERSON_EDIT: _edited,
    PERSON_ACTIVATE: lambda e: f"{e.who} reactivated {e.target}",
    PERSON_DEACTIVATE: lambda e: f"{e.who} deactivated {e.target}",
    SOURCE_ADD: _named("added", "source"),
    SOURCE_RENAME: lambda e: f"{e.who} renamed source {_plain(e.before)} to {_plain(e.after)}",
    SOURCE_ARCHIVE: lambda e: f"{e.who} archived source {e.target}",
    SOURCE_RESTORE: lambda e: f"{e.who} restored source {e.target}",
    SOURCE_MAIL: lambda e: f"{e.who} set the mail account of {e.target}",
    FIELD_DEFINE: _named("defined", "field"),
    FIELD_UPDATE: _edited,
    MACRO_APPLY: _macro,
    DATABASE_INIT: lambda e: f"{e.who} created the helpdesk",
    DEMO_CREATE: lambda e: f"{e.who} filled the demo: {_plain(e.after)}",
    # Whole, not cut as a message is: the reason is the point ("rule Ack held its reply ...").
    RULE_HELD: lambda e: str(e.after),
    RULE_GAVE_UP: lambda e: str(e.after),
}


def sentence(event: AuditView) -> str:
    """What happened, in one line of words."""
    parts = Event(event)
    say = SENTENCES.get(event.action)
    if say is not None:
        return one_line(say(parts))
    if is_denied(event.action):
        what = attempted(event.action)
        return one_line(f"{parts.who} was refused {what}: {_plain(parts.after)}")
    change = " → ".join(_plain(v) for v in (parts.before, parts.after) if v is not None)
    return one_line(
        f"{parts.who} {event.action} {parts.target}" + (f": {change}" if change else "")
    )


def history_text(events: Sequence[AuditView]) -> Text:
    """A ticket's history, oldest first: the time, then the sentence."""
    text = Text()
    for event in events:
        text.append(f"{event.at:%Y-%m-%d %H:%M}  ", style="dim")
        text.append_text(as_text(sentence(event)))
        text.append("\n")
    text.rstrip()
    return text
