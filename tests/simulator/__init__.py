"""Tests of the closed-loop simulator and the benchmark's invariants."""
