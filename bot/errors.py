"""Errors a user or operator can cause and act on; anything else reaching the top is a bug."""


class LanternError(Exception):
    """A problem with a clear message (already `file:line: message` where a file is involved)."""
