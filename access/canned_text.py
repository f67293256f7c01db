"""The variables of canned replies, signatures and macro notes: `{{requester.first_name}}`,
`{{ticket.number}}`, ... and `{{usergroup.FIELD}}` for each custom field of the ticket's
usergroup. A body is checked when saved (an unknown variable is refused, naming it) and filled
for one ticket by plain text substitution: a value is put in as it is, never read as a
template, a format string or markup, so whatever a customer typed into their name stays text."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import peewee

from access.errors import InvalidInput
from store.among import among
from store.models import CustomField, CustomFieldValue, Person, Source, Ticket, Usergroup
from store.reply_models import Signature
from store.rows import tuple_rows

_VARIABLE = re.compile(r"\{\{([^{}\n]*)\}\}")
GROUP_FIELD = "usergroup."

# The variables every ticket has, as written in a body.
STANDARD = (
    "requester.first_name",
    "requester.name",
    "ticket.number",
    "ticket.subject",
    "agent.name",
    "source.name",
    "usergroup.name",
)


def _key(written: str) -> str:
    """How a variable is looked up: its name stripped, in lower case."""
    return written.strip().lower()


def variables_in(body: str) -> list[str]:
    """The variables a body names, as written, in order, each once."""
    return list(dict.fromkeys(m.group(1).strip() for m in _VARIABLE.finditer(body)))


def field_names() -> list[str]:
    """The names of the custom fields in use (not retired), as `{{usergroup.NAME}}` takes them."""
    rows = CustomField.select(CustomField.name).where(CustomField.retired == False)  # noqa: E712
    return [row.name for row in rows.order_by(CustomField.position, CustomField.name)]


def known_variables(fields: Iterable[str]) -> list[str]:
    return [*STANDARD, *(GROUP_FIELD + name for name in fields)]


def check_variables(body: str, what: str) -> str:
    """`body` when every variable in it is known; else one line naming the first unknown."""
    known = known_variables(field_names())
    keys = {_key(name) for name in known}
    for name in variables_in(body):
        if _key(name) not in keys:
            raise InvalidInput(
                f"unknown variable {{{{{name}}}}} in the {what}; known: "
                + ", ".join(f"{{{{{k}}}}}" for k in known)
            )
    return body


def fill(body: str, values: Mapping[str, str]) -> str:
    """`body` with each variable replaced by its value (an unknown one, such as a field retired
    since the body was saved, by nothing). One pass: a value containing `{{...}}` stays so."""
    looked_up = {_key(k): v for k, v in values.items()}
    return _VARIABLE.sub(lambda m: looked_up.get(_key(m.group(1)), ""), body)


def values_for(ticket: Ticket, agent: Person) -> dict[str, str]:
    """The value of every variable on `ticket`, written by `agent`."""
    return values_for_many([ticket.number], agent)[ticket.number]


def values_for_many(numbers: Iterable[int], agent: Person) -> dict[int, dict[str, str]]:
    """`values_for` each of the tickets `numbers`, from two statements however many: the
    tickets with their requester, source and usergroup, then their groups' custom fields."""
    _Requester = Person.alias("requester")
    rows = tuple_rows(
        Ticket.select(
            Ticket.number,
            Ticket.subject,
            Ticket.usergroup,
            _Requester.display_name,
            Source.name,
            Usergroup.name,
        )
        .join(_Requester, on=(Ticket.requester == _Requester.id))
        .switch(Ticket)
        .join(Source, on=(Ticket.source == Source.id))
        .switch(Ticket)
        .join(Usergroup, peewee.JOIN.LEFT_OUTER, on=(Ticket.usergroup == Usergroup.id))
        .where(among(Ticket.number, numbers))
    )
    found: dict[int, dict[str, str]] = {}
    groups: dict[int, list[int]] = {}
    for number, subject, group, requester, source, group_name in rows:
        name = requester.strip()
        found[number] = {
            "requester.first_name": name.split()[0] if name else "",
            "requester.name": name,
            "ticket.number": str(number),
            "ticket.subject": subject,
            "agent.name": agent.display_name,
            "source.name": source,
            "usergroup.name": group_name or "",
        }
        if group is not None:
            groups.setdefault(group, []).append(number)
    if groups:
        fields = tuple_rows(
            CustomFieldValue.select(
                CustomFieldValue.usergroup, CustomField.name, CustomFieldValue.value
            )
            .join(CustomField)
            .where(CustomFieldValue.usergroup.in_(list(groups)))
        )
        for group, field, value in fields:
            for number in groups[group]:
                found[number][GROUP_FIELD + str(field)] = str(value)
    return found


def signature_text(ticket: Ticket, agent: Person) -> str:
    """The signature a reply by `agent` on `ticket` leaves with, filled ("" when none): the
    agent's own on the ticket's source, else the source's."""
    row = signature_row(ticket.source_id, agent.id) or signature_row(ticket.source_id, None)
    return "" if row is None else fill(row.body, values_for(ticket, agent))


def signature_row(source_id: int, person_id: int | None) -> Signature | None:
    person = Signature.person.is_null() if person_id is None else Signature.person == person_id
    found: Signature | None = Signature.get_or_none((Signature.source == source_id) & person)
    return found
