"""The store: SQLAlchemy Core schema and the queries pages share.

SQLite (WAL, busy_timeout, foreign keys) by default, PostgreSQL by URL through
the same code. Every write goes through `write()`, one transaction that either
commits whole or leaves nothing behind. Queries take a `Viewer` and apply its
scope in SQL; private columns are not even selected for roles that may not see them.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from kondusif import access
from kondusif.config import ConfigError, env_setting, settings
from kondusif.model import PRIVATE_FIELDS, Incident, Viewer, new_id
from kondusif.timeutil import as_utc, now

log = logging.getLogger(__name__)

SCHEMA_VERSION = 3  # 2: review_queue.kode_kelurahan/kode_kecamatan; 3: login_failures (new table only)


class UTCDateTime(sa.types.TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, on every backend.

    SQLite has no time zone type, so values are normalised to UTC before storing
    (their text then also sorts correctly); PostgreSQL gets TIMESTAMPTZ.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = as_utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


metadata = sa.MetaData()

meta = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

counters = sa.Table(
    "counters",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False),
)

incidents = sa.Table(
    "incidents",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("report_no", sa.String(32), nullable=False, unique=True),
    sa.Column("kode_kecamatan", sa.String(8), nullable=False),
    sa.Column("kode_kelurahan", sa.String(13), nullable=False),
    sa.Column("rt", sa.Integer),
    sa.Column("category", sa.String(32), nullable=False),
    sa.Column("severity", sa.String(16), nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("description", sa.Text, nullable=False, default=""),
    sa.Column("occurred_at", UTCDateTime, nullable=False),
    sa.Column("reported_at", UTCDateTime, nullable=False),
    sa.Column("lat", sa.Float),
    sa.Column("lon", sa.Float),
    sa.Column("location_approx", sa.Boolean, nullable=False, default=False),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("source_ref", sa.String(128)),
    sa.Column("reporter_name", sa.Text),
    sa.Column("reporter_phone", sa.Text),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("version", sa.Integer, nullable=False, default=1),
    sa.Column("created_by", sa.String(64)),
    sa.Column("duplicate_of", sa.String(36), sa.ForeignKey("incidents.id")),
    sa.Column("possible_duplicate", sa.Boolean, nullable=False, default=False),
    sa.Column("followup_to", sa.Text),
    sa.Column("followup_due", UTCDateTime),
    sa.Column("outcome", sa.Text),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("source", "source_ref", name="uq_incident_source_ref"),
)
sa.Index("ix_incidents_occurred", incidents.c.occurred_at)
sa.Index("ix_incidents_kel_time", incidents.c.kode_kelurahan, incidents.c.occurred_at)
sa.Index("ix_incidents_kec_time", incidents.c.kode_kecamatan, incidents.c.occurred_at)
sa.Index("ix_incidents_status", incidents.c.status)
sa.Index("ix_incidents_created_by", incidents.c.created_by)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("entity", sa.String(32), nullable=False),  # incident, user, setting, import, ...
    sa.Column("entity_id", sa.String(64)),
    sa.Column("action", sa.String(32), nullable=False),
    sa.Column("from_status", sa.String(16)),
    sa.Column("to_status", sa.String(16)),
    sa.Column("note", sa.Text),
    sa.Column("details", sa.Text),  # JSON
)
sa.Index("ix_audit_entity", audit_log.c.entity, audit_log.c.entity_id)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.Text, nullable=False, default=""),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("kecamatan", sa.String(8)),
    sa.Column("kelurahan", sa.String(13)),
    sa.Column("rt", sa.Integer),
    sa.Column("password_hash", sa.Text),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("must_change", sa.Boolean, nullable=False, default=False),
    sa.Column("last_login", UTCDateTime),
    sa.Column("failed_attempts", sa.Integer, nullable=False, default=0),
    sa.Column("locked_until", UTCDateTime),
    sa.Column("oidc_subject", sa.String(255), unique=True),
    sa.Column("session_epoch", sa.Integer, nullable=False, default=0),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

snapshots = sa.Table(
    "snapshots",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("week", sa.String(8), nullable=False),  # ISO week, e.g. 2018-W25
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("params", sa.Text, nullable=False),  # JSON
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("pdf", sa.LargeBinary, nullable=False),
    sa.UniqueConstraint("week", "version", name="uq_snapshot_week_version"),
)

rt_units = sa.Table(
    "rt_units",
    metadata,
    sa.Column("kode_kelurahan", sa.String(13), primary_key=True),
    sa.Column("rt", sa.Integer, primary_key=True),
    sa.Column("nama_ketua", sa.Text),
    sa.Column("telepon", sa.Text),
    sa.Column("lat", sa.Float),
    sa.Column("lon", sa.Float),
    sa.Column("contoh", sa.Boolean, nullable=False, default=False),
)

attachments = sa.Table(
    "attachments",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("incident_id", sa.String(36), sa.ForeignKey("incidents.id"), nullable=False),
    sa.Column("filename", sa.Text, nullable=False),
    sa.Column("mime", sa.String(64), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

review_queue = sa.Table(
    "review_queue",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("fingerprint", sa.String(64), nullable=False, unique=True),
    sa.Column("channel", sa.String(16), nullable=False),  # whatsapp, sms
    sa.Column("sent_at", UTCDateTime),
    sa.Column("sender", sa.Text),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("guess", sa.Text),  # JSON of what the parser could read
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("state", sa.String(16), nullable=False, default="antri"),
    sa.Column("resolved_by", sa.String(64)),
    sa.Column("resolved_at", UTCDateTime),
    sa.Column("resolution_note", sa.Text),
    sa.Column("incident_id", sa.String(36), sa.ForeignKey("incidents.id")),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # Where the parser placed the message, when it could (schema 2): scoped users see theirs.
    sa.Column("kode_kelurahan", sa.String(13)),
    sa.Column("kode_kecamatan", sa.String(8)),
)
sa.Index("ix_review_queue_kec_state", review_queue.c.kode_kecamatan, review_queue.c.state)

import_mappings = sa.Table(
    "import_mappings",
    metadata,
    sa.Column("signature", sa.String(64), primary_key=True),
    sa.Column("mapping", sa.Text, nullable=False),  # JSON
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("updated_by", sa.String(64)),
)

alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # rawan, berat
    sa.Column("kode_kecamatan", sa.String(8)),
    sa.Column("kode_kelurahan", sa.String(13)),
    sa.Column("incident_id", sa.String(36), sa.ForeignKey("incidents.id")),
    sa.Column("dedupe_key", sa.String(128), nullable=False, unique=True),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("delivery_state", sa.String(16), nullable=False, default="none"),
    sa.Column("delivery_attempts", sa.Integer, nullable=False, default=0),
    sa.Column("delivery_error", sa.Text),
)

alert_acks = sa.Table(
    "alert_acks",
    metadata,
    sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id"), primary_key=True),
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("at", UTCDateTime, nullable=False),
)

# Issue 6: last level seen per kelurahan, so a "turned Rawan" alert fires on the change only.
alert_level_state = sa.Table(
    "alert_level_state",
    metadata,
    sa.Column("kode_kelurahan", sa.String(13), primary_key=True),
    sa.Column("level", sa.String(16), nullable=False),
    sa.Column("since", UTCDateTime, nullable=False),
    sa.Column("checked_at", UTCDateTime, nullable=False),
)

# Issue 16: failed logins per client address, shared by every app process (kondusif.login_throttle).
login_failures = sa.Table(
    "login_failures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("address", sa.String(64), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
)
sa.Index("ix_login_failures_address_at", login_failures.c.address, login_failures.c.at)
sa.Index("ix_login_failures_at", login_failures.c.at)

settings_kv = sa.Table(
    "settings_kv",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),  # JSON
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("updated_by", sa.String(64)),
)


# --------------------------------------------------------------------------- engine

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


DEFAULT_BUSY_TIMEOUT_MS = 15_000


def busy_timeout_ms() -> int:
    """How long a write waits for another writer's lock before it fails (ms).

    KONDUSIF_DB_BUSY_TIMEOUT_MS (default 15000): SQLite's busy_timeout, PostgreSQL's
    lock_timeout. Read when a connection opens. The form then says the database is
    busy and keeps what was typed (issue 8; tests shorten it).
    """
    try:
        value = env_setting("db_busy_timeout_ms")  # declared in config.SETTINGS, checked at start
    except ConfigError:
        return DEFAULT_BUSY_TIMEOUT_MS
    return value if value >= 0 else DEFAULT_BUSY_TIMEOUT_MS


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # Let SQLAlchemy's begin event below emit BEGIN itself (pysqlite's own is deferred only).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={busy_timeout_ms()}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    # Writers take the write lock up front (BEGIN IMMEDIATE) so two writers queue on
    # busy_timeout instead of failing when one upgrades a read lock.
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str) -> Engine:
    """A new engine for `url`; SQLite files get WAL, busy_timeout and foreign keys."""
    if url.startswith("sqlite"):
        db_path = sa.engine.make_url(url).database
        if db_path and db_path != ":memory:":
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
            # 0600: the store holds password hashes and reporter identity; SQLite gives its
            # -wal/-shm files the database file's mode.
            if not Path(db_path).exists():
                os.close(os.open(db_path, os.O_WRONLY | os.O_CREAT, 0o600))
            try:
                os.chmod(db_path, 0o600)
            except PermissionError:  # another owner's file: theirs to protect
                pass
        # hide_parameters: no reporter name or phone in an error message or log line.
        engine = sa.create_engine(url, connect_args={"timeout": busy_timeout_ms() / 1000,
                                                     "check_same_thread": False}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        # Bounded waits: a held lock or a host that silently drops packets gives the
        # user a clear message instead of a hang.
        pg_args = ({"options": f"-c lock_timeout={busy_timeout_ms()}", "connect_timeout": 10}
                   if url.startswith("postgresql") else {})
        engine = sa.create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, connect_args=pg_args,
                                  hide_parameters=True)
    event.listen(engine, "handle_error", _disk_error)
    if os.environ.get("KONDUSIF_TEST_PAUSE_BEFORE_COMMIT"):
        _pause_before_commit(engine, Path(os.environ["KONDUSIF_TEST_PAUSE_BEFORE_COMMIT"]))
    return engine


def _pause_before_commit(engine: Engine, marker: Path) -> None:
    """Fault tests only: a transaction that inserted incidents stops just before COMMIT.

    It writes `marker` and waits (until the test kills the process), so a kill lands
    inside the open transaction every time, never after it (issue 18).
    """
    import time

    def seen(conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO INCIDENTS"):
            conn.info["kondusif_inserted"] = True

    def pause(conn) -> None:
        if conn.info.pop("kondusif_inserted", False):
            marker.write_text(str(os.getpid()), encoding="utf-8")
            while True:
                time.sleep(0.05)

    event.listen(engine, "after_cursor_execute", seen)
    event.listen(engine, "commit", pause)


def _disk_error(context: sa.engine.ExceptionContext) -> BaseException | None:
    """Every statement and commit: a full, read-only or failing disk becomes one StorageError (issue 13).

    Its message is Indonesian and says nothing was saved; the transaction is rolled back as for
    any error, so nothing is written half-way. Pages, the form and the CLI show it, never a traceback.
    """
    from kondusif.db_unavailable import as_storage_error

    return as_storage_error(context.original_exception)


def get_engine(url: str | None = None, init: bool = True) -> Engine:
    """The process-wide engine for `url` (default: settings), schema created on first use."""
    url = url or settings().db_url
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = make_engine(url)
            if init:
                init_db(engine)
            _engines[url] = engine
    return engine


def dispose_engines() -> None:
    """Forget cached engines (tests switch databases)."""
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def init_db(engine: Engine) -> None:
    """Create the schema on first start and record its version; upgrade in place later."""
    with write(engine) as conn:
        metadata.create_all(conn)
        current = conn.execute(sa.select(meta.c.value).where(meta.c.key == "schema_version")).scalar()
        if current is None:
            conn.execute(meta.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
        elif int(current) > SCHEMA_VERSION:
            raise RuntimeError(
                f"Basis data memakai skema versi {current}, lebih baru dari aplikasi ({SCHEMA_VERSION})."
            )
        else:
            _upgrade(conn, int(current))


def _upgrade(conn: Connection, current: int) -> None:
    """Apply in-place upgrades from `current` to SCHEMA_VERSION, each step idempotent."""
    if current < 2:
        _add_review_queue_place(conn)
    if current < SCHEMA_VERSION:
        conn.execute(
            meta.update().where(meta.c.key == "schema_version").values(value=str(SCHEMA_VERSION))
        )


def _add_review_queue_place(conn: Connection) -> None:
    """Schema 2: queue items carry the kelurahan/kecamatan they were parsed to (from their guess)."""
    have = {c["name"] for c in sa.inspect(conn).get_columns("review_queue")}
    for name, width in (("kode_kelurahan", 13), ("kode_kecamatan", 8)):
        if name not in have:
            conn.exec_driver_sql(f"ALTER TABLE review_queue ADD COLUMN {name} VARCHAR({width})")
    conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_review_queue_kec_state "
                         "ON review_queue (kode_kecamatan, state)")
    q = review_queue.c
    rows = conn.execute(sa.select(q.id, q.guess).where(q.kode_kecamatan.is_(None))).fetchall()
    for item_id, guess in rows:
        try:
            kel = (json.loads(guess) or {}).get("kelurahan") if guess else None
        except ValueError:
            kel = None
        if kel:
            conn.execute(review_queue.update().where(q.id == item_id).values(
                kode_kelurahan=str(kel), kode_kecamatan=str(kel).rsplit(".", 1)[0]))


def schema_version(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(meta.c.value).where(meta.c.key == "schema_version")).scalar())


_write_locks: dict[str, threading.RLock] = {}
_write_locks_guard = threading.Lock()


def _write_lock(engine: Engine) -> threading.RLock:
    with _write_locks_guard:
        return _write_locks.setdefault(str(engine.url), threading.RLock())


_ON_COMMIT = "kondusif_on_commit"


@contextmanager
def write(engine: Engine) -> Iterator[Connection]:
    """The one write path: a single transaction, committed whole or rolled back whole.

    SQLite allows one writer at a time; threads of this process wait on one lock
    instead of polling SQLite's busy handler, whose growing sleeps starve some
    writers under election-day load. The lock is a plain threading.RLock: it
    serialises writers but does not promise first-come-first-served order.
    Other processes still wait on busy_timeout.

    Work registered with `on_commit(conn, fn)` runs after the commit, outside
    the lock, and never when the transaction rolls back.
    """
    callbacks: list[Callable[[], Any]] = []
    if engine.dialect.name == "sqlite":
        with _write_lock(engine), engine.execution_options(sqlite_begin="IMMEDIATE").begin() as conn:
            yield from _with_callbacks(conn, callbacks)
    else:
        with engine.begin() as conn:
            yield from _with_callbacks(conn, callbacks)
    _run_after_commit(callbacks)


def _with_callbacks(conn: Connection, callbacks: list[Callable[[], Any]]) -> Iterator[Connection]:
    outer = conn.info.get(_ON_COMMIT)
    conn.info[_ON_COMMIT] = callbacks
    try:
        yield conn
    finally:
        if outer is None:
            conn.info.pop(_ON_COMMIT, None)
        else:
            conn.info[_ON_COMMIT] = outer


def on_commit(conn: Connection, fn: Callable[[], Any]) -> None:
    """Run `fn` once the `write()` transaction of `conn` has committed (alert checks, deliveries).

    Dropped when the transaction rolls back; an error in `fn` is logged and never
    undoes the committed write. Outside `write()` (a caller's own transaction),
    `fn` runs at once.
    """
    callbacks = conn.info.get(_ON_COMMIT)
    if callbacks is None:
        _run_after_commit([fn])
    else:
        callbacks.append(fn)


def _run_after_commit(callbacks: list[Callable[[], Any]]) -> None:
    for fn in callbacks:
        try:
            fn()
        except Exception:  # noqa: BLE001 - after-commit work must never undo or block a saved write
            log.exception("Pekerjaan sesudah simpan gagal")


# --------------------------------------------------------------------------- writes


def reserve_numbers(conn: Connection, name: str, n: int) -> int:
    """Reserve `n` consecutive numbers from counter `name`; returns the first one.

    One upsert statement, so two writers creating the same counter at once
    (PostgreSQL runs them truly in parallel) never collide.
    """
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    stmt = dialect_insert(counters).values(name=name, value=n)
    stmt = stmt.on_conflict_do_update(
        index_elements=[counters.c.name], set_={"value": counters.c.value + stmt.excluded.value}
    ).returning(counters.c.value)
    updated = conn.execute(stmt).scalar_one()
    return int(updated) - n + 1


def format_report_no(prefix: str, year: int, number: int) -> str:
    return f"{prefix}-{year}-{number:06d}"


def _kecamatan_of(kode_kelurahan: str) -> str:
    return kode_kelurahan[:8]


def incident_row(inc: Incident | dict[str, Any]) -> dict[str, Any]:
    """A row dict for the incidents table from a record (report_no not yet set)."""
    row = asdict(inc) if isinstance(inc, Incident) else dict(inc)
    if "id" not in row:  # issue 5: no uuid made (and thrown away) for rows that carry one
        row["id"] = new_id()
    row["kode_kecamatan"] = row.get("kode_kecamatan") or _kecamatan_of(row["kode_kelurahan"])
    for key in ("category", "severity", "status", "source"):
        if key in row and row[key] is not None:
            row[key] = str(row[key])
    row.setdefault("status", "baru")
    row.setdefault("version", 1)
    row.setdefault("description", "")
    row.setdefault("location_approx", False)
    row.setdefault("possible_duplicate", False)
    stamp = now()
    row["reported_at"] = row.get("reported_at") or stamp
    row["updated_at"] = row.get("updated_at") or stamp
    known = _incident_keys()
    return {k: v for k, v in row.items() if k in known}


@lru_cache(maxsize=1)
def _incident_keys() -> frozenset[str]:
    return frozenset(incidents.c.keys())  # issue 5: computed once, not per row


def executemany(conn: Connection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many rows like ``conn.execute(table.insert(), rows)``, with less per-row overhead.

    issue 5 (bulk imports): the INSERT is compiled once and each row goes through
    the columns' own bind processors (UTCDateTime etc.) straight to the driver's
    executemany, as bound parameters. Falls back to the plain call when rows do not
    all carry exactly the statement's columns (defaults then apply as usual).
    """
    if not rows:
        return
    keys = list(rows[0])
    compiled = table.insert().values({k: sa.bindparam(k) for k in keys}).compile(dialect=conn.dialect)
    names = list(compiled.positiontup) if compiled.positional else list(compiled.binds)
    key_set = set(keys)
    if any(len(r) != len(keys) or not key_set.issuperset(r) for r in rows):
        # Rows with different keys: one statement each, in order (a later row may point
        # at an earlier one, e.g. duplicate_of); SQLAlchemy's executemany needs one key set.
        for r in rows:
            conn.execute(table.insert(), r)
        return
    if set(names) != key_set:
        conn.execute(table.insert(), rows)
        return
    procs = [table.c[n].type.dialect_impl(conn.dialect).bind_processor(conn.dialect) for n in names]
    if compiled.positional:
        params: list[Any] = [tuple(p(r[n]) if p else r[n] for n, p in zip(names, procs, strict=True)) for r in rows]
    else:
        params = [{n: p(r[n]) if p else r[n] for n, p in zip(names, procs, strict=True)} for r in rows]
    conn.exec_driver_sql(compiled.string, params)


BULK_CACHE_KIB = 256 * 1024


@contextmanager
def secondary_indexes_deferred(conn: Connection, table: sa.Table) -> Iterator[None]:
    """Drop `table`'s plain (non-unique) indexes, yield, then build them again.

    For a bulk load on SQLite that at least doubles a table: building an index once,
    sorted, costs far less than updating it row by row. Everything runs in the
    caller's transaction, so WAL readers keep seeing the old table with its indexes
    and a failure rolls the drop back too. On PostgreSQL (DROP INDEX would block
    readers until commit) this does nothing.
    """
    plain = [ix for ix in sorted(table.indexes, key=lambda ix: ix.name or "") if not ix.unique]
    if conn.dialect.name != "sqlite":
        yield
        return
    for ix in plain:
        ix.drop(conn)
    yield
    raw = conn.connection.driver_connection
    cache = raw.execute("PRAGMA cache_size").fetchone()[0]
    try:
        raw.execute(f"PRAGMA cache_size={-BULK_CACHE_KIB}")  # the sorts behind CREATE INDEX stay in memory
        for ix in plain:
            ix.create(conn)
    finally:
        raw.execute(f"PRAGMA cache_size={int(cache)}")


def bulk_insert(conn: Connection, table: sa.Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert many rows of driver-ready values (issue 14: a million demo rows in seconds).

    `rows` hold, per column of `columns`, what the column's bind processor would hand
    the driver (SQLite: 'YYYY-MM-DD HH:MM:SS.ffffff' UTC text for times; PostgreSQL:
    text PostgreSQL parses, e.g. '...+00' for times). SQLite gets one executemany on
    the driver cursor, PostgreSQL one COPY; both inside the caller's transaction and
    still as bound values, never SQL text built from data.
    """
    quote = conn.dialect.identifier_preparer.quote
    names = ", ".join(quote(table.c[c].name) for c in columns)  # KeyError for a column the table lacks
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY {quote(table.name)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    stmt = table.insert().compile(dialect=conn.dialect, column_keys=list(columns))
    if list(stmt.positiontup or ()) != list(columns):
        raise ValueError(f"columns must be in the table's order: {list(stmt.positiontup or ())}")
    cur = raw.cursor()
    cache = cur.execute("PRAGMA cache_size").fetchone()[0]
    try:
        # A big page cache while loading: the unique indexes on random keys (uuid ids)
        # otherwise re-read their pages from disk for every row.
        cur.execute(f"PRAGMA cache_size={-BULK_CACHE_KIB}")
        cur.executemany(str(stmt), rows)
    finally:
        cur.execute(f"PRAGMA cache_size={int(cache)}")
        cur.close()


def insert_incidents(
    conn: Connection,
    records: Sequence[Incident | dict[str, Any]],
    actor: str | None = None,
    audit: bool = True,
) -> list[dict[str, Any]]:
    """Insert records inside the caller's transaction, numbering them LLG-YYYY-NNNNNN.

    Numbers are per year of the incident, reserved in one counter update so
    concurrent writers never collide. Returns the rows as inserted.
    """
    rows = [incident_row(r) for r in records]
    if not rows:
        return []
    prefix = settings().report_prefix
    by_year: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        if row.get("report_no"):
            continue
        by_year.setdefault(as_utc(row["occurred_at"]).year, []).append(row)
    for year, year_rows in sorted(by_year.items()):
        first = reserve_numbers(conn, f"report_no:{year}", len(year_rows))
        for i, row in enumerate(year_rows):
            row["report_no"] = format_report_no(prefix, year, first + i)
    executemany(conn, incidents, rows)
    if audit:
        stamp = now()
        conn.execute(
            audit_log.insert(),
            [
                {
                    "at": stamp,
                    "actor": actor or row.get("created_by") or "sistem",
                    "entity": "incident",
                    "entity_id": row["id"],
                    "action": "create",
                    "from_status": None,
                    "to_status": row["status"],
                    "note": f"Laporan {row['report_no']} dibuat (sumber: {row['source']})",
                    "details": None,
                }
                for row in rows
            ],
        )
    return rows


def add_audit(
    conn: Connection,
    actor: str,
    entity: str,
    entity_id: str | None,
    action: str,
    note: str | None = None,
    from_status: str | None = None,
    to_status: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Append one audit row (who, when, what, from, to, note) in the caller's transaction."""
    conn.execute(
        audit_log.insert().values(
            at=now(),
            actor=actor,
            entity=entity,
            entity_id=entity_id,
            action=action,
            from_status=from_status,
            to_status=to_status,
            note=note,
            details=json.dumps(details, ensure_ascii=False, default=str) if details else None,
        )
    )


# --------------------------------------------------------------------------- reads


def _as_list(value: Any) -> list | None:
    if value is None:
        return None
    if isinstance(value, str | int):
        return [value]
    values = list(value)
    return values or None


@dataclass(frozen=True)
class IncidentQuery:
    """What to select; each list field is 'any of', None means no restriction.

    Period is [start, end) in aware datetimes. This is the store-level twin of
    the UI's Filter record (kondusif.filters), which converts to it.
    """

    start: datetime | None = None
    end: datetime | None = None
    kecamatan: tuple[str, ...] | None = None
    kelurahan: tuple[str, ...] | None = None
    rt: tuple[int, ...] | None = None
    category: tuple[str, ...] | None = None
    severity: tuple[str, ...] | None = None
    status: tuple[str, ...] | None = None
    source: tuple[str, ...] | None = None
    ids: tuple[str, ...] | None = None
    text: str | None = None
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def make(cls, **kwargs: Any) -> IncidentQuery:
        """Build from loose arguments (single values, lists, enums)."""
        clean: dict[str, Any] = {}
        for key, value in kwargs.items():
            if key in ("start", "end", "text"):
                clean[key] = value
            else:
                items = _as_list(value)
                clean[key] = tuple(str(v) if key != "rt" else int(v) for v in items) if items else None
        return cls(**clean)


def scope_clause(viewer: Viewer) -> sa.ColumnElement[bool] | None:
    """The SQL condition a viewer's role and scope impose on incidents (access.scope_clause).

    A Viewer is required: the CLI and background jobs pass access.SYSTEM_VIEWER.
    """
    return access.scope_clause(viewer, incidents.c.kode_kecamatan, incidents.c.kode_kelurahan, incidents.c.rt)


def where_clauses(q: IncidentQuery) -> list[sa.ColumnElement[bool]]:
    c = incidents.c
    clauses: list[sa.ColumnElement[bool]] = []
    if q.start is not None:
        clauses.append(c.occurred_at >= q.start)
    if q.end is not None:
        clauses.append(c.occurred_at < q.end)
    for name, column in (
        ("kecamatan", c.kode_kecamatan),
        ("kelurahan", c.kode_kelurahan),
        ("rt", c.rt),
        ("category", c.category),
        ("severity", c.severity),
        ("status", c.status),
        ("source", c.source),
        ("ids", c.id),
    ):
        values = getattr(q, name)
        if values:
            clauses.append(column.in_(list(values)))
    if q.text:
        pattern = f"%{q.text.lower()}%"
        clauses.append(
            sa.or_(
                sa.func.lower(c.title).like(pattern),
                sa.func.lower(c.description).like(pattern),
                sa.func.lower(c.report_no).like(pattern),
            )
        )
    return clauses


def visible_columns(viewer: Viewer) -> list[sa.Column]:
    """Columns this viewer may read: private identity fields only for allowed roles."""
    cols = list(incidents.c)
    if not access.allows(access.require_viewer(viewer), "incident.read_identity"):
        cols = [col for col in cols if col.name not in PRIVATE_FIELDS]
    return cols


def incidents_select(
    q: IncidentQuery, viewer: Viewer, columns: Iterable[str] | None = None
) -> sa.Select:
    allowed = visible_columns(viewer)
    if columns is not None:
        wanted = set(columns)
        allowed = [col for col in allowed if col.name in wanted]
    stmt = sa.select(*allowed)
    clauses = where_clauses(q)
    scope = scope_clause(viewer)
    if scope is not None:
        clauses.append(scope)
    return stmt.where(*clauses) if clauses else stmt


def _frame(result: sa.CursorResult) -> pd.DataFrame:
    df = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    for col in ("occurred_at", "reported_at", "updated_at", "followup_due"):
        if col in df.columns:
            df[col] = pd.to_datetime(df[col], utc=True)
    return df


def query_incidents(
    engine: Engine,
    q: IncidentQuery | None,
    viewer: Viewer,
    columns: Iterable[str] | None = None,
    limit: int | None = None,
    offset: int = 0,
    newest_first: bool = True,
) -> pd.DataFrame:
    """Incidents matching `q` within the viewer's scope, as a DataFrame (times in UTC)."""
    stmt = incidents_select(q or IncidentQuery(), viewer, columns)
    order = incidents.c.occurred_at.desc() if newest_first else incidents.c.occurred_at
    stmt = stmt.order_by(order, incidents.c.report_no)
    if limit is not None:
        stmt = stmt.limit(limit).offset(offset)
    with engine.connect() as conn:
        return _frame(conn.execute(stmt))


def count_incidents(engine: Engine, q: IncidentQuery | None, viewer: Viewer) -> int:
    clauses = where_clauses(q or IncidentQuery())
    scope = scope_clause(viewer)
    if scope is not None:
        clauses.append(scope)
    stmt = sa.select(sa.func.count()).select_from(incidents)
    if clauses:
        stmt = stmt.where(*clauses)
    with engine.connect() as conn:
        return int(conn.execute(stmt).scalar())


def wib_day_expr(engine_or_conn: Engine | Connection) -> sa.ColumnElement:
    """SQL expression for the WIB calendar day of occurred_at, per dialect."""
    if engine_or_conn.dialect.name == "sqlite":
        return sa.func.date(incidents.c.occurred_at, "+7 hours")
    return sa.cast(sa.func.timezone("Asia/Jakarta", incidents.c.occurred_at), sa.Date)


def counts_by(
    engine: Engine,
    q: IncidentQuery | None,
    viewer: Viewer,
    by: Sequence[str],
) -> pd.DataFrame:
    """Counts grouped by columns of `by` (incident column names or 'day' for the WIB day)."""
    q = q or IncidentQuery()
    keys = [
        wib_day_expr(engine).label("day") if name == "day" else incidents.c[name].label(name)
        for name in by
    ]
    clauses = where_clauses(q)
    scope = scope_clause(viewer)
    if scope is not None:
        clauses.append(scope)
    stmt = sa.select(*keys, sa.func.count().label("n")).select_from(incidents)
    if clauses:
        stmt = stmt.where(*clauses)
    stmt = stmt.group_by(*keys).order_by(*keys)
    with engine.connect() as conn:
        df = pd.DataFrame(conn.execute(stmt).fetchall(), columns=[*by, "n"])
    if "day" in df.columns:
        df["day"] = pd.to_datetime(df["day"]).dt.date
    return df


def counts_by_kelurahan_day(
    engine: Engine, q: IncidentQuery | None, viewer: Viewer
) -> pd.DataFrame:
    """Counts per kelurahan and WIB day: columns kode_kelurahan, day, n."""
    return counts_by(engine, q, viewer, ["kode_kelurahan", "day"])


def get_incident(engine: Engine, incident_id: str, viewer: Viewer) -> dict | None:
    """One incident by id or report number, within the viewer's scope; None if not visible."""
    stmt = incidents_select(IncidentQuery(), viewer).where(
        sa.or_(incidents.c.id == incident_id, incidents.c.report_no == incident_id)
    )
    with engine.connect() as conn:
        row = conn.execute(stmt).mappings().first()
    return dict(row) if row else None


def audit_for(engine: Engine, entity: str, entity_id: str) -> pd.DataFrame:
    stmt = (
        sa.select(audit_log)
        .where(audit_log.c.entity == entity, audit_log.c.entity_id == entity_id)
        .order_by(audit_log.c.at, audit_log.c.id)
    )
    with engine.connect() as conn:
        return _frame_generic(conn.execute(stmt))


def _frame_generic(result: sa.CursorResult) -> pd.DataFrame:
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def has_simulated(engine: Engine) -> bool:
    """True when any simulated incident is in the store (the UI must say so)."""
    with engine.connect() as conn:
        return (
            conn.execute(
                sa.select(incidents.c.id).where(incidents.c.source == "simulasi").limit(1)
            ).first()
            is not None
        )


# --------------------------------------------------------------------------- settings


def get_setting(engine: Engine, key: str, default: Any = None) -> Any:
    with engine.connect() as conn:
        value = conn.execute(sa.select(settings_kv.c.value).where(settings_kv.c.key == key)).scalar()
    return default if value is None else json.loads(value)


def set_setting(conn: Connection, key: str, value: Any, actor: str) -> None:
    """Upsert a setting inside the caller's transaction, audited."""
    payload = json.dumps(value, ensure_ascii=False, default=str)
    exists = conn.execute(sa.select(settings_kv.c.key).where(settings_kv.c.key == key)).first()
    if exists:
        conn.execute(
            settings_kv.update()
            .where(settings_kv.c.key == key)
            .values(value=payload, updated_at=now(), updated_by=actor)
        )
    else:
        conn.execute(settings_kv.insert().values(key=key, value=payload, updated_at=now(), updated_by=actor))
    add_audit(conn, actor, "setting", key, "set", details={"value": value})
