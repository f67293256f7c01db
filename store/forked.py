"""Work done by a forked process beside the caller (the demo's rows, a bulk load's search
index): started with the caller's objects frozen out of its garbage collection, so none of
the caller's connections is closed there, and left at once when its work is done, as
`os._exit` does, so that nothing of the caller's copied state (a stream's buffer and its lock,
which another thread may have held at the fork) is flushed or finalised in it."""

from __future__ import annotations

import gc
import multiprocessing
import os
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import NoReturn


def start(target: Callable[..., None], *args: object) -> BaseProcess:
    """`target(*args)` started in a forked process."""
    context = multiprocessing.get_context("fork")
    gc.freeze()
    try:
        child = context.Process(target=target, args=args, daemon=True)
        child.start()
    finally:
        gc.unfreeze()
    return child


def leave_after(work: Callable[[], None], pipe: Connection) -> NoReturn:
    """In the forked process: `work()` done (or its error sent through `pipe` as ("error",
    its traceback)), the pipe closed, the process left."""
    code = 0
    try:
        work()
    except BaseException:
        code = 1
        pipe.send(("error", traceback.format_exc()))
    finally:
        pipe.close()
        os._exit(code)
