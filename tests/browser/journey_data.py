"""The store the three browser journeys run against (plain helpers, no Streamlit, no browser).

One kelurahan (KEL) is seeded just below the Waspada threshold with earlier
verified berat reports, so that one more berat report counts below the
threshold while it is "baru" and above it once verified (a "baru" report counts
half as much as a verified one). The seed is derived from the configured weights
and thresholds, and `levels_at` lets a journey check the intent before it drives
the browser, so a recalibration shows up as a clear setup failure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
import sqlalchemy as sa

from kondusif import accounts, registry, store, workflow
from kondusif.config import settings
from kondusif.intake import pipeline
from kondusif.model import SYSTEM, Incident, Role, Viewer, new_id
from kondusif.status import Level, compute_levels
from kondusif.timeutil import now, to_wib
from lubuklinggau_geo import boundaries, gazetteer

KEL = "16.73.01.1001"  # Air Kuti (Lubuklinggau Timur I)
DECOY = "16.73.08.1003"  # another kecamatan's kelurahan, seeded Rawan: the map opens its panel first
RT_NO = 3
RT_USER, RT_PIN = "rt-airkuti-03", "482915"
PANWASLU_USER, PANWASLU_PASSWORD = "panwaslu-uji", "Verifikasi-kota-2018"
PEJABAT_USER, PEJABAT_PASSWORD = "pejabat-uji", "Walikota-membaca-27"
TITLE = "Amplop dibagikan ke warga RT 03"
DESCRIPTION = "Dua orang berboncengan membagikan amplop berisi uang ke rumah-rumah warga malam ini."


def kel_name(code: str = KEL) -> str:
    return gazetteer.kelurahan_name(code)


def inside_point(code: str = KEL) -> tuple[float, float]:
    """(lat, lon) of a point surely inside the kelurahan polygon."""
    shapes = boundaries.boundaries("kelurahan")
    point = shapes.loc[shapes["kode"] == code, "geometry"].iloc[0].representative_point()
    return round(point.y, 6), round(point.x, 6)


def rt_viewer() -> Viewer:
    return Viewer(RT_USER, Role.RT, "Ketua RT 03 Air Kuti", kelurahan=KEL, rt=RT_NO)


def panwaslu_viewer() -> Viewer:
    return Viewer(PANWASLU_USER, Role.PANWASLU, "Panwaslu Uji")


@dataclass(frozen=True)
class Seed:
    """What was seeded: the earlier reports' summed score and what the journey's report adds."""

    base_score: float
    adds_unverified: float
    adds_verified: float


def _seed_plan() -> tuple[int, float, Seed]:
    """(how many earlier verified berat reports, their age in hours, expected scores)."""
    cfg = settings().levels
    weight = cfg.severity_weight["berat"]
    unverified = weight * cfg.status_credibility["baru"]
    verified = weight * cfg.status_credibility["diverifikasi"]
    if not unverified < verified:
        raise AssertionError("journey data: a verified report must count more than a new one")
    target = cfg.waspada_threshold - (unverified + verified) / 2  # midway: margin on both sides
    if target <= 0:
        raise AssertionError("journey data: Waspada threshold too low to seed below it")
    n = max(1, math.ceil(target / verified))
    age_h = cfg.half_life_hours * math.log2(verified * n / target)
    if age_h >= cfg.window_hours:
        raise AssertionError("journey data: seed reports would fall outside the level window")
    return n, age_h, Seed(target, unverified, verified)


def seed_store(db_url: str) -> Seed:
    """RT registry, three accounts, KEL just below Waspada (earlier verified berat reports) and DECOY
    at Rawan (so the map's panel shows another kelurahan until KEL is chosen)."""
    engine = store.get_engine(db_url)
    registry.ensure_rt_registry(engine)
    accounts.create_account(engine, Viewer("uji", Role.ADMIN), RT_USER, Role.RT, RT_PIN, display_name="Ketua RT 03 Air Kuti",
                            kelurahan=KEL, rt=RT_NO, must_change=False)
    accounts.create_account(engine, Viewer("uji", Role.ADMIN), PANWASLU_USER, Role.PANWASLU, PANWASLU_PASSWORD,
                            display_name="Panwaslu Uji", must_change=False)
    accounts.create_account(engine, Viewer("uji", Role.ADMIN), PEJABAT_USER, Role.PEJABAT, PEJABAT_PASSWORD,
                            display_name="Pejabat Uji", must_change=False)
    n, age_h, seed = _seed_plan()
    at = now() - timedelta(hours=age_h)
    cfg = settings().levels
    n_decoy = math.ceil(1.25 * cfg.rawan_threshold / cfg.severity_weight["berat"])
    with store.write(engine) as conn:
        store.insert_incidents(conn, [
            *(Incident(kode_kelurahan=KEL, rt=RT_NO + 1 + i, category="intimidasi", severity="berat",
                       title=f"Ancaman ke warga (laporan sebelumnya {i + 1})", occurred_at=at,
                       status="diverifikasi", source="form", source_ref=f"seed:{new_id()}", created_by="uji")
              for i in range(n)),
            *(Incident(kode_kelurahan=DECOY, rt=1, category="bentrokan", severity="berat",
                       title=f"Bentrokan pendukung ({i + 1})", occurred_at=now() - timedelta(minutes=30 + i),
                       status="diverifikasi", source="form", source_ref=f"seed:{new_id()}", created_by="uji")
              for i in range(n_decoy)),
        ], actor="uji")
    return seed


def file_as_rt(db_url: str, when: datetime | None = None) -> str:
    """File the journey's report through the form's own code path (pipeline.submit_form); its number."""
    engine = store.get_engine(db_url)
    wib = to_wib(when or now()).replace(second=0, microsecond=0)
    lat, lon = inside_point()
    outcome = pipeline.submit_form(engine, rt_viewer(), {
        "category": "politik_uang", "severity": "berat", "occurred_at": wib, "title": TITLE,
        "description": DESCRIPTION, "lat": lat, "lon": lon,
    }, new_id())
    if not outcome.ok:
        raise AssertionError(f"seed report refused: {outcome.errors}")
    return outcome.report_no


def verify(db_url: str, report_no: str) -> None:
    engine = store.get_engine(db_url)
    row = store.get_incident(engine, report_no, viewer=SYSTEM)
    workflow.verify(engine, panwaslu_viewer(), row["id"], int(row["version"]), note="dicek di lapangan")


def incident(db_url: str, report_no: str) -> dict:
    row = store.get_incident(store.get_engine(db_url), report_no, viewer=SYSTEM)
    if row is None:
        raise AssertionError(f"{report_no} is not in the store")
    return row


def level_now(db_url: str, code: str = KEL) -> Level:
    """A kelurahan's level computed from the store now (what the map must show)."""
    engine = store.get_engine(db_url)
    c = store.incidents.c
    with engine.connect() as conn:
        rows = conn.execute(sa.select(c.kode_kelurahan, c.rt, c.occurred_at, c.severity, c.status, c.category)
                            .where(c.kode_kelurahan == code)).mappings().all()
    levels = compute_levels(pd.DataFrame(rows, columns=["kode_kelurahan", "rt", "occurred_at", "severity",
                                                       "status", "category"]), now(), units=[code])
    return Level(levels["level"].iloc[0])
