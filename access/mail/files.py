"""Messages from files for `mail import`: one RFC 5322 message, a Maildir, or an mbox, streamed
so that a file of any size is read in constant memory."""

from __future__ import annotations

import mailbox
from collections.abc import Iterator
from pathlib import Path

from access.errors import InvalidInput

_CHUNK = 1 << 20


def messages_in(path: Path) -> Iterator[tuple[str, bytes]]:
    """(origin, raw message) for each message under `path`."""
    if path.is_dir():
        if not (path / "cur").is_dir() and not (path / "new").is_dir():
            raise InvalidInput(f"{path} is a folder but not a Maildir (no cur/ or new/)")
        box = mailbox.Maildir(path, factory=None, create=False)
        for key in sorted(box.keys()):
            yield f"{path.name} {key}", box.get_bytes(key)
        return
    if not path.is_file():
        raise InvalidInput(f"no file {path}")
    with path.open("rb") as head:
        first = head.read(5)
    if first == b"From ":
        yield from _mbox(path)
    else:
        yield path.name, path.read_bytes()


def _mbox(path: Path) -> Iterator[tuple[str, bytes]]:
    """An mbox split at each `From ` line that follows an empty line (or starts the file),
    with the `>From ` quoting taken off."""
    number = 0
    lines: list[bytes] = []
    previous_blank = True
    with path.open("rb", buffering=_CHUNK) as stream:
        for line in stream:
            if line.startswith(b"From ") and previous_blank:
                if lines:
                    number += 1
                    yield f"{path.name} #{number}", _message(lines)
                lines = []
                previous_blank = False
                continue
            if line.startswith(b">") and line.lstrip(b">").startswith(b"From "):
                line = line[1:]  # mboxrd: one `>` was added before each `From ` line
            lines.append(line)
            previous_blank = line in (b"\n", b"\r\n")
    if lines:
        number += 1
        yield f"{path.name} #{number}", _message(lines)


def _message(lines: list[bytes]) -> bytes:
    if lines and lines[-1] in (b"\n", b"\r\n"):
        lines = lines[:-1]  # the empty line before the next `From ` belongs to the format
    return b"".join(lines)


def size_of(paths: list[Path]) -> int:
    """Bytes to read, for a progress bar (a Maildir counts as its messages' sizes)."""
    total = 0
    for path in paths:
        if path.is_dir():
            total += sum(f.stat().st_size for sub in ("cur", "new") for f in (path / sub).glob("*"))
        elif path.is_file():
            total += path.stat().st_size
    return total
