"""Coverage (cakupan): which RT of the registry have been heard from in a period, and which are silent.

An RT is *heard from* in [start, end) when it sent a check-in (kondusif.checkins) or a
report (an incident with that kelurahan + RT, whatever its status: a rejected report
was still contact) whose time lies in the period; otherwise it is *senyap*. The
denominator is the RT registry in use (the sample until the official list is loaded);
contact from an RT outside the registry is counted for that RT's row only if the
registry lists it. Reports count by `occurred_at` (the time the RT gave), check-ins
by `at`.

Two grouped SQL reads (check-ins, reports) and one merge with the 522-row registry:
the whole city for one day stays well under 0.2 s on 100,000 reports + 200,000
check-ins (benchmarks/bench_coverage.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kondusif import access, store
from kondusif.model import Viewer
from kondusif.timeutil import as_utc, to_wib, wib_day_range
from lubuklinggau_geo import gazetteer

RT_COLUMNS = ["kode_kecamatan", "kode_kelurahan", "rt", "kabar_terakhir", "jumlah_aman", "jumlah_laporan", "heard"]
IDENTITY_COLUMNS = ["nama_ketua", "telepon"]


@dataclass(frozen=True)
class Coverage:
    """Coverage of one period and scope: per RT, per kelurahan, per kecamatan and the total."""

    start: datetime
    end: datetime
    rt: pd.DataFrame  # RT_COLUMNS (+ nama_ketua, telepon for roles with checkin.read_identity)
    kelurahan: pd.DataFrame  # kode_kecamatan, kode_kelurahan, rt_total, rt_heard, share, senyap (list of RT)
    kecamatan: pd.DataFrame  # kode_kecamatan, rt_total, rt_heard, share, kelurahan_senyap
    heard: int
    total: int

    @property
    def share(self) -> float:
        return self.heard / self.total if self.total else 0.0

    def of_kelurahan(self, code: str) -> dict[str, Any] | None:
        rows = self.kelurahan[self.kelurahan["kode_kelurahan"] == code]
        return rows.iloc[0].to_dict() if len(rows) else None

    def panel_text(self, code: str) -> str:
        """'8 dari 12 RT memberi kabar; senyap: RT 06, 10, 11, 12' for one kelurahan."""
        row = self.of_kelurahan(code)
        if row is None:
            return "Tidak ada RT terdaftar di kelurahan ini."
        return contact_sentence(int(row["rt_heard"]), int(row["rt_total"]), list(row["senyap"]))


def contact_sentence(heard: int, total: int, silent: list[int]) -> str:
    """'8 dari 12 RT memberi kabar; senyap: RT 06, 10, 11, 12' (the silent list only when there is one)."""
    text = f"{heard} dari {total} RT memberi kabar"
    if silent:
        text += "; senyap: RT " + ", ".join(f"{int(r):02d}" for r in silent)
    return text


def day_period(day: date) -> tuple[datetime, datetime]:
    """[00:00 WIB, next 00:00 WIB) of `day`, in UTC."""
    return wib_day_range(day, day)


def _scope(viewer: Viewer, kelurahan: str | None, kecamatan: str | None) -> tuple[str | None, str | None]:
    area = access.area_of(viewer)
    if area.level == access.SCOPE_KECAMATAN:
        if kelurahan and kelurahan[:8] != area.kecamatan or kecamatan and kecamatan != area.kecamatan:
            raise access.NotPermitted("Di luar cakupan wilayah akun Anda: Anda tidak berhak melihat cakupan "
                                      "kabar RT di sana.", capability="coverage.read")
        kecamatan = kecamatan or area.kecamatan
    return kelurahan, kecamatan


def _contacts(conn, table: sa.Table, time_col: sa.Column, start: datetime, end: datetime,
              kelurahan: str | None, kecamatan: str | None) -> pd.DataFrame:
    """Count and newest time per (kelurahan, RT) of the rows in [start, end): one grouped read by the time index.

    The newest time comes as the driver gives it (SQLite: UTC text) and is parsed by pandas at once;
    the few hundred rows are handed to pandas as columns (not Row objects, which it probes one by one).
    """
    c = table.c
    last = sa.type_coerce(sa.func.max(time_col), sa.String)
    q = (sa.select(c.kode_kelurahan, c.rt, sa.func.count(), last)
         .where(time_col >= start, time_col < end, c.rt.is_not(None))
         .group_by(c.kode_kelurahan, c.rt))
    if kelurahan:
        q = q.where(c.kode_kelurahan == kelurahan)
    elif kecamatan:
        q = q.where(c.kode_kecamatan == kecamatan)
    rows = conn.execute(q).all()
    kel, rt, n, newest = (list(col) for col in zip(*rows, strict=True)) if rows else ([], [], [], [])
    text = bool(newest) and isinstance(newest[0], str)  # SQLite text; PostgreSQL's driver gives datetimes
    return pd.DataFrame({
        "kode_kelurahan": pd.Series(kel, dtype=object), "rt": pd.Series(rt, dtype="int64"),
        "n": pd.Series(n, dtype="int64"),
        "last": pd.to_datetime(pd.Series(newest, dtype=object), utc=True, format="ISO8601" if text else None),
    })


def _contacts_in(reports: pd.DataFrame, start: datetime, end: datetime) -> pd.DataFrame:
    """_contacts of the incidents from a frame already read (every report of the viewer's scope)."""
    occurred = reports["occurred_at"]
    rows = reports[(occurred >= start) & (occurred < end) & reports["rt"].notna()]
    grouped = rows.assign(rt=rows["rt"].astype("int64")).groupby(["kode_kelurahan", "rt"], sort=False)["occurred_at"]
    out = grouped.agg(["size", "max"]).reset_index()
    return pd.DataFrame({"kode_kelurahan": out["kode_kelurahan"].astype(object), "rt": out["rt"].astype("int64"),
                         "n": out["size"].astype("int64"), "last": pd.to_datetime(out["max"], utc=True)})


def coverage(engine: Engine, viewer: Viewer, start: datetime, end: datetime, *, kelurahan: str | None = None,
             kecamatan: str | None = None, reports: pd.DataFrame | None = None) -> Coverage:
    """Coverage in [start, end) for the city, one kecamatan or one kelurahan, inside the viewer's scope.

    `reports`: every report of the viewer's whole scope at least over [start, end) (the map page's
    frame, overview.read_view with no filter), counted instead of asking the store again (issue 29:
    that grouped read of 100,000 reports was a third of a period change)."""
    from kondusif.registry import rt_registry

    access.require(viewer, "coverage.read")
    kelurahan, kecamatan = _scope(viewer, kelurahan, kecamatan)
    start, end = as_utc(start), as_utc(end)
    reg = rt_registry(engine)
    reg = reg.assign(kode_kelurahan=reg["kode_kelurahan"].astype(str), rt=reg["rt"].astype("int64"))
    if kelurahan:
        reg = reg[reg["kode_kelurahan"] == kelurahan]
    elif kecamatan:
        reg = reg[reg["kode_kelurahan"].str[:8] == kecamatan]
    scope_level = access.SCOPE_KECAMATAN if kecamatan else access.SCOPE_CITY  # the frame is the whole scope's
    with engine.connect() as conn:
        aman = _contacts(conn, store.checkins, store.checkins.c.at, start, end, kelurahan, kecamatan)
        lap = _contacts(conn, store.incidents, store.incidents.c.occurred_at, start, end, kelurahan, kecamatan) \
            if reports is None or kelurahan or access.area_of(viewer) != access.Area(scope_level, kecamatan) \
            else _contacts_in(reports, start, end)
    keys = ["kode_kelurahan", "rt"]
    per_rt = reg[[*keys, *IDENTITY_COLUMNS]].merge(
        aman.rename(columns={"n": "jumlah_aman", "last": "last_aman"}), on=keys, how="left").merge(
        lap.rename(columns={"n": "jumlah_laporan", "last": "last_lapor"}), on=keys, how="left")
    per_rt["jumlah_aman"] = per_rt["jumlah_aman"].fillna(0).astype(int)
    per_rt["jumlah_laporan"] = per_rt["jumlah_laporan"].fillna(0).astype(int)
    last = pd.concat([pd.to_datetime(per_rt["last_aman"], utc=True), pd.to_datetime(per_rt["last_lapor"], utc=True)],
                     axis=1).max(axis=1)
    per_rt["kabar_terakhir"] = last
    per_rt["heard"] = (per_rt["jumlah_aman"] + per_rt["jumlah_laporan"]) > 0
    per_rt["kode_kecamatan"] = per_rt["kode_kelurahan"].str[:8]
    per_rt = per_rt.sort_values(keys, ignore_index=True)
    cols = RT_COLUMNS + (IDENTITY_COLUMNS if access.allows(viewer, "checkin.read_identity") else [])
    per_rt = per_rt[cols]
    kel = _by_kelurahan(per_rt)
    kec = _by_kecamatan(kel)
    return Coverage(start, end, per_rt, kel, kec, int(per_rt["heard"].sum()), len(per_rt))


KEL_COLUMNS = ["kode_kecamatan", "kode_kelurahan", "rt_total", "rt_heard", "share", "senyap"]
KEC_COLUMNS = ["kode_kecamatan", "rt_total", "rt_heard", "share", "kelurahan_senyap"]


def _by_kelurahan(per_rt: pd.DataFrame) -> pd.DataFrame:
    if not len(per_rt):
        return pd.DataFrame(columns=KEL_COLUMNS)
    g = per_rt.groupby("kode_kelurahan", sort=True)
    kel = pd.DataFrame({"rt_total": g.size(), "rt_heard": g["heard"].sum().astype(int)})
    silent = per_rt.loc[~per_rt["heard"]].groupby("kode_kelurahan")["rt"].agg(lambda s: [int(r) for r in s])
    kel["senyap"] = [silent.get(code, []) for code in kel.index]
    kel["share"] = kel["rt_heard"] / kel["rt_total"]
    kel = kel.reset_index()
    kel["kode_kecamatan"] = kel["kode_kelurahan"].str[:8]
    return kel[KEL_COLUMNS]


def _by_kecamatan(kel: pd.DataFrame) -> pd.DataFrame:
    if not len(kel):
        return pd.DataFrame(columns=KEC_COLUMNS)
    g = kel.assign(_silent=(kel["rt_heard"] == 0).astype(int)).groupby("kode_kecamatan", sort=True)
    kec = pd.DataFrame({"rt_total": g["rt_total"].sum(), "rt_heard": g["rt_heard"].sum(),
                        "kelurahan_senyap": g["_silent"].sum()})
    kec["share"] = kec["rt_heard"] / kec["rt_total"]
    return kec.reset_index()[KEC_COLUMNS]


def wib_iso(value: object) -> str:
    """'2018-06-27T07:05:00+07:00' for a contact time, '' for none (the CSV's kabar_terakhir)."""
    if value is None or (not isinstance(value, datetime) and pd.isna(value)):
        return ""
    ts = pd.Timestamp(value)
    if pd.isna(ts):
        return ""
    return to_wib(ts.to_pydatetime()).replace(microsecond=0).isoformat()


def kelurahan_label(code: str) -> str:
    return gazetteer.kelurahan_name(code) or code


__all__ = ["Coverage", "IDENTITY_COLUMNS", "RT_COLUMNS", "contact_sentence", "coverage", "day_period",
           "kelurahan_label", "wib_iso"]
