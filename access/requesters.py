"""New requesters: one way to make a person of a customer's address, whether an agent named
them on a new ticket (the app, the command line) or their mail came in. A requester holds no
role: they cannot log in."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import peewee

from access.audit_actions import PERSON_ADD
from access.floods import PERSON_BY_ADDRESS
from access.request import Request
from store.among import among
from store.held_rows import HeldRows
from store.models import Person
from store.prepared import MOST_PREPARED_ROWS, PreparedInsert, PreparedSelect
from store.rows import tuple_rows

NEW_REQUESTER = PreparedInsert(Person, ("username", "display_name", "email", "created_at"))
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


def add_requester(
    request: Request,
    address: str,
    name: str,
    by: str | None = None,
    free: set[str] | None = None,
    held: HeldRows | None = None,
) -> int:
    """A new requester with this address and display name, and its `person.add` event
    (`by`: the channel that brought them, when not the person acting); inside the caller's
    write transaction. `free`: usernames read as free (`free_usernames`), as `free_username`
    takes them. `held`: the row held back there (`store.held_rows`) instead of inserted now."""
    username = free_username(address, free)
    display_name = name[:200]
    values = {"username": username, "display_name": display_name, "email": address}
    if held is None:
        person_id = NEW_REQUESTER.run(**values, created_at=request.clock())
    else:
        person_id = held.insert(NEW_REQUESTER, **values, created_at=request.clock())
    after = {"username": username, "display_name": display_name}
    request.record(PERSON_ADD, "person", person_id, after={**after, "by": by} if by else after)
    return person_id


def username_base(address: str) -> str:
    """The username an address's local part gives (`access.validation`'s shape), unnumbered."""
    local = re.sub(r"[^a-z0-9._-]+", "-", address.partition("@")[0].lower()).strip("-._")
    return (local if local[:1].isalpha() else f"c{local}")[:28].rstrip("-._") or "customer"


def free_username(address: str, free: set[str] | None = None) -> str:
    """A username in the usual shape from the address's local part, numbered when taken.
    `free`: usernames read as free earlier in the transaction; one taken from it is removed
    from it, and one not in it is looked up."""
    base = username_base(address)
    if free is not None and base in free:
        free.discard(base)
        return base
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


def people_by_address(addresses: Iterable[str]) -> tuple[dict[str, int], set[str]]:
    """The person of each of the (lower-case) `addresses` that has one (the first, by age,
    as `requester_by_address` finds them), and those that no person has, in one statement per
    `MOST_PREPARED_ROWS`. When the database lower-cases an address otherwise than Python (a
    letter outside ASCII on SQLite), no address is said to have no person."""
    wanted = set(addresses)
    found: dict[str, int] = {}
    for address, person in _in_chunks(_BY_ADDRESSES, sorted(wanted)):
        found.setdefault(address, int(person))
    if not found.keys() <= wanted:
        return {a: p for a, p in found.items() if a in wanted}, set()
    return found, wanted - found.keys()


def free_usernames(addresses: Iterable[str]) -> set[str]:
    """Of the usernames `addresses` would give (`username_base`), those nobody holds."""
    bases = sorted({username_base(a) for a in addresses})
    return set(bases) - {name for (name,) in _in_chunks(_USERNAMES, bases)}


def _in_chunks(select: PreparedSelect, values: list[str]) -> Iterator[tuple[Any, ...]]:
    for start in range(0, len(values), MOST_PREPARED_ROWS):
        yield from select.rows(*values[start : start + MOST_PREPARED_ROWS])


_BY_ADDRESSES = PreparedSelect(
    lambda *addresses: (
        Person.select(peewee.fn.LOWER(Person.email), Person.id)
        .where(among(peewee.fn.LOWER(Person.email), addresses))
        .order_by(Person.id)
    )
)
_USERNAMES = PreparedSelect(
    lambda *names: Person.select(Person.username).where(among(Person.username, names))
)
