"""The size limit of a file given to the gate: a reply's files and those kept with a reply
draft, from the app or the command line alike (each reads a named file within it,
`read_within`, before the gate checks it again). The limit is the gate's (`Gate(...,
file_limit=...)`, from `attachment_limit_mb` in the configuration file, 25 MB unless set), so
no channel takes a file the others would refuse. Mail a customer sends is held to the same
limit: a file over it is listed on the ticket, its bytes not kept (`access.intake`)."""

from __future__ import annotations

from pathlib import Path

from access.errors import InvalidInput

DEFAULT_FILE_LIMIT = 25 * 2**20


class FileTooLarge(InvalidInput):
    """A file over the gate's size limit; nothing was written."""


def refuse_over_limit(filename: str, size: int, limit: int) -> None:
    """`FileTooLarge` when a file of `size` bytes is over `limit`."""
    if size > limit:
        raise FileTooLarge(
            f"{filename} is {size_text(size)}; the limit is {size_text(limit)} "
            "(attachment_limit_mb in the configuration file)"
        )


def size_text(size: int) -> str:
    """A file's size for a person: bytes below a megabyte, else megabytes."""
    return f"{size / 2**20:.1f} MB" if size >= 2**20 else f"{size} bytes"


class FileRefused(InvalidInput):
    """A file that cannot be attached or written, with why in one line."""


def read_within(path: Path, limit: int) -> bytes:
    """The bytes of the file at `path` when it is a readable file of at most `limit` bytes
    (the gate's, `gate.file_limit`: a larger one is not read at all); else `FileRefused`
    saying why, or the gate's own `FileTooLarge`. Blocking: run it in a thread."""
    try:
        if path.is_dir():
            raise FileRefused(f"{path} is a folder; name a file")
        refuse_over_limit(path.name, path.stat().st_size, limit)
        return path.read_bytes()
    except OSError as exc:
        raise FileRefused(f"cannot read {path}: {file_problem(exc)}") from exc


def file_problem(exc: OSError) -> str:
    """What went wrong with a file, in one line without the traceback."""
    return exc.strerror or type(exc).__name__
