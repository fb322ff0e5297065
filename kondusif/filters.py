"""One Filter record for every page: period, place, category, severity, status, source.

The same record turns into URL query parameters (so a filtered view can be sent
as a link), back from them (bad parameters are dropped with a notice in
Indonesian, never an exception), and into a store.IncidentQuery (WIB days ->
UTC instants, filters pushed into SQL).

Periods: rolling windows ending at the "as of" moment (24 jam, 7 hari, 30 hari),
the phases of the configured election calendar (masa kampanye, masa tenang,
hari pemungutan suara, ...), or a custom range of WIB days. The "as of" date
replays the past: the view then ends at the end of that WIB day, so the 2018
season can be watched as it unfolded.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import cast

from kondusif import access
from kondusif.config import Calendar, settings
from kondusif.model import (
    CATEGORY_LABELS,
    SOURCE_LABELS,
    STATUS_LABELS,
    Category,
    Severity,
    Source,
    Status,
    Viewer,
)
from kondusif.store import IncidentQuery
from kondusif.timeutil import as_utc, format_long_date, to_wib, wib_day_start
from kondusif.timeutil import now as utc_now
from lubuklinggau_geo import gazetteer

ROLLING: dict[str, tuple[str, timedelta]] = {
    "24j": ("24 jam terakhir", timedelta(hours=24)),
    "7h": ("7 hari terakhir", timedelta(days=7)),
    "30h": ("30 hari terakhir", timedelta(days=30)),
}
CUSTOM = "rentang"
CUSTOM_LABEL = "Rentang tanggal"
DEFAULT_PERIOD = "7h"
MAX_PARAM_CHARS = 4000
MAX_ITEMS = 200
FIRST_YEAR, LAST_YEAR = 2000, 2100

# URL parameter names (Indonesian, short) for each field.
PARAMS = {
    "period": "periode",
    "start": "dari",
    "end": "sampai",
    "as_of": "per",
    "kecamatan": "kec",
    "kelurahan": "kel",
    "rt": "rt",
    "category": "kat",
    "severity": "tingkat",
    "status": "status",
    "source": "sumber",
}
FIELD_LABELS = {
    "kecamatan": "Kecamatan",
    "kelurahan": "Kelurahan",
    "rt": "RT",
    "category": "Kategori",
    "severity": "Tingkat keparahan",
    "status": "Status",
    "source": "Sumber",
}
LIST_FIELDS = ("kecamatan", "kelurahan", "rt", "category", "severity", "status", "source")


def period_options(calendar: Calendar | None = None) -> dict[str, str]:
    """Preset key -> label: rolling windows, the calendar's phases, then a custom range."""
    calendar = calendar or settings().calendar
    options = {key: label for key, (label, _) in ROLLING.items()}
    for phase in calendar.phases:
        if phase.key not in options and phase.key != CUSTOM:
            options[phase.key] = phase.label
    options[CUSTOM] = CUSTOM_LABEL
    return options


def today_wib(now: datetime | None = None) -> date:
    return to_wib(now or utc_now()).date()


def default_as_of(newest: datetime | None, now: datetime | None = None) -> date | None:
    """The replay day for a store whose newest report is older than today, else None (live).

    A demo store filled with the 2018 season opens on the day of its newest
    report instead of an empty "last 7 days" of today.
    """
    if newest is None:
        return None
    newest_day = to_wib(newest).date()
    return newest_day if newest_day < today_wib(now) else None


@dataclass(frozen=True)
class DataMoments:
    """Where the data are: the newest real (not simulated) and newest simulated report a viewer sees."""

    newest_real: datetime | None = None
    newest_simulated: datetime | None = None

    def default_as_of(self, now: datetime | None = None) -> date | None:
        """The moment a view opens on: the newest real report when there is one, else the season replay.

        One real report filed today must not hide a whole simulated season behind an
        empty week, yet real data come first: the page offers `season_as_of` as a
        one-click switch (see `moment_choices`).
        """
        return default_as_of(self.newest_real if self.newest_real is not None else self.newest_simulated, now)

    def season_as_of(self, now: datetime | None = None) -> date | None:
        """The replay day of the simulated season (its newest report's day), or None without one."""
        if self.newest_simulated is None:
            return None
        return min(to_wib(self.newest_simulated).date(), today_wib(now))

    def moment_choices(self, now: datetime | None = None) -> dict[str, date | None]:
        """Both defaults when the store holds real and simulated reports, else {} (no switch to offer).

        Keys: "real" (as_of of the newest real report, None = live) and "season".
        """
        if self.newest_real is None or self.newest_simulated is None:
            return {}
        real, season = default_as_of(self.newest_real, now), self.season_as_of(now)
        if real == season:
            return {}
        return {"real": real, "season": season}


def as_of_moment(as_of: date | None, now: datetime | None = None) -> datetime:
    """The instant a view ends: now for today (or no date), else the end of that WIB day.

    'Now' is rounded up to the next whole minute, so reruns within a minute see the
    same period (and hit the page's caches) while every report so far is included.
    """
    now = as_utc(now or utc_now())
    if as_of is None or as_of >= today_wib(now):
        floor = now.replace(second=0, microsecond=0)
        return floor if floor == now else floor + timedelta(minutes=1)
    return wib_day_start(as_of + timedelta(days=1))


def format_moment(value: datetime) -> str:
    """A period boundary in WIB: midnight reads as the end of the previous day.

    '08/07/2018 00:00 WIB' as an end is clearer as 'akhir 07/07/2018'.
    """
    wib = to_wib(value)
    if (wib.hour, wib.minute, wib.second, wib.microsecond) == (0, 0, 0, 0):
        return f"akhir {(wib.date() - timedelta(days=1)):%d/%m/%Y}"
    return wib.strftime("%d/%m/%Y %H:%M WIB")


@dataclass(frozen=True)
class Period:
    """A resolved period: [start, end) in aware UTC; levels are computed at `end`."""

    start: datetime
    end: datetime
    label: str
    replay: bool = False

    @property
    def as_of(self) -> datetime:
        return self.end

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def previous(self) -> Period:
        """The window of the same length just before this one (for 'change vs before')."""
        return Period(self.start - self.duration, self.start, f"sebelum {self.label}", self.replay)

    def days(self) -> list[date]:
        """The WIB days this period touches, oldest first."""
        if self.end <= self.start:
            return []
        first = to_wib(self.start).date()
        last = to_wib(self.end - timedelta(microseconds=1)).date()
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _norm_tuple(values, kind=str) -> tuple:
    if values is None:
        return ()
    if isinstance(values, str | int):
        values = [values]
    return tuple(sorted({kind(v) for v in values}))


@dataclass(frozen=True)
class Filter:
    """What a page shows. Empty tuples mean 'all'. Dates are WIB calendar days.

    `as_of` None means live (now); a date replays the view as at the end of that day.
    """

    period: str = DEFAULT_PERIOD
    start: date | None = None
    end: date | None = None
    as_of: date | None = None
    kecamatan: tuple[str, ...] = ()
    kelurahan: tuple[str, ...] = ()
    rt: tuple[int, ...] = ()
    category: tuple[str, ...] = ()
    severity: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    source: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Canonical form (sorted, no repeats) so equal views give equal filters and URLs.
        for name in LIST_FIELDS:
            kind = int if name == "rt" else str
            object.__setattr__(self, name, _norm_tuple(getattr(self, name), kind))

    # ------------------------------------------------------------------ period

    def resolve(self, now: datetime | None = None, calendar: Calendar | None = None) -> Period:
        """The period as UTC instants, ending no later than the as-of moment."""
        calendar = calendar or settings().calendar
        moment = as_of_moment(self.as_of, now)
        replay = self.as_of is not None and self.as_of < today_wib(now)
        options = period_options(calendar)
        key = self.period if self.period in options else DEFAULT_PERIOD
        if key in ROLLING:
            label, delta = ROLLING[key]
            return Period(moment - delta, moment, label, replay)
        if key == CUSTOM and self.start and self.end:
            start = wib_day_start(self.start)
            end = min(wib_day_start(self.end + timedelta(days=1)), moment)
            label = f"{self.start:%d/%m/%Y} – {self.end:%d/%m/%Y}"
            return Period(start, max(start, end), label, replay)
        if key == CUSTOM:  # a custom period without dates: fall back to the default
            label, delta = ROLLING[DEFAULT_PERIOD]
            return Period(moment - delta, moment, label, replay)
        phase = calendar.phase(key)
        start = wib_day_start(phase.start)
        end = moment if phase.end is None else min(wib_day_start(phase.end + timedelta(days=1)), moment)
        return Period(start, max(start, end), phase.label, replay)

    # ------------------------------------------------------------------ queries

    def query_between(self, start: datetime | None, end: datetime | None) -> IncidentQuery:
        """The store query of this filter's place/category/... for [start, end)."""
        return IncidentQuery(
            start=start,
            end=end,
            kecamatan=self.kecamatan or None,
            kelurahan=self.kelurahan or None,
            rt=self.rt or None,
            category=self.category or None,
            severity=self.severity or None,
            status=self.status or None,
            source=self.source or None,
        )

    def to_query(self, now: datetime | None = None, calendar: Calendar | None = None) -> IncidentQuery:
        """The store query for this filter's period (WIB days converted to UTC)."""
        period = self.resolve(now, calendar)
        return self.query_between(period.start, period.end)

    # ------------------------------------------------------------------ scope

    def scoped(self, viewer: Viewer | None) -> tuple[Filter, list[str]]:
        """This filter forced into the viewer's scope, with notices for what was changed.

        A panwaslu account scoped to a kecamatan sees only that kecamatan; an RT
        account only its own RT. (The store applies the same scope in SQL too.)
        """
        if viewer is None:
            return self, []
        area = access.area_of(viewer)
        notices: list[str] = []
        if area.level == access.SCOPE_KECAMATAN and area.kecamatan:
            kec = area.kecamatan
            outside = [k for k in self.kelurahan if not k.startswith(kec + ".")]
            if outside:
                notices.append(
                    f"{len(outside)} kelurahan di luar wilayah tugas Anda ({gazetteer.kecamatan_label(kec)}) diabaikan."
                )
            if self.kecamatan and self.kecamatan != (kec,):
                notices.append(f"Filter kecamatan dibatasi ke wilayah tugas Anda: {gazetteer.kecamatan_label(kec)}.")
            kel = tuple(k for k in self.kelurahan if k.startswith(kec + "."))
            rt = self.rt if len(kel) == 1 else ()
            return replace(self, kecamatan=(kec,), kelurahan=kel, rt=rt), notices
        if area.level == access.SCOPE_RT and area.kelurahan and area.rt is not None:
            own = area.kelurahan
            return replace(self, kecamatan=(own[:8],), kelurahan=(own,), rt=(area.rt,)), notices
        return self, notices

    # ------------------------------------------------------------------ URL

    def to_params(self) -> dict[str, str]:
        """URL query parameters for this filter (only what differs from the default)."""
        out: dict[str, str] = {}
        if self.period != DEFAULT_PERIOD:
            out[PARAMS["period"]] = self.period
        if self.period == CUSTOM:
            if self.start:
                out[PARAMS["start"]] = self.start.isoformat()
            if self.end:
                out[PARAMS["end"]] = self.end.isoformat()
        if self.as_of:
            out[PARAMS["as_of"]] = self.as_of.isoformat()
        for name in LIST_FIELDS:
            values = getattr(self, name)
            if values:
                out[PARAMS[name]] = ",".join(str(v) for v in values)
        return out

    @classmethod
    def from_params(
        cls,
        params: Mapping[str, str | Sequence[str]],
        calendar: Calendar | None = None,
        now: datetime | None = None,
    ) -> tuple[Filter, list[str]]:
        """Parse URL query parameters; anything invalid is dropped with a notice (Indonesian)."""
        return _parse_params(params, calendar or settings().calendar, now)

    # ------------------------------------------------------------------ words

    def describe(self, now: datetime | None = None, calendar: Calendar | None = None) -> str:
        """One line in Indonesian saying what is shown (for captions and reports)."""
        period = self.resolve(now, calendar)
        parts = [period.label]
        if period.replay:
            parts.append(f"per {format_long_date(cast(date, self.as_of))}")  # replay: as_of is set
        if self.kecamatan:
            parts.append("Kecamatan " + ", ".join(gazetteer.kecamatan_label(k) for k in self.kecamatan))
        if self.kelurahan:
            parts.append("Kelurahan " + ", ".join(gazetteer.kelurahan_label(k) for k in self.kelurahan))
        if self.rt:
            parts.append("RT " + ", ".join(f"{r:02d}" for r in self.rt))
        if self.category:
            parts.append(", ".join(CATEGORY_LABELS[Category(c)] for c in self.category))
        if self.severity:
            parts.append("Keparahan " + ", ".join(Severity(s).label for s in self.severity))
        if self.status:
            parts.append("Status " + ", ".join(STATUS_LABELS[Status(s)] for s in self.status))
        if self.source:
            parts.append("Sumber " + ", ".join(SOURCE_LABELS[Source(s)] for s in self.source))
        return " · ".join(parts)

    def cleared(self) -> Filter:
        """Same period and as-of, no other restriction."""
        return Filter(period=self.period, start=self.start, end=self.end, as_of=self.as_of)


# ---------------------------------------------------------------------- parsing


_UNSAFE = re.compile(r"[`\r\n\t\x00-\x1f\x7f]")


def shown(value: str, limit: int = 40) -> str:
    """A parameter value as it may appear in a notice: short, inside a code span.

    Streamlit renders notices as Markdown; a code span shows text literally, so a
    crafted link cannot turn into a clickable link or an image load.
    """
    text = _UNSAFE.sub(" ", str(value))
    if len(text) > limit:
        text = text[:limit] + "…"
    return f"`{text.strip() or ' '}`"


def _joined(raw: str | Sequence[str]) -> str:
    if isinstance(raw, str):
        return raw
    return ",".join(str(v) for v in raw)


def _parse_date(text: str) -> date | None:
    try:
        value = date.fromisoformat(text.strip())
    except (ValueError, TypeError):
        return None
    return value if FIRST_YEAR <= value.year <= LAST_YEAR else None


def _items(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


_ENUMS = {
    "category": (Category, "kategori"),
    "severity": (Severity, "tingkat keparahan"),
    "status": (Status, "status"),
    "source": (Source, "sumber"),
}


def _parse_params(
    params: Mapping[str, str | Sequence[str]], calendar: Calendar, now: datetime | None
) -> tuple[Filter, list[str]]:
    notices: list[str] = []
    values = _param_texts(params, notices)
    kwargs: dict = {}
    _parse_period(values, calendar, now, kwargs, notices)
    _parse_lists(values, kwargs, notices)
    _drop_inconsistent_place(kwargs, notices)
    return Filter(**kwargs), notices


def _param_texts(params: Mapping[str, str | Sequence[str]], notices: list[str]) -> dict[str, str]:
    """Each known parameter as one text; an overlong one is dropped with a notice."""
    values: dict[str, str] = {}
    for name, pname in PARAMS.items():
        if pname not in params:
            continue
        try:
            text = _joined(params[pname])
        except TypeError:
            text = str(params[pname])
        if len(text) > MAX_PARAM_CHARS:
            notices.append(f"Parameter tautan «{pname}» terlalu panjang; diabaikan.")
            continue
        values[name] = text
    return values


def _parse_period(values: dict[str, str], calendar: Calendar, now: datetime | None, kwargs: dict,
                  notices: list[str]) -> None:
    """The period key, its dates and the as-of day; a custom range needs both ends in order."""
    options = period_options(calendar)
    if "period" in values:
        key = values["period"].strip()
        if key in options:
            kwargs["period"] = key
        else:
            notices.append(
                f"Parameter tautan «periode»: {shown(key)} tidak dikenal; dipakai «{ROLLING[DEFAULT_PERIOD][0]}»."
            )
    today = today_wib(now)
    for name in ("start", "end", "as_of"):
        if name not in values:
            continue
        parsed = _parse_date(values[name])
        pname = PARAMS[name]
        if parsed is None:
            notices.append(f"Parameter tautan «{pname}»: {shown(values[name])} bukan tanggal (TTTT-BB-HH); diabaikan.")
        elif name == "as_of" and parsed > today:
            notices.append(f"Parameter tautan «{pname}»: tanggal {parsed:%d/%m/%Y} belum terjadi; dipakai hari ini.")
        else:
            kwargs[name] = parsed
    if kwargs.get("period") == CUSTOM:
        start, end = kwargs.get("start"), kwargs.get("end")
        if start is None or end is None:
            notices.append("Rentang tanggal perlu «dari» dan «sampai»; dipakai «7 hari terakhir».")
            kwargs.pop("period")
            kwargs.pop("start", None)
            kwargs.pop("end", None)
        elif start > end:
            notices.append("Rentang tanggal terbalik («dari» setelah «sampai»); kedua tanggal ditukar.")
            kwargs["start"], kwargs["end"] = end, start
    else:
        for name in ("start", "end"):
            if kwargs.pop(name, None) is not None:
                notices.append(f"Parameter tautan «{PARAMS[name]}» hanya berlaku untuk rentang tanggal; diabaikan.")


def _parse_lists(values: dict[str, str], kwargs: dict, notices: list[str]) -> None:
    """Kecamatan, kelurahan, RT and the enum lists; unknown items are named and dropped."""
    kec_codes = set(gazetteer.kecamatan_codes())
    kel_codes = set(gazetteer.kelurahan_codes())
    for name in LIST_FIELDS:
        if name not in values:
            continue
        pname = PARAMS[name]
        items = _items(values[name])
        if len(items) > MAX_ITEMS:
            notices.append(f"Parameter tautan «{pname}» berisi terlalu banyak nilai; diabaikan.")
            continue
        good: list = []
        bad: list[str] = []
        for item in items:
            if name == "kecamatan":
                code = gazetteer.normalize_kecamatan_code(item)
                (good.append(code) if code in kec_codes else bad.append(item))
            elif name == "kelurahan":
                code = gazetteer.normalize_kelurahan_code(item)
                (good.append(code) if code in kel_codes else bad.append(item))
            elif name == "rt":
                m = re.fullmatch(r"0*(\d{1,4})", item)
                (good.append(int(m.group(1))) if m and int(m.group(1)) > 0 else bad.append(item))
            else:
                enum, _ = _ENUMS[name]
                try:
                    good.append(enum(item.lower()).value)
                except ValueError:
                    bad.append(item)
        if bad:
            what = {"kecamatan": "kode kecamatan", "kelurahan": "kode kelurahan", "rt": "nomor RT"}.get(
                name, _ENUMS.get(name, (None, name))[1]
            )
            listed = ", ".join(shown(b, 20) for b in bad[:3]) + (" …" if len(bad) > 3 else "")
            notices.append(f"Parameter tautan «{pname}»: {listed} bukan {what} yang dikenal; diabaikan.")
        if good:
            kwargs[name] = tuple(good)


def _drop_inconsistent_place(kwargs: dict, notices: list[str]) -> None:
    """Kelurahan outside the chosen kecamatan, and RT without exactly one kelurahan, are dropped."""
    kel = kwargs.get("kelurahan", ())
    kec = kwargs.get("kecamatan", ())
    if kel and kec:
        inside = tuple(k for k in kel if k[:8] in kec)
        if len(inside) < len(kel):
            notices.append("Kelurahan yang tidak berada di kecamatan terpilih diabaikan.")
        kwargs["kelurahan"] = inside
    if kwargs.get("rt") and len(kwargs.get("kelurahan", ())) != 1:
        notices.append("Filter RT hanya berlaku bila tepat satu kelurahan dipilih; diabaikan.")
        kwargs.pop("rt")
