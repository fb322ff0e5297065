"""Helpers of the workbench tests: viewers, places, audit reads."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from kondusif import store
from kondusif.model import Role, Viewer

KEL_A = "16.73.01.1001"  # a kelurahan of kecamatan 16.73.01
KEL_B = "16.73.05.1001"  # a kelurahan of kecamatan 16.73.05
WHEN = datetime(2018, 6, 20, 7, 0, tzinfo=UTC)

PANWASLU = Viewer("panwas-kota", Role.PANWASLU, display_name="Panwaslu Kota")
ADMIN = Viewer("operator", Role.ADMIN, display_name="Operator")
PEJABAT = Viewer("sekda", Role.PEJABAT, display_name="Sekda")


def scoped_panwaslu(kecamatan: str, name: str = "panwascam") -> Viewer:
    return Viewer(name, Role.PANWASLU, display_name=name, kecamatan=kecamatan)


def rt_viewer(kel: str = KEL_A, rt: int = 1) -> Viewer:
    return Viewer(f"rt-{kel}-{rt}", Role.RT, kelurahan=kel, rt=rt)


def acks_of(engine, alert_id: int) -> list[dict]:
    """The acknowledgements of one alert, oldest first (read straight from the table)."""
    k = store.alert_acks
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(k).where(k.c.alert_id == alert_id).order_by(k.c.at)).mappings()]


def audit_rows(engine, incident_id: str) -> list[dict]:
    a = store.audit_log
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(
            sa.select(a).where(a.c.entity == "incident", a.c.entity_id == incident_id).order_by(a.c.id)
        ).mappings()]
