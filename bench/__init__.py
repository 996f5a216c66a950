"""Benchmarks; ``python -m bench`` prints the performance table."""
