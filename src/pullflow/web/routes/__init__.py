"""The web board's pages, one router per area: ``router`` in each module."""
