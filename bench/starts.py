"""Cold starts of an empty Textual app and of Ticketty's inbox, alternated, for this checkout and
for others (an older commit unpacked with `git archive`), so that two versions of the start are
compared under the same load.

    python -m bench.starts DATABASE USER [--runs 9] [--against FOLDER ...]

Each start is `bench.paint` in a process of its own, run from the checkout's folder so that it
imports that checkout's Ticketty. Besides the wall time to the first paint, each start's CPU
time (user + system, read from the child's resource usage) is kept: on a shared machine the
wall time grows with the load, the CPU time much less. Prints one JSON line per checkout with
the medians and their ratios to the empty app's.
"""

from __future__ import annotations

import argparse
import compileall
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def compiled(root: Path) -> None:
    """Byte-compile a checkout's packages, as installing it does (`bench.compile_project`)."""
    for package in sorted(init.parent for init in root.glob("*/__init__.py")):
        compileall.compile_dir(package, quiet=1)


def one_start(root: Path, *args: str) -> tuple[float, float]:
    """The paint time (s) and CPU time (s) of one cold start from checkout `root`."""
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
    return json.loads(done.stdout.splitlines()[-1])["paint_s"], cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database")
    parser.add_argument("user")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--against", nargs="*", default=[], type=Path)
    args = parser.parse_args()
    roots = [HERE, *(folder.resolve() for folder in args.against)]
    for root in roots:
        compiled(root)
        one_start(root, "inbox", args.database, args.user)  # warms the page cache, not counted
    one_start(HERE, "empty")
    empty: list[tuple[float, float]] = []
    inbox: dict[Path, list[tuple[float, float]]] = {root: [] for root in roots}
    for _ in range(args.runs):
        empty.append(one_start(HERE, "empty"))
        for root in roots:
            inbox[root].append(one_start(root, "inbox", args.database, args.user))
    empty_paint = statistics.median(paint for paint, _ in empty)
    empty_cpu = statistics.median(cpu for _, cpu in empty)
    for root in roots:
        paint = statistics.median(p for p, _ in inbox[root])
        cpu = statistics.median(c for _, c in inbox[root])
        figures = {
            "checkout": str(root),
            "empty_paint_ms": round(empty_paint * 1000),
            "inbox_paint_ms": round(paint * 1000),
            "paint_ratio": round(paint / empty_paint, 3),
            "empty_cpu_ms": round(empty_cpu * 1000),
            "inbox_cpu_ms": round(cpu * 1000),
            "cpu_ratio": round(cpu / empty_cpu, 3),
        }
        print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
