"""Benchmarks: each bench_*.py prints its figures and its ratio to a baseline run beside it."""
