"""New requesters: one way to make a person of a customer's address, whether an agent named
them on a new ticket (the app, the command line) or their mail came in. A requester holds no
role: they cannot log in."""

from __future__ import annotations

import re

from access.audit_actions import PERSON_ADD
from access.floods import PERSON_BY_ADDRESS
from access.request import Request
from store.models import Person
from store.prepared import PreparedInsert, PreparedSelect
from store.rows import tuple_rows

_NEW_REQUESTER = PreparedInsert(Person, ("username", "display_name", "email", "created_at"))
_USERNAME = PreparedSelect(
    lambda username: Person.select(Person.id).where(Person.username == username)
)


def requester_by_address(request: Request, address: str, name: str, by: str | None = None) -> int:
    """The person with this e-mail address (the first, by age), or a new requester named
    `name`; inside the caller's write transaction."""
    found = PERSON_BY_ADDRESS.first(address.lower())
    if found is not None:
        return int(found[0])
    return add_requester(request, address, name, by)


def add_requester(request: Request, address: str, name: str, by: str | None = None) -> int:
    """A new requester with this address and display name, and its `person.add` event
    (`by`: the channel that brought them, when not the person acting); inside the caller's
    write transaction."""
    username = free_username(address)
    display_name = name[:200]
    person_id = _NEW_REQUESTER.run(
        username=username, display_name=display_name, email=address, created_at=request.clock()
    )
    after = {"username": username, "display_name": display_name}
    request.record(PERSON_ADD, "person", person_id, after={**after, "by": by} if by else after)
    return person_id


def free_username(address: str) -> str:
    """A username in the usual shape (`access.validation`) from the address's local part,
    numbered when taken."""
    local = re.sub(r"[^a-z0-9._-]+", "-", address.partition("@")[0].lower()).strip("-._")
    base = (local if local[:1].isalpha() else f"c{local}")[:28].rstrip("-._") or "customer"
    if _USERNAME.first(base) is None:
        return base
    taken = {
        name
        for (name,) in tuple_rows(
            Person.select(Person.username).where(Person.username.startswith(base))
        )
    }
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"
