"""Exceptions of lubuklinggau_geo.

Every message is in Bahasa Indonesia because it reaches admins and RT heads
as is; the classes let code react without parsing text.
"""

from __future__ import annotations


class GeoError(Exception):
    """Base class of every error raised by lubuklinggau_geo."""


class GeoNameError(GeoError, ValueError):
    """Free text could not be turned into one official code.

    ``candidates`` holds the closest official names (best first) so a UI can
    offer them as choices.
    """

    def __init__(self, message: str, *, text: object = None, level: str = "kelurahan",
                 candidates: list[str] | None = None) -> None:
        super().__init__(message)
        self.text = text
        self.level = level
        self.candidates: list[str] = list(candidates or [])


class NameNotFound(GeoNameError):
    """No official name is close enough to the text."""


class AmbiguousName(GeoNameError):
    """Several official names fit the text equally well."""


class UnknownCode(GeoError, KeyError):
    """A code that is not in the gazetteer."""

    def __str__(self) -> str:  # KeyError would add quotes around the message
        return str(self.args[0]) if self.args else ""


class BoundariesUnavailable(GeoError, RuntimeError):
    """No boundary files are installed (the app falls back to points)."""


class FetchError(GeoError, RuntimeError):
    """Downloading or reading the upstream boundary file failed; nothing was written."""


class BuildError(GeoError, RuntimeError):
    """Boundary data could not be turned into a complete, valid set; nothing was written."""


class ImportFailed(GeoError, RuntimeError):
    """An official boundary file could not be imported; nothing was written.

    ``report`` (an ImportReport) says which features could not be mapped.
    """

    def __init__(self, message: str, report: object = None) -> None:
        super().__init__(message)
        self.report = report
