"""The test oracle: the event-driven engine, a process-based SimPy model of the same line.

It shares no code with the recursions, so wherever both can run a line, their agreement on
every time (tests/sim/test_oracle.py) proves both.
"""

from pullflow.sim.events import Record, simulate, simulate_line

__all__ = ["Record", "simulate", "simulate_line"]
