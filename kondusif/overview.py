"""What the city map page shows, as plain data: levels, headline figures, trend, tables.

Every function takes the Viewer (scope applied in SQL by the store) and the
shared Filter; queries select only the columns they need and push the period
and filters into SQL, so the page stays fast with 100,000 reports stored.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kondusif import access, status, store
from kondusif import coverage as coverage_mod
from kondusif import registry as rt_registry_mod
from kondusif.config import LevelConfig, settings
from kondusif.coverage import Coverage
from kondusif.filters import DataMoments, Filter, Period, format_moment
from kondusif.model import CATEGORY_LABELS, STATUS_LABELS, SYSTEM, Category, Severity, Source, Status, Viewer
from kondusif.timeutil import as_utc, format_wib, to_wib, wib_day_start
from lubuklinggau_geo import gazetteer

LEVEL_COLUMNS = ["kode_kelurahan", "rt", "occurred_at", "severity", "status", "category"]
MAP_COLUMNS = ["report_no", "kode_kelurahan", "rt", "category", "severity", "status", "occurred_at", "lat", "lon",
               "title"]
LATEST_COLUMNS = ["report_no", "occurred_at", "rt", "category", "severity", "status", "title"]
MAX_MAP_INCIDENTS = 30_000  # the newest; the whole peak week of a 100k-report season fits
SPARK_DAYS = 14


# --------------------------------------------------------------------------- fast reads


TIME_COLUMNS = ("occurred_at", "reported_at", "updated_at", "followup_due")


def epoch_seconds(engine: Engine, column: sa.ColumnElement) -> sa.ColumnElement:
    """SQL for a timestamp column as whole seconds since 1970 (UTC), per dialect."""
    if engine.dialect.name == "sqlite":
        return sa.cast(sa.func.strftime("%s", column), sa.BigInteger)
    return sa.cast(sa.func.floor(sa.extract("epoch", column)), sa.BigInteger)


def read_incidents(
    engine: Engine, q: store.IncidentQuery, viewer: Viewer, columns: list[str],
    limit: int | None = None, newest_first: bool | None = True,
) -> pd.DataFrame:
    """Like store.query_incidents, for large frames: times come as epoch seconds and are
    converted in one vectorised step (per-row datetime objects cost ~1 s per 40,000 rows).

    Scope and identity rules are the store's: scope_clause in SQL, visible_columns only.
    """
    visible = {col.name: col for col in store.visible_columns(viewer)}
    names = [name for name in columns if name in visible]
    cols = [
        epoch_seconds(engine, visible[name]).label(name) if name in TIME_COLUMNS else visible[name]
        for name in names
    ]
    stmt = sa.select(*cols).where(*_clauses(q, viewer))
    if newest_first is not None:  # None: any order (no sort needed, e.g. for levels)
        # Ordered by time alone, the occurred_at index delivers rows in order and LIMIT stops
        # early; a second sort key would make the database sort the whole period first.
        order = store.incidents.c.occurred_at.desc() if newest_first else store.incidents.c.occurred_at
        stmt = stmt.order_by(order)
    if limit is not None:
        stmt = stmt.limit(limit)
    with engine.connect() as conn:
        result = conn.execute(stmt)
        # Plain tuples straight from the driver: every selected column is a plain str/int/float
        # (times as epoch integers), so SQLAlchemy's per-row Row objects are not needed.
        cursor = getattr(result, "cursor", None)
        rows = cursor.fetchall() if cursor is not None else [tuple(r) for r in result.fetchall()]
    data = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    # Text columns stay Python objects: converting tens of thousands of strings to Arrow costs more than it saves here.
    df = pd.DataFrame({
        name: pd.Series(values, dtype=object if isinstance(visible[name].type, sa.String) else None)
        for name, values in zip(names, data, strict=True)
    })
    for name in names:
        if name in TIME_COLUMNS:
            df[name] = pd.to_datetime(pd.to_numeric(df[name]), unit="s", utc=True)
    return df


def data_version(engine: Engine) -> tuple[int, int, str, str]:
    """The store's one cheap fingerprint, for the map page's caches and the wall's change check:
    (newest audit row id, newest alert id, the store's generation: a new one per restore, which
    brings the ids back so that later writes reach ids a view was cached at before, and on
    PostgreSQL the oldest transaction still open: see below).

    Every write of a report, status, check-in, registry or review item records an audit row in
    its transaction (the project's rule; reports are never deleted), and alerts (a Rawan alert
    comes after the commit of the report that caused it) have their own increasing id. Two
    primary-key maxima in one round trip: an index lookup on SQLite and PostgreSQL alike,
    whatever the store's size (issue 29: the count of reports it replaced scanned them all
    on every page run).

    PostgreSQL gives ids out before commit: a report whose transaction took id N and commits
    after another's N+1 would leave the newest id where it was, and the map without it until
    the next write. The snapshot's xmin (the oldest transaction still running, while one runs)
    moves when such a transaction ends, so the fingerprint moves too, and the map page's frame
    looks at the reports of its last minute again (`reports_written`, cheap; its views stay
    cached when nothing changed). SQLite writes one at a time: ids come in commit order.
    """
    postgres = engine.dialect.name == "postgresql"
    snap = sa.func.pg_current_snapshot()
    # Only while some writer is open (xmin < xmax): an idle store keeps one fingerprint.
    xmin = sa.case((sa.func.pg_snapshot_xmin(snap) != sa.func.pg_snapshot_xmax(snap),
                    sa.cast(sa.func.pg_snapshot_xmin(snap), sa.Text)), else_=sa.literal("")) \
        if postgres else sa.literal("")
    stmt = sa.select(sa.select(sa.func.max(store.audit_log.c.id)).scalar_subquery(),
                     sa.select(sa.func.max(store.alerts.c.id)).scalar_subquery(),
                     sa.select(store.meta.c.value).where(store.meta.c.key == store.GENERATION_KEY).scalar_subquery(),
                     xmin)
    with engine.connect() as conn:
        audit, alert, generation, oldest = conn.execute(stmt).one()
    return int(audit or 0), int(alert or 0), str(generation or ""), str(oldest or "")


# --------------------------------------------------------------------------- places


def kelurahan_units(flt: Filter, viewer: Viewer) -> list[str]:
    """The kelurahan this view covers: the filter's places within the viewer's scope."""
    area = access.area_of(viewer)
    codes = [c for c in gazetteer.kelurahan_codes() if area.contains_kelurahan(c)]
    if flt.kecamatan:
        codes = [c for c in codes if c[:8] in flt.kecamatan]
    if flt.kelurahan:
        codes = [c for c in codes if c in flt.kelurahan]
    return codes


def kelurahan_choices(viewer: Viewer) -> list[str]:
    """The kelurahan a viewer may pick in a form or import, by name: the city's, or those of its area."""
    area = access.area_of(viewer)
    kel = gazetteer.kelurahan().sort_values("nama")
    return [code for code in kel["kode"].tolist() if area.contains_kelurahan(code)]


def rt_units(registry: pd.DataFrame, kelurahan: list[str], flt: Filter) -> list[tuple[str, int]]:
    reg = registry[registry["kode_kelurahan"].isin(kelurahan)]
    if flt.rt:
        reg = reg[reg["rt"].astype(int).isin(flt.rt)]
    return list(zip(reg["kode_kelurahan"].astype(str), reg["rt"].astype(int), strict=True))


# --------------------------------------------------------------------------- levels


@dataclass(frozen=True)
class Levels:
    """Levels of one view at `as_of`, with what they were computed from."""

    as_of: datetime
    kelurahan: pd.DataFrame  # compute_levels(by="kelurahan") for the covered kelurahan
    rt: pd.DataFrame  # compute_levels(by="rt") for the covered RT of the registry
    registry: pd.DataFrame
    registry_is_sample: bool
    coverage: Coverage | None = None  # issue 24: who was heard from in the period (None: not computed)

    def counts(self) -> dict[status.Level, int]:
        return status.level_counts(self.kelurahan)


def contact(engine: Engine, viewer: Viewer, start: datetime, end: datetime,
            reports: pd.DataFrame | None = None) -> coverage_mod.Coverage | None:
    """Who gave word in [start, end) across the viewer's whole scope (any filter of the view),
    or None for a role that does not see coverage. `reports`: read_view's frame of the whole
    scope (no filter), counted instead of asking the store again."""
    if not access.allows(viewer, "coverage.read"):
        return None
    return coverage_mod.coverage(engine, viewer, start, end, reports=reports)


def with_contact(engine: Engine, viewer: Viewer, levels: Levels, start: datetime, end: datetime,
                 cov: coverage_mod.Coverage | None = None) -> Levels:
    """`levels` with contact applied (issue 24): a kelurahan no RT was heard from in [start, end)
    is Tidak ada kabar instead of Kondusif, and every reason list says how many RT gave word.
    `cov`: contact(...) of the same viewer and times, when the caller has it already."""
    cov = cov if cov is not None else contact(engine, viewer, start, end)
    if cov is None:
        return levels
    return replace(levels, kelurahan=status.apply_contact(levels.kelurahan, cov.kelurahan), coverage=cov)


def levels_for_view(
    engine: Engine, viewer: Viewer, flt: Filter, as_of: datetime, cfg: LevelConfig | None = None,
    registry: pd.DataFrame | None = None, contact_since: datetime | None = None,
) -> Levels:
    """Kelurahan and RT levels at `as_of` from the reports matching the filter (not its period).

    Contact (issue 24) is counted from `contact_since` (the view's period start; default: the level window's).
    """
    cfg = cfg or settings().levels
    q = flt.query_between(status.window_start(as_of, cfg), as_of)
    frame = read_incidents(engine, q, viewer, LEVEL_COLUMNS, newest_first=None)
    kel_units = kelurahan_units(flt, viewer)
    reg = rt_registry_mod.rt_registry(engine) if registry is None else registry
    kel = status.compute_levels(frame, as_of, cfg, by="kelurahan", units=kel_units)
    rt = status.compute_levels(frame, as_of, cfg, by="rt", units=rt_units(reg, kel_units, flt))
    levels = Levels(as_of, kel, rt, reg, rt_registry_mod.registry_is_sample(reg))
    return with_contact(engine, viewer, levels, contact_since or status.window_start(as_of, cfg), as_of)


# --------------------------------------------------------------------------- headline


@dataclass(frozen=True)
class Headline:
    """The figures above the map."""

    n: int  # reports in the period
    n_previous: int  # reports in the same-length window before it
    n_rawan: int  # kelurahan Rawan at the period's end
    n_waspada: int
    n_unverified: int  # reports of the period still 'baru'
    latest: datetime | None  # newest report (occurred_at) up to the period's end

    @property
    def change(self) -> int:
        return self.n - self.n_previous

    @property
    def change_pct(self) -> float | None:
        return None if self.n_previous == 0 else 100.0 * (self.n - self.n_previous) / self.n_previous


def _clauses(q: store.IncidentQuery, viewer: Viewer) -> list:
    clauses = store.where_clauses(q)
    scope = store.scope_clause(viewer)
    if scope is not None:
        clauses.append(scope)
    return clauses


def newest_occurred(engine: Engine, viewer: Viewer,
                    q: store.IncidentQuery | None = None) -> datetime | None:
    """occurred_at of the newest report the viewer may see (matching `q`), or None."""
    col = store.incidents.c.occurred_at
    stmt = sa.select(sa.func.max(col)).select_from(store.incidents)
    clauses = _clauses(q or store.IncidentQuery(), viewer)
    if clauses:
        stmt = stmt.where(*clauses)
    with engine.connect() as conn:
        value = conn.execute(stmt).scalar()
    return _as_moment(value)


def _as_moment(value) -> datetime | None:
    if value is None:
        return None
    return as_utc(pd.Timestamp(value).to_pydatetime()) if not isinstance(value, datetime) else as_utc(value)


def data_moments(engine: Engine, viewer: Viewer) -> DataMoments:
    """Newest real and newest simulated report the viewer may see (where a view should open).

    The newest report of all (one step down the occurred_at index) answers for its own kind;
    only the other kind is looked up (issue 14: max(occurred_at) of the kind that fills the
    store walks all its rows, ~0.1 s per 100,000, and this runs twice per page run).
    """
    real_sources = tuple(s.value for s in Source if s != Source.SIMULASI)
    simulated_sources = (Source.SIMULASI.value,)
    c = store.incidents.c
    stmt = sa.select(c.occurred_at, c.source).order_by(c.occurred_at.desc()).limit(1)
    clauses = _clauses(store.IncidentQuery(), viewer)
    # Issue 30.5: the simulated season ends on one day for every account (a fact of the demo data,
    # a date and no row content), not on the newest simulated report of each account's kecamatan.
    city_clauses = _clauses(store.IncidentQuery(), SYSTEM)
    with engine.connect() as conn:
        newest = conn.execute(stmt.where(*clauses) if clauses else stmt).first()
        city = conn.execute(stmt.where(*city_clauses) if city_clauses else stmt).first()
    if city is None:
        return DataMoments(None, None)
    real = _as_moment(newest.occurred_at) if newest is not None and newest.source in real_sources else None
    if real is None and newest is not None:
        real = newest_occurred(engine, viewer, store.IncidentQuery(source=real_sources))
    if city.source in simulated_sources:
        simulated = _as_moment(city.occurred_at)
    else:
        simulated = newest_occurred(engine, SYSTEM, store.IncidentQuery(source=simulated_sources))
    return DataMoments(real, simulated)


def headline(engine: Engine, viewer: Viewer, flt: Filter, period: Period, levels: Levels) -> Headline:
    q = flt.query_between(period.start, period.end)
    prev = period.previous()
    n = store.count_incidents(engine, q, viewer)
    n_prev = store.count_incidents(engine, flt.query_between(prev.start, prev.end), viewer)
    if flt.status and Status.BARU.value not in flt.status:
        n_unverified = 0
    else:
        q_baru = replace(q, status=(Status.BARU.value,))
        n_unverified = store.count_incidents(engine, q_baru, viewer)
    counts = levels.counts()
    latest = newest_occurred(engine, viewer, flt.query_between(None, period.end))
    return Headline(n, n_prev, counts[status.Level.RAWAN], counts[status.Level.WASPADA], n_unverified, latest)


# --------------------------------------------------------------------------- map incidents


@dataclass(frozen=True)
class MapIncidents:
    frame: pd.DataFrame  # MAP_COLUMNS, newest first, at most `cap` rows
    total: int  # reports matching the filter in the period

    @property
    def capped(self) -> bool:
        return self.total > len(self.frame)


# --------------------------------------------------------------------------- trend and tables


def category_label(key: str) -> str:
    try:
        return CATEGORY_LABELS[Category(key)]
    except ValueError:
        return str(key)




# --------------------------------------------------------------------------- one kelurahan


@dataclass(frozen=True)
class KelurahanDetail:
    kode: str
    nama: str
    kecamatan: str
    level: status.Level | None
    score: float
    reasons: list[str]
    by_category: pd.DataFrame  # Kategori, Laporan
    by_severity: pd.DataFrame  # Keparahan, Laporan
    spark: pd.DataFrame  # Tanggal (14 WIB days up to as-of), Laporan
    latest: pd.DataFrame  # the newest reports of the period (no identity)
    silent: pd.DataFrame | None = None  # issue 24: the kelurahan's silent RT (silent_table), None: not computed
    counted_note: str = ""  # which reports the level counts when a filter narrows them
    windows_note: str = ""  # issue 30.5: the level's window and the period's, said plainly side by side


def silent_table(cov: Coverage | None, kode: str) -> pd.DataFrame | None:
    """The silent RT of one kelurahan as the UI lists them: RT, and for identity roles the head's name and
    number (coverage.rt carries them only for roles with checkin.read_identity)."""
    if cov is None:
        return None
    rows = cov.rt[(cov.rt["kode_kelurahan"] == kode) & ~cov.rt["heard"]]
    table = pd.DataFrame({"RT": [f"{int(r):02d}" for r in rows["rt"]]})
    if "nama_ketua" in rows.columns:
        table["Ketua RT"] = [str(v) if pd.notna(v) else "-" for v in rows["nama_ketua"]]
        table["Telepon"] = [str(v) if pd.notna(v) else "-" for v in rows["telepon"]]
    return table


def counted_reports_note(flt: Filter) -> str:
    """'Tingkat ini hanya menghitung laporan kategori Politik uang; sumber SMS langsung.' when the
    filter narrows the reports a level counts (issue 24: a filter must not silently change the meaning)."""
    parts = []
    if flt.category:
        parts.append("kategori " + ", ".join(category_label(c) for c in flt.category))
    if flt.severity:
        parts.append("keparahan " + ", ".join(Severity(s).label for s in flt.severity))
    if flt.status:
        parts.append("status " + ", ".join(STATUS_LABELS[Status(s)] for s in flt.status))
    if flt.source:
        parts.append("sumber " + ", ".join(Source(s).label for s in flt.source))
    if not parts:
        return ""
    return ("Tingkat ini hanya menghitung laporan " + "; ".join(parts) + " (sesuai filter), bukan semua laporan. "
            "Kabar RT (laporan aman dan laporan apa pun) tetap dihitung semuanya.")


def windows_note(period: Period) -> str:
    """The panel's two windows in words (issue 30.5): the level weighs the reports of the level
    window (14 days by default) up to the period's end, while the counts below it are the
    period's (e.g. 7 days). Both are right; the panel must not leave a reader to guess."""
    return (f"Tingkat menimbang laporan {status.window_label()} terakhir sampai {format_moment(period.end)}. "
            f"Grafik: {SPARK_DAYS} hari terakhir. Angka kategori dan laporan terbaru: periode «{period.label}».")


def spark_days(as_of: datetime, days: int = SPARK_DAYS) -> tuple[list[date], datetime]:
    """The `days` WIB days ending with the as-of day, and the instant they start."""
    last = to_wib(as_of - timedelta(microseconds=1)).date()
    first = last - timedelta(days=days - 1)
    return [first + timedelta(days=i) for i in range(days)], wib_day_start(first)


def wib_days(occurred: pd.Series) -> pd.Series:
    """The WIB day (midnight, no zone) of each UTC time: WIB has no daylight saving, so it is the
    UTC time + 7 h floored to the day, vectorised (the store's `wib_day_expr` in SQL)."""
    return (occurred.dt.tz_localize(None) + pd.Timedelta(hours=7)).dt.floor("D")


def _counts(engine: Engine, viewer: Viewer, one: Filter, start: datetime, end: datetime, by: str,
            reports: pd.DataFrame | None) -> pd.Series:
    """Reports of the filter `one` in [start, end) per `by` (a column, or "day": the WIB day), from
    the store or from `reports` (read_view's frame of `one`, all times: narrow_view of the scope's)."""
    if reports is None:
        counts = store.counts_by(engine, one.query_between(start, end), viewer, [by])
        return counts.set_index(by)["n"] if len(counts) else pd.Series(dtype="int64")
    rows = reports[(reports["occurred_at"] >= start) & (reports["occurred_at"] < end)]
    keys = wib_days(rows["occurred_at"]).dt.date if by == "day" else rows[by]
    return rows.groupby(keys.rename(by)).size()


def kelurahan_detail(engine: Engine, viewer: Viewer, flt: Filter, period: Period, levels: Levels,
                     kode: str, latest_rows: int = 10, reports: pd.DataFrame | None = None,
                     ) -> KelurahanDetail | None:
    """The panel beside the map for one kelurahan; None if it is outside the view. `reports`: the
    map page's frame of the viewer's whole scope, counted instead of three grouped reads."""
    if kode not in set(kelurahan_units(flt, viewer)):
        return None
    rec = gazetteer.kelurahan_by_code(kode)
    row = levels.kelurahan[levels.kelurahan["kode_kelurahan"] == kode]
    level = status.Level(row["level"].iloc[0]) if len(row) else None
    score = float(row["score"].iloc[0]) if len(row) else 0.0
    reasons = list(row["reasons"].iloc[0]) if len(row) else []
    one = replace(flt, kecamatan=(), kelurahan=(kode,))
    q = one.query_between(period.start, period.end)
    reports = narrow_view(reports, one) if reports is not None else None
    cats = _counts(engine, viewer, one, period.start, period.end, "category", reports)
    by_category = pd.DataFrame({
        "Kategori": [category_label(c) for c in cats.index],
        "Laporan": cats.to_numpy(dtype=int),
    }).sort_values(["Laporan", "Kategori"], ascending=[False, True], ignore_index=True)
    sevs = _counts(engine, viewer, one, period.start, period.end, "severity", reports)
    by_severity = pd.DataFrame({
        "Keparahan": [s.label for s in Severity],
        "Laporan": [int(sevs.get(s.value, 0)) for s in Severity],
    })
    days, first = spark_days(period.end)
    spark_series = _counts(engine, viewer, one, first, period.end, "day", reports)
    spark = pd.DataFrame({
        "Tanggal": pd.to_datetime(days),
        "Laporan": [int(spark_series.get(d, 0)) for d in days],
    })
    latest = store.query_incidents(engine, q, viewer, columns=LATEST_COLUMNS, limit=latest_rows)
    return KelurahanDetail(kode, str(rec["nama"]), str(rec["kecamatan"]), level, score, reasons, by_category,
                           by_severity, spark, latest_table(latest), silent_table(levels.coverage, kode),
                           counted_reports_note(flt), windows_note(period))


def latest_table(df: pd.DataFrame) -> pd.DataFrame:
    """Reports as the UI lists them (Indonesian headers, WIB times, labels)."""
    if not len(df):
        return pd.DataFrame(columns=["No. laporan", "Waktu", "RT", "Kategori", "Keparahan", "Status", "Judul"])
    return pd.DataFrame({
        "No. laporan": df["report_no"],
        "Waktu": [format_wib(t.to_pydatetime()) for t in df["occurred_at"]],
        "RT": [f"{int(r):02d}" if pd.notna(r) else "-" for r in df["rt"]],
        "Kategori": [category_label(c) for c in df["category"]],
        "Keparahan": [Severity(s).label for s in df["severity"]],
        "Status": [STATUS_LABELS[Status(s)] for s in df["status"]],
        "Judul": df["title"],
    })


# --------------------------------------------------------------------------- one read per page run
# Issue 14: the city map page read the reports twice (levels, map layer) and ran three more
# aggregate queries (trend, per kecamatan, headline counts). `page_data` reads the filtered
# reports of the period and of the level window once and derives everything from that frame.

VIEW_COLUMNS = ["id", "report_no", "kode_kecamatan", "kode_kelurahan", "rt", "category", "severity", "status",
                "occurred_at", "lat", "lon", "title", "source"]
MAX_PATCHED = 500  # more reports written since a view's frame was read: read it whole again
# Audit rows of these entities change nothing a map view shows (a sign-in, an account, a gateway
# phone's credential, a reminder sent, a saved import layout, a weekly PDF): a view read before
# them is still current (issue 29: every sign-in made every cached view read 100,000 reports again).
VIEW_NEUTRAL_ENTITIES = ("user", "smssync_phone", "sms_reminder", "import_mapping", "snapshot")


@dataclass(frozen=True)
class PageData:
    """Everything the city map page shows about one view, from one read of the store."""

    levels: Levels
    headline: Headline
    map: MapIncidents
    trend: pd.DataFrame  # reports per WIB day (rows) and category label (columns)
    kecamatan: pd.DataFrame  # one row per kecamatan in view (kecamatan_from_frame)


def view_span(period: Period, cfg: LevelConfig | None = None) -> tuple[datetime, datetime]:
    """The times a view's frame covers: from the earlier of the period's start and the level
    window's start up to the period's end."""
    cfg = cfg or settings().levels
    return min(period.start, status.window_start(period.as_of, cfg)), period.end


def read_view(engine: Engine, viewer: Viewer, flt: Filter, period: Period | None,
              cfg: LevelConfig | None = None) -> pd.DataFrame:
    """The reports matching the filter over the view's span (view_span; `period` None: all
    times, for slice_view) (VIEW_COLUMNS, newest first, scope in SQL)."""
    start, end = view_span(period, cfg) if period is not None else (None, None)
    return read_incidents(engine, flt.query_between(start, end), viewer, VIEW_COLUMNS)


NARROWING = (("kecamatan", "kode_kecamatan"), ("kelurahan", "kode_kelurahan"), ("rt", "rt"), ("category", "category"),
             ("severity", "severity"), ("status", "status"), ("source", "source"))


def narrow_view(frame: pd.DataFrame, flt: Filter) -> pd.DataFrame:
    """read_view's frame of `flt` (period aside) cut from read_view's frame of everything in the
    same viewer's scope: the same rows in the same order, picked as the store's IN clauses pick
    them (where_clauses), so adding a kecamatan or a category reads nothing from the store."""
    keep = None
    for name, column in NARROWING:
        values = getattr(flt, name)
        if values:
            match = frame[column].isin(list(values))
            keep = match if keep is None else keep & match
    return frame if keep is None else frame[keep].reset_index(drop=True)


def slice_view(frame: pd.DataFrame, period: Period, cfg: LevelConfig | None = None) -> pd.DataFrame:
    """read_view's frame of `period` cut from a frame of all times (read_view with period None,
    same viewer and filter): the same rows in the same order, without asking the store."""
    start, end = view_span(period, cfg)
    occurred = frame["occurred_at"]
    return frame[(occurred >= start) & (occurred < end)].reset_index(drop=True)


def reports_written(engine: Engine, since: int, until: int, overlap: timedelta = timedelta(seconds=60),
                    limit: int = MAX_PATCHED) -> list[str] | None:
    """Ids of the reports written after audit row `since` up to `until`, or None when anything
    else a view shows was written in between (an RT registry, a check-in, a demo load...) or more
    than `limit` reports: then a view's frame must be read whole again (issue 29, `patch_view`).
    Rows of VIEW_NEUTRAL_ENTITIES are passed over: [] means the frame is still current.

    Audit ids are given out before commit, so on PostgreSQL a slow transaction can commit an
    id below `since` after a frame was read: report rows stamped within `overlap` before the
    newest one seen at `since` are taken again (re-reading a report twice costs nothing).
    """
    a = store.audit_log.c
    with engine.connect() as conn:
        stamp = conn.execute(sa.select(a.at).where(a.id <= since).order_by(a.id.desc()).limit(1)).scalar()
        late = sa.and_(a.at >= stamp - overlap, a.entity == "incident") if stamp is not None else sa.false()
        newer = sa.or_(a.id > since, late)
        rows = conn.execute(sa.select(a.entity, a.entity_id).where(newer, a.id <= until,
                                                                   a.entity.not_in(VIEW_NEUTRAL_ENTITIES))
                            .limit(limit + 1)).all()
    if len(rows) > limit or any(entity != "incident" or not entity_id for entity, entity_id in rows):
        return None
    return sorted({str(entity_id) for _entity, entity_id in rows})


def same_rows(before: pd.DataFrame, after: pd.DataFrame, ids: list[str]) -> bool:
    """The reports `ids` are in `after` exactly as in `before` (none came, went or changed)."""
    def rows(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["id"].isin(ids)].sort_values("id", ignore_index=True)

    return rows(before).equals(rows(after))


def patch_view(engine: Engine, frame: pd.DataFrame, ids: list[str], viewer: Viewer, flt: Filter,
               period: Period | None, cfg: LevelConfig | None = None) -> pd.DataFrame:
    """`frame` (read_view's, for the same viewer, filter and period) with the reports `ids`
    read again: a verified report gets its new status, a new one comes in, one that no longer
    matches the filter goes. Same rows and order as a new read_view, for a fraction of the read."""
    if not ids:
        return frame
    start, end = view_span(period, cfg) if period is not None else (None, None)
    q = replace(flt.query_between(start, end), ids=tuple(ids))
    fresh = read_incidents(engine, q, viewer, VIEW_COLUMNS)
    kept = frame[~frame["id"].isin(ids)]
    if not len(fresh):
        return kept.reset_index(drop=True)
    if not len(kept):
        return fresh
    # A few rows may infer other types than the whole read (no coordinates: object, not float).
    fresh = fresh[kept.columns].astype(kept.dtypes.to_dict())
    both = pd.concat([kept, fresh], ignore_index=True)
    return both.sort_values("occurred_at", ascending=False, kind="stable", ignore_index=True)


def simulated_in_frame(frame: pd.DataFrame, period: Period, cfg: LevelConfig | None = None) -> tuple[int, int]:
    """Simulated reports of a read_view frame: (in the period, in the level window) — what
    simulated.count_in_view asks the store twice, counted from the rows already read."""
    cfg = cfg or settings().levels
    occurred, simulated = frame["occurred_at"], frame["source"] == Source.SIMULASI.value
    in_period = (occurred >= period.start) & (occurred < period.end)
    in_window = (occurred >= status.window_start(period.as_of, cfg)) & (occurred < period.as_of)
    return int((simulated & in_period).sum()), int((simulated & in_window).sum())


def levels_from_frame(frame: pd.DataFrame, viewer: Viewer, flt: Filter, as_of: datetime,
                      registry: pd.DataFrame, cfg: LevelConfig | None = None) -> Levels:
    """levels_for_view from a read_view frame (rows of the level window are picked here)."""
    cfg = cfg or settings().levels
    start = status.window_start(as_of, cfg)
    window = frame[(frame["occurred_at"] >= start) & (frame["occurred_at"] < as_of)]
    kel_units = kelurahan_units(flt, viewer)
    kel = status.compute_levels(window[LEVEL_COLUMNS], as_of, cfg, by="kelurahan", units=kel_units)
    rt = status.compute_levels(window[LEVEL_COLUMNS], as_of, cfg, by="rt", units=rt_units(registry, kel_units, flt))
    return Levels(as_of, kel, rt, registry, rt_registry_mod.registry_is_sample(registry))


def _in_period(frame: pd.DataFrame, period: Period) -> pd.DataFrame:
    return frame[(frame["occurred_at"] >= period.start) & (frame["occurred_at"] < period.end)]


def trend_from_frame(rows: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Reports per WIB day (rows, every day of the period) and category (columns, labels)."""
    days = period.days()
    if not days:
        return pd.DataFrame()
    wib_day = wib_days(rows["occurred_at"])
    counts = rows.groupby([wib_day.rename("day"), rows["category"]]).size().unstack(fill_value=0) \
        if len(rows) else pd.DataFrame()
    table = counts.reindex(pd.to_datetime(days), fill_value=0) if len(counts) else \
        pd.DataFrame(index=pd.to_datetime(days))
    table.index = pd.to_datetime(days)
    table.index.name = "Tanggal"
    ordered = [c.value for c in Category if c.value in table.columns]
    table = table[ordered].astype(int)
    table.columns = [category_label(c) for c in table.columns]
    return table


def kecamatan_from_frame(rows: pd.DataFrame, levels: Levels) -> pd.DataFrame:
    """One row per kecamatan in view: reports, berat, unverified, kelurahan Rawan/Waspada."""
    kel = levels.kelurahan.assign(kode_kecamatan=levels.kelurahan["kode_kelurahan"].str.slice(0, 8))
    # One hashed pass over the period's rows (object comparisons per kecamatan cost ~0.1 s each at 75,000).
    both = rows.groupby(["kode_kecamatan", "severity", "status"], sort=False).size().reset_index(name="n")
    reports = both.groupby("kode_kecamatan")["n"].sum()
    berat = both[both["severity"] == Severity.BERAT.value].groupby("kode_kecamatan")["n"].sum()
    baru = both[both["status"] == Status.BARU.value].groupby("kode_kecamatan")["n"].sum()
    records = []
    for kode in sorted(kel["kode_kecamatan"].unique()):
        lv = kel[kel["kode_kecamatan"] == kode]["level"]
        records.append({
            "Kecamatan": gazetteer.kecamatan_name(kode),
            "Laporan": int(reports.get(kode, 0)),
            "Berat": int(berat.get(kode, 0)),
            "Belum diverifikasi": int(baru.get(kode, 0)),
            "Kelurahan Rawan": int((lv == status.Level.RAWAN).sum()),
            "Kelurahan Waspada": int((lv == status.Level.WASPADA).sum()),
            "Jumlah kelurahan": int(len(lv)),
        })
    df = pd.DataFrame(records, columns=["Kecamatan", "Laporan", "Berat", "Belum diverifikasi", "Kelurahan Rawan",
                                        "Kelurahan Waspada", "Jumlah kelurahan"])
    return df.sort_values(["Kelurahan Rawan", "Kelurahan Waspada", "Laporan"], ascending=False,
                          ignore_index=True)


def page_data(engine: Engine, viewer: Viewer, flt: Filter, period: Period, cfg: LevelConfig | None = None,
              registry: pd.DataFrame | None = None, cap: int = MAX_MAP_INCIDENTS,
              frame: pd.DataFrame | None = None, bare_levels: Levels | None = None,
              cov: coverage_mod.Coverage | None = None) -> PageData:
    """Levels, headline, map reports, trend and per-kecamatan table of one view: one read of the
    reports (read_view, or `frame`: its result, kept up to date by patch_view); only the previous
    period's count and the newest report up to the period's end are asked of the store separately
    (index lookups). A caller that holds them passes the levels before contact
    (levels_from_frame at the period's as_of: the same for every period ending then) and the
    contact of the period (`contact`: the same for every filter)."""
    cfg = cfg or settings().levels
    if frame is None:
        frame = read_view(engine, viewer, flt, period, cfg)
    reg = rt_registry_mod.rt_registry(engine) if registry is None else registry
    bare = bare_levels if bare_levels is not None else levels_from_frame(frame, viewer, flt, period.as_of, reg, cfg)
    levels = with_contact(engine, viewer, bare, period.start, period.end, cov)
    rows = _in_period(frame, period)
    prev = period.previous()
    n_prev = store.count_incidents(engine, flt.query_between(prev.start, prev.end), viewer)
    if flt.status and Status.BARU.value not in flt.status:
        n_unverified = 0
    else:
        n_unverified = int(rows["status"].value_counts().get(Status.BARU.value, 0))
    counts = levels.counts()
    latest = newest_occurred(engine, viewer, flt.query_between(None, period.end))
    head = Headline(len(rows), n_prev, counts[status.Level.RAWAN], counts[status.Level.WASPADA], n_unverified,
                    latest)
    shown = rows.head(cap)[MAP_COLUMNS].reset_index(drop=True) if len(rows) else pd.DataFrame(columns=MAP_COLUMNS)
    return PageData(levels, head, MapIncidents(shown, len(rows)), trend_from_frame(rows, period),
                    kecamatan_from_frame(rows, levels))
