"""Benchmarks: ``make bench`` (``python -m bench``). Each prints a row and adds to the JSON."""
