"""Benchmarks: scripts that print their figures beside a floor measured in the same run."""
