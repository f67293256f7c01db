"""Saved views' live counts: each of the demo's shared views, and a few queries no tally
answers, counted as a person who reads them (the inbox's count, scoped like the list), with
wall and CPU time; a word counted as a saved view counts it (up to its cap, or exactly from
the scope tokens of SQLite's index, beside the join of its matches with the tickets); beside
each, the same count over the tickets (as before the tallies), and the whole list of views
with its counts.

`python -m bench.views PATH_OR_URL [--runs N] [--user tom] [--no-tickets]` prints one JSON
line of medians; `python -m bench` runs it at each size."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from functools import partial

from access.sla_rules import Duration
from access.views import TicketQuery

# Queries beside the demo's views: open work (a tally), and the fallbacks.
EXTRA = {
    "open work": TicketQuery(statuses=("new", "open", "pending")),
    "breached": TicketQuery(breached=True),
    "due within 4h": TicketQuery(due_within=Duration(minutes=4 * 60)),
    "a word (parcel)": TicketQuery(search="parcel"),
    "a requester": TicketQuery(requester="c000.muller"),
}


WORDS = {
    "a word (parcel)": TicketQuery(search="parcel"),
    "open work and a word (parcel)": TicketQuery(
        statuses=("new", "open", "pending"), search="parcel"
    ),
}


def timed(runs: int, call: Callable[[], object]) -> tuple[float, float]:
    """Medians of wall and CPU (process) time in ms."""
    from bench.__main__ import median_ms

    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        call()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return median_ms(walls), median_ms(cpus)


def measure(location: str, user: str, runs: int, tickets: bool = True) -> dict[str, float]:
    from access import Gate
    from access.inbox import _filtered, _notes_everywhere, count_in_scope, exact_word_count
    from access.saved_views import WORDS_COUNTED
    from access.tally_counts import tally_of
    from store import search
    from store.db import connect
    from store.models import Ticket

    gate = Gate(connect(location), user)
    views = gate.views.list_views()
    if not views:
        raise SystemExit(f"{user} reads no saved views in {location}")
    request = gate.inbox._open()
    notes_everywhere = _notes_everywhere(request.grants())
    queries = {view.name: view.query for view in views} | EXTRA
    figures: dict[str, float] = {}
    for name, query in queries.items():
        how = "tally" if tally_of(query) is not None else "tickets"
        wall, cpu = timed(runs, partial(gate.inbox.count_tickets, query))
        figures[f"view count: {name}, from {how} (ms)"] = wall
        figures[f"view count: {name}, from {how} (cpu ms)"] = cpu
        if tickets and how == "tally":
            counted = Ticket.select().where(_filtered(request, query, counting=True))
            wall, cpu = timed(runs, counted.count)
            figures[f"view count: {name}, tickets counted (ms)"] = wall
            figures[f"view count: {name}, tickets counted (cpu ms)"] = cpu
    for name in ("parcel", "xyzzy"):  # as a saved view counts a word: up to its cap
        query = TicketQuery(search=name)
        upto = partial(count_in_scope, request, query, upto=WORDS_COUNTED + 1)
        wall, cpu = timed(runs, upto)
        figures[f"view count: a word ({name}), up to {WORDS_COUNTED:,} (ms)"] = wall
        figures[f"view count: a word ({name}), up to {WORDS_COUNTED:,} (cpu ms)"] = cpu
    # Exactly from the scope tokens of SQLite's index or PostgreSQL's bitsets, and by the join
    # of every match with the tickets as before them.
    for name, query in WORDS.items():
        if exact_word_count(request, query) is None:
            continue
        wall, cpu = timed(runs, partial(exact_word_count, request, query))
        figures[f"view count: {name}, exactly from scope tokens (ms)"] = wall
        figures[f"view count: {name}, exactly from scope tokens (cpu ms)"] = cpu
        if tickets and notes_everywhere is not None:  # else no one list of matches to join
            joined = partial(search.count_matches, query.search, include_notes=notes_everywhere)
            where = _filtered(request, query, counting=True, with_text=False)
            wall, cpu = timed(runs, partial(joined, where=where))
            figures[f"view count: {name}, matches joined with the tickets (ms)"] = wall
            figures[f"view count: {name}, matches joined with the tickets (cpu ms)"] = cpu
    wall, cpu = timed(runs, gate.views.list_views)
    figures[f"views list with {len(views)} counts (ms)"] = wall
    figures[f"views list with {len(views)} counts (cpu ms)"] = cpu
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.views")
    parser.add_argument("location")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--user", default="tom")
    parser.add_argument(
        "--no-tickets", action="store_true", help="leave out the counts over tickets"
    )
    args = parser.parse_args()
    print(json.dumps(measure(args.location, args.user, args.runs, not args.no_tickets)))


if __name__ == "__main__":
    main()
