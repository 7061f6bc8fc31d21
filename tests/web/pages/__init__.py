"""The learning, flow and what-if pages of the web board."""
