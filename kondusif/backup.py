"""Backups and restores of the whole store.

SQLite uses the online backup API, so a backup taken while the app runs is a
consistent snapshot; PostgreSQL uses pg_dump/pg_restore in custom format.
A restore checks that the file is a SiKondusif store before touching anything.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL

from kondusif import registry, store

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


class BackupError(RuntimeError):
    """A backup or restore that cannot proceed; the message is for the operator."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    backend: str
    incidents: int
    bytes: int


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("Basis data SQLite di memori tidak dapat dicadangkan.")
    return Path(url.database)


def _pg_tool(name: str) -> str:
    """The newest pg_dump/pg_restore on the machine (Debian keeps them per version)."""
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: p.parts[-3])
    found = str(candidates[-1]) if candidates else shutil.which(name)
    if not found:
        raise BackupError(f"Program {name} tidak ditemukan; pasang paket postgresql-client.")
    return found


def _pg_args(url: URL) -> tuple[list[str], dict[str, str]]:
    args = ["--host", url.host or "localhost", "--port", str(url.port or 5432),
            "--username", url.username or "postgres", "--dbname", url.database or "postgres"]
    env = {"PGPASSWORD": url.password} if url.password else {}
    return args, env


def _count(url_text: str) -> int:
    engine = store.make_engine(url_text)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(store.incidents)).scalar())
    finally:
        engine.dispose()


def _private_file(path: Path) -> None:
    """Create `path` empty with mode 0600 (a backup holds password hashes and reporter identity)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def backup(db_url: str, out: Path | str) -> BackupResult:
    """Write a consistent copy of the store at `db_url` to `out` (never half a file)."""
    url = sa.engine.make_url(db_url)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    _private_file(tmp)
    if url.get_backend_name() == "sqlite":
        src_path = _sqlite_path(url)
        if not src_path.exists():
            raise BackupError(f"Berkas basis data {src_path} tidak ada.")
        src = sqlite3.connect(src_path)
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
            src.close()
        backend = "sqlite"
    elif url.get_backend_name() == "postgresql":
        args, env = _pg_args(url)
        proc = subprocess.run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(tmp), *args],
                              capture_output=True, text=True, env={**os.environ, **env})
        if proc.returncode != 0:
            tmp.unlink(missing_ok=True)
            raise BackupError(f"pg_dump gagal: {proc.stderr.strip()}")
        backend = "postgresql"
    else:
        raise BackupError(f"Jenis basis data {url.get_backend_name()} tidak didukung untuk cadangan.")
    os.chmod(tmp, 0o600)
    tmp.replace(out)
    return BackupResult(out, backend, _count(db_url), out.stat().st_size)


def _check_sqlite_backup(path: Path) -> None:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            version = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"Berkas {path} bukan cadangan SiKondusif yang utuh: {exc}") from exc
    if not version:
        raise BackupError(f"Berkas {path} bukan cadangan SiKondusif (tidak ada versi skema).")
    if int(version[0]) > store.SCHEMA_VERSION:
        raise BackupError(f"Cadangan memakai skema versi {version[0]}, lebih baru dari aplikasi ini.")


def restore(db_url: str, backup_file: Path | str) -> BackupResult:
    """Replace the store at `db_url` with the content of `backup_file`."""
    url = sa.engine.make_url(db_url)
    path = Path(backup_file)
    if not path.is_file():
        raise BackupError(f"Berkas cadangan {path} tidak ditemukan.")
    head = path.read_bytes()[:16]
    store.dispose_engines()
    registry.invalidate_cache()
    if url.get_backend_name() == "sqlite":
        if not head.startswith(SQLITE_MAGIC):
            raise BackupError(f"Berkas {path} bukan cadangan SQLite.")
        _check_sqlite_backup(path)
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        dst = sqlite3.connect(target, timeout=30)
        try:
            src.backup(dst)  # page-by-page copy under the destination's write lock
        finally:
            dst.close()
            src.close()
        backend = "sqlite"
    elif url.get_backend_name() == "postgresql":
        if not head.startswith(PGDUMP_MAGIC):
            raise BackupError(f"Berkas {path} bukan cadangan pg_dump (format custom).")
        args, env = _pg_args(url)
        proc = subprocess.run(
            [_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
             *args, str(path)],
            capture_output=True, text=True, env={**os.environ, **env},
        )
        if proc.returncode != 0:
            raise BackupError(f"pg_restore gagal: {proc.stderr.strip()}")
        backend = "postgresql"
    else:
        raise BackupError(f"Jenis basis data {url.get_backend_name()} tidak didukung untuk pemulihan.")
    return BackupResult(path, backend, _count(db_url), path.stat().st_size)
