"""Kondusivitas levels per kelurahan and per RT, each with its reasons.

SiKondusif's own measure computed from reports (not Bawaslu's IKP): the score
of a place is the sum over the window's incidents of

    severity weight × credibility of the workflow status × 0.5 ** (age / half-life)

and the level is Rawan / Waspada / Kondusif by configured thresholds. Every
level carries reasons in plain Indonesian. See docs/levels.md for a worked example.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import StrEnum

import numpy as np
import pandas as pd

from kondusif.config import LevelConfig, settings
from kondusif.timeutil import as_utc

MEASURE_NOTICE = (
    "Tingkat kondusivitas adalah ukuran SiKondusif sendiri yang dihitung dari laporan "
    "Ketua RT dan Panwaslu, bukan Indeks Kerawanan Pemilu (IKP) Bawaslu."
)

VERIFIED = ("diverifikasi", "ditindaklanjuti", "selesai")
UNVERIFIED = ("baru",)
EXCLUDED = ("ditolak", "duplikat")
RECENT_HOURS = 72


class Level(StrEnum):
    KONDUSIF = "kondusif"
    WASPADA = "waspada"
    RAWAN = "rawan"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def color(self) -> str:
        return LEVEL_COLORS[self]

    @property
    def rank(self) -> int:
        return {Level.KONDUSIF: 0, Level.WASPADA: 1, Level.RAWAN: 2}[self]


LEVEL_COLORS = {Level.KONDUSIF: "#1a9850", Level.WASPADA: "#f5a623", Level.RAWAN: "#d73027"}


def _fmt(x: float) -> str:
    return f"{x:.1f}".replace(".", ",")


def _hours_label(hours: float) -> str:
    return f"{int(hours // 24)} hari" if hours >= 48 and hours % 24 == 0 else f"{int(hours)} jam"


def incident_scores(df: pd.DataFrame, as_of: datetime, cfg: LevelConfig | None = None) -> pd.Series:
    """Each incident's contribution at `as_of` (0 outside the window or when excluded)."""
    cfg = cfg or settings().levels
    as_of_ts = pd.Timestamp(as_utc(as_of))
    occurred = pd.to_datetime(df["occurred_at"], utc=True)
    age_h = (as_of_ts - occurred).dt.total_seconds().to_numpy() / 3600.0
    in_window = (age_h >= 0) & (age_h < cfg.window_hours)
    weight = df["severity"].map(cfg.severity_weight).fillna(0.0).to_numpy(float)
    cred = df["status"].map(cfg.status_credibility).fillna(0.0).to_numpy(float)
    decay = np.power(0.5, np.clip(age_h, 0, None) / cfg.half_life_hours)
    return pd.Series(np.where(in_window, weight * cred * decay, 0.0), index=df.index)


def level_for(score: float, waspada: float, rawan: float) -> Level:
    if score >= rawan:
        return Level.RAWAN
    if score >= waspada:
        return Level.WASPADA
    return Level.KONDUSIF


def _reasons(group: pd.DataFrame, score: float, level: Level, waspada: float, rawan: float,
             cfg: LevelConfig) -> list[str]:
    reasons: list[str] = []
    window = _hours_label(cfg.window_hours)
    counted = group[~group["status"].isin(EXCLUDED)]
    if level == Level.RAWAN:
        reasons.append(f"Skor {_fmt(score)} mencapai ambang Rawan ({_fmt(rawan)})")
    elif level == Level.WASPADA:
        reasons.append(f"Skor {_fmt(score)} mencapai ambang Waspada ({_fmt(waspada)}), di bawah Rawan ({_fmt(rawan)})")
    elif counted.empty:
        reasons.append(f"Tidak ada laporan yang dihitung dalam {window} terakhir")
    else:
        reasons.append(f"Skor {_fmt(score)} di bawah ambang Waspada ({_fmt(waspada)})")
    recent = counted[counted["_age_h"] < RECENT_HOURS]
    for sev in ("berat", "sedang", "ringan"):
        of_sev = recent[recent["severity"] == sev]
        n_ver = int(of_sev["status"].isin(VERIFIED).sum())
        n_unv = int(of_sev["status"].isin(UNVERIFIED).sum())
        if n_ver:
            reasons.append(f"{n_ver} laporan {sev} terverifikasi dalam {RECENT_HOURS} jam terakhir")
        if n_unv:
            reasons.append(f"{n_unv} laporan {sev} belum diverifikasi dalam {RECENT_HOURS} jam terakhir")
    older = len(counted) - len(recent)
    if older:
        reasons.append(f"{older} laporan lebih lama dalam {window} terakhir (bobotnya menurun seiring waktu)")
    excluded = int(group["status"].isin(EXCLUDED).sum())
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

    `df` holds incidents with occurred_at, severity, status, kode_kelurahan (and rt).
    `units` lists every place to report (kelurahan codes, or (kode, rt) pairs), so
    places without reports appear as Kondusif. Returns one row per place with
    score, level, n (incidents counted in the window) and reasons (list of str).
    """
    cfg = cfg or settings().levels
    if by == "kelurahan":
        keys = ["kode_kelurahan"]
        waspada, rawan = cfg.waspada_threshold, cfg.rawan_threshold
    elif by == "rt":
        keys = ["kode_kelurahan", "rt"]
        waspada, rawan = cfg.rt_waspada_threshold, cfg.rt_rawan_threshold
    else:
        raise ValueError(f"by must be 'kelurahan' or 'rt', not {by!r}")

    as_of_ts = pd.Timestamp(as_utc(as_of))
    work = df[[*keys, "occurred_at", "severity", "status"]].copy() if len(df) else pd.DataFrame(
        columns=[*keys, "occurred_at", "severity", "status"]
    )
    if by == "rt":
        work = work.dropna(subset=["rt"])
        work["rt"] = work["rt"].astype(int)
    occurred = pd.to_datetime(work["occurred_at"], utc=True)
    work["_age_h"] = (as_of_ts - occurred).dt.total_seconds() / 3600.0
    work = work[(work["_age_h"] >= 0) & (work["_age_h"] < cfg.window_hours)]
    work["_score"] = incident_scores(work, as_of, cfg) if len(work) else pd.Series(dtype=float)

    groups = {k if len(keys) > 1 else k[0]: g for k, g in work.groupby(keys, sort=False)} if len(work) else {}
    if units is None:
        unit_list = list(groups)
    else:
        unit_list = [tuple(u) if by == "rt" else u for u in units]
        if by == "rt":
            unit_list = [(str(k), int(r)) for k, r in unit_list]
    empty = work.iloc[0:0]
    rows = []
    for unit in unit_list:
        group = groups.get(unit, empty)
        score = float(group["_score"].sum()) if len(group) else 0.0
        level = level_for(score, waspada, rawan)
        counted = int((~group["status"].isin(EXCLUDED)).sum()) if len(group) else 0
        row = dict(zip(keys, unit if by == "rt" else (unit,), strict=True))
        row.update(score=round(score, 3), level=level, n=counted,
                   reasons=_reasons(group, score, level, waspada, rawan, cfg))
        rows.append(row)
    out = pd.DataFrame(rows, columns=[*keys, "score", "level", "n", "reasons"])
    return out


def window_start(as_of: datetime, cfg: LevelConfig | None = None) -> datetime:
    """Earliest occurred_at that can still count at `as_of` (for querying the store)."""
    cfg = cfg or settings().levels
    return as_utc(as_of) - timedelta(hours=cfg.window_hours)
