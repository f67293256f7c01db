"""Cold starts of an empty Textual app and of Ticketty's inbox, alternated, for this checkout and
for others (an older commit unpacked with `git archive`), so that two versions of the start are
compared under the same load.

    python -m bench.starts DATABASE USER [--runs 9] [--against FOLDER ...]

Each start is `bench.paint` in a process of its own, run from the checkout's folder so that it
imports that checkout's Ticketty. Besides the wall time to the first paint, each start's CPU
time (user + system, read from the child's resource usage) is kept: on a shared machine the
wall time grows with the load, the CPU time much less; and the CPU time to the first paint
(`bench.paint`'s), which leaves out the process's ending (what the app began after its first
frame, joining threads). Prints one JSON line per checkout with the medians and their ratios to
the empty app's.
"""

from __future__ import annotations

import argparse
import compileall
import json
import math
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from access.demo import DEMO_NOW

HERE = Path(__file__).resolve().parent.parent


def compiled(root: Path) -> None:
    """Byte-compile a checkout's packages, as installing it does (`bench.compile_project`)."""
    for package in sorted(init.parent for init in root.glob("*/__init__.py")):
        compileall.compile_dir(package, quiet=1)


def one_start(root: Path, *args: str) -> tuple[float, float, float]:
    """The paint time (s), the CPU time to the first paint (s; NaN from a checkout whose
    `bench.paint` does not say it) and the whole process's CPU time (s) of one cold start from
    checkout `root`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [sys.executable, "-m", "bench.paint", *args, repr(time.time())],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    said = json.loads(done.stdout.splitlines()[-1])
    return said["paint_s"], said.get("paint_cpu_s", math.nan), cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database")
    parser.add_argument("user")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--against", nargs="*", default=[], type=Path)
    args = parser.parse_args()
    roots = [HERE, *(folder.resolve() for folder in args.against)]
    now = DEMO_NOW.isoformat()
    for root in roots:
        compiled(root)
        one_start(root, "inbox", args.database, args.user, now)  # warms the page cache, not counted
    one_start(HERE, "empty")
    empty: list[tuple[float, float, float]] = []
    inbox: dict[Path, list[tuple[float, float, float]]] = {root: [] for root in roots}
    for _ in range(args.runs):
        empty.append(one_start(HERE, "empty"))
        for root in roots:
            inbox[root].append(one_start(root, "inbox", args.database, args.user, now))
    empty_paint, empty_at_paint, empty_cpu = (
        statistics.median(f) for f in zip(*empty, strict=True)
    )
    for root in roots:
        paint, at_paint, cpu = (statistics.median(f) for f in zip(*inbox[root], strict=True))
        figures = {
            "checkout": str(root),
            "empty_paint_ms": round(empty_paint * 1000),
            "inbox_paint_ms": round(paint * 1000),
            "paint_ratio": round(paint / empty_paint, 3),
            "empty_cpu_ms": round(empty_cpu * 1000),
            "inbox_cpu_ms": round(cpu * 1000),
            "cpu_ratio": round(cpu / empty_cpu, 3),
            # The CPU time to the first paint alone, without the process's ending.
            "empty_paint_cpu_ms": round(empty_at_paint * 1000),
            "inbox_paint_cpu_ms": round(at_paint * 1000),
            "paint_cpu_ratio": round(at_paint / empty_at_paint, 3),
        }
        print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
