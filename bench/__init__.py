"""Benchmarks: speed and accuracy, run by ``make bench``, results in docs/benchmarks.md."""
