"""Simulated incidents over the Pilkada calendar, for demos and benchmarks.

Every row is marked `simulasi` (source) and its reporter is an obviously fake
"Pelapor simulasi"; the UI says so whenever such rows are in the store. The
generator is vectorised (numpy) and deterministic for a seed, so a million rows
take seconds to make and the same seed always gives the same rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kondusif import store
from kondusif.config import Calendar, settings
from kondusif.model import Category, Source, Status, rt_username
from kondusif.registry import rt_registry
from kondusif.timeutil import WIB

SIM_NOTICE = "Data SIMULASI: laporan ini dibuat oleh program untuk demo, bukan kejadian nyata."

CATEGORY_BASE = {
    Category.POLITIK_UANG: 0.17,
    Category.INTIMIDASI: 0.10,
    Category.KAMPANYE_HITAM: 0.14,
    Category.PERUSAKAN_APK: 0.20,
    Category.BENTROKAN: 0.06,
    Category.NETRALITAS: 0.08,
    Category.KAMPANYE_LUAR_JADWAL: 0.10,
    Category.GANGGUAN_TPS: 0.03,
    Category.PENGERAHAN_MASSA: 0.05,
    Category.LAINNYA: 0.07,
}

TITLES = {
    Category.POLITIK_UANG: ["Pembagian amplop ke warga", "Dugaan serangan fajar", "Bagi-bagi sembako bergambar paslon"],
    Category.INTIMIDASI: ["Warga diancam agar memilih paslon tertentu", "Intimidasi terhadap saksi"],
    Category.KAMPANYE_HITAM: ["Selebaran hoaks tentang paslon", "Pesan berantai bernada SARA", "Fitnah di grup WhatsApp"],
    Category.PERUSAKAN_APK: ["Baliho paslon dirusak", "Spanduk dicopot orang tak dikenal", "APK dibakar"],
    Category.BENTROKAN: ["Keributan antar pendukung", "Bentrok massa di simpang jalan"],
    Category.NETRALITAS: ["ASN ikut kampanye", "Ketua RT mengarahkan warga", "Aparat memakai atribut paslon"],
    Category.KAMPANYE_LUAR_JADWAL: ["Kampanye di rumah ibadah", "Kampanye di masa tenang", "Kampanye di sekolah"],
    Category.GANGGUAN_TPS: ["Keributan di TPS", "Pemilih tidak terdaftar memaksa mencoblos", "Logistik TPS terlambat"],
    Category.PENGERAHAN_MASSA: ["Pengerahan massa tanpa izin", "Unjuk rasa di depan kantor kelurahan"],
    Category.LAINNYA: ["Situasi kurang kondusif", "Kerumunan malam hari"],
}

FOLLOWUP_TO = ["Panwaslu Kota", "Polres Lubuklinggau", "Kesbangpol", "Lurah setempat", "Panwascam"]


@dataclass(frozen=True)
class DemoResult:
    inserted: int
    skipped: int
    seconds: float


def _day_weights(calendar: Calendar, days: pd.DatetimeIndex) -> np.ndarray:
    """Quiet early in the campaign, rising towards masa tenang, peaking on voting day."""
    voting = pd.Timestamp(calendar.voting_day)
    delta = (days - voting).days.to_numpy().astype(float)
    w = np.where(delta <= 0, np.exp(delta / 28.0), np.exp(-delta / 2.5))
    tenang = calendar.phase("masa_tenang")
    in_tenang = (days >= pd.Timestamp(tenang.start)) & (days <= pd.Timestamp(tenang.end))
    w = np.where(in_tenang, w * 1.6, w)
    w = np.where(delta == 0, w * 2.5, w)
    w = w + 0.04  # never silent
    return w / w.sum()


def _category_matrix(calendar: Calendar, days: pd.DatetimeIndex) -> np.ndarray:
    """Per-day category probabilities: money politics before voting, TPS trouble on the day."""
    base = np.array(list(CATEGORY_BASE.values()))
    m = np.tile(base, (len(days), 1))
    cats = list(CATEGORY_BASE)
    voting = pd.Timestamp(calendar.voting_day)
    delta = (days - voting).days.to_numpy()
    m[:, cats.index(Category.POLITIK_UANG)] *= np.where((delta >= -4) & (delta <= 0), 2.5, 1.0)
    m[:, cats.index(Category.KAMPANYE_LUAR_JADWAL)] *= np.where((delta >= -3) & (delta < 0), 2.0, 1.0)
    m[:, cats.index(Category.GANGGUAN_TPS)] *= np.where(delta == 0, 12.0, np.where(delta > 0, 3.0, 0.3))
    m[:, cats.index(Category.PERUSAKAN_APK)] *= np.where(delta < -3, 1.3, 0.5)
    return m / m.sum(axis=1, keepdims=True)


def _sample_rows(rng: np.random.Generator, cum: np.ndarray) -> np.ndarray:
    """Vectorised categorical draw per row from cumulative probability rows."""
    u = rng.random(cum.shape[0])[:, None]
    return (u > cum).sum(axis=1)


def simulate(n: int, seed: int, calendar: Calendar | None = None, registry: pd.DataFrame | None = None,
             ) -> pd.DataFrame:
    """`n` simulated incidents as a DataFrame of incident columns (deterministic for `seed`)."""
    calendar = calendar or settings().calendar
    registry = rt_registry() if registry is None else registry
    rng = np.random.default_rng(seed)

    first = pd.Timestamp(calendar.season_start)
    last = pd.Timestamp(calendar.voting_day) + pd.Timedelta(days=10)
    days = pd.date_range(first, last, freq="D")
    day_idx = rng.choice(len(days), size=n, p=_day_weights(calendar, days))

    # Some kelurahan are quieter than others: a fixed lognormal activity per kelurahan.
    kel_codes = np.array(sorted(registry["kode_kelurahan"].unique()))
    kel_rng = np.random.default_rng(20180627)
    activity = kel_rng.lognormal(0.0, 0.9, size=len(kel_codes))
    reg = registry.reset_index(drop=True)
    kel_pos = {k: i for i, k in enumerate(kel_codes)}
    rt_weight = activity[reg["kode_kelurahan"].map(kel_pos).to_numpy()]
    rt_idx = rng.choice(len(reg), size=n, p=rt_weight / rt_weight.sum())
    kel = reg["kode_kelurahan"].to_numpy()[rt_idx]
    rt = reg["rt"].to_numpy()[rt_idx].astype(int)

    cats = list(CATEGORY_BASE)
    cat_cum = np.cumsum(_category_matrix(calendar, days), axis=1)[day_idx]
    cat_idx = np.minimum(_sample_rows(rng, cat_cum), len(cats) - 1)
    category = np.array([c.value for c in cats])[cat_idx]

    sev_p = np.array([0.55, 0.32, 0.13])
    berat_boost = np.isin(category, [Category.BENTROKAN.value, Category.INTIMIDASI.value])
    sev_u = rng.random(n)
    sev_cut1 = np.where(berat_boost, 0.35, sev_p[0])
    sev_cut2 = np.where(berat_boost, 0.70, sev_p[0] + sev_p[1])
    severity = np.where(sev_u < sev_cut1, "ringan", np.where(sev_u < sev_cut2, "sedang", "berat"))

    # Time of day in WIB: more in the evening.
    hour_p = np.array([1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 6, 6, 6, 6, 6, 6, 7, 8, 9, 10, 9, 7, 4, 2], float)
    hour = rng.choice(24, size=n, p=hour_p / hour_p.sum())
    minute = rng.integers(0, 60, size=n)
    second = rng.integers(0, 60, size=n)
    local = (
        days.to_numpy()[day_idx]
        + hour.astype("timedelta64[h]")
        + minute.astype("timedelta64[m]")
        + second.astype("timedelta64[s]")
    )
    occurred = pd.DatetimeIndex(local).tz_localize(WIB).tz_convert(UTC)
    delay_min = rng.gamma(1.5, 40.0, size=n).astype(int) + 2
    reported = occurred + pd.to_timedelta(delay_min, unit="m")

    status_names = np.array([s.value for s in Status])
    status_p = np.array([0.15, 0.25, 0.20, 0.25, 0.10, 0.05])
    status = status_names[rng.choice(len(status_names), size=n, p=status_p)]

    has_loc = rng.random(n) < 0.6
    jitter = rng.normal(0.0, 0.0012, size=(n, 2))
    lat = np.where(has_loc, reg["lat"].to_numpy(float)[rt_idx] + jitter[:, 0], np.nan)
    lon = np.where(has_loc, reg["lon"].to_numpy(float)[rt_idx] + jitter[:, 1], np.nan)

    title_pick = rng.integers(0, 1_000_000, size=n)
    title = np.array(
        [TITLES[Category(c)][t % len(TITLES[Category(c)])] for c, t in zip(category, title_pick, strict=True)],
        dtype=object,
    )
    ids = rng.bytes(16 * n)
    id_list = [str(uuid.UUID(bytes=ids[i * 16 : (i + 1) * 16], version=4)) for i in range(n)]

    df = pd.DataFrame(
        {
            "id": id_list,
            "kode_kelurahan": kel,
            "kode_kecamatan": [k[:8] for k in kel],
            "rt": rt,
            "category": category,
            "severity": severity,
            "title": title,
            "description": [f"{SIM_NOTICE} RT {r:02d}." for r in rt],
            "occurred_at": occurred,
            "reported_at": reported,
            "lat": lat,
            "lon": lon,
            "location_approx": has_loc & (rng.random(n) < 0.3),
            "source": Source.SIMULASI.value,
            "source_ref": [f"sim:{seed}:{i}" for i in range(n)],
            "reporter_name": [f"Pelapor simulasi {i % 100000:05d}" for i in range(n)],
            "reporter_phone": [f"0800{i % 10_000_000:07d}" for i in range(n)],
            "status": status,
            "created_by": [rt_username(k, r) for k, r in zip(kel, rt, strict=True)],
        }
    )
    # Duplicates point at an earlier report of the same kelurahan and category.
    df = df.sort_values("occurred_at", kind="stable").reset_index(drop=True)
    prev_id = df.groupby(["kode_kelurahan", "category"])["id"].shift(1)
    is_dup = (df["status"] == Status.DUPLIKAT.value) & prev_id.notna()
    df.loc[(df["status"] == Status.DUPLIKAT.value) & prev_id.isna(), "status"] = Status.DITOLAK.value
    df["duplicate_of"] = prev_id.where(is_dup)
    followup = df["status"].isin([Status.DITINDAKLANJUTI.value, Status.SELESAI.value])
    df["followup_to"] = np.where(followup, np.array(FOLLOWUP_TO)[np.arange(n) % len(FOLLOWUP_TO)], None)
    due = df["occurred_at"] + pd.to_timedelta(3 + np.arange(n) % 8, unit="D")
    df["followup_due"] = due.where(followup)
    df["outcome"] = np.where(df["status"] == Status.SELESAI.value, "Selesai ditangani (simulasi)", None)
    return df


def _records(df: pd.DataFrame) -> Iterator[dict]:
    cols = list(df.columns)
    conv: list[Callable] = []
    for col in cols:
        if col in ("occurred_at", "reported_at", "followup_due"):
            conv.append(lambda v: None if pd.isna(v) else v.to_pydatetime())
        elif col in ("lat", "lon"):
            conv.append(lambda v: None if v != v else float(v))
        elif col == "rt":
            conv.append(int)
        elif col == "location_approx":
            conv.append(bool)
        else:
            conv.append(lambda v: None if v is None or (isinstance(v, float) and v != v) else v)
    arrays = [df[c].to_numpy(dtype=object) for c in cols]  # fast iteration, no Arrow scalars
    for values in zip(*arrays, strict=True):
        yield {c: f(v) for c, f, v in zip(cols, conv, values, strict=True)}


def existing_simulation(engine: Engine, seed: int) -> int:
    """How many rows of this seed are already stored (re-running adds nothing)."""
    with engine.connect() as conn:
        return int(
            conn.execute(
                sa.select(sa.func.count())
                .select_from(store.incidents)
                .where(store.incidents.c.source == "simulasi")
                .where(store.incidents.c.source_ref.like(f"sim:{seed}:%"))
            ).scalar()
        )


def seed_demo(
    engine: Engine,
    n: int,
    seed: int = 1,
    batch: int = 20_000,
    progress: Callable[[int], None] | None = None,
) -> DemoResult:
    """Store `n` simulated incidents; rows of this seed already present are skipped.

    Each batch is one transaction; a batch either lands whole or not at all, and
    a re-run skips the batches already stored (source_ref is unique).
    """
    start = datetime.now(UTC)
    df = simulate(n, seed, registry=rt_registry(engine))
    with engine.connect() as conn:
        existing = {
            r[0]
            for r in conn.execute(
                sa.select(store.incidents.c.source_ref).where(
                    store.incidents.c.source_ref.like(f"sim:{seed}:%")
                )
            )
        }
    if existing:
        df = df[~df["source_ref"].isin(existing)]
    inserted = 0
    for lo in range(0, len(df), batch):
        chunk = df.iloc[lo : lo + batch]
        with store.write(engine) as conn:
            store.insert_incidents(conn, list(_records(chunk)), audit=False)
        inserted += len(chunk)
        if progress:
            progress(inserted)
    if inserted:
        with store.write(engine) as conn:
            store.add_audit(
                conn, "sistem", "demo", str(seed), "seed",
                note=f"{inserted} laporan simulasi ditambahkan (seed {seed})",
            )
    seconds = (datetime.now(UTC) - start) / timedelta(seconds=1)
    return DemoResult(inserted=inserted, skipped=len(existing), seconds=seconds)
