"""Incident queries: every read takes a `Viewer` and applies its scope in SQL;
private columns are not even selected for roles that may not see them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kondusif import access
from kondusif.model import PRIVATE_FIELDS, Viewer
from kondusif.store.schema import audit_log, incidents


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
        return int(conn.execute(stmt).scalar_one())


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
