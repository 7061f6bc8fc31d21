"""The flow simulator: exact line recursions, scenarios, sweeps and the board twin.

``pullflow.sim.lines`` computes a serial line's departure times from drawn service times (the
engine); the other modules draw those times from scenarios and measure the runs.
"""
