"""Tell "the database is busy or unreachable" or "the disk is full" apart from bugs, and say it in Indonesian.

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
    """True when `exc` (or what caused it) means the database is busy or cannot be reached,
    or the disk under it is full, read-only or failing (issue 13): nothing was stored."""
    if disk_reason(exc):
        return True
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(seen) < 8:
        if _is_unavailable_one(current):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


# --------------------------------------------------------------------------- full or read-only disk (issue 13)

DISK_FULL = "Penyimpanan server penuh"
READ_ONLY = "Penyimpanan server hanya-baca (read-only)"
IO_ERROR = "Penyimpanan server mengalami galat baca/tulis (I/O)"

_DISK_MARKERS = (
    ("database or disk is full", DISK_FULL), ("no space left on device", DISK_FULL),
    ("could not extend file", DISK_FULL), ("disk quota exceeded", DISK_FULL),
    ("attempt to write a readonly database", READ_ONLY), ("read-only file system", READ_ONLY),
    ("readonly database", READ_ONLY), ("disk i/o error", IO_ERROR), ("input/output error", IO_ERROR),
)
_DISK_ERRNO = {28: DISK_FULL, 122: DISK_FULL, 30: READ_ONLY, 5: IO_ERROR}  # ENOSPC, EDQUOT, EROFS, EIO


class StorageError(RuntimeError):
    """A write failed because the disk is full, read-only or failing; the message is Indonesian."""

    def __init__(self, reason: str, what: str = "Data") -> None:
        self.reason = reason
        super().__init__(f"{reason}: {what} tidak tersimpan. Tidak ada yang berubah; hubungi operator "
                         "SiKondusif untuk mengosongkan atau memperbaiki penyimpanan, lalu coba lagi.")


def _disk_reason_one(exc: BaseException) -> str | None:
    if isinstance(exc, StorageError):
        return exc.reason
    if isinstance(exc, OSError) and exc.errno in _DISK_ERRNO:
        return _DISK_ERRNO[exc.errno]
    if type(exc).__name__ == "DiskFull" or getattr(exc, "sqlstate", None) in ("53100", "53200"):
        return DISK_FULL  # psycopg.errors.DiskFull / out of memory on the server's side
    if isinstance(exc, sa.exc.DBAPIError) or type(exc).__name__ in ("OperationalError", "DatabaseError"):
        text = str(getattr(exc, "orig", None) or exc).lower()
        for marker, reason in _DISK_MARKERS:
            if marker in text:
                return reason
    return None


def disk_reason(exc: BaseException) -> str | None:
    """"Penyimpanan server penuh" / hanya-baca / galat I/O when `exc` (or its cause) says so, else None."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen and len(seen) < 8:
        reason = _disk_reason_one(current)
        if reason:
            return reason
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def as_storage_error(exc: BaseException, what: str = "Data") -> StorageError | None:
    """The StorageError to raise instead of `exc`, or None when `exc` is not a disk problem."""
    if isinstance(exc, StorageError):
        return exc
    reason = disk_reason(exc)
    return StorageError(reason, what) if reason else None


def form_message(exc: BaseException) -> str:
    """What the form says when a report could not be stored; the typed text stays in the form."""
    reason = disk_reason(exc)
    if reason:
        return (f"{reason}: laporan belum tersimpan. Isian Anda masih ada di formulir; kirim ulang setelah "
                "operator membereskan penyimpanan.")
    return FORM_MESSAGE


def page_message(exc: BaseException) -> str:
    reason = disk_reason(exc)
    return str(as_storage_error(exc)) if reason else PAGE_MESSAGE


def cli_message(exc: BaseException) -> str:
    reason = disk_reason(exc)
    return f"{reason.lower()}; tidak ada yang disimpan." if reason else CLI_MESSAGE
