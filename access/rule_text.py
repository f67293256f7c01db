"""A rule as written and as kept: its trigger, its conditions (`key=value`) and its actions
(`kind:value`), checked and turned into what the store keeps (names of usergroups, sources,
calendars and people by id, so that a rename does not change what a rule means), and shown
back by name.

Triggers: `created` (a ticket filed, by mail or in the app, a follow-up included), `customer`
(the requester wrote on their ticket), `status`, `priority`, `group`, `assignee` (that field
changed, through the change pipeline) and `time` (tried by `ticketty serve`).

Conditions, all of which must hold: `source=NAME`, `group=NAME` (`group=none`: no group),
`priority=P[,P]`, `status=S[,S]`, `words=W[,W]` (any of the words in the subject or the newest
customer message, case ignored), `requester-group=NAME`, `calendar=NAME` with `hours=inside` or
`hours=outside` (the calendar's business hours now), `tag=T[,T]` (carries any of the tags),
`no-tag=T[,T]` (carries none of them), and for time rules `idle=DURATION` (unchanged for that
long: `30m`, `8h`, `7d`; business time of the `calendar=` when one is named, a day then being
its working day) or `due=DURATION` (a service-level target falls due within that time) or
`due=breached` (one is past due).

Actions, in order: `assign:USERNAME`, `assign:round-robin[:GROUP]`, `assign:least-loaded[:GROUP]`,
`assign:auto[:GROUP]` (the group's own setting; without GROUP: the ticket's group),
`move:GROUP`, `priority:P`, `status:S`, `note:TEXT`, `reply:CANNED REPLY` (the canned reply
filled and sent to the requester: an auto-acknowledgement), `notify:USERNAME` or
`notify:supervisors` (the supervisors of the ticket's usergroup), `tag:T`, `untag:T`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from access import tags
from access.errors import InvalidInput, NotFound
from access.lookup import canned_reply_named, person_named, source_named, usergroup_named
from access.sla_rules import parse_duration
from access.vocabulary import NOTE, TICKET_PRIORITIES, TICKET_STATUSES
from store.models import BusinessCalendar, Person, Source, Usergroup
from store.reply_models import CannedReply

ON_CREATED, ON_CUSTOMER, ON_TIME = "created", "customer", "time"
# The fields whose change is an event, by the trigger that names it.
CHANGE_TRIGGERS = {"status": "status", "priority": "priority", "group": "usergroup",
                   "assignee": "assignee"}  # fmt: skip
TRIGGERS = (ON_CREATED, ON_CUSTOMER, *CHANGE_TRIGGERS, ON_TIME)
TRIGGER_OF_FIELD = {field: trigger for trigger, field in CHANGE_TRIGGERS.items()}

ROUND_ROBIN, LEAST_LOADED, AUTO = "round-robin", "least-loaded", "auto"
ASSIGN_MODES = (ROUND_ROBIN, LEAST_LOADED)
ASSIGN, MOVE, SET_PRIORITY, SET_STATUS = "assign", "move", "priority", "status"
REPLY, NOTIFY, ADD_TAG, REMOVE_TAG = "reply", "notify", "tag", "untag"
ACTION_KINDS = (ASSIGN, MOVE, SET_PRIORITY, SET_STATUS, NOTE, REPLY, NOTIFY, ADD_TAG, REMOVE_TAG)
SUPERVISORS = "supervisors"
BREACHED = "breached"

INSIDE, OUTSIDE = "inside", "outside"
NO_GROUP = "none"
MAX_NOTE = 2000
# Condition keys, as written.
SOURCE, GROUP, PRIORITY, STATUS, WORDS = "source", "group", "priority", "status", "words"
REQUESTER_GROUP, CALENDAR, HOURS, IDLE = "requester-group", "calendar", "hours", "idle"
HAS_TAG, LACKS_TAG, DUE = "tag", "no-tag", "due"
CONDITION_KEYS = (SOURCE, GROUP, PRIORITY, STATUS, WORDS, REQUESTER_GROUP, CALENDAR, HOURS,
                  HAS_TAG, LACKS_TAG, IDLE, DUE)  # fmt: skip

# A condition or action as kept: JSON-friendly.
Kept = dict[str, Any]


class Written(NamedTuple):
    """A rule's trigger, conditions and actions as the store keeps them."""

    trigger: str
    conditions: list[Kept]
    actions: list[Kept]
    every_minutes: int


def checked_rule(
    trigger: str | None, every: str | None, conditions: Iterable[str], actions: Iterable[str]
) -> Written:
    """The rule as given on the command line, checked: one line of error for what is wrong."""
    every_minutes = 0
    if every is not None:
        if trigger not in (None, ON_TIME):
            raise InvalidInput("--every is for time rules; give --on or --every, not both")
        every_minutes = period_minutes(every, "--every")
        trigger = ON_TIME
    if trigger is None:
        raise InvalidInput(f"say when the rule runs: --on one of {', '.join(TRIGGERS)}")
    if trigger not in TRIGGERS:
        raise InvalidInput(f"unknown event {trigger!r}; one of {', '.join(TRIGGERS)}")
    kept_conditions = [_condition(text) for text in conditions]
    keys = [c["key"] for c in kept_conditions]
    for key in sorted({k for k in keys if keys.count(k) > 1}):
        raise InvalidInput(f"the condition {key} is given twice")
    if HOURS in keys and CALENDAR not in keys:
        raise InvalidInput("hours=inside|outside needs calendar=NAME")
    if trigger == ON_TIME:
        if IDLE in keys and DUE in keys:
            raise InvalidInput("a time rule finds its tickets by idle= or by due=, not both")
        if DUE not in keys and (STATUS not in keys or IDLE not in keys):
            raise InvalidInput("a time rule needs status=S and idle=DURATION (it finds its "
                               "tickets by status and last change), or due=DURATION|breached "
                               "(by due time)")  # fmt: skip
        if not every_minutes:
            every_minutes = 5
    elif IDLE in keys or DUE in keys:
        raise InvalidInput("idle= and due= are for time rules (--every or --on time)")
    kept_actions = [_action(text) for text in actions]
    if not kept_actions:
        raise InvalidInput("a rule needs at least one action: --then KIND:VALUE")
    return Written(trigger, kept_conditions, kept_actions, every_minutes)


def _split(text: str, sep: str, what: str) -> tuple[str, str]:
    key, found, value = text.partition(sep)
    key, value = key.strip().lower(), value.strip()
    if not found or not key or not value:
        raise InvalidInput(f"{text!r} is not a {what}")
    return key, value


def _choices(value: str, allowed: Sequence[str], what: str) -> list[str]:
    chosen = [v.strip().lower() for v in value.split(",") if v.strip()]
    for item in chosen:
        if item not in allowed:
            raise InvalidInput(f"{item!r} is not a {what} ({', '.join(allowed)})")
    return [a for a in allowed if a in chosen]


def _condition(text: str) -> Kept:
    key, value = _split(text, "=", "condition; write e.g. group=Returns")
    if key == SOURCE:
        return {"key": key, "id": source_named(value).id}
    if key in (GROUP, REQUESTER_GROUP):
        group = None if key == GROUP and value.lower() == NO_GROUP else usergroup_named(value).id
        return {"key": key, "id": group}
    if key == PRIORITY:
        return {"key": key, "any": _choices(value, TICKET_PRIORITIES, "priority")}
    if key == STATUS:
        return {"key": key, "any": _choices(value, TICKET_STATUSES, "status")}
    if key == WORDS:
        found = [w.strip().lower() for w in value.split(",") if w.strip()]
        if not found:
            raise InvalidInput("words= needs at least one word")
        return {"key": key, "any": found}
    if key == CALENDAR:
        calendar = BusinessCalendar.get_or_none(BusinessCalendar.name == value)
        if calendar is None:
            raise NotFound(f"no calendar named {value!r}")
        return {"key": key, "id": calendar.id}
    if key == HOURS:
        if value.lower() not in (INSIDE, OUTSIDE):
            raise InvalidInput(f"hours= is {INSIDE} or {OUTSIDE}")
        return {"key": key, "value": value.lower()}
    if key in (HAS_TAG, LACKS_TAG):
        names = [tags.checked_name(t) for t in value.split(",") if t.strip()]
        if not names:
            raise InvalidInput(f"{key}= needs at least one tag")
        return {"key": key, "any": sorted(set(names))}
    if key == IDLE:
        period_minutes(value, "idle=")
        return {"key": key, "value": value.lower().replace(" ", "")}
    if key == DUE:
        if value.lower() == BREACHED:
            return {"key": key, "value": BREACHED, "minutes": 0}
        minutes = period_minutes(value, "due=")
        return {"key": key, "value": value.lower().replace(" ", ""), "minutes": minutes}
    raise InvalidInput(f"unknown condition {key!r}; one of {', '.join(CONDITION_KEYS)}")


def _action(text: str) -> Kept:
    kind, value = _split(text, ":", "action; write e.g. assign:round-robin or status:closed")
    if kind == ASSIGN:
        how, _, group = value.partition(":")
        how = how.strip().lower()
        if how in (*ASSIGN_MODES, AUTO):
            return {"do": kind, "how": how, "group": usergroup_named(group).id if group else None}
        return {"do": kind, "person": person_named(value).id}
    if kind == MOVE:
        return {"do": kind, "group": usergroup_named(value).id}
    if kind == SET_PRIORITY:
        return {"do": kind, "value": _choices(value, TICKET_PRIORITIES, "priority")[0]}
    if kind == SET_STATUS:
        return {"do": kind, "value": _choices(value, TICKET_STATUSES, "status")[0]}
    if kind == NOTE:
        if len(value) > MAX_NOTE:
            raise InvalidInput(f"a rule's note is at most {MAX_NOTE} characters")
        return {"do": kind, "text": value}
    if kind == REPLY:
        return {"do": kind, "reply": canned_reply_named(value).id}
    if kind == NOTIFY:
        if value.lower() == SUPERVISORS:
            return {"do": kind, "whom": SUPERVISORS}
        return {"do": kind, "person": person_named(value).id}
    if kind in (ADD_TAG, REMOVE_TAG):
        return {"do": kind, "tag": tags.checked_name(value)}
    raise InvalidInput(f"unknown action {kind!r}; one of {', '.join(ACTION_KINDS)}")


def period_minutes(text: str, what: str) -> int:
    """A span written as `30m`, `8h`, `7d` or `1d4h` (a day: 24 hours), in minutes."""
    try:
        duration = parse_duration(text)
    except InvalidInput:
        raise InvalidInput(
            f"{what} {text!r} is not a span of time; write e.g. 30m, 8h or 7d (at most 366d)"
        ) from None
    if duration.days:
        return duration.days * 1440 + duration.minutes
    if duration.minutes < 1:
        raise InvalidInput(f"{what} is at least a minute")
    return duration.minutes


class Names:
    """Names of the rows a set of rules refers to, read once: a row deleted since is named by
    its id, and never matches (a condition is never widened behind anyone's back)."""

    def __init__(self) -> None:
        self._names: dict[str, dict[int, str]] = {}

    def of(self, what: str, ident: int | None) -> str:
        if ident is None:
            return NO_GROUP
        model = _MODELS[what]
        if what not in self._names:
            column = model.username if model is Person else model.name
            self._names[what] = dict(model.select(model.id, column).tuples())
        return self._names[what].get(ident, f"(deleted {what} {ident})")


_MODELS: dict[str, Any] = {
    "source": Source,
    "usergroup": Usergroup,
    "calendar": BusinessCalendar,
    "person": Person,
    "canned reply": CannedReply,
}


def shown_condition(kept: Kept, names: Names) -> str:
    key = kept["key"]
    if key == SOURCE:
        return f"{key}={names.of('source', kept['id'])}"
    if key in (GROUP, REQUESTER_GROUP):
        return f"{key}={names.of('usergroup', kept['id'])}"
    if key == CALENDAR:
        return f"{key}={names.of('calendar', kept['id'])}"
    if "any" in kept:
        return f"{key}={','.join(kept['any'])}"
    return f"{key}={kept['value']}"


def shown_action(kept: Kept, names: Names) -> str:
    kind = kept["do"]
    if kind == ASSIGN:
        if "person" in kept:
            return f"{kind}:{names.of('person', kept['person'])}"
        group = kept["group"]
        return f"{kind}:{kept['how']}" + (
            "" if group is None else f":{names.of('usergroup', group)}"
        )
    if kind == MOVE:
        return f"{kind}:{names.of('usergroup', kept['group'])}"
    if kind == NOTE:
        return f"{kind}:{kept['text']}"
    if kind == REPLY:
        return f"{kind}:{names.of('canned reply', kept['reply'])}"
    if kind == NOTIFY:
        return f"{kind}:" + (SUPERVISORS if "whom" in kept else names.of("person", kept["person"]))
    if kind in (ADD_TAG, REMOVE_TAG):
        return f"{kind}:{kept['tag']}"
    return f"{kind}:{kept['value']}"
