"""Backups and restores of the whole store.

SQLite uses the online backup API, so a backup taken while the app runs is a
consistent snapshot; PostgreSQL uses pg_dump/pg_restore in custom format.
Backup files are created 0600 (they hold reporters' names and phone numbers).

A restore never trusts the file (issue 13). Before anything is replaced:
SQLite backups must pass ``PRAGMA integrity_check``; PostgreSQL dumps must pass
``pg_restore --list`` and a trial restore into a scratch database. The schema objects
(tables, indexes, triggers, views, functions, ...) must be ones this version creates,
fresh or upgraded (issue 27): a trigger slipped into a backup would otherwise run inside
the live app after the restore. What is found extra is named and nothing is restored; a store that
lacks a table or column this version reads is put back the same way. The schema
version must be one this code can upgrade, and the row counts are returned for
the operator to confirm. The current store is then copied aside (its path is
reported) and put back automatically if the restore fails half-way. A full or
read-only disk is one Indonesian sentence, and no temporary file stays behind.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import cast

import sqlalchemy as sa
from sqlalchemy.engine import URL

from kondusif import registry, store
from kondusif.config import child_environment
from kondusif.db_unavailable import as_storage_error
from kondusif.timeutil import now

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
COUNTED = ("incidents", "audit_log", "users", "snapshots", "review_queue")


class BackupError(RuntimeError):
    """A backup or restore that cannot proceed; the message is for the operator."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    backend: str
    incidents: int
    bytes: int
    counts: dict[str, int] = field(default_factory=dict)
    aside: Path | None = None  # restore: where the previous store was copied


@dataclass(frozen=True)
class BackupCheck:
    """What a backup file holds, checked without touching the live store."""

    path: Path
    backend: str
    schema_version: int
    counts: dict[str, int]

    def describe(self) -> str:
        names = {"incidents": "laporan", "audit_log": "catatan audit", "users": "akun",
                 "snapshots": "laporan mingguan", "review_queue": "pesan antrean"}
        parts = [f"{n:,} {names.get(t, t)}".replace(",", ".") for t, n in self.counts.items()]
        return f"skema versi {self.schema_version}; " + ", ".join(parts)




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


def _run(cmd: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, env=child_environment(**env))


def _counts(url_text: str) -> dict[str, int]:
    engine = store.make_engine(url_text)
    try:
        with engine.connect() as conn:
            return {name: int(cast(int, conn.execute(sa.select(sa.func.count())
                                                     .select_from(store.metadata.tables[name])).scalar()))
                    for name in COUNTED if name in store.metadata.tables}
    finally:
        engine.dispose()


def _private_file(path: Path) -> None:
    """Create `path` empty with mode 0600 (before SQLite or pg_dump fills it)."""
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def _disk_or_raise(exc: BaseException, what: str) -> BackupError:
    storage = as_storage_error(exc, what)
    if storage is not None:
        return BackupError(str(storage))
    raise exc


def backup(db_url: str, out: Path | str) -> BackupResult:
    """Write a consistent copy of the store at `db_url` to `out` (never half a file; mode 0600)."""
    url = sa.engine.make_url(db_url)
    out = Path(out)
    tmp = out.with_name(out.name + ".tmp")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        _private_file(tmp)
        if url.get_backend_name() == "sqlite":
            _sqlite_copy(_sqlite_path(url), tmp)
            backend = "sqlite"
        elif url.get_backend_name() == "postgresql":
            _pg_dump(url, tmp)
            backend = "postgresql"
        else:
            raise BackupError(f"Jenis basis data {url.get_backend_name()} tidak didukung untuk cadangan.")
        os.chmod(tmp, 0o600)
        tmp.replace(out)
    except BackupError:
        tmp.unlink(missing_ok=True)
        raise
    except (OSError, sqlite3.Error, sa.exc.SQLAlchemyError) as exc:
        tmp.unlink(missing_ok=True)
        raise _disk_or_raise(exc, "Cadangan") from exc
    counts = _counts(db_url)
    return BackupResult(out, backend, counts.get("incidents", 0), out.stat().st_size, counts)


def _sqlite_copy(src_path: Path, dst_path: Path) -> None:
    if not src_path.exists():
        raise BackupError(f"Berkas basis data {src_path} tidak ada.")
    src = sqlite3.connect(f"file:{src_path}?mode=ro", uri=True)
    dst = sqlite3.connect(dst_path)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")
    finally:
        dst.close()
        src.close()


def _pg_dump(url: URL, out: Path) -> None:
    args, env = _pg_args(url)
    proc = _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(out), *args], env)
    if proc.returncode != 0:
        text = proc.stderr.strip()
        if "No space left" in text or "Read-only file system" in text:
            raise OSError(28 if "No space" in text else 30, text)
        raise BackupError(f"pg_dump gagal: {text}")


# --------------------------------------------------------------------------- checking a backup


def _schema_ok(version: str | None, path: Path) -> int:
    if not version:
        raise BackupError(f"Berkas {path} bukan cadangan SiKondusif (tidak ada versi skema).")
    try:
        number = int(version)
    except ValueError as exc:
        raise BackupError(f"Berkas {path}: versi skema {version!r} tidak dikenal.") from exc
    if number > store.SCHEMA_VERSION:
        raise BackupError(f"Cadangan memakai skema versi {number}, lebih baru dari aplikasi ini "
                          f"({store.SCHEMA_VERSION}); pakai versi aplikasi yang sama atau lebih baru.")
    if number < 1:
        raise BackupError(f"Berkas {path}: versi skema {number} tidak bisa ditingkatkan.")
    return number


# --------------------------------------------------------------------------- schema objects

_KIND_NAMES = {"table": "tabel", "index": "indeks", "trigger": "pemicu (trigger)", "view": "view"}
_SHOWN_OBJECTS = 8


def _foreign_objects_error(path: Path, found: Iterable[str]) -> BackupError:
    items = sorted(found)
    shown = "; ".join(items[:_SHOWN_OBJECTS]) + (f"; dan {len(items) - _SHOWN_OBJECTS} lagi"
                                                 if len(items) > _SHOWN_OBJECTS else "")
    return BackupError(f"Cadangan {path} ditolak: berisi objek basis data yang tidak dibuat oleh SiKondusif versi "
                       f"ini ({shown}). Cadangan seperti ini bisa menjalankan perintah tersembunyi setelah "
                       "dipulihkan. Basis data sekarang tidak diubah.")


def _sqlite_objects(conn: sqlite3.Connection) -> dict[tuple[str, str], tuple[str, str]]:
    """(type, name) -> (table, SQL without spacing differences) of every object SQLite does not make itself."""
    rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master").fetchall()
    return {(t, n): (tbl, " ".join((sql or "").split()).lower()) for t, n, tbl, sql in rows
            if not n.lower().startswith("sqlite_")}


@lru_cache(maxsize=2)
def _sqlite_reference(version: int) -> dict[tuple[str, str], tuple[str, str]]:
    """The objects of an empty SQLite store of this version (`version` keys the cache)."""
    with tempfile.TemporaryDirectory(prefix="kondusif-skema-") as tmp:
        engine = store.make_engine(f"sqlite:///{Path(tmp) / 'acuan.db'}")
        try:
            store.build_reference_schema(engine)
        finally:
            engine.dispose()
        conn = sqlite3.connect(Path(tmp) / "acuan.db")
        try:
            return _sqlite_objects(conn)
        finally:
            conn.close()


def _check_sqlite_objects(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a SQLite backup with an object (trigger, view, table, index) this version does not make.

    Triggers and views must also have exactly the SQL this version writes; tables and
    indexes are matched by name (an upgraded store words some of them differently).
    """
    reference = _sqlite_reference(store.SCHEMA_VERSION)
    found = []
    for (kind, name), (table, sql) in sorted(_sqlite_objects(conn).items()):
        expected = reference.get((kind, name))
        on_table = f" pada tabel «{table}»" if kind in ("index", "trigger") and table != name else ""
        label = f"{_KIND_NAMES.get(kind, kind)} «{name}»{on_table}"
        if expected is None:
            found.append(label)
        elif kind in ("trigger", "view") and expected[1] != sql:
            found.append(label + " yang isinya diubah")
    if found:
        raise _foreign_objects_error(path, found)


def _check_sqlite_backup(path: Path) -> BackupCheck:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
        try:
            problems = [r[0] for r in conn.execute("PRAGMA integrity_check(20)")]
            if problems != ["ok"]:
                raise BackupError(f"Berkas {path} rusak (PRAGMA integrity_check: {'; '.join(problems[:3])}). "
                                  "Basis data sekarang tidak diubah.")
            version = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            number = _schema_ok(version[0] if version else None, path)
            _check_sqlite_objects(conn, path)
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            counts = {t: int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0])  # noqa: S608 - fixed names
                      for t in COUNTED if t in tables}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"Berkas {path} bukan cadangan SiKondusif yang utuh: {exc}. "
                          "Basis data sekarang tidak diubah.") from exc
    return BackupCheck(path, "sqlite", number, counts)


def _scratch_url(url: URL) -> tuple[URL, str]:
    name = f"kondusif_uji_pulih_{uuid.uuid4().hex[:12]}"
    return url.set(database=name), name


def _pg_admin(url: URL):
    return sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


# Entry kinds of a pg_restore list, longest first (a kind may hold spaces).
_PG_KINDS = sorted((
    "TABLE DATA", "TABLE", "INDEX", "CONSTRAINT", "FK CONSTRAINT", "SEQUENCE", "SEQUENCE OWNED BY",
    "SEQUENCE SET", "DEFAULT", "TRIGGER", "EVENT TRIGGER", "VIEW", "MATERIALIZED VIEW", "FUNCTION",
    "PROCEDURE", "AGGREGATE", "RULE", "POLICY", "ROW SECURITY", "EXTENSION", "SCHEMA", "TYPE", "DOMAIN",
    "CAST", "OPERATOR", "LANGUAGE", "PUBLICATION", "SUBSCRIPTION", "FOREIGN TABLE", "SERVER",
    "USER MAPPING", "COLLATION", "CONVERSION", "STATISTICS", "TRANSFORM", "BLOB", "LARGE OBJECT",
    "ACL", "DEFAULT ACL", "COMMENT", "SECURITY LABEL", "ENCODING", "STDSTRINGS", "SEARCHPATH",
), key=len, reverse=True)
# Grants and comments run no code, and a production store has grants the reference lacks.
_PG_IGNORED = ("ACL", "DEFAULT ACL", "COMMENT", "ENCODING", "STDSTRINGS", "SEARCHPATH")
_PG_KIND_NAMES = {"TABLE": "tabel", "INDEX": "indeks", "TRIGGER": "pemicu (trigger)", "FUNCTION": "fungsi",
                  "PROCEDURE": "prosedur", "RULE": "aturan (rule)", "EVENT TRIGGER": "pemicu peristiwa",
                  "MATERIALIZED VIEW": "materialized view", "POLICY": "kebijakan baris"}
_PG_ENTRY = re.compile(r"^\s*\d+;\s*\d+\s+\d+\s+(.*)$")


def _pg_objects(listing: str) -> set[tuple[str, str]]:
    """(kind, "schema name") of every entry of a `pg_restore --list`, the owner left out."""
    found = set()
    for line in listing.splitlines():
        m = _PG_ENTRY.match(line)
        if not m:
            continue
        rest = m.group(1).strip()
        kind = next((k for k in _PG_KINDS if rest == k or rest.startswith(k + " ")), rest.split(" ", 1)[0])
        if kind in _PG_IGNORED:
            continue
        words = rest[len(kind):].split()
        found.add((kind, " ".join(words[:-1] if len(words) > 2 else words)))
    return found


@lru_cache(maxsize=4)
def _pg_reference(url_text: str, version: int) -> frozenset[tuple[str, str]]:
    """The object list of an empty store of this version on that server (`version` keys the cache)."""
    url = sa.engine.make_url(url_text)
    scratch, name = _scratch_url(url)
    admin = _pg_admin(url)
    out = Path(tempfile.mkdtemp(prefix="kondusif-skema-")) / "acuan.dump"
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        engine = sa.create_engine(scratch, poolclass=sa.pool.NullPool)
        try:
            store.build_reference_schema(engine)
        finally:
            engine.dispose()
        _pg_dump(scratch, out)
        listing = _run([_pg_tool("pg_restore"), "--list", str(out)], _pg_args(url)[1])
        if listing.returncode != 0:
            raise BackupError(f"Daftar objek acuan tidak dapat dibuat: {listing.stderr.strip()[:300]}")
        return frozenset(_pg_objects(listing.stdout))
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _check_pg_objects(url: URL, listing: str, path: Path) -> None:
    """Refuse a dump whose object list holds what an empty store of this version has not."""
    reference = _pg_reference(url.render_as_string(hide_password=False), store.SCHEMA_VERSION)
    extra = _pg_objects(listing) - reference
    if extra:
        raise _foreign_objects_error(path, (_pg_label(k, n) for k, n in extra))


def _pg_label(kind: str, entry: str) -> str:
    """'TRIGGER', 'public users naikkan_admin' -> pemicu (trigger) «naikkan_admin» pada tabel «users»."""
    schema, _, rest = entry.partition(" ")
    rest = rest or schema
    if schema not in ("public", "-", rest):
        rest = f"{schema}.{rest}"
    label = _PG_KIND_NAMES.get(kind, kind.lower())
    if kind in ("TRIGGER", "RULE", "POLICY") and " " in rest:
        table, name = rest.split(" ", 1)
        return f"{label} «{name}» pada tabel «{table}»"
    return f"{label} «{rest}»"


def _check_pg_backup(url: URL, path: Path) -> BackupCheck:
    args, env = _pg_args(url)
    listing = _run([_pg_tool("pg_restore"), "--list", str(path)], env)
    if listing.returncode != 0:
        raise BackupError(f"Berkas {path} rusak (pg_restore --list: {listing.stderr.strip()[:300]}). "
                          "Basis data sekarang tidak diubah.")
    _check_pg_objects(url, listing.stdout, path)  # before the trial restore runs anything from it
    scratch, name = _scratch_url(url)
    admin = _pg_admin(url)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        s_args, _ = _pg_args(scratch)
        trial = _run([_pg_tool("pg_restore"), "--no-owner", "--single-transaction", "--exit-on-error",
                      *s_args, str(path)], env)
        if trial.returncode != 0:
            raise BackupError(f"Uji pemulihan cadangan {path} ke basis data sementara gagal: "
                              f"{trial.stderr.strip()[:300]}. Basis data sekarang tidak diubah.")
        engine = sa.create_engine(scratch, poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as conn:
                try:
                    version = conn.execute(sa.text("SELECT value FROM meta WHERE key='schema_version'")).scalar()
                except sa.exc.ProgrammingError:
                    version = None
        finally:
            engine.dispose()
        number = _schema_ok(version, path)
        counts = _counts(scratch.render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()
    return BackupCheck(path, "postgresql", number, counts)


def check_backup(db_url: str, backup_file: Path | str) -> BackupCheck:
    """Check a backup file for the store at `db_url` without touching that store; raises BackupError."""
    url = sa.engine.make_url(db_url)
    path = Path(backup_file)
    if not path.is_file():
        raise BackupError(f"Berkas cadangan {path} tidak ditemukan.")
    with path.open("rb") as fh:
        head = fh.read(16)
    if url.get_backend_name() == "sqlite":
        if not head.startswith(SQLITE_MAGIC):
            raise BackupError(f"Berkas {path} bukan cadangan SQLite.")
        return _check_sqlite_backup(path)
    if url.get_backend_name() == "postgresql":
        if not head.startswith(PGDUMP_MAGIC):
            raise BackupError(f"Berkas {path} bukan cadangan pg_dump (format custom).")
        return _check_pg_backup(url, path)
    raise BackupError(f"Jenis basis data {url.get_backend_name()} tidak didukung untuk pemulihan.")


# --------------------------------------------------------------------------- restoring


def aside_path(db_url: str) -> Path:
    """Where the current store is copied before a restore: DATA_DIR/cadangan/sebelum-pulih-<time>.<ext>."""
    from kondusif.config import settings

    stamp = now().strftime("%Y%m%dT%H%M%S%f")
    ext = "db" if db_url.startswith("sqlite") else "dump"
    return settings().data_dir / "cadangan" / f"sebelum-pulih-{stamp}.{ext}"


def restore(db_url: str, backup_file: Path | str, checked: BackupCheck | None = None) -> BackupResult:
    """Replace the store at `db_url` with `backup_file`, safely (see the module docstring)."""
    url = sa.engine.make_url(db_url)
    check = checked or check_backup(db_url, backup_file)
    path = Path(backup_file)
    store.dispose_engines()
    registry.invalidate_cache()
    copy = aside_path(db_url)
    aside: Path | None = copy  # None when there was no store to copy aside
    try:
        copy.parent.mkdir(parents=True, exist_ok=True)
        if url.get_backend_name() == "sqlite":
            target = _sqlite_path(url)
            if target.exists():
                _private_file(copy)
                _sqlite_copy(target, copy)
            else:
                aside = None
        else:
            _private_file(copy)
            _pg_dump(url, copy)
    except (OSError, sqlite3.Error) as exc:
        if aside is not None:
            aside.unlink(missing_ok=True)
        raise _disk_or_raise(exc, "Pemulihan") from exc
    try:
        if url.get_backend_name() == "sqlite":
            _sqlite_restore(path, _sqlite_path(url))
        else:
            _pg_restore(url, path)
        engine = store.get_engine(db_url)  # upgrades an older schema in place
        _check_columns(engine)
        counts = _counts(db_url)
        if counts != check.counts:
            raise BackupError(f"Isi setelah pemulihan ({counts}) tidak sama dengan cadangan ({check.counts}).")
        store.new_generation(engine)  # the ids came back: running apps' map caches must not match them
    except BaseException as exc:
        store.dispose_engines()
        registry.invalidate_cache()
        _put_back(url, aside)
        if isinstance(exc, BackupError):
            raise BackupError(f"{exc} Basis data sebelumnya dikembalikan dari {aside}.") from exc
        storage = as_storage_error(exc, "Pemulihan")
        if storage is not None:
            raise BackupError(f"{storage} Basis data sebelumnya dikembalikan dari {aside}.") from exc
        raise
    del engine
    return BackupResult(path, check.backend, counts.get("incidents", 0), path.stat().st_size, counts, aside)


def _check_columns(engine: sa.Engine) -> None:
    """Refuse a restored (and upgraded) store that lacks a table or column this version reads.

    Tables are matched by name only before the restore, so a backup whose `users` lost its
    columns passed, and afterwards every login and page failed with "no such column".
    """
    present = sa.inspect(engine)
    missing = []
    for table in store.metadata.sorted_tables:
        if not present.has_table(table.name):
            missing.append(f"tabel «{table.name}»")
            continue
        have = {c["name"] for c in present.get_columns(table.name)}
        lost = [c.name for c in table.columns if c.name not in have]
        if lost:
            missing.append(f"tabel «{table.name}» tanpa kolom {', '.join(lost[:6])}" + (" …" if len(lost) > 6 else ""))
    if missing:
        raise BackupError("Cadangan ditolak: tidak lengkap untuk SiKondusif versi ini ("
                          + "; ".join(missing[:_SHOWN_OBJECTS]) + ").")


def _sqlite_restore(src_path: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{src_path}?mode=ro", uri=True)
    dst = sqlite3.connect(target, timeout=30)
    try:
        src.backup(dst)  # page-by-page copy under the destination's write lock
        problems = [r[0] for r in dst.execute("PRAGMA integrity_check(5)")]
        if problems != ["ok"]:
            raise BackupError(f"Basis data setelah pemulihan tidak utuh ({'; '.join(problems)}).")
    finally:
        dst.close()
        src.close()


def _pg_restore(url: URL, path: Path) -> None:
    args, env = _pg_args(url)
    proc = _run([_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
                 "--exit-on-error", *args, str(path)], env)
    if proc.returncode != 0:
        raise BackupError(f"pg_restore gagal: {proc.stderr.strip()[:300]}")


def _put_back(url: URL, aside: Path | None) -> None:
    """The restore failed half-way: the store copied aside becomes the live store again."""
    if url.get_backend_name() == "sqlite":
        target = _sqlite_path(url)
        if aside is None:
            target.unlink(missing_ok=True)
            return
        _sqlite_restore(aside, target)
    elif aside is not None:
        _pg_restore(url, aside)
