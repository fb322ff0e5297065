"""Ruang pantau (the wall display, issue 16): what the command-post TV shows, as plain data.

The screen (screens/ruang_pantau.py) refreshes itself; every figure here is read again on
each refresh, so this module is small, viewer-scoped reads plus two pure helpers:
- `parse_params`: the kiosk URL (`?segar=30&periode=hari-ini`); a bad value is
  dropped with an Indonesian notice and its default used.
- `track`: which berat reports and which kelurahan that turned Rawan are "new" on this
  screen, so the page highlights them for a minute.

No reporter identity ever leaves this module, whatever the role: the columns read are
listed in WALL_COLUMNS (no reporter name/phone, no creating account).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy.engine import Engine

from kondusif import access, alerts, overview, simulated, status, store
from kondusif import coverage as coverage_mod
from kondusif.coverage import Coverage
from kondusif.filters import Filter, Period, as_of_moment, today_wib
from kondusif.model import CATEGORY_LABELS, STATUS_LABELS, Category, Severity, Source, Status, Viewer
from kondusif.timeutil import as_utc, format_long_date, to_wib, wib_day_start
from lubuklinggau_geo import gazetteer

PERIODS: dict[str, str] = {"hari-ini": "Hari ini", "24j": "24 jam terakhir", "7h": "7 hari terakhir"}
DEFAULT_PERIOD = "hari-ini"
DEFAULT_REFRESH = 30  # seconds
MIN_REFRESH, MAX_REFRESH = 5, 3600
HIGHLIGHT_SECONDS = 60
TICKER_ROWS = 6
ALERT_ROWS = 3
MAX_MARKERS = 5000  # newest reports drawn on the wall map
PARAM_REFRESH, PARAM_PERIOD, PARAM_AS_OF = "segar", "periode", "per"
# What the wall reads of a report: no reporter_name, reporter_phone or created_by.
WALL_COLUMNS = ["report_no", "occurred_at", "reported_at", "kode_kelurahan", "rt", "category", "severity",
                "status", "title", "source", "lat", "lon"]
IDENTITY_COLUMNS = ("reporter_name", "reporter_phone", "created_by")


# --------------------------------------------------------------------------- the URL


@dataclass(frozen=True)
class WallParams:
    """What the kiosk URL asks for: refresh interval, period, optional replay day."""

    refresh: int = DEFAULT_REFRESH
    period: str = DEFAULT_PERIOD
    as_of: date | None = None

    def to_params(self) -> dict[str, str]:
        out = {PARAM_REFRESH: str(self.refresh), PARAM_PERIOD: self.period}
        if self.as_of:
            out[PARAM_AS_OF] = self.as_of.isoformat()
        return out


_UNSAFE = re.compile(r"[`\r\n\t\x00-\x1f\x7f]")


def shown(value: str, limit: int = 40) -> str:
    """A URL value as a notice quotes it: one short line (the page escapes it for display)."""
    text = " ".join(_UNSAFE.sub(" ", str(value)).split())
    return text[:limit] + "…" if len(text) > limit else text


def _one(value: str | Sequence[str] | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return value[-1] if len(value) else None


def parse_params(params: Mapping[str, str | Sequence[str]], now: datetime | None = None,
                 ) -> tuple[WallParams, list[str]]:
    """The wall's URL parameters; each bad one is replaced by its default with a notice (Indonesian)."""
    notices: list[str] = []
    refresh, period, as_of = DEFAULT_REFRESH, DEFAULT_PERIOD, None
    raw = _one(params.get(PARAM_REFRESH))
    if raw is not None and raw.strip() != "":
        text = raw.strip()
        if not text.isdigit() or len(text) > 6:
            notices.append(f"Nilai «segar» ({shown(raw)}) bukan jumlah detik; dipakai bawaan "
                           f"{DEFAULT_REFRESH} detik.")
        elif not MIN_REFRESH <= int(text) <= MAX_REFRESH:
            notices.append(f"Nilai «segar» ({shown(raw)}) harus antara {MIN_REFRESH} dan {MAX_REFRESH} detik; "
                           f"dipakai bawaan {DEFAULT_REFRESH} detik.")
        else:
            refresh = int(text)
    raw = _one(params.get(PARAM_PERIOD))
    if raw is not None and raw.strip() != "":
        if raw.strip() in PERIODS:
            period = raw.strip()
        else:
            choices = ", ".join(PERIODS)
            notices.append(f"Periode «{shown(raw)}» tidak dikenal; dipakai bawaan «{PERIODS[DEFAULT_PERIOD]}» "
                           f"(pilihan: {choices}).")
    raw = _one(params.get(PARAM_AS_OF))
    if raw is not None and raw.strip() != "":
        try:
            day = date.fromisoformat(raw.strip())
        except ValueError:
            notices.append(f"Tanggal «per» ({shown(raw)}) tidak terbaca (contoh: 2018-06-27); "
                           "dipakai hari ini.")
        else:
            if day > today_wib(now):
                notices.append(f"Tanggal «per» ({shown(raw)}) belum tiba; dipakai hari ini.")
            elif day < today_wib(now):
                as_of = day
    return WallParams(refresh, period, as_of), notices


def resolve_period(params: WallParams, now: datetime | None = None) -> Period:
    """The period shown: 'hari ini' starts at 00:00 WIB of the shown day; it ends now (or at the replay day's end)."""
    moment = as_of_moment(params.as_of, now)
    replay = params.as_of is not None
    if params.period == "hari-ini":
        day = params.as_of or today_wib(now)
        label = format_long_date(day) if replay else f"Hari ini, {format_long_date(day)}"
        return Period(wib_day_start(day), moment, label, replay)
    hours = 24 if params.period == "24j" else 24 * 7
    label = PERIODS[params.period] + (f" s.d. akhir {format_long_date(params.as_of)}" if params.as_of else "")
    return Period(moment - timedelta(hours=hours), moment, label, replay)


# --------------------------------------------------------------------------- has anything changed


CHECK_SECONDS = 2  # how often an open wall asks data_version (issue 29.3: a new berat report within 5 s)


def data_version(engine: Engine) -> tuple[int, int, str]:
    """What the wall shows has changed when this has: the store's one fingerprint
    (`overview.data_version`: newest audit row id, newest alert id, generation), the same key the map
    page's caches use. Cheap enough to ask every few seconds; the full read (`snapshot`)
    runs only when it changed. Not PostgreSQL's open-transaction part, which moves with every
    short write (a heartbeat): a report that commits behind a newer id shows at the next write.
    """
    audit, alert, generation, _open = overview.data_version(engine)
    return audit, alert, generation


# --------------------------------------------------------------------------- the snapshot


@dataclass(frozen=True)
class WallSnapshot:
    """Everything one refresh of the wall shows (no reporter identity)."""

    period: Period
    n_reports: int  # reports in the period, duplicates left out
    n_simulated: int  # of which simulated
    n_simulated_window: int  # simulated reports among those the levels are computed from
    n_rawan: int
    n_waspada: int
    n_berat_unverified: int  # berat reports of the period still 'baru'
    levels: pd.DataFrame  # kode_kelurahan, level, score, reasons (the viewer's kelurahan)
    reports: pd.DataFrame  # WALL_COLUMNS, newest first, at most MAX_MARKERS
    alerts: tuple[dict, ...] = ()  # newest open alerts (kind, created_at, message)
    n_alerts: int = 0
    sees_alerts: bool = False
    units: tuple[str, ...] = field(default=())
    coverage: Coverage | None = None  # issue 24: RT heard from in the period (None: role without coverage.read)

    @property
    def ticker(self) -> pd.DataFrame:
        return self.reports.head(TICKER_ROWS)

    @property
    def capped(self) -> bool:
        return self.n_reports > len(self.reports)


def _units(viewer: Viewer) -> list[str]:
    return overview.kelurahan_units(Filter(), viewer)


def snapshot(engine: Engine, viewer: Viewer, params: WallParams, now: datetime | None = None) -> WallSnapshot:
    """Read what the wall shows for `viewer` (scope applied in SQL); needs map.read (not rt)."""
    access.require(viewer, "map.read")
    period = resolve_period(params, now)
    # Issue 30.8: a duplicate (marked or merged: status duplikat) is one event already counted
    # with its original, so it is neither counted nor drawn as a dot of its own. Counted as all
    # minus duplicates: a "status in (all others)" filter would lead the database to the status
    # index instead of the time index (0.13 s instead of 1 ms at 100,000 reports).
    q = store.IncidentQuery(start=period.start, end=period.end)
    dup = store.IncidentQuery(start=period.start, end=period.end, status=(Status.DUPLIKAT.value,))
    n = store.count_incidents(engine, q, viewer) - store.count_incidents(engine, dup, viewer)
    n_sim = simulated.count_in_view(engine, q, viewer) - simulated.count_in_view(engine, dup, viewer)
    unverified = store.count_incidents(engine, store.IncidentQuery(
        start=period.start, end=period.end, severity=(Severity.BERAT.value,), status=(Status.BARU.value,)), viewer)
    window = store.IncidentQuery(start=status.window_start(period.end), end=period.end)
    frame = overview.read_incidents(engine, window, viewer, overview.LEVEL_COLUMNS + ["source"],
                                    newest_first=None)
    units = _units(viewer)
    levels = status.compute_levels(frame, period.end, by="kelurahan", units=units)
    cov = coverage_mod.coverage(engine, viewer, period.start, period.end) \
        if access.allows(viewer, "coverage.read") else None
    if cov is not None:  # issue 24: Kondusif needs contact; silence is Tidak ada kabar
        levels = status.apply_contact(levels, cov.kelurahan)
    counts = status.level_counts(levels)
    n_sim_window = int((frame["source"] == Source.SIMULASI.value).sum()) if len(frame) else 0
    reports = overview.read_incidents(engine, q, viewer, WALL_COLUMNS, limit=MAX_MARKERS) if n else \
        pd.DataFrame(columns=WALL_COLUMNS)
    reports = reports[reports["status"] != Status.DUPLIKAT.value]
    reports = reports[[c for c in WALL_COLUMNS if c in reports.columns]]
    sees = alerts.sees_alerts(viewer)
    open_alerts = tuple(alerts.visible_alerts(engine, viewer, limit=ALERT_ROWS)) if sees else ()
    n_alerts = alerts.count_unacknowledged(engine, viewer) if len(open_alerts) == ALERT_ROWS else len(open_alerts)
    return WallSnapshot(period, n, n_sim, n_sim_window, counts[status.Level.RAWAN], counts[status.Level.WASPADA],
                        unverified, levels, reports.reset_index(drop=True), open_alerts, n_alerts, sees,
                        tuple(units), cov)


# --------------------------------------------------------------------------- words


def category_label(value: str) -> str:
    try:
        return CATEGORY_LABELS[Category(value)]
    except ValueError:
        return str(value)


def status_label(value: str) -> str:
    try:
        return STATUS_LABELS[Status(value)]
    except ValueError:
        return str(value)


def severity_label(value: str) -> str:
    try:
        return Severity(value).label
    except ValueError:
        return str(value)


def place_label(kode: str, rt: int | float | None = None) -> str:
    """'RT 02 · Kel. Taba Jemekeh (Lubuk Linggau Timur I)' (the code when unknown)."""
    try:
        name = gazetteer.kelurahan_name(kode)
        kec = gazetteer.kecamatan_name(kode[:8])
    except KeyError:
        name, kec = str(kode), ""
    rt_part = f"RT {int(rt):02d} · " if rt is not None and not pd.isna(rt) else ""  # NaN from a frame: no RT
    return f"{rt_part}Kel. {name}" + (f" ({kec})" if kec else "")


# --------------------------------------------------------------------------- what is new


@dataclass(frozen=True)
class Highlights:
    """What this screen has seen, and since when each new thing is highlighted.

    Keys of `since`: "lap:<report number>" (a new berat report) and "kel:<kode>" (a
    kelurahan that turned Rawan).
    """

    seen: frozenset[str] = frozenset()
    levels: Mapping[str, str] = field(default_factory=dict)
    since: Mapping[str, datetime] = field(default_factory=dict)

    def active(self, now: datetime) -> dict[str, float]:
        """key -> seconds left of its highlight (only those still highlighted)."""
        out = {}
        for key, start in self.since.items():
            left = HIGHLIGHT_SECONDS - (as_utc(now) - start).total_seconds()
            if left > 0:
                out[key] = left
        return out


def track(previous: Highlights | None, snap: WallSnapshot, now: datetime) -> Highlights:
    """The highlights after this refresh.

    A berat report is new when it appeared since the previous refresh, or (on the first
    one) when it reached the store within the last minute; a kelurahan is new when it
    was Waspada or Kondusif at the previous refresh and is Rawan now. Each stays
    highlighted HIGHLIGHT_SECONDS from the moment it was first seen new.
    """
    now = as_utc(now)
    since = {k: v for k, v in (previous.since if previous else {}).items()
             if (now - v).total_seconds() < HIGHLIGHT_SECONDS}
    seen = set()
    for rec in snap.reports.itertuples(index=False):
        seen.add(rec.report_no)
        if rec.severity != Severity.BERAT.value or rec.status in ("ditolak", "duplikat"):
            continue
        key = f"lap:{rec.report_no}"
        if key in since:
            continue
        if previous is not None and rec.report_no not in previous.seen:
            since[key] = now
        elif previous is None and not pd.isna(rec.reported_at):
            arrived = as_utc(pd.Timestamp(rec.reported_at).to_pydatetime())
            if timedelta(0) <= now - arrived < timedelta(seconds=HIGHLIGHT_SECONDS):
                since[key] = arrived
    levels = {str(k): str(lv) for k, lv in zip(snap.levels["kode_kelurahan"], snap.levels["level"], strict=True)}
    if previous is not None:
        for kode, level in levels.items():
            before = previous.levels.get(kode)
            key = f"kel:{kode}"
            if level == status.Level.RAWAN.value and before not in (None, status.Level.RAWAN.value) \
                    and key not in since:
                since[key] = now
    return Highlights(frozenset(seen), levels, since)


def wib_clock(value: datetime) -> str:
    """'26/06 14:32 WIB': short enough to read from afar, with the day for the longer periods."""
    return to_wib(value).strftime("%d/%m %H:%M WIB")


def place_title(viewer: Viewer) -> str:
    """The area the wall covers, for its title: the city, or the one kecamatan of a scoped account."""
    area = access.area_of(viewer)
    if area.kecamatan:
        return "Kecamatan " + gazetteer.kecamatan_label(area.kecamatan)
    return "Kota Lubuklinggau"
