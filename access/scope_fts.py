"""The scope of `access.scope` said a second time, as a query of the scope tokens SQLite's
search documents carry (`store.scope_words`): which tickets a person sees, a view's filters, and
where they read notes, so that a word's count for a scoped person is one FTS5 query. Term for
term the same as the SQL scope (`visible`, `may`), which `tests/access/test_scope_words.py`
checks on random people, tickets and changes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import peewee

from access.catalogue import (
    SOURCES_ARCHIVED,
    SUPERVISOR_RIGHTS,
    TICKETS_LIST,
    TICKETS_VIEW_NOTES,
)
from access.grants import Grants, RoleGrant
from access.views import TicketQuery
from access.vocabulary import SCOPE_ALL, SCOPE_OWN, SCOPE_USERGROUPS
from store.scope_words import token


class AnyOf(NamedTuple):
    parts: tuple[Term, ...]


class AllOf(NamedTuple):
    parts: tuple[Term, ...]


# A token, a combination, or a constant (True: every ticket, False: none).
Term = str | AnyOf | AllOf | bool


class Scoped(NamedTuple):
    """Tickets whose tokens satisfy `term` and hold none of `excluded`."""

    term: Term
    excluded: tuple[str, ...] = ()


def any_of(terms: list[Term]) -> Term:
    """OR, folding the constants."""
    if any(t is True for t in terms):
        return True
    kept = tuple(t for t in terms if t is not False)
    return False if not kept else kept[0] if len(kept) == 1 else AnyOf(kept)


def all_of(terms: list[Term]) -> Term:
    """AND, folding the constants."""
    if any(t is False for t in terms):
        return False
    kept = tuple(t for t in terms if t is not True)
    return True if not kept else kept[0] if len(kept) == 1 else AllOf(kept)


def tokens(column: str, values: Sequence[object]) -> Term:
    """The column holds one of `values`."""
    return any_of([token(column, v) for v in values])


def _is_own(grants: Grants) -> Term:
    me = grants.person_id
    return any_of([token("requester_id", me), token("assignee_id", me)])


def _not_private() -> str:
    return token("private", False)


def _role_covers(role: RoleGrant, grants: Grants) -> Term:
    parts: list[Term] = []
    if not role.all_sources:
        if not role.source_ids:
            return False
        parts.append(tokens("source_id", sorted(role.source_ids)))
    if role.ticket_scope == SCOPE_USERGROUPS:
        if not grants.groups:
            return False
        parts += [tokens("usergroup_id", sorted(grants.groups)), _not_private()]
    elif role.ticket_scope == SCOPE_OWN:
        parts.append(_is_own(grants))
    elif role.ticket_scope != SCOPE_ALL:
        return False
    return all_of(parts)


def _supervised(grants: Grants) -> Term:
    if not grants.supervises:
        return False
    return all_of([tokens("usergroup_id", sorted(grants.supervises)), _not_private()])


def visible(grants: Grants) -> Scoped:
    """`access.scope.visible` as tokens."""
    seen = [_is_own(grants)]
    seen += [_role_covers(role, grants) for role in grants.roles_with(TICKETS_LIST)]
    term = any_of([any_of(seen), _supervised(grants)])
    if grants.holds(SOURCES_ARCHIVED) or not grants.archived_source_ids:
        return Scoped(term)
    return Scoped(term, tuple(token("source_id", s) for s in sorted(grants.archived_source_ids)))


def notes_readable(grants: Grants) -> Term:
    """Where the person reads notes among the tickets they see (`access.scope.may` of
    `tickets.view_notes`, its `visible` part left to `visible`)."""
    rules = [_role_covers(role, grants) for role in grants.roles_with(TICKETS_VIEW_NOTES)]
    if TICKETS_VIEW_NOTES in SUPERVISOR_RIGHTS:
        rules.append(_supervised(grants))
    return any_of(rules)


def narrowed(scoped: Scoped, terms: list[Term]) -> Scoped:
    """The same tickets that also satisfy every one of `terms` (a view's filters)."""
    return Scoped(all_of([scoped.term, *terms]), scoped.excluded)


def filters(query: TicketQuery, me: int, assignee: int | None, requester: int | None) -> list[Term]:
    """The inbox's filters of `query` (`access.inbox._filtered`) but its search and due
    times, as tokens; `assignee` and `requester` the people it names, `me` the person."""
    terms = [
        tokens(column, list(values))
        for column, values in (
            ("status", query.statuses),
            ("priority", query.priorities),
            ("usergroup_id", query.usergroups),
            ("source_id", query.sources),
        )
        if values
    ]
    if query.mine:
        terms.append(token("assignee_id", me))
    if query.unassigned:
        terms.append(token("assignee_id", None))
    for column, person in (("assignee_id", assignee), ("requester_id", requester)):
        if person is not None:  # no such person: -1, no ticket
            terms.append(token(column, person) if person >= 0 else False)
    return terms


def text(term: Term) -> str:
    """The FTS5 query of a term (neither True nor False)."""
    if isinstance(term, str):
        return term
    assert not isinstance(term, bool), "a constant is no query"
    joiner = " OR " if isinstance(term, AnyOf) else " AND "
    return "(" + joiner.join(text(part) for part in term.parts) + ")"


def query(words: str, scoped: Scoped) -> str | None:
    """The FTS5 query of `words` (a query of the word columns) among the tickets `scoped`
    says; None when it says none."""
    if scoped.term is False:
        return None
    asked = f"({words})"
    if scoped.term is not True:
        asked = f"({asked} AND (scope : {text(scoped.term)}))"
    if scoped.excluded:
        asked = f"{asked} NOT (scope : ({' OR '.join(scoped.excluded)}))"
    return asked


def noted_words(public: str, everything: str, notes: Term) -> str:
    """The FTS5 query of words in the public text, or in the notes too where `notes` holds:
    said as the words anywhere, and in the public text or where `notes` holds (the same
    documents, since words in the public text are in the whole; FTS5 walks fewer lists)."""
    if notes is True:
        return everything
    if notes is False:
        return public
    return f"({everything}) AND (({public}) OR (scope : {text(notes)}))"


def sql(term: Term, test: Callable[[str], peewee.ColumnBase]) -> peewee.ColumnBase:
    """The term as SQL, each token said by `test` (the stale set's `store.scope_words.noted`)."""
    if isinstance(term, bool):
        return peewee.SQL("1 = 1" if term else "1 = 0")
    if isinstance(term, str):
        return test(term)
    parts = [sql(part, test) for part in term.parts]
    joined = parts[0]
    for part in parts[1:]:
        joined = (joined | part) if isinstance(term, AnyOf) else (joined & part)
    return joined


def scoped_sql(scoped: Scoped, test: Callable[[str], peewee.ColumnBase]) -> peewee.ColumnBase:
    """`sql` of the tickets `scoped` says."""
    if not scoped.excluded:
        return sql(scoped.term, test)
    return sql(scoped.term, test) & ~sql(AnyOf(tuple(scoped.excluded)), test)
