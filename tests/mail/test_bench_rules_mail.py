"""`python -m bench.rules --mail` gives the import's rate against the parser's alone both in
CPU and in wall time: a customer's mail reaches the helpdesk at the wall rate."""

from __future__ import annotations

from bench.rules import _figures


def test_the_ratios_are_of_cpu_and_of_wall_time_each() -> None:
    figures = _figures("crowded", (0.2, 0.25), (0.4, 1.0), 3.0)
    assert figures["crowded 20 rules: ratio import / parser, CPU (goal >= 0.5)"] == 0.5
    assert figures["crowded 20 rules: ratio import / parser, wall (goal >= 0.5)"] == 0.25
