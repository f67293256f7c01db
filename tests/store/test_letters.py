"""`fold` replaces each letter of FOLDED, and only those, wherever it stands in a text."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store.letters import FOLDED, fold

_BY_LETTER = str.maketrans(FOLDED)
_LETTERS = st.sampled_from([*FOLDED, "a", "Z", " ", "é", "ą", "Ł", "日", "\u202e", "\x1b", "😀"])


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(_LETTERS).map("".join) | st.text())
def test_fold_replaces_each_letter_as_a_table_would(text: str) -> None:
    assert fold(text) == text.translate(_BY_LETTER)
