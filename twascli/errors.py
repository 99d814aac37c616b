"""The one exception type that reaches users as a single line and a non-zero exit."""


class TwasError(Exception):
    """A problem with the user's input or environment, told in one line (no traceback)."""
