"""Alert checks: a berat report arrived, or a kelurahan turned Rawan; one alert per event."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kondusif import store
from kondusif.alerts.common import (
    COUNTED_OUT,
    KIND_BERAT,
    KIND_RAWAN,
    NONE,
    PENDING,
    _as_records,
    _in_transaction,
    _ts,
)
from kondusif.alerts.delivery import DeliveryConfig, delivery_config
from kondusif.alerts.writes import create_alerts, record_levels
from kondusif.model import Category
from kondusif.status import Level, compute_levels, window_start
from kondusif.timeutil import as_utc, format_wib, now, to_wib
from lubuklinggau_geo import gazetteer

log = logging.getLogger(__name__)


def _initial_state(cfg: DeliveryConfig | None = None) -> str:
    return PENDING if (cfg or delivery_config()).enabled else NONE


def berat_message(row: dict[str, Any]) -> str:
    """The banner text of a berat report (no reporter identity, no free text)."""
    try:
        cat = Category(row["category"]).label
    except (KeyError, ValueError):
        cat = str(row.get("category", ""))
    rt = f"RT {int(row['rt']):02d}, " if row.get("rt") is not None and row.get("rt") == row.get("rt") else ""
    sim = "[SIMULASI] " if row.get("source") == "simulasi" else ""
    return (
        f"{sim}Laporan BERAT {row.get('report_no', '')}: {cat} di {rt}Kel. {gazetteer.kelurahan_label(row['kode_kelurahan'])} "
        f"(Kec. {gazetteer.kecamatan_label(row['kode_kelurahan'][:8])}), {format_wib(_ts(row['occurred_at']))}."
    )


def check_new_incidents(
    conn_or_engine: Connection | Engine,
    incident_rows: Sequence[dict[str, Any]] | pd.DataFrame,
    as_of: datetime | None = None,
    levels: bool = True,
) -> list[dict[str, Any]]:
    """Create an alert for each new berat report (once per report); returns the alerts created.

    Call it on every insert path right after `store.insert_incidents`, with the
    same connection. Rows need id, report_no, kode_kelurahan, rt, category,
    severity, status, occurred_at (the dicts insert_incidents returns will do).
    With `levels`, the kelurahan of the new rows are re-checked for Rawan too.
    """
    as_of = as_utc(as_of) if as_of is not None else now()
    records = _as_records(incident_rows)
    if not records:
        return []
    earliest = window_start(as_of)
    stamp = now()
    state = _initial_state()
    new_alerts = []
    for row in records:
        occurred = _ts(row.get("occurred_at"))
        if str(row.get("severity")) != KIND_BERAT or str(row.get("status")) in COUNTED_OUT:
            continue
        if occurred is None or occurred < earliest or occurred > as_of + timedelta(hours=1):
            continue
        new_alerts.append({
            "created_at": stamp,
            "kind": KIND_BERAT,
            "kode_kecamatan": row.get("kode_kecamatan") or row["kode_kelurahan"][:8],
            "kode_kelurahan": row["kode_kelurahan"],
            "incident_id": row["id"],
            "dedupe_key": f"berat:{row['id']}",
            "message": berat_message(row),
            "delivery_state": state,
            "delivery_attempts": 0,
        })
    with _in_transaction(conn_or_engine) as conn:
        created = create_alerts(conn, new_alerts)
        recent = recent_kelurahan(records, as_of) if levels else set()
        if recent:
            created += check_levels(conn, as_of=as_of, kelurahan=recent)
    return created


def recent_kelurahan(incident_rows: Sequence[dict[str, Any]] | pd.DataFrame,
                     as_of: datetime | None = None) -> set[str]:
    """Kelurahan of rows recent enough to move today's level (old or replayed reports cannot)."""
    as_of = as_utc(as_of) if as_of is not None else now()
    earliest = window_start(as_of)
    out = set()
    for row in _as_records(incident_rows):
        occurred = _ts(row.get("occurred_at"))
        if occurred is not None and earliest <= occurred <= as_of + timedelta(hours=1):
            out.add(str(row["kode_kelurahan"]))
    return out


def rawan_message(kode_kelurahan: str, reasons: Sequence[str], simulated: bool) -> str:
    sim = "[SIMULASI] " if simulated else ""
    why = "; ".join(list(reasons)[:3])
    return (
        f"{sim}Kel. {gazetteer.kelurahan_label(kode_kelurahan)} (Kec. {gazetteer.kecamatan_label(kode_kelurahan[:8])}) kini RAWAN"
        + (f": {why}." if why else ".")
    )


def check_levels(
    conn_or_engine: Connection | Engine,
    as_of: datetime | None = None,
    kelurahan: Iterable[str] | None = None,
) -> list[dict[str, Any]]:
    """Alert for each kelurahan whose level turned Rawan since the last check; returns those alerts.

    The last level seen per kelurahan is kept in `alert_level_state`; an alert
    fires on the change into Rawan (at most once per kelurahan per WIB day, so
    a level flapping around the threshold does not spam). A check older than
    the last one recorded for a kelurahan leaves that kelurahan alone.
    """
    as_of = as_utc(as_of) if as_of is not None else now()
    units = sorted(set(kelurahan)) if kelurahan is not None else gazetteer.kelurahan_codes()
    if not units:
        return []
    c = store.incidents.c
    stmt = sa.select(c.kode_kelurahan, c.occurred_at, c.severity, c.status, c.source).where(
        c.occurred_at >= window_start(as_of), c.occurred_at <= as_of
    )
    if kelurahan is not None:
        stmt = stmt.where(c.kode_kelurahan.in_(units))
    stamp = now()
    state_value = _initial_state()
    created: list[dict[str, Any]] = []
    with _in_transaction(conn_or_engine) as conn:
        df = pd.DataFrame(conn.execute(stmt).fetchall(),
                          columns=["kode_kelurahan", "occurred_at", "severity", "status", "source"])
        if len(df):
            df["occurred_at"] = pd.to_datetime(df["occurred_at"], utc=True)
        levels = compute_levels(df, as_of, units=units)
        simulated = set(df.loc[df["source"] == "simulasi", "kode_kelurahan"]) if len(df) else set()
        st = store.alert_level_state
        previous = {
            r.kode_kelurahan: r
            for r in conn.execute(sa.select(st).where(st.c.kode_kelurahan.in_(units)))
        }
        new_alerts = []
        upserts = []
        for rec in levels.itertuples(index=False):
            kode, level = rec.kode_kelurahan, Level(rec.level)
            prev = previous.get(kode)
            if prev is not None and as_utc(prev.checked_at) > as_of:
                continue
            changed = prev is None or prev.level != level.value
            if level == Level.RAWAN and changed:
                new_alerts.append({
                    "created_at": stamp,
                    "kind": KIND_RAWAN,
                    "kode_kecamatan": kode[:8],
                    "kode_kelurahan": kode,
                    "incident_id": None,
                    "dedupe_key": f"rawan:{kode}:{to_wib(as_of).date().isoformat()}",
                    "message": rawan_message(kode, rec.reasons, kode in simulated),
                    "delivery_state": state_value,
                    "delivery_attempts": 0,
                })
            upserts.append({"kode_kelurahan": kode, "level": level.value,
                            "since": as_of if changed or prev is None else prev.since, "checked_at": as_of})
        record_levels(conn, upserts)
        created = create_alerts(conn, new_alerts)
    return created
