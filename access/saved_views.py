"""Saved views (`gate.views`): a name for any combination of the inbox's filters, search and
sort (a `TicketQuery`), the person's own or shared with a role or a usergroup by someone with
`views.share`; listed with their live counts, each scoped like the list itself."""

from __future__ import annotations

import json
from typing import Any, NamedTuple

import peewee

from access.audit_actions import VIEW_REMOVE, VIEW_SAVE
from access.catalogue import TICKETS_LIST, VIEWS_SHARE
from access.errors import InvalidInput, NotFound, PermissionDenied
from access.grants import Grants
from access.inbox import count_in_scope, exact_word_count
from access.lookup import role_named, usergroup_named
from access.request import Part, Request
from access.search_terms import split_search
from access.sla_rules import Duration, parse_duration
from access.validation import checked_name
from access.views import TicketQuery
from store import dialect, scope_words, ticket_bits
from store.models import Person, Role, Usergroup, database_proxy
from store.rows import dict_rows
from store.tag_models import SavedView

MAX_NAME = 60
# A view that searches words is counted up to this many tickets, then said to hold at least
# that many ("5,000+"), where its count would read every match (the list still shows every
# ticket): when the index cannot count it exactly (`inbox.exact_word_count`: tags, custom
# fields or due times in the view, many tickets changed since SQLite's documents or
# PostgreSQL's bitsets were written).
WORDS_COUNTED = 5_000


class ViewInfo(NamedTuple):
    """A saved view as its reader sees it, with the number of tickets in it for them."""

    name: str
    owner: str
    query: TicketQuery
    shared_with: str  # "" for a personal view, else "role Agent" or "usergroup Returns"
    tickets: int
    at_least: bool = False  # more tickets than `tickets` may be in it: counting stopped there


def query_json(query: TicketQuery) -> str:
    """A query as stored: "due within" as its business time written out (`1d4h`)."""
    data = query._asdict()
    if query.due_within is not None:
        data["due_within"] = str(query.due_within)
    return json.dumps(data, sort_keys=True)


def query_of(text: str) -> TicketQuery:
    """A stored query; fields no longer known are left out, lists become tuples."""
    data: dict[str, Any] = json.loads(text)
    known: dict[str, Any] = {
        key: tuple(value) if isinstance(value, list) else value
        for key, value in data.items()
        if key in TicketQuery._fields
    }
    within = known.get("due_within")
    if isinstance(within, str):
        known["due_within"] = parse_duration(within)
    elif within is not None:  # stored before business time, as seconds: days and minutes
        days, seconds = divmod(int(within), 86_400)
        known["due_within"] = Duration(days, seconds // 60)
    return TicketQuery(**known)


def _readable(grants: Grants) -> peewee.ColumnBase:
    """The views a person reads: their own, and those shared with a role they hold or a
    usergroup they belong to."""
    roles = [role.role_id for role in grants.roles]
    return (
        (SavedView.owner == grants.person_id)
        | SavedView.role.in_(roles)
        | SavedView.usergroup.in_(sorted(grants.member_of))
    )


def _lister(request: Request) -> Grants:
    """Views are the inbox's filters: whoever lists tickets has them, through a role holding
    `tickets.list` or as a supervisor of a group (who lists its tickets); else refused."""
    grants = request.grants()
    return grants if grants.supervises else request.require(TICKETS_LIST)


class SavedViews(Part):
    """`gate.views`: saved views and their counts."""

    def list_views(self) -> list[ViewInfo]:
        """The person's views, their own first then the shared ones, each by name, with its
        count (one statement each, scoped like the list); a view searching words counted up to
        WORDS_COUNTED (`at_least` when it holds more) unless counted exactly from the index."""
        request = self._open()
        grants = _lister(request)
        rows = (
            SavedView.select(
                SavedView.name,
                SavedView.query,
                Person.username.alias("owner"),
                Role.name.alias("role"),
                Usergroup.name.alias("usergroup"),
            )
            .join(Person, on=(SavedView.owner == Person.id))
            .switch(SavedView)
            .join(Role, peewee.JOIN.LEFT_OUTER, on=(SavedView.role == Role.id))
            .switch(SavedView)
            .join(Usergroup, peewee.JOIN.LEFT_OUTER, on=(SavedView.usergroup == Usergroup.id))
            .where(_readable(grants))
        )
        views = []
        for row in dict_rows(rows):
            shared = (
                f"role {row['role']}"
                if row["role"]
                else f"usergroup {row['usergroup']}"
                if row["usergroup"]
                else ""
            )
            query = query_of(row["query"])
            exact = exact_word_count(request, query)
            if exact is not None:
                count, at_least = exact, False
            elif split_search(query.search).text:  # words: counted only so far
                count = count_in_scope(request, query, upto=WORDS_COUNTED + 1)
                at_least = count > WORDS_COUNTED
                count = min(count, WORDS_COUNTED)
            else:
                count, at_least = count_in_scope(request, query), False
            views.append(ViewInfo(row["name"], row["owner"], query, shared, count, at_least))
        views.sort(key=lambda v: (bool(v.shared_with), v.name.casefold(), v.owner))
        return views

    def compact_search_scope(self) -> int:
        """Write the scope of the tickets whose scope changed since their search document was
        (SQLite's index, `store.scope_words`) into their documents, a batch per transaction, so
        the views' word counts stay exact and quick; how many. On PostgreSQL, the word and
        token sets (`store.ticket_bits`) brought up to date over the tickets changed since they
        were read; how many sets. Asked by `ticketty serve`'s person now and then; needs what
        listing views needs."""
        _lister(self._open())
        if not dialect.is_sqlite(database_proxy):
            return ticket_bits.refresh(database_proxy)
        return scope_words.compact(database_proxy)

    def save_view(
        self,
        name: str,
        query: TicketQuery,
        *,
        role: str | None = None,
        usergroup: str | None = None,
    ) -> None:
        """Save (or replace) the person's view `name`; shared with `role` or `usergroup`
        only with `views.share`."""
        request = self._open()
        grants = _lister(request)
        name = checked_name(name, "view's name", MAX_NAME)
        if role and usergroup:
            raise InvalidInput("share a view with a role or with a usergroup, not both")
        if (role or usergroup) and not grants.holds(VIEWS_SHARE):
            raise PermissionDenied(f"{grants.username} lacks {VIEWS_SHARE}")
        count_in_scope(request, query)  # a query that cannot be read is refused now
        with request.writing():
            shared = {
                "role": role_named(role).id if role else None,
                "usergroup": usergroup_named(usergroup).id if usergroup else None,
            }
            SavedView.delete().where(
                (SavedView.owner == grants.person_id) & (SavedView.name == name)
            ).execute()
            view = SavedView.create(
                owner=grants.person_id, name=name, query=query_json(query), **shared
            )
            request.record(
                VIEW_SAVE,
                "view",
                view.id,
                after={"name": name, "role": role, "usergroup": usergroup},
            )

    def remove_view(self, name: str) -> None:
        """Remove the person's own view `name`, or, with `views.share`, a shared one they read."""
        request = self._open()
        grants = _lister(request)
        with request.writing():
            mine = SavedView.get_or_none(
                (SavedView.owner == grants.person_id) & (SavedView.name == name)
            )
            shared = None
            if mine is None and grants.holds(VIEWS_SHARE):
                shared = SavedView.get_or_none(
                    (SavedView.name == name)
                    & _readable(grants)
                    & (SavedView.role.is_null(False) | SavedView.usergroup.is_null(False))
                )
            view = mine or shared
            if view is None:
                raise NotFound(f"no view named {name!r}")
            view.delete_instance()
            request.record(VIEW_REMOVE, "view", view.id, before={"name": name})
