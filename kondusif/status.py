"""Kondusivitas levels per kelurahan and per RT, each with its reasons.

SiKondusif's own measure computed from reports (not Bawaslu's IKP): the score
of a place is the sum over the window's incidents of

    severity weight × credibility of the workflow status × 0.5 ** (age / half-life)

and the level is Rawan / Waspada / Kondusif by configured thresholds. Every
level carries reasons in plain Indonesian. See docs/levels.md for a worked example.

The computation is vectorised (one groupby for all places), so levels for the
522 RT of a 100,000-report store take milliseconds, not a loop over pandas.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum

import numpy as np
import pandas as pd

from kondusif.config import LevelConfig, settings
from kondusif.model import CATEGORY_LABELS, Category
from kondusif.timeutil import as_utc

MEASURE_NOTICE = (
    "Tingkat kondusivitas adalah ukuran SiKondusif sendiri yang dihitung dari laporan "
    "Ketua RT dan Panwaslu, bukan Indeks Kerawanan Pemilu (IKP) Bawaslu."
)

VERIFIED = ("diverifikasi", "ditindaklanjuti", "selesai")
UNVERIFIED = ("baru",)
EXCLUDED = ("ditolak", "duplikat")
RECENT_HOURS = 72
SEVERITY_ORDER = ("berat", "sedang", "ringan")


class Level(StrEnum):
    KONDUSIF = "kondusif"
    WASPADA = "waspada"
    RAWAN = "rawan"
    # Issue 24: no RT of the kelurahan heard from in the period (no check-in, no report): green
    # must mean that someone said so. Set by `apply_contact`, never by the score.
    TIDAK_ADA_KABAR = "tidak_ada_kabar"

    @property
    def label(self) -> str:
        return "Tidak ada kabar" if self is Level.TIDAK_ADA_KABAR else self.value.capitalize()

    @property
    def color(self) -> str:
        return LEVEL_COLORS[self]

    @property
    def rank(self) -> int:
        return {Level.KONDUSIF: 0, Level.TIDAK_ADA_KABAR: 1, Level.WASPADA: 2, Level.RAWAN: 3}[self]


LEVEL_COLORS = {Level.KONDUSIF: "#1a9850", Level.WASPADA: "#f5a623", Level.RAWAN: "#d73027",
                Level.TIDAK_ADA_KABAR: "#9e9e9e"}
LEVEL_MEANINGS = {
    Level.TIDAK_ADA_KABAR: "tidak satu pun RT memberi kabar (laporan aman atau laporan) dalam periode ini",
    Level.KONDUSIF: "tidak ada atau sedikit laporan berbobot dalam jendela waktu",
    Level.WASPADA: "laporan berbobot menumpuk; perlu dipantau",
    Level.RAWAN: "banyak laporan berat/terverifikasi baru-baru ini; perlu tindakan",
}


def _fmt(x: float) -> str:
    """Indonesian decimal: 12,5."""
    return f"{x:.1f}".replace(".", ",")


def _hours_label(hours: float) -> str:
    return f"{int(hours // 24)} hari" if hours >= 48 and hours % 24 == 0 else f"{int(hours)} jam"


def window_label(cfg: LevelConfig | None = None) -> str:
    """'14 hari': the level window in words."""
    return _hours_label((cfg or settings().levels).window_hours)


def _ages_hours(occurred: pd.Series, as_of: datetime) -> np.ndarray:
    as_of_ts = pd.Timestamp(as_utc(as_of))
    occ = pd.to_datetime(occurred, utc=True)
    return (as_of_ts - occ).dt.total_seconds().to_numpy(dtype=float) / 3600.0


def incident_scores(df: pd.DataFrame, as_of: datetime, cfg: LevelConfig | None = None) -> pd.Series:
    """Each incident's contribution at `as_of` (0 outside the window or when excluded).

    The window is [as_of - window, as_of]: an incident at exactly `as_of` counts
    fully, one exactly `window_hours` old no longer counts, a later one not yet.
    """
    cfg = cfg or settings().levels
    if not len(df):
        return pd.Series(dtype=float, index=df.index)
    age_h = _ages_hours(df["occurred_at"], as_of)
    in_window = (age_h >= 0) & (age_h < cfg.window_hours)
    weight = df["severity"].astype(object).map(cfg.severity_weight).fillna(0.0).to_numpy(float)
    cred = df["status"].astype(object).map(cfg.status_credibility).fillna(0.0).to_numpy(float)
    decay = np.power(0.5, np.clip(age_h, 0, None) / cfg.half_life_hours)
    return pd.Series(np.where(in_window, weight * cred * decay, 0.0), index=df.index)


def level_for(score: float, waspada: float, rawan: float) -> Level:
    """The band of a score: thresholds are inclusive (score == rawan is Rawan)."""
    if score >= rawan:
        return Level.RAWAN
    if score >= waspada:
        return Level.WASPADA
    return Level.KONDUSIF


def thresholds(cfg: LevelConfig | None = None, by: str = "kelurahan") -> tuple[float, float]:
    """(waspada, rawan) thresholds for kelurahan or RT."""
    cfg = cfg or settings().levels
    if by == "kelurahan":
        return cfg.waspada_threshold, cfg.rawan_threshold
    if by == "rt":
        return cfg.rt_waspada_threshold, cfg.rt_rawan_threshold
    raise ValueError(f"by must be 'kelurahan' or 'rt', not {by!r}")


def _level_sentence(score: float, level: Level, waspada: float, rawan: float, counted: int,
                    window: str) -> str:
    if level == Level.RAWAN:
        return f"Skor {_fmt(score)} mencapai ambang Rawan ({_fmt(rawan)})"
    if level == Level.WASPADA:
        return f"Skor {_fmt(score)} mencapai ambang Waspada ({_fmt(waspada)}), di bawah Rawan ({_fmt(rawan)})"
    if counted == 0:
        return f"Tidak ada laporan yang dihitung dalam {window} terakhir"
    return f"Skor {_fmt(score)} di bawah ambang Waspada ({_fmt(waspada)})"


def _category_label(key: str) -> str:
    try:
        return CATEGORY_LABELS[Category(key)]
    except ValueError:
        return str(key)


def _reasons_for(score: float, level: Level, waspada: float, rawan: float, window: str,
                 counts: dict[str, int], top_category: tuple[str, int] | None) -> list[str]:
    """Plain-Indonesian reasons from one place's aggregate counts."""
    counted = counts.get("counted", 0)
    reasons = [_level_sentence(score, level, waspada, rawan, counted, window)]
    for sev in SEVERITY_ORDER:
        n_ver = counts.get(f"recent_ver_{sev}", 0)
        n_unv = counts.get(f"recent_unv_{sev}", 0)
        if n_ver:
            reasons.append(f"{n_ver} laporan {sev} terverifikasi dalam {RECENT_HOURS} jam terakhir")
        if n_unv:
            reasons.append(f"{n_unv} laporan {sev} belum diverifikasi dalam {RECENT_HOURS} jam terakhir")
    older = counts.get("older", 0)
    if older:
        reasons.append(
            f"{older} laporan lebih lama dalam {window} terakhir (bobotnya menurun seiring waktu)"
        )
    if top_category is not None and counted >= 3:
        reasons.append(f"Kategori terbanyak: {_category_label(top_category[0])} ({top_category[1]} laporan)")
    excluded = counts.get("excluded", 0)
    if excluded:
        reasons.append(f"{excluded} laporan ditolak/duplikat tidak dihitung")
    return reasons


def compute_levels(
    df: pd.DataFrame,
    as_of: datetime,
    cfg: LevelConfig | None = None,
    by: str = "kelurahan",
    units: Iterable | None = None,
) -> pd.DataFrame:
    """Levels per kelurahan (`by="kelurahan"`) or per RT (`by="rt"`) at `as_of`.

    `df` holds incidents with occurred_at, severity, status, kode_kelurahan (and rt;
    a `category` column, when present, adds the most frequent category to the reasons).
    `units` lists every place to report (kelurahan codes, or (kode, rt) pairs), so
    places without reports appear as Kondusif. Returns one row per place with
    score, level, n (incidents counted in the window) and reasons (list of str).
    """
    cfg = cfg or settings().levels
    waspada, rawan = thresholds(cfg, by)
    keys = ["kode_kelurahan"] if by == "kelurahan" else ["kode_kelurahan", "rt"]
    window = _hours_label(cfg.window_hours)

    cols = [*keys, "occurred_at", "severity", "status"]
    has_cat = "category" in df.columns
    if has_cat:
        cols.append("category")
    work = df[cols].copy() if len(df) else pd.DataFrame(columns=cols)
    if by == "rt":
        work = work[work["rt"].notna()]
        work["rt"] = work["rt"].astype(int)
    age = _ages_hours(work["occurred_at"], as_of) if len(work) else np.zeros(0)
    in_window = (age >= 0) & (age < cfg.window_hours)
    work = work[in_window]
    age = age[in_window]
    work["_score"] = incident_scores(work, as_of, cfg).to_numpy() if len(work) else np.zeros(0)

    status_s = work["status"].astype(object)
    excluded = status_s.isin(EXCLUDED).to_numpy()
    recent = age < RECENT_HOURS
    verified = status_s.isin(VERIFIED).to_numpy()
    unverified = status_s.isin(UNVERIFIED).to_numpy()
    severity = work["severity"].astype(object).to_numpy()
    flags = {
        "counted": ~excluded,
        "excluded": excluded,
        "older": ~excluded & ~recent,
    }
    for sev in SEVERITY_ORDER:
        is_sev = severity == sev
        flags[f"recent_ver_{sev}"] = ~excluded & recent & verified & is_sev
        flags[f"recent_unv_{sev}"] = ~excluded & recent & unverified & is_sev
    agg_in = pd.DataFrame({k: v.astype(int) for k, v in flags.items()}, index=work.index)
    agg_in["_score"] = work["_score"].to_numpy(float)
    for k in keys:
        agg_in[k] = work[k].to_numpy()
    agg = agg_in.groupby(keys, sort=False).sum() if len(agg_in) else pd.DataFrame(
        columns=[*flags, "_score"])

    top_cat: dict = {}
    if has_cat and len(work):
        counted_rows = work[~excluded]
        if len(counted_rows):
            cat_counts = counted_rows.groupby([*keys, "category"], sort=False).size().reset_index(name="n")
            cat_counts = cat_counts.sort_values(["n", "category"], ascending=[False, True], kind="stable")
            first = cat_counts.drop_duplicates(keys, keep="first")
            for rec in first.itertuples(index=False):
                key = tuple(getattr(rec, k) for k in keys)
                top_cat[key if by == "rt" else key[0]] = (rec.category, int(rec.n))

    if units is None:
        unit_list = list(agg.index)
    elif by == "rt":
        unit_list = [(str(k), int(r)) for k, r in units]
    else:
        unit_list = [str(u) for u in units]
    agg_records = agg.to_dict("index") if len(agg) else {}

    rows = []
    for unit in unit_list:
        key = (unit[0], int(unit[1])) if by == "rt" else unit
        counts = agg_records.get(key, {})
        score = float(counts.get("_score", 0.0))
        level = level_for(score, waspada, rawan)
        counts_int = {k: int(v) for k, v in counts.items() if k != "_score"}
        row = dict(zip(keys, key if by == "rt" else (key,), strict=True))
        row.update(
            score=round(score, 3),
            level=level,
            n=counts_int.get("counted", 0),
            reasons=_reasons_for(score, level, waspada, rawan, window, counts_int, top_cat.get(key)),
        )
        rows.append(row)
    return pd.DataFrame(rows, columns=[*keys, "score", "level", "n", "reasons"])


def level_counts(levels: pd.DataFrame) -> dict[Level, int]:
    """How many places are at each level (every Level present, 0 when none)."""
    counts = levels["level"].value_counts() if len(levels) else pd.Series(dtype=int)
    return {lv: int(counts.get(lv, 0)) for lv in Level}


def window_start(as_of: datetime, cfg: LevelConfig | None = None) -> datetime:
    """Earliest occurred_at that can still count at `as_of` (for querying the store)."""
    cfg = cfg or settings().levels
    return as_utc(as_of) - timedelta(hours=cfg.window_hours)


def apply_contact(levels: pd.DataFrame, contact: pd.DataFrame) -> pd.DataFrame:
    """Kelurahan levels with contact applied (issue 24): Kondusif needs an RT heard from.

    `contact` is coverage.Coverage.kelurahan (kode_kelurahan, rt_heard, rt_total, senyap).
    A Kondusif kelurahan none of whose RT was heard from in the period becomes Tidak ada
    kabar; every kelurahan with registered RT gets the sentence "8 dari 12 RT memberi
    kabar; senyap: RT 06, 10, 11, 12" among its reasons. Waspada/Rawan stay: reports made them.
    """
    from kondusif.coverage import contact_sentence

    if not len(levels) or contact is None or not len(contact):
        return levels
    by_code = {str(r.kode_kelurahan): r for r in contact.itertuples(index=False)}
    out = levels.copy()
    new_levels, new_reasons = [], []
    for code, level, reasons in zip(out["kode_kelurahan"], out["level"], out["reasons"], strict=True):
        c = by_code.get(str(code))
        reasons = list(reasons)
        if c is not None and int(c.rt_total) > 0:
            sentence = contact_sentence(int(c.rt_heard), int(c.rt_total), list(c.senyap))
            if Level(level) == Level.KONDUSIF and int(c.rt_heard) == 0:
                level = Level.TIDAK_ADA_KABAR
                reasons = ["Tidak ada kabar: belum satu pun RT mengirim laporan aman atau laporan dalam periode ini",
                           sentence, *reasons[1:]]
            else:
                reasons = [reasons[0], sentence, *reasons[1:]] if reasons else [sentence]
        new_levels.append(Level(level))
        new_reasons.append(reasons)
    out["level"] = new_levels
    out["reasons"] = new_reasons
    return out
