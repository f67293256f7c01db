"""Benchmarks of the brief's measured goals; run with `python -m bench`."""
