"""`access.records.record`: a frozen record as a frozen dataclass would be, without compiling
methods for each class."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, dataclass
from typing import ClassVar

import pytest

from access.records import record, replace


@record
class Span:
    start: int
    end: int = 10
    unit: str = "m"
    LIMIT: ClassVar[int] = 100

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("a span ends after it starts")


@dataclass(frozen=True)
class SpanAsDataclass:
    start: int
    end: int = 10
    unit: str = "m"


def test_a_record_is_made_read_and_compared_as_a_frozen_dataclass() -> None:
    made = [Span(1), Span(1, 12), Span(1, unit="h"), Span(start=2, end=3, unit="s")]
    twins = [
        SpanAsDataclass(1),
        SpanAsDataclass(1, 12),
        SpanAsDataclass(1, unit="h"),
        SpanAsDataclass(start=2, end=3, unit="s"),
    ]
    for one, twin in zip(made, twins, strict=True):
        assert (one.start, one.end, one.unit) == (twin.start, twin.end, twin.unit)
        assert repr(one) == repr(twin).replace("SpanAsDataclass", "Span")
        assert one == type(one)(one.start, one.end, one.unit)
        assert hash(one) == hash(type(one)(one.start, one.end, one.unit))
    assert Span(1) != Span(2) and Span(1) != SpanAsDataclass(1)
    assert len({Span(1), Span(1, 10, "m"), Span(2)}) == 2


def test_a_record_refuses_changes_and_wrong_fields() -> None:
    span = Span(1)
    with pytest.raises(FrozenInstanceError):
        span.start = 2  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        del span.start
    with pytest.raises(TypeError):
        Span()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Span(1, 2, "m", 4)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Span(1, start=2)  # type: ignore[misc]
    with pytest.raises(TypeError):
        Span(1, LIMIT=3)  # type: ignore[call-arg]
    with pytest.raises(ValueError):
        Span(5, 2)


def test_replace_makes_a_checked_copy() -> None:
    span = Span(1, 12)
    assert replace(span, unit="h") == Span(1, 12, "h")
    assert span == Span(1, 12)
    with pytest.raises(ValueError):
        replace(span, end=0)
