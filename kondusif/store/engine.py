"""Engines and the one write path: `write()` (a single transaction, committed whole or
rolled back whole, with the outbox events it recorded), schema creation and in-place upgrades.

SQLite (WAL, busy_timeout, foreign keys) by default, PostgreSQL by URL through the same code.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from kondusif.config import settings
from kondusif.store.schema import (
    SCHEMA_VERSION,
    meta,
    metadata,
    review_queue,
    rt_units,
    settings_kv,
    smssync_phones,
)

log = logging.getLogger(__name__)

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def busy_timeout_ms() -> int:
    """How long a write waits for another writer's lock before it fails (ms).

    KONDUSIF_DB_BUSY_TIMEOUT_MS (default 15000): SQLite's busy_timeout, PostgreSQL's
    lock_timeout. Read when a connection opens. The form then says the database is
    busy and keeps what was typed (issue 8; tests shorten it).
    """
    return int(settings().db_busy_timeout_ms)


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
    return engine


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
        if conn.dialect.name == "postgresql":
            _audit_log_insert_only(conn)


def build_reference_schema(engine: Engine) -> None:
    """Every schema object a store of this version may hold, fresh or upgraded (an empty store).

    create_all plus every upgrade step (each is idempotent): what a restore compares a
    backup's triggers, views, tables and indexes against (kondusif.backup, issue 27).
    """
    init_db(engine)
    with write(engine) as conn:
        _upgrade(conn, 0)


def _upgrade(conn: Connection, current: int) -> None:
    """Apply in-place upgrades from `current` to SCHEMA_VERSION, each step idempotent."""
    if current < 2:
        _add_review_queue_place(conn)
    if current < 3:
        _add_user_phone(conn)
    if current < 4:
        _smssync_phone_credentials(conn)
    if current < 5:
        _add_checkins(conn)
    if current < 6:
        _add_rt_removed_at(conn)
    if current < 7:
        _add_outbox(conn)
    if current < 8:
        _add_sms_reminders(conn)
    if current < 9:
        _add_import_jobs(conn)
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


def _add_user_phone(conn: Connection) -> None:
    """Schema 3 (issue 15): users.phone (the new sms_* tables come from create_all)."""
    if "phone" not in {c["name"] for c in sa.inspect(conn).get_columns("users")}:
        conn.exec_driver_sql("ALTER TABLE users ADD COLUMN phone VARCHAR(24)")
    conn.exec_driver_sql("CREATE UNIQUE INDEX IF NOT EXISTS uq_users_phone ON users (phone)")


def _smssync_phone_credentials(conn: Connection) -> None:
    """Schema 4 (issue 27): per-phone SMSsync credentials; the old installation-wide secret becomes one of them.

    The phone already holding the old secret keeps working, now under the name "ponsel-lama",
    and the admin can revoke it on Gerbang SMS like any other; the shared value is deleted.
    """
    for table, column, kind in (("sms_messages", "gateway_phone", "VARCHAR(64)"),
                                ("smssync_outbox", "phone_id", "INTEGER")):
        if column not in {c["name"] for c in sa.inspect(conn).get_columns(table)}:
            conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
    raw = conn.execute(sa.select(settings_kv.c.value).where(settings_kv.c.key == "smssync_secret")).scalar()
    old = json.loads(raw) if raw else None
    if isinstance(old, str) and old.strip():
        digest = hashlib.sha256(old.strip().encode("utf-8")).hexdigest()
        known = conn.execute(sa.select(smssync_phones.c.id).where(smssync_phones.c.secret_sha256 == digest)).first()
        if known is None:
            conn.execute(smssync_phones.insert().values(label="ponsel-lama", secret_sha256=digest,
                                                        created_at=datetime.now(UTC), created_by="sistem"))
    conn.execute(settings_kv.delete().where(settings_kv.c.key == "smssync_secret"))


def _add_checkins(conn: Connection) -> None:
    """Schema 5 (issue 24): the checkins table and its indexes (create_all made them; idempotent)."""
    from kondusif.store.schema import checkins

    checkins.create(conn, checkfirst=True)
    for ix in checkins.indexes:
        ix.create(conn, checkfirst=True)


def _audit_log_insert_only(conn: Connection) -> None:
    """Issue 31: other roles (the app's DML role) may add audit rows, never change or remove them.

    Runs as the owner at every `init` (the migrate unit), after a restore too; the default
    privileges deploy/postgres-setup.sh sets grant UPDATE/DELETE on every new table, so they are
    taken back here. A role that does not own the table (the app at start) changes nothing.
    """
    owner = conn.exec_driver_sql(
        "SELECT pg_get_userbyid(relowner) = current_user FROM pg_class WHERE oid = to_regclass('audit_log')"
    ).scalar()
    if not owner:
        return
    grantees = conn.exec_driver_sql(
        "SELECT DISTINCT grantee FROM information_schema.role_table_grants WHERE table_name = 'audit_log' "
        "AND privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE') AND grantee <> current_user").scalars().all()
    for grantee in grantees:
        name = conn.dialect.identifier_preparer.quote(str(grantee))
        conn.exec_driver_sql(f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM {name}")


def _add_rt_removed_at(conn: Connection) -> None:
    """Schema 6 (issue 31): rt_units.removed_at flags an RT an official list dropped (kept, not deleted)."""
    if "removed_at" not in {c["name"] for c in sa.inspect(conn).get_columns("rt_units")}:
        kind = rt_units.c.removed_at.type.compile(dialect=conn.dialect)
        conn.exec_driver_sql(f"ALTER TABLE rt_units ADD COLUMN removed_at {kind}")


def _add_outbox(conn: Connection) -> None:
    """Schema 7 (issue 28): the outbox and workers tables and their index (create_all made them; idempotent)."""
    from kondusif.store.schema import outbox, workers

    for table in (outbox, workers):
        table.create(conn, checkfirst=True)
        for ix in table.indexes:
            ix.create(conn, checkfirst=True)


def _add_sms_reminders(conn: Connection) -> None:
    """Schema 8 (issue 24.5): the sms_reminders table (create_all made it on a new store; idempotent)."""
    from kondusif.store.schema import sms_reminders

    sms_reminders.create(conn, checkfirst=True)


def _add_import_jobs(conn: Connection) -> None:
    """Schema 9 (issue 28): the import_jobs table and its index (create_all made them; idempotent)."""
    from kondusif.store.schema import import_jobs

    import_jobs.create(conn, checkfirst=True)
    for ix in import_jobs.indexes:
        ix.create(conn, checkfirst=True)


def schema_version(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(meta.c.value).where(meta.c.key == "schema_version")).scalar_one())


GENERATION_KEY = "store_generation"  # in meta; part of overview.data_version


def new_generation(engine: Engine) -> str:
    """Give the store a new generation (after a restore, kondusif/backup.py): a restore brings the
    audit and alert ids back, so caches keyed on them must not take the restored store for the one
    they read before. Returns the new token."""
    import secrets

    from kondusif.store.writes import insert_on_conflict

    token = secrets.token_hex(8)
    with write(engine) as conn:
        stmt = insert_on_conflict(conn, meta).values(key=GENERATION_KEY, value=token)
        conn.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={"value": stmt.excluded.value}))
    return token


_write_locks: dict[str, threading.RLock] = {}
_write_locks_guard = threading.Lock()


def _write_lock(engine: Engine) -> threading.RLock:
    with _write_locks_guard:
        return _write_locks.setdefault(str(engine.url), threading.RLock())


@contextmanager
def write(engine: Engine) -> Iterator[Connection]:
    """The one write path: a single transaction, committed whole or rolled back whole.

    SQLite allows one writer at a time; threads of this process wait on one lock
    instead of polling SQLite's busy handler, whose growing sleeps starve some
    writers under election-day load. The lock is a plain threading.RLock: it
    serialises writers but does not promise first-come-first-served order.
    Other processes still wait on busy_timeout.

    Events recorded with `outbox.record(conn, event)` commit with the write or roll back with
    it; the worker handles them after commit.
    """
    if engine.dialect.name == "sqlite":
        with _write_lock(engine), engine.execution_options(sqlite_begin="IMMEDIATE").begin() as conn:
            yield conn
    else:
        with engine.begin() as conn:
            yield conn
