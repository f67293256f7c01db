"""`--backend-tests-only` (tests/conftest.py) leaves out exactly the tests that never get the
run's backend: those without the `backend` fixture in their closure and not marked as the
run's backend's only."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tests.conftest import backend_independent


@dataclass
class Collected:
    """What `backend_independent` reads of a collected test."""

    fixturenames: list[str]
    markers: dict[str, pytest.Mark] = field(default_factory=dict)

    def get_closest_marker(self, name: str) -> pytest.Mark | None:
        return self.markers.get(name)


def only(backend: str) -> dict[str, pytest.Mark]:
    name = f"{backend}_only"
    return {name: getattr(pytest.mark, name)("why").mark}


@pytest.mark.parametrize("name", ["sqlite", "postgresql"])
def test_a_test_without_the_backend_is_independent_of_it(name: str) -> None:
    assert backend_independent(Collected(["tmp_path", "request"]), name)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["sqlite", "postgresql"])
def test_a_test_with_a_database_depends_on_the_backend(name: str) -> None:
    closure = ["db", "db_location", "new_location", "locations", "backend"]
    assert not backend_independent(Collected(closure), name)  # type: ignore[arg-type]


def test_a_test_of_the_runs_backend_only_is_kept_and_one_of_the_other_is_not() -> None:
    pure = ["tmp_path"]
    assert not backend_independent(Collected(pure, only("postgresql")), "postgresql")  # type: ignore[arg-type]
    assert backend_independent(Collected(pure, only("sqlite")), "postgresql")  # type: ignore[arg-type]


def test_an_item_without_fixtures_is_kept() -> None:
    assert not backend_independent(object(), "postgresql")  # type: ignore[arg-type]
