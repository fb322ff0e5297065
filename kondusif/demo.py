"""Simulated incidents over the Pilkada calendar, for demos and benchmarks.

Every row is marked `simulasi` (source) and its reporter is an obviously fake
"Pelapor simulasi"; the UI says so whenever such rows are in the store. The
generator is vectorised (numpy) and deterministic for a seed, so a million rows
take seconds to make and the same seed always gives the same rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import nullcontext
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
from kondusif.timeutil import WIB, now

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
TIME_COLUMNS = ("occurred_at", "reported_at", "followup_due")


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


def _uuid4_strings(raw: bytes, n: int) -> np.ndarray:
    """`str(uuid.UUID(bytes=b, version=4))` for each 16-byte slice of `raw`, vectorised."""
    b = np.frombuffer(raw, dtype=np.uint8).reshape(n, 16).copy()
    b[:, 6] = (b[:, 6] & 0x0F) | 0x40  # version 4
    b[:, 8] = (b[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    hexed = np.frombuffer(b.tobytes().hex().encode("ascii"), dtype="S1").reshape(n, 32)
    out = np.full((n, 36), b"-", dtype="S1")
    for dst, src in ((slice(0, 8), slice(0, 8)), (slice(9, 13), slice(8, 12)), (slice(14, 18), slice(12, 16)),
                     (slice(19, 23), slice(16, 20)), (slice(24, 36), slice(20, 32))):
        out[:, dst] = hexed[:, src]
    return out.view("S36").ravel().astype("U36").astype(object)


def _lookup(values: list[str], codes: np.ndarray) -> np.ndarray:
    """values[codes] as an object array of str (one Python string per distinct value)."""
    return np.array(values, dtype=object)[codes] if len(values) else np.array([], dtype=object)


def _columns(n: int, seed: int, calendar: Calendar, registry: pd.DataFrame) -> dict[str, np.ndarray]:
    """The simulated incidents as plain numpy columns in stored order (oldest first).

    Times are naive UTC datetime64[us] (NaT when missing), text is object arrays
    (None when missing). The draws from the seeded generator come in a fixed order
    (the `_draw_*` steps below, called in this order); changing that order changes
    every seed's rows (tests/test_demo.py pins them).
    """
    rng = np.random.default_rng(seed)
    days, day_idx = _draw_days(rng, n, calendar)
    places = _draw_places(rng, n, registry)
    cats = list(CATEGORY_BASE)
    cat_idx, sev_idx = _draw_kind(rng, n, calendar, days, day_idx, cats)
    occurred, reported = _draw_times(rng, n, days, day_idx)
    d = _draw_details(rng, n, places.reg, places.rt_idx, cats, cat_idx)
    # The last draw from `rng` was in _draw_details; everything below is arithmetic on what was drawn.

    order = np.argsort(occurred, kind="stable")
    seq = np.arange(n)
    rt_idx, cat_idx, sev_idx, status_idx = places.rt_idx[order], cat_idx[order], sev_idx[order], d.status_idx[order]
    ids, occurred, reported = d.ids[order], occurred[order], reported[order]
    lat, lon, approx, title_code, src_no = d.lat[order], d.lon[order], d.approx[order], d.title_code[order], seq[order]
    status_idx, duplicate_of = _duplicates(n, places.reg_kel_pos[rt_idx] * len(cats) + cat_idx, status_idx, ids)
    status_names = [s.value for s in Status]
    followup = np.isin(status_idx, [status_names.index(Status.DITINDAKLANJUTI), status_names.index(Status.SELESAI)])
    followup_to = np.where(followup, _lookup(FOLLOWUP_TO, seq % len(FOLLOWUP_TO)), None)
    due = occurred + (3 + seq % 8).astype("timedelta64[D]")
    followup_due = np.where(followup, due, np.datetime64("NaT", "us"))
    outcome = np.where(status_idx == status_names.index(Status.SELESAI), "Selesai ditangani (simulasi)", None)

    reg_kel, reg_rt = places.reg_kel, places.reg_rt
    rt = reg_rt[rt_idx]
    descriptions = {r: f"{SIM_NOTICE} RT {r:02d}." for r in np.unique(reg_rt).tolist()}
    return {
        "id": ids,
        "kode_kelurahan": _lookup(reg_kel, rt_idx),
        "kode_kecamatan": _lookup([k[:8] for k in reg_kel], rt_idx),
        "rt": rt,
        "category": _lookup([c.value for c in cats], cat_idx),
        "severity": _lookup(["ringan", "sedang", "berat"], sev_idx),
        "title": _lookup([t for ts in d.title_lists for t in ts], title_code),
        "description": np.array([descriptions[r] for r in rt.tolist()], dtype=object),
        "occurred_at": occurred,
        "reported_at": reported,
        "lat": lat,
        "lon": lon,
        "location_approx": approx,
        "source": np.full(n, Source.SIMULASI.value, dtype=object),
        "source_ref": np.array([f"sim:{seed}:{i}" for i in src_no.tolist()], dtype=object),
        "reporter_name": np.array([f"Pelapor simulasi {i % 100000:05d}" for i in src_no.tolist()], dtype=object),
        "reporter_phone": np.array([f"0800{i % 10_000_000:07d}" for i in src_no.tolist()], dtype=object),
        "status": _lookup(status_names, status_idx),
        "created_by": _lookup([rt_username(k, r) for k, r in zip(reg_kel, reg_rt, strict=True)], rt_idx),
        "duplicate_of": duplicate_of,
        "followup_to": followup_to,
        "followup_due": followup_due,
        "outcome": outcome,
    }


def _draw_days(rng: np.random.Generator, n: int, calendar: Calendar) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Draw 1: the day of each incident, weighted towards the election calendar's busy days."""
    first = pd.Timestamp(calendar.season_start)
    last = pd.Timestamp(calendar.voting_day) + pd.Timedelta(days=10)
    days = pd.date_range(first, last, freq="D")
    return days, rng.choice(len(days), size=n, p=_day_weights(calendar, days))


@dataclass(frozen=True)
class _Places:
    reg: pd.DataFrame  # the RT registry, 0..len-1 index
    reg_kel_pos: np.ndarray  # per registry row: position of its kelurahan in the sorted codes
    reg_kel: list[str]
    reg_rt: np.ndarray
    rt_idx: np.ndarray  # per incident: its registry row


def _draw_places(rng: np.random.Generator, n: int, registry: pd.DataFrame) -> _Places:
    """Draw 2: the RT of each incident.

    Some kelurahan are quieter than others: a fixed lognormal activity per kelurahan
    (its own generator, so it is the same for every seed).
    """
    kel_codes = np.array(sorted(registry["kode_kelurahan"].unique()))
    kel_rng = np.random.default_rng(20180627)
    activity = kel_rng.lognormal(0.0, 0.9, size=len(kel_codes))
    reg = registry.reset_index(drop=True)
    kel_pos = {k: i for i, k in enumerate(kel_codes)}
    reg_kel_pos = reg["kode_kelurahan"].map(kel_pos).to_numpy()
    rt_weight = activity[reg_kel_pos]
    rt_idx = rng.choice(len(reg), size=n, p=rt_weight / rt_weight.sum())
    return _Places(reg, reg_kel_pos, [str(k) for k in reg["kode_kelurahan"]], reg["rt"].to_numpy().astype(int),
                   rt_idx)


def _draw_kind(rng: np.random.Generator, n: int, calendar: Calendar, days: pd.DatetimeIndex,
               day_idx: np.ndarray, cats: list[Category]) -> tuple[np.ndarray, np.ndarray]:
    """Draws 3-4: category (by the day's mix) and severity (bentrokan, intimidasi more often berat)."""
    cat_cum = np.cumsum(_category_matrix(calendar, days), axis=1)[day_idx]
    cat_idx = np.minimum(_sample_rows(rng, cat_cum), len(cats) - 1)

    berat_boost = np.isin(cat_idx, [cats.index(Category.BENTROKAN), cats.index(Category.INTIMIDASI)])
    sev_u = rng.random(n)
    sev_p = np.array([0.55, 0.32, 0.13])
    sev_cut1 = np.where(berat_boost, 0.35, sev_p[0])
    sev_cut2 = np.where(berat_boost, 0.70, sev_p[0] + sev_p[1])
    return cat_idx, np.where(sev_u < sev_cut1, 0, np.where(sev_u < sev_cut2, 1, 2))


def _draw_times(rng: np.random.Generator, n: int, days: pd.DatetimeIndex,
                day_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Draws 5-8: time of day in WIB (more in the evening) and the reporting delay; naive UTC [us]."""
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
    occurred = pd.DatetimeIndex(local).tz_localize(WIB).tz_convert(UTC).tz_localize(None).to_numpy()
    occurred = occurred.astype("datetime64[us]")
    delay_min = rng.gamma(1.5, 40.0, size=n).astype(int) + 2
    return occurred, occurred + delay_min.astype("timedelta64[m]")


@dataclass(frozen=True)
class _Details:
    status_idx: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    title_lists: list[list[str]]
    title_code: np.ndarray
    ids: np.ndarray
    approx: np.ndarray


def _draw_details(rng: np.random.Generator, n: int, reg: pd.DataFrame, rt_idx: np.ndarray,
                  cats: list[Category], cat_idx: np.ndarray) -> _Details:
    """The last draws: status, location (60 % have a point near their RT), title, id, approximate flag."""
    status_names = [s.value for s in Status]
    status_p = np.array([0.15, 0.25, 0.20, 0.25, 0.10, 0.05])
    status_idx = rng.choice(len(status_names), size=n, p=status_p)

    has_loc = rng.random(n) < 0.6
    jitter = rng.normal(0.0, 0.0012, size=(n, 2))
    lat = np.where(has_loc, reg["lat"].to_numpy(float)[rt_idx] + jitter[:, 0], np.nan)
    lon = np.where(has_loc, reg["lon"].to_numpy(float)[rt_idx] + jitter[:, 1], np.nan)

    title_pick = rng.integers(0, 1_000_000, size=n)
    title_lists = [TITLES[c] for c in cats]
    title_offset = np.cumsum([0] + [len(t) for t in title_lists])[:-1]
    title_len = np.array([len(t) for t in title_lists])
    title_code = title_offset[cat_idx] + title_pick % title_len[cat_idx]
    ids = _uuid4_strings(rng.bytes(16 * n), n)
    approx = has_loc & (rng.random(n) < 0.3)
    return _Details(status_idx, lat, lon, title_lists, title_code, ids, approx)


def _duplicates(n: int, key: np.ndarray, status_idx: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Duplicates point at the previous (older) report of the same kelurahan and category (`key`).

    A "duplikat" with no older report of its key becomes "ditolak". Rows are in time order.
    """
    status_names = [s.value for s in Status]
    by_key = np.argsort(key, kind="stable")
    same = key[by_key][1:] == key[by_key][:-1]
    prev = np.full(n, -1)
    prev[by_key[1:][same]] = by_key[:-1][same]
    dup_code, rejected_code = status_names.index(Status.DUPLIKAT), status_names.index(Status.DITOLAK)
    is_dup = (status_idx == dup_code) & (prev >= 0)
    status_idx = np.where((status_idx == dup_code) & (prev < 0), rejected_code, status_idx)
    duplicate_of = np.where(is_dup, ids[np.maximum(prev, 0)], None) if n else np.array([], dtype=object)
    return status_idx, duplicate_of


def simulate(n: int, seed: int, calendar: Calendar | None = None, registry: pd.DataFrame | None = None,
             ) -> pd.DataFrame:
    """`n` simulated incidents as a DataFrame of incident columns (deterministic for `seed`)."""
    calendar = calendar or settings().calendar
    registry = rt_registry() if registry is None else registry
    cols = _columns(n, seed, calendar, registry)
    df = pd.DataFrame({k: pd.Series(v, dtype="str") if v.dtype == object else v for k, v in cols.items()})
    for key in TIME_COLUMNS:
        df[key] = pd.to_datetime(cols[key]).tz_localize(UTC)
    return df


def _time_text(values: np.ndarray, suffix: str) -> np.ndarray:
    """Naive UTC datetime64 -> 'YYYY-MM-DD HH:MM:SS.ffffff' + suffix (None for NaT).

    The text SQLAlchemy's SQLite DateTime writes for the same instant, so rows stored
    by the bulk path read back (and sort) exactly like rows stored one by one.
    """
    text = np.datetime_as_string(values.astype("datetime64[us]"), unit="us")
    text = np.strings.add(np.strings.replace(text, "T", " "), suffix) if suffix else np.strings.replace(text, "T", " ")
    return np.where(np.isnat(values), None, text.astype(object))


def _optional_float(values: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(values), None, values.astype(object))


INSERT_COLUMNS = ["id", "report_no", "kode_kecamatan", "kode_kelurahan", "rt", "category", "severity", "title",
                  "description", "occurred_at", "reported_at", "lat", "lon", "location_approx", "source",
                  "source_ref", "reporter_name", "reporter_phone", "status", "version", "created_by",
                  "duplicate_of", "possible_duplicate", "followup_to", "followup_due", "outcome", "updated_at"]


def _driver_rows(cols: dict[str, np.ndarray], report_no: list[str], dialect: str, stamp: datetime,
                 ) -> Iterator[tuple]:
    """Rows of INSERT_COLUMNS as the driver wants them (what UTCDateTime etc. would bind)."""
    suffix = "+00" if dialect == "postgresql" else ""
    n = len(report_no)
    updated = _time_text(np.array([stamp.astimezone(UTC).replace(tzinfo=None)], dtype="datetime64[us]"), suffix)[0]
    out = {
        **{k: cols[k] for k in INSERT_COLUMNS if k in cols},
        "report_no": report_no,
        "occurred_at": _time_text(cols["occurred_at"], suffix),
        "reported_at": _time_text(cols["reported_at"], suffix),
        "followup_due": _time_text(cols["followup_due"], suffix),
        "lat": _optional_float(cols["lat"]),
        "lon": _optional_float(cols["lon"]),
        "version": [1] * n,
        "possible_duplicate": [False] * n,
        "updated_at": [updated] * n,
    }
    lists = [v.tolist() if isinstance(v, np.ndarray) else v for v in (out[k] for k in INSERT_COLUMNS)]
    return zip(*lists, strict=True)


def seed_demo(
    engine: Engine,
    n: int,
    seed: int = 1,
    batch: int = 100_000,
    progress: Callable[[int], None] | None = None,
) -> DemoResult:
    """Store `n` simulated incidents; rows of this seed already present are skipped.

    One transaction: all new rows land or none do, and a re-run skips the rows
    already stored (source_ref is unique). Rows go in through `store.bulk_insert`
    (SQLite executemany, PostgreSQL COPY) `batch` at a time, numbered per year in
    time order exactly as `store.insert_incidents` numbers them. When the load at
    least doubles the table, SQLite's plain indexes are built once at the end.
    The write lock is held throughout: seed before the app is busy.
    """
    start = datetime.now(UTC)
    cols = _columns(n, seed, settings().calendar, rt_registry(engine))
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
        keep = ~np.isin(cols["source_ref"], np.array(sorted(existing), dtype=object))
        cols = {k: v[keep] for k, v in cols.items()}
    total = len(cols["id"])
    if not total:
        return DemoResult(inserted=0, skipped=len(existing), seconds=_since(start))
    years = cols["occurred_at"].astype("datetime64[Y]").astype(int) + 1970
    report_no = np.empty(total, dtype=object)
    prefix = settings().report_prefix
    with store.write(engine) as conn:
        stored = conn.execute(sa.select(sa.func.count()).select_from(store.incidents)).scalar_one()
        for year in sorted(set(years.tolist())):
            where = np.flatnonzero(years == year)
            first = store.reserve_numbers(conn, f"report_no:{year}", len(where))
            report_no[where] = [store.format_report_no(prefix, year, first + i) for i in range(len(where))]
        stamp = now()

        def batches() -> Iterator[Iterator[tuple]]:
            for lo in range(0, total, batch):
                chunk = {k: v[lo:lo + batch] for k, v in cols.items()}
                yield _driver_rows(chunk, report_no[lo:lo + batch].tolist(), conn.dialect.name, stamp)
                if progress:
                    progress(min(lo + batch, total))

        with store.secondary_indexes_deferred(conn, store.incidents) if total >= stored else nullcontext():
            store.load_simulated(conn, INSERT_COLUMNS, batches(), seed, total)
    return DemoResult(inserted=total, skipped=len(existing), seconds=_since(start))


def _since(start: datetime) -> float:
    return (datetime.now(UTC) - start) / timedelta(seconds=1)
