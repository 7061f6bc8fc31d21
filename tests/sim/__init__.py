"""Tests of the line simulator: the process-based oracle, and the analytic anchors."""
