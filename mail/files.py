"""Messages from files for `mail import`: one RFC 5322 message, a Maildir, or an mbox, streamed
so that a file of any size is read in constant memory. A message over the size limit is not
read: its size is known before (a file's) or counted while skipping it (in an mbox), and only
its header is kept, for quarantine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from access.errors import InvalidInput
from access.inbound import DEFAULT_MESSAGE_LIMIT
from access.intake import Oversized

_CHUNK = 1 << 20
_HEADER_MOST = 256 * 1024
Found = tuple[str, bytes | Oversized]


def messages_in(path: Path, limit: int = DEFAULT_MESSAGE_LIMIT) -> Iterator[Found]:
    """(origin, raw message, or `Oversized` past `limit` bytes) for each message under
    `path`."""
    if path.is_dir():
        if not (path / "cur").is_dir() and not (path / "new").is_dir():
            raise InvalidInput(f"{path} is a folder but not a Maildir (no cur/ or new/)")
        files = [
            f for sub in ("cur", "new") if (path / sub).is_dir() for f in (path / sub).iterdir()
        ]
        for file in sorted((f for f in files if not f.name.startswith(".")), key=_maildir_key):
            yield f"{path.name} {_maildir_key(file)}", _file(file, limit)
        return
    if not path.is_file():
        raise InvalidInput(f"no file {path}")
    with path.open("rb") as head:
        first = head.read(5)
    if first == b"From ":
        yield from _mbox(path, limit)
    else:
        yield path.name, _file(path, limit)


def size_of_mail(raw: bytes | Oversized) -> int:
    return raw.size if isinstance(raw, Oversized) else len(raw)


def _maildir_key(file: Path) -> str:
    return file.name.split(":", 1)[0]


def _file(path: Path, limit: int) -> bytes | Oversized:
    size = path.stat().st_size
    if size <= limit:
        return path.read_bytes()
    header: list[bytes] = []
    with path.open("rb", buffering=_CHUNK) as stream:
        for line in stream:
            if line in (b"\n", b"\r\n") or sum(map(len, header)) > _HEADER_MOST:
                break
            header.append(line)
    return Oversized(b"".join(header), size)


def _mbox(path: Path, limit: int) -> Iterator[Found]:
    """An mbox split at each `From ` line that follows an empty line (or starts the file),
    with the `>From ` quoting taken off."""
    number = 0
    message = _Gathered(limit)
    previous_blank = True
    with path.open("rb", buffering=_CHUNK) as stream:
        for line in stream:
            if line.startswith(b"From ") and previous_blank:
                if message.lines or message.size:
                    number += 1
                    yield f"{path.name} #{number}", message.taken()
                message = _Gathered(limit)
                previous_blank = False
                continue
            if line.startswith(b">") and line.lstrip(b">").startswith(b"From "):
                line = line[1:]  # mboxrd: one `>` was added before each `From ` line
            message.add(line)
            previous_blank = line in (b"\n", b"\r\n")
    if message.lines or message.size:
        number += 1
        yield f"{path.name} #{number}", message.taken()


class _Gathered:
    """The lines of one mbox message; past `limit` bytes only its header is kept."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.lines: list[bytes] = []
        self.size = 0
        self.header_lines = 0  # lines of the header, once its end was seen

    def add(self, line: bytes) -> None:
        self.size += len(line)
        if not self.header_lines and line in (b"\n", b"\r\n"):
            self.header_lines = len(self.lines)
        if self.size <= self.limit:
            self.lines.append(line)
        elif len(self.lines) > self.header_lines:
            del self.lines[self.header_lines or len(self.lines) :]

    def taken(self) -> bytes | Oversized:
        last = self.lines[-1:] in ([b"\n"], [b"\r\n"])
        if self.size > self.limit:
            return Oversized(b"".join(self.lines)[:_HEADER_MOST], self.size)
        # the empty line before the next `From ` belongs to the format
        return b"".join(self.lines[:-1] if last else self.lines)


def size_of(paths: list[Path]) -> int:
    """Bytes to read, for a progress bar (a Maildir counts as its messages' sizes)."""
    total = 0
    for path in paths:
        if path.is_dir():
            total += sum(f.stat().st_size for sub in ("cur", "new") for f in (path / sub).glob("*"))
        elif path.is_file():
            total += path.stat().st_size
    return total
