"""Exceptions of kondusif, modelled on lubuklinggau_geo/errors.py.

Every message is in Bahasa Indonesia because it reaches users as is; the classes
let code (pages, CLI, later HTTP routes) react without parsing text.
"""

from __future__ import annotations


class KondusifError(Exception):
    """Base class of the errors kondusif raises on purpose; str() is for the user."""


class NotPermitted(KondusifError, PermissionError):
    """The viewer's role or scope does not allow this (see kondusif.access).

    Also a PermissionError, so code written against the standard exception keeps working.
    """

    def __init__(self, message: str, *, capability: str | None = None) -> None:
        super().__init__(message)
        self.capability = capability
