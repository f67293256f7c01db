"""Canned replies and macros as an agent meets them: opening the canned-reply list of a ticket
among 2,000 replies and filtering it as the picker does; the canned replies screen opened on
them (the gate's list, the table filled at 80x24) and filtered by typing, in CPU and wall time;
a macro of 4 steps on 1,000 marked tickets, its preview (the gate's dry run) then its
application (a transaction per chunk of 250 tickets), timed together.

    python -m bench.macros DATABASE [--runs 5] [--screen]

Prints one JSON line. It adds the canned replies it lacks (one in ten offered in one source
only) and the macro; each run sets the other of two values in every step, so every run changes
all 1,000 tickets; the database keeps the changes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

USER = "ada"
REPLIES = 2_000
MARKED = 1_000
TYPED = "reply 1"  # what the person types in the picker
# Two macros of 4 steps, each setting back what the other set.
MACROS = {
    "Bench one": ["priority:high", "tag:bench", "status:pending", "note:Checked by {{agent.name}}"],
    "Bench two": ["priority:low", "untag:bench", "status:open", "note:Seen by {{agent.name}}"],
}


def add_replies(location: str) -> None:
    """Canned replies up to `REPLIES`, and the two macros, in one go as the administrator."""
    from access import Gate
    from store.db import connect

    gate = Gate(connect(location), USER)
    have = {r.name for r in gate.replies.list_replies()}
    source = gate.sources.list_sources()[0].name
    for n in range(REPLIES - len(have)):
        name = f"Bench reply {n}"
        if name not in have:
            where = [source] if n % 10 == 0 else []
            body = f"Hello {{{{requester.first_name}}}}, refund {n} for #{{{{ticket.number}}}}."
            gate.replies.add_reply(name, body, sources=where)
    made = {m.name for m in gate.macros.list_macros()}
    for name, steps in MACROS.items():
        if name not in made:
            gate.macros.add_macro(name, steps)


def measure(location: str, runs: int) -> dict[str, float]:
    from access import Gate
    from store.db import connect
    from tui.widgets import PickerModal

    add_replies(location)
    gate = Gate(connect(location), USER)
    numbers = [row.number for row in gate.inbox.list_tickets(limit=MARKED)]
    lists, previews, applies, totals = [], [], [], []
    offered = changed = 0
    for run in range(runs):
        started = time.perf_counter()
        replies = gate.replies.replies_for(numbers[0])
        picker = PickerModal("Canned reply", [(r.name, r.name) for r in replies])
        shown = picker._matches(TYPED)
        lists.append(time.perf_counter() - started)
        offered = len(replies)
        name = list(MACROS)[run % 2]
        started = time.perf_counter()
        plan = gate.macros.plan_macro(name, numbers)
        previewed = time.perf_counter()
        done = gate.macros.apply_macro(name, numbers)
        finished = time.perf_counter()
        previews.append(previewed - started)
        applies.append(finished - previewed)
        totals.append(finished - started)
        changed = len(done.steps[0].changed)
        if [s.changed for s in plan.steps] != [s.changed for s in done.steps]:
            raise SystemExit("the macro's preview and its application differ")
        if not shown:
            raise SystemExit(f"the picker shows nothing for {TYPED!r}")
    screen = asyncio.run(screen_times(location, runs))
    return {
        **screen,
        "canned replies offered on a ticket": float(offered),
        "canned reply list: open + filter (ms)": statistics.median(lists) * 1000,
        "macro of 4 steps: tickets marked": float(len(numbers)),
        "macro of 4 steps: tickets changed (last run)": float(changed),
        "macro of 4 steps: preview (ms)": statistics.median(previews) * 1000,
        "macro of 4 steps: apply (ms)": statistics.median(applies) * 1000,
        "macro of 4 steps: preview + apply (ms)": statistics.median(totals) * 1000,
    }


async def screen_times(location: str, runs: int) -> dict[str, float]:
    """The canned replies screen in a headless app at 80x24: its list read from the gate and
    its table filled (its first page: `FilteredListing.AT_MOST`), then narrowed to what
    `TYPED` matches; the cursor put on the last row (the next page joins) and `G` (the last
    page), each timed in CPU (the process's) and wall time."""
    from textual.widgets import DataTable

    from access import Gate
    from screens.canned_replies import CannedRepliesScreen
    from store.db import connect
    from ticketty.launch import build_app
    from tui.filtered_listing import PagedTable

    app = build_app(Gate(connect(location), USER), refresh_seconds=3600)
    opened_cpu, opened_wall, typed_cpu, typed_wall = [], [], [], []
    paged_cpu, paged_wall, last_cpu, last_wall = [], [], [], []
    shown = listed = 0
    async with app.run_test(size=(80, 24)) as pilot:
        screen = CannedRepliesScreen()
        await app.push_screen(screen)
        while not screen.records:
            await pilot.pause(0.05)
        for _ in range(runs):
            cpu, wall = time.process_time(), time.perf_counter()
            records = screen.fetch()
            screen._show(records, None)
            opened_cpu.append(time.process_time() - cpu)
            opened_wall.append(time.perf_counter() - wall)
            cpu, wall = time.process_time(), time.perf_counter()
            screen._show_matching(screen.matching(records, TYPED), None)
            typed_cpu.append(time.process_time() - cpu)
            typed_wall.append(time.perf_counter() - wall)
            listed, shown = len(records), screen.matched
            screen._show_matching(records, None)
            await pilot.pause()
            table = screen.query_one(DataTable)
            cpu, wall = time.process_time(), time.perf_counter()
            table.move_cursor(row=len(screen.records) - 1)  # the next page joins
            await pilot.pause()
            paged_cpu.append(time.process_time() - cpu)
            paged_wall.append(time.perf_counter() - wall)
            cpu, wall = time.process_time(), time.perf_counter()
            screen.to_edge(PagedTable.EdgeAsked(last=True))  # G: the last page
            for _ in range(200):  # the highlight's message, handled in turn by a busy loop
                await pilot.pause()
                if screen.current == records[-1]:
                    break
            last_cpu.append(time.process_time() - cpu)
            last_wall.append(time.perf_counter() - wall)
            if screen.current != records[-1]:
                raise SystemExit(
                    f"G did not reach the last canned reply: on {screen.current!r}, rows"
                    f" {screen.start + 1}-{screen.start + len(screen.records)}"
                    f" of {len(screen.matches)}"
                )
            screen._show_matching(records, records[0].name)
            await pilot.pause()
    if not shown or listed < REPLIES:
        raise SystemExit(f"the screen lists {listed} replies and shows {shown} for {TYPED!r}")
    return {
        "canned replies screen: replies listed": float(listed),
        "canned replies screen: replies matching the filter": float(shown),
        "canned replies screen: open, CPU (ms)": statistics.median(opened_cpu) * 1000,
        "canned replies screen: open, wall (ms)": statistics.median(opened_wall) * 1000,
        "canned replies screen: filter typed, CPU (ms)": statistics.median(typed_cpu) * 1000,
        "canned replies screen: filter typed, wall (ms)": statistics.median(typed_wall) * 1000,
        "canned replies screen: next page joins, CPU (ms)": statistics.median(paged_cpu) * 1000,
        "canned replies screen: next page joins, wall (ms)": statistics.median(paged_wall) * 1000,
        "canned replies screen: G (last page), CPU (ms)": statistics.median(last_cpu) * 1000,
        "canned replies screen: G (last page), wall (ms)": statistics.median(last_wall) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.macros")
    parser.add_argument("database", help="a SQLite file or a postgresql:// URL")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--screen", action="store_true", help="only the canned replies screen (no macro run)"
    )
    args = parser.parse_args()
    if args.screen:
        add_replies(args.database)
        print(json.dumps(asyncio.run(screen_times(args.database, args.runs))))
        return
    print(json.dumps(measure(args.database, args.runs)))


if __name__ == "__main__":
    main()
