"""The incidents' write module, inside a caller's `write()` transaction: report
numbers, filing (`insert_incidents`), workflow transitions (`update_incident`), the
simulated load (`load_simulated`); and the bulk insert helpers the write modules use.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from kondusif.config import settings
from kondusif.model import Incident, created_note, new_id
from kondusif.store import audit as audit_mod
from kondusif.store.schema import counters, incidents
from kondusif.timeutil import as_utc, now


def insert_on_conflict(conn: Connection, table: sa.Table) -> Any:
    """INSERT that can say ON CONFLICT (upserts, dedupe keys), on SQLite and PostgreSQL alike."""
    return (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(table)


def reserve_numbers(conn: Connection, name: str, n: int) -> int:
    """Reserve `n` consecutive numbers from counter `name`; returns the first one.

    One upsert statement, so two writers creating the same counter at once
    (PostgreSQL runs them truly in parallel) never collide.
    """
    stmt = insert_on_conflict(conn, counters).values(name=name, value=n)
    upsert = stmt.on_conflict_do_update(
        index_elements=[counters.c.name], set_={"value": counters.c.value + stmt.excluded.value}
    ).returning(counters.c.value)
    updated = conn.execute(upsert).scalar_one()
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
    names = list(compiled.positiontup or ()) if compiled.positional else list(compiled.binds)
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
    raw: Any = conn.connection.driver_connection  # the DBAPI connection (sqlite3 / psycopg)
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
    raw: Any = conn.connection.driver_connection  # the DBAPI connection (sqlite3 / psycopg)
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
    notes: Sequence[tuple[str, dict[str, Any] | None]] | None = None,
) -> list[dict[str, Any]]:
    """Insert records inside the caller's transaction, numbering them LLG-YYYY-NNNNNN.

    Numbers are per year of the incident, reserved in one counter update so
    concurrent writers never collide. One 'create' audit row each; `notes` gives per
    record a suffix for its note and its details (an import's batch and line).
    Returns the rows as inserted.
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
        extra = notes or [("", None)] * len(rows)
        audit_mod.record_rows(conn, [
            {"actor": actor or row.get("created_by") or "sistem", "entity": "incident", "entity_id": row["id"],
             "action": "create", "to_status": row["status"],
             "note": created_note(row["report_no"], row["source"], suffix), "details": details}
            for row, (suffix, details) in zip(rows, extra, strict=True)
        ])
    return rows


def update_incident(conn: Connection, where: Sequence[sa.ColumnElement[bool]], values: dict[str, Any],
                    audits: Sequence[dict[str, Any]]) -> bool:
    """One conditional UPDATE of an incident (version + 1) with its audit rows (`audit.record_rows` keys).

    False when no row matched `where` (changed meanwhile or out of scope): nothing written.
    """
    done = conn.execute(incidents.update().where(*where).values(version=incidents.c.version + 1, **values))
    if done.rowcount != 1:
        return False
    audit_mod.record_rows(conn, audits)
    return True


def load_simulated(conn: Connection, columns: Sequence[str], batches: Iterable[Iterable[Sequence[Any]]],
                   seed: int, total: int) -> None:
    """Bulk-load simulated reports (driver-ready rows, `bulk_insert`) and record the load once."""
    for rows in batches:
        bulk_insert(conn, incidents, columns, rows)
    audit_mod.record(conn, "sistem", "demo", str(seed), "seed", note=f"{total} laporan simulasi ditambahkan (seed {seed})")
