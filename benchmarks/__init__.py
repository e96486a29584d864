"""Figures-printing benchmarks (issue 8). Run from the repository root, never collected by pytest:

python -m benchmarks.poll_cycle [--feeds N --items M] [--json]
"""
