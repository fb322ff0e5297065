"""Tell "the database is busy or unreachable" apart from bugs, and say it in Indonesian.

A write that waits longer than the busy timeout (`store.busy_timeout_ms`) for a
lock, a PostgreSQL server that is down, a connection that drops: the person in
front of the app gets one clear sentence and nothing they typed is lost; a
programming error (a missing table, a bad query) is still raised as such.
"""

from __future__ import annotations

import sqlalchemy as sa

PAGE_MESSAGE = (
    "Basis data sedang sibuk atau tidak dapat dihubungi. Tidak ada data yang hilang; coba lagi "
    "sebentar lagi. Bila berlanjut, hubungi operator SiKondusif (Bagian Pemerintahan Setda)."
)
FORM_MESSAGE = (
    "Basis data sedang sibuk atau tidak dapat dihubungi; laporan belum tersimpan. Isian Anda masih ada "
    "di formulir: silakan kirim ulang sebentar lagi."
)
CLI_MESSAGE = "basis data sedang sibuk atau tidak dapat dihubungi; tidak ada yang disimpan. Coba lagi nanti."

# Words of SQLite's and libpq's messages for "locked / busy / cannot connect / connection lost".
_MARKERS = (
    "database is locked", "database is busy", "database table is locked", "unable to open database",
    "disk i/o error", "could not connect", "connection refused", "connection timed out", "timeout expired",
    "server closed the connection", "connection is closed", "connection already closed",
    "terminating connection", "the database system is", "lock timeout", "could not obtain lock",
    "no route to host", "name or service not known", "could not translate host name", "connection to server",
    "ssl syscall error", "server conn crashed",
)


def _is_unavailable_one(exc: BaseException) -> bool:
    if isinstance(exc, sa.exc.TimeoutError):  # no pooled connection came free in time
        return True
    if isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, sa.exc.OperationalError | sa.exc.InterfaceError):
        text = str(exc.orig if exc.orig is not None else exc).lower()
    elif type(exc).__name__ in ("OperationalError", "InterfaceError"):  # a driver's own, not wrapped
        text = str(exc).lower()
    else:
        return False
    return any(marker in text for marker in _MARKERS)


def is_unavailable(exc: BaseException) -> bool:
    """True when `exc` (or what caused it) means the database is busy or cannot be reached."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(seen) < 8:
        if _is_unavailable_one(current):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False
