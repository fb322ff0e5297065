"""Who sees which alert (panwaslu, pejabat in scope), and acknowledging them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kondusif import access, store
from kondusif.alerts.writes import acknowledge_alerts
from kondusif.model import Viewer
from kondusif.timeutil import now


def sees_alerts(viewer: Viewer) -> bool:
    """Alerts are for panwaslu and pejabat users."""
    return access.allows(viewer, "alert.read")


def _alert_scope(viewer: Viewer) -> sa.ColumnElement[bool] | None:
    return access.scope_clause(viewer, store.alerts.c.kode_kecamatan)


def _visible_stmt(viewer: Viewer, unacked: bool) -> sa.Select:
    a, k, i = store.alerts, store.alert_acks, store.incidents
    # The report's number rides along so the banner can link to it (issue 30.6).
    stmt = sa.select(a.c.id, a.c.created_at, a.c.kind, a.c.kode_kecamatan, a.c.kode_kelurahan,
                     a.c.incident_id, a.c.message, i.c.report_no).select_from(
        a.outerjoin(i, i.c.id == a.c.incident_id))
    if not sees_alerts(viewer):
        return stmt.where(sa.false())
    scope = _alert_scope(viewer)
    if scope is not None:
        stmt = stmt.where(scope)
    if unacked:
        acked = sa.select(k.c.alert_id).where(k.c.alert_id == a.c.id, k.c.username == viewer.username)
        stmt = stmt.where(~acked.exists())
    return stmt


def visible_alerts(engine: Engine, viewer: Viewer, limit: int | None = 20,
                   include_acked: bool = False) -> list[dict[str, Any]]:
    """Alerts this viewer should see (not yet acknowledged by them), newest first."""
    stmt = _visible_stmt(viewer, unacked=not include_acked).order_by(
        store.alerts.c.created_at.desc(), store.alerts.c.id.desc()
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]


def count_unacknowledged(engine: Engine, viewer: Viewer) -> int:
    stmt = sa.select(sa.func.count()).select_from(_visible_stmt(viewer, unacked=True).subquery())
    with engine.connect() as conn:
        return int(conn.execute(stmt).scalar_one())


def acknowledge(engine: Engine, viewer: Viewer, alert_ids: Iterable[int] | None = None) -> int:
    """Record that `viewer` read these alerts (all their unread ones when None); returns how many.

    Only alerts the viewer can see are acknowledged; acknowledging twice is harmless.
    """
    if not sees_alerts(viewer):
        return 0
    with store.write(engine) as conn:
        stmt = _visible_stmt(viewer, unacked=True).with_only_columns(store.alerts.c.id)
        if alert_ids is not None:
            stmt = stmt.where(store.alerts.c.id.in_([int(i) for i in alert_ids]))
        ids = [int(r[0]) for r in conn.execute(stmt)]
        acknowledge_alerts(conn, ids, viewer.username, now())
    return len(ids)


def list_alerts(engine: Engine, limit: int = 50) -> pd.DataFrame:
    """Latest alerts with their delivery state (for the CLI and the admin)."""
    a = store.alerts
    stmt = sa.select(a.c.id, a.c.created_at, a.c.kind, a.c.kode_kelurahan, a.c.message, a.c.delivery_state,
                     a.c.delivery_attempts, a.c.delivery_error).order_by(a.c.id.desc()).limit(limit)
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(stmt).fetchall(), columns=list(stmt.selected_columns.keys()))
