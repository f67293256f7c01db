"""`python -m bench.mail` measures the import with the fuzz corpus mixed in: a fixed set of
hostile messages drawn from the fuzz test's strategies, one in ten of the mbox, which the parser
alone and `mail import` both get through."""

from __future__ import annotations

from pathlib import Path

from bench.mail import HOSTILE_EVERY, generate_mixed, hostile_corpus, import_all, parse_only
from tests.hostile_mail import CHARSETS


def test_the_hostile_corpus_is_the_same_every_time() -> None:
    first = hostile_corpus(30)
    assert len(first) == 30 and len(set(first)) > 20
    assert hostile_corpus(30) == first
    assert any(f"charset={name}".encode() in raw for raw in first for name in CHARSETS[7:])


def test_an_mbox_with_the_fuzz_corpus_mixed_in_is_parsed_and_imported_whole(
    tmp_path: Path,
) -> None:
    mbox = tmp_path / "mixed.mbox"
    generate_mixed(mbox, 60)
    hostile = hostile_corpus(60 // HOSTILE_EVERY)
    text = mbox.read_bytes()
    assert sum(raw.replace(b"\r\n", b"\n").split(b"\n")[0] in text for raw in hostile) >= 3
    assert parse_only(mbox)["messages"] == 60
    imported = import_all(mbox, tmp_path / "import.db")
    assert imported["messages"] == 60
    assert imported["outcomes"].get("new", 0) >= 54 - 6
    assert sum(imported["outcomes"].values()) == 60
