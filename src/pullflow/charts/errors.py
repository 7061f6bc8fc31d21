"""The refusal of a figure or a chart file, carrying the one sentence to show the user."""


class ChartError(ValueError):
    """A figure or file that cannot be made: what was refused, why, and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
