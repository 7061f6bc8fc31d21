"""pullflow: a pull system for lean product teams.

Work enters a stage only when that stage pulls it, WIP limits hold under concurrent use,
running experiments are the pull signal, and an andon stops the line until a Five Whys
has found the root cause. Every change is recorded as an event.
"""

__version__ = "0.1.0"
