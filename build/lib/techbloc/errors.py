"""Exceptions raised by techbloc.

Every exception the package raises on purpose derives from :class:`Error`, so a caller
can catch ``techbloc.Error`` and show the message to the user: messages say what was
wrong, where (file, line, key or country) and, where possible, how to fix it.
"""

from __future__ import annotations

__all__ = ["DataError", "Error", "InputError", "StoreError"]


class Error(Exception):
    """Base class of every error techbloc raises on purpose."""


class InputError(Error, ValueError):
    """User input (a file, a parameter value, a country code, a study) is invalid.

    Raised before anything runs.
    """


class DataError(Error):
    """The bundled data are missing, corrupt or inconsistent."""


class StoreError(Error):
    """A results store cannot be opened, resumed or written."""
