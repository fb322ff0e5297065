"""Everything one week's report needs, gathered from the store as plain data.

The report is city-wide and goes to officials, so it reads the store as a
`pejabat` viewer with explicit columns: reporter names and phone numbers are
never selected, whatever role asked for the report. Counts come from the same
[start, end) UTC bounds a SQL count over the week uses, so they equal the store's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kondusif import coverage, registry, status, store
from kondusif.config import LevelConfig, settings
from kondusif.model import CATEGORY_LABELS, STATUS_LABELS, Category, Role, Status, Viewer
from kondusif.report.week import IsoWeek
from kondusif.timeutil import now
from lubuklinggau_geo import gazetteer

# The report's own reader: sees the whole city, never the reporter's identity.
REPORT_VIEWER = Viewer("laporan-mingguan", Role.PEJABAT, display_name="Laporan mingguan")

SEVERITIES = ("ringan", "sedang", "berat")
VERIFIED = ("diverifikasi", "ditindaklanjuti", "selesai")
DEFAULT_MAX_ROWS = 60

# Columns the level/count computations read (no free text, no identity).
_LIGHT_COLUMNS = ("kode_kelurahan", "occurred_at", "severity", "status", "category", "source")
# Columns of the listed reports (user-written title/follow-up text, no identity).
LIST_COLUMNS = (
    "report_no", "kode_kecamatan", "kode_kelurahan", "rt", "category", "severity", "title",
    "occurred_at", "status", "followup_to", "followup_due", "outcome",
)


@dataclass
class WeekData:
    """One week's report content; every frame is plain pandas, every count an int."""

    week: IsoWeek
    previous: IsoWeek
    as_of: datetime
    levels_cfg: LevelConfig
    kelurahan: pd.DataFrame  # 72 rows, see kelurahan_table()
    daily: pd.DataFrame  # 7 rows: day, ringan, sedang, berat, total, prev_total
    categories: pd.DataFrame  # 10 rows: category, label, n, prev_n
    statuses: pd.DataFrame  # 6 rows: status, label, n
    n_week: int
    n_prev: int
    n_verified: int
    n_simulated_week: int
    n_open_followups: int
    serious: pd.DataFrame  # berat + verified reports of the week (open ones first, max_rows)
    n_serious: int
    overdue: pd.DataFrame  # ditindaklanjuti with followup_due before the week's end (first max_rows)
    n_overdue: int
    store_has_simulated: bool
    registry_is_sample: bool
    registry_size: int
    max_rows: int = DEFAULT_MAX_ROWS
    fingerprint: dict = field(default_factory=dict)
    # Issue 24: coverage of the week (RT heard from: a check-in or a report), read as the report's
    # pejabat viewer, so no RT head's name or number: per kecamatan, and the RT silent all week.
    coverage_kecamatan: pd.DataFrame | None = None  # kode_kecamatan, rt_total, rt_heard, share, kelurahan_senyap
    silent_week: pd.DataFrame | None = None  # kode_kelurahan, senyap (list of RT), rt_total
    coverage_heard: int = 0
    coverage_total: int = 0

    @property
    def n_rawan(self) -> int:
        return int((self.kelurahan["level"] == status.Level.RAWAN).sum())

    @property
    def n_waspada(self) -> int:
        return int((self.kelurahan["level"] == status.Level.WASPADA).sum())

    @property
    def verified_share(self) -> float | None:
        return self.n_verified / self.n_week if self.n_week else None

    @property
    def rawan_names(self) -> list[str]:
        rows = self.kelurahan[self.kelurahan["level"] == status.Level.RAWAN]
        return list(rows.sort_values("score", ascending=False)["nama"])

    @property
    def simulated(self) -> bool:
        return self.n_simulated_week > 0 or self.store_has_simulated


def _frame(engine: Engine, stmt: sa.Select) -> pd.DataFrame:
    with engine.connect() as conn:
        result = conn.execute(stmt)
        columns = list(result.keys())
        df = pd.DataFrame.from_records([tuple(r) for r in result], columns=columns)
    for col in ("occurred_at", "followup_due"):
        if col in df.columns:
            df[col] = pd.to_datetime(df[col], utc=True)
    return df


def _count(engine: Engine, *clauses: sa.ColumnElement[bool]) -> int:
    stmt = sa.select(sa.func.count()).select_from(store.incidents).where(*clauses)
    with engine.connect() as conn:
        return int(cast(int, conn.execute(stmt).scalar()))


def _window_frame(engine: Engine, start: datetime, end: datetime) -> pd.DataFrame:
    q = store.IncidentQuery(start=start, end=end)
    stmt = store.incidents_select(q, REPORT_VIEWER, _LIGHT_COLUMNS)
    return _frame(engine, stmt)


def _in(df: pd.DataFrame, wk: IsoWeek) -> pd.DataFrame:
    start, end = pd.Timestamp(wk.start), pd.Timestamp(wk.end)
    return df[(df["occurred_at"] >= start) & (df["occurred_at"] < end)]


def kelurahan_table(week_df: pd.DataFrame, prev_df: pd.DataFrame, levels: pd.DataFrame,
                    prev_levels: pd.DataFrame) -> pd.DataFrame:
    """All 72 kelurahan in gazetteer order (by kecamatan, then code).

    Columns: kode, nama, kode_kecamatan, kecamatan, level, prev_level, score,
    ringan, sedang, berat, total, prev_total, change.
    """
    kel = gazetteer.kelurahan()[["kode", "nama", "kode_kecamatan", "kecamatan"]]
    kel = kel.sort_values(["kode_kecamatan", "kode"], ignore_index=True)
    sev = (
        week_df.groupby(["kode_kelurahan", "severity"]).size().unstack(fill_value=0)
        if len(week_df) else pd.DataFrame()
    )
    for s in SEVERITIES:
        kel[s] = kel["kode"].map(sev[s] if s in sev.columns else {}).fillna(0).astype(int)
    kel["total"] = kel["kode"].map(week_df["kode_kelurahan"].value_counts()).fillna(0).astype(int)
    kel["prev_total"] = kel["kode"].map(prev_df["kode_kelurahan"].value_counts()).fillna(0).astype(int)
    kel["change"] = kel["total"] - kel["prev_total"]
    lv = levels.set_index("kode_kelurahan")
    kel["level"] = kel["kode"].map(lv["level"])
    kel["score"] = kel["kode"].map(lv["score"]).astype(float)
    kel["reasons"] = kel["kode"].map(lv["reasons"])
    kel["prev_level"] = kel["kode"].map(prev_levels.set_index("kode_kelurahan")["level"])
    return kel


def daily_table(week: IsoWeek, week_df: pd.DataFrame, prev_df: pd.DataFrame) -> pd.DataFrame:
    """Reports per WIB day of the week by severity, with the same weekday of last week."""
    days = week.days
    out = pd.DataFrame({"day": days})

    def by_day(df: pd.DataFrame) -> pd.Series:
        if not len(df):
            return pd.Series(dtype="object")
        return df["occurred_at"].dt.tz_convert("Asia/Jakarta").dt.date

    wd = by_day(week_df)
    for s in SEVERITIES:
        counts = wd[week_df["severity"] == s].value_counts() if len(week_df) else {}
        out[s] = out["day"].map(counts).fillna(0).astype(int)
    out["total"] = out[list(SEVERITIES)].sum(axis=1)
    pdays = by_day(prev_df)
    prev_counts = pdays.map(lambda d: d.weekday()).value_counts() if len(prev_df) else {}
    out["prev_total"] = pd.Series(range(7)).map(prev_counts).fillna(0).astype(int)
    return out


def category_table(week_df: pd.DataFrame, prev_df: pd.DataFrame) -> pd.DataFrame:
    cats = [c.value for c in Category]
    out = pd.DataFrame({"category": cats, "label": [CATEGORY_LABELS[Category(c)] for c in cats]})
    out["n"] = out["category"].map(week_df["category"].value_counts()).fillna(0).astype(int)
    out["prev_n"] = out["category"].map(prev_df["category"].value_counts()).fillna(0).astype(int)
    return out


def status_table(week_df: pd.DataFrame) -> pd.DataFrame:
    sts = [s.value for s in Status]
    out = pd.DataFrame({"status": sts, "label": [STATUS_LABELS[Status(s)] for s in sts]})
    out["n"] = out["status"].map(week_df["status"].value_counts()).fillna(0).astype(int)
    return out


def _serious(engine: Engine, week: IsoWeek, max_rows: int) -> tuple[pd.DataFrame, int]:
    q = store.IncidentQuery.make(start=week.start, end=week.end, severity="berat", status=list(VERIFIED))
    stmt = store.incidents_select(q, REPORT_VIEWER, LIST_COLUMNS)
    c = store.incidents.c
    done_last = sa.case((c.status == Status.SELESAI.value, 1), else_=0)
    rows = _frame(engine, stmt.order_by(done_last, c.occurred_at, c.report_no).limit(max_rows))
    return rows, _count(engine, *store.where_clauses(q))


def _overdue_clauses(week: IsoWeek) -> list[sa.ColumnElement[bool]]:
    c = store.incidents.c
    return [
        c.status == Status.DITINDAKLANJUTI.value,
        c.followup_due.is_not(None),
        c.followup_due < week.end,
        c.occurred_at < week.end,
    ]


def _overdue(engine: Engine, week: IsoWeek, max_rows: int) -> tuple[pd.DataFrame, int]:
    clauses = _overdue_clauses(week)
    stmt = store.incidents_select(store.IncidentQuery(), REPORT_VIEWER, LIST_COLUMNS).where(*clauses)
    c = store.incidents.c
    rows = _frame(engine, stmt.order_by(c.followup_due, c.report_no).limit(max_rows))
    return rows, _count(engine, *clauses)


def store_fingerprint(engine: Engine) -> dict:
    """A small summary of the store's state (tells why a regenerated week differs)."""
    c = store.incidents.c
    with engine.connect() as conn:
        n, last = conn.execute(sa.select(sa.func.count(), sa.func.max(c.updated_at))).one()
    return {"incidents": int(n), "last_update": last.isoformat() if last is not None else None}


def gather(
    engine: Engine,
    week: IsoWeek,
    cfg: LevelConfig | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
    at: datetime | None = None,
) -> WeekData:
    """Read one week's report content from the store (city-wide, no reporter identity).

    `at` is when the report is made (default now): a week still running is assessed
    then, not at its future end, because levels decay with time and the PDF would
    otherwise show a lower level than the map shows today (issue 8).
    """
    cfg = cfg or settings().levels
    prev = week.previous()
    as_of = min(week.end, at or now())
    codes = gazetteer.kelurahan_codes()
    first = min(prev.start, status.window_start(prev.end, cfg))
    frame = _window_frame(engine, first, week.end)
    week_df, prev_df = _in(frame, week), _in(frame, prev)

    levels = status.compute_levels(frame, as_of, cfg, by="kelurahan", units=codes)
    prev_frame = frame[frame["occurred_at"] < pd.Timestamp(prev.end)]
    prev_levels = status.compute_levels(prev_frame, prev.end, cfg, by="kelurahan", units=codes)

    serious, n_serious = _serious(engine, week, max_rows)
    overdue, n_overdue = _overdue(engine, week, max_rows)
    c = store.incidents.c
    n_open = _count(engine, c.status == Status.DITINDAKLANJUTI.value, c.occurred_at < week.end)
    reg = registry.rt_registry(engine)
    cov = coverage.coverage(engine, REPORT_VIEWER, week.start, as_of)
    silent = cov.kelurahan[cov.kelurahan["rt_heard"] < cov.kelurahan["rt_total"]][
        ["kode_kelurahan", "senyap", "rt_total"]].reset_index(drop=True)
    return WeekData(
        week=week,
        previous=prev,
        as_of=as_of,
        levels_cfg=cfg,
        kelurahan=kelurahan_table(week_df, prev_df, levels, prev_levels),
        daily=daily_table(week, week_df, prev_df),
        categories=category_table(week_df, prev_df),
        statuses=status_table(week_df),
        n_week=len(week_df),
        n_prev=len(prev_df),
        n_verified=int(week_df["status"].isin(VERIFIED).sum()),
        n_simulated_week=int((week_df["source"] == "simulasi").sum()),
        n_open_followups=n_open,
        serious=serious,
        n_serious=n_serious,
        overdue=overdue,
        n_overdue=n_overdue,
        store_has_simulated=store.has_simulated(engine),
        registry_is_sample=registry.registry_is_sample(reg),
        registry_size=len(reg),
        max_rows=max_rows,
        fingerprint=store_fingerprint(engine),
        coverage_kecamatan=cov.kecamatan,
        silent_week=silent,
        coverage_heard=cov.heard,
        coverage_total=cov.total,
    )
