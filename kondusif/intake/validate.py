"""One validation of a candidate report, shared by the form, file imports, chat imports and the CLI.

A candidate is a plain dict of raw values as the path read them (text, numbers,
datetimes). `check_records` turns each into either a clean incident row ready
for `store.insert_incidents`, or a list of field errors in plain Indonesian.
Warnings (a point outside the kelurahan named) never block a report; they are
kept with it in the audit trail.

Raw keys: kelurahan, kecamatan, rt, category, severity, title, description,
occurred_at, lat, lon, location ("lat lon [alt acc]" or "lat,lon"),
reporter_name, reporter_phone; passed through untouched: source, source_ref,
created_by, reported_at.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from kondusif import access, safe
from kondusif.config import settings
from kondusif.intake import vocab
from kondusif.model import CATEGORY_LABELS, Category, Severity, Status, Viewer
from kondusif.phone import normalise_phone
from kondusif.timeutil import format_wib, now, wib_day_start
from lubuklinggau_geo import gazetteer
from lubuklinggau_geo import names as geo_names
from lubuklinggau_geo.boundaries import geo_dir
from lubuklinggau_geo.locate import locate_many

MAX_TITLE = 200
MAX_DESCRIPTION = 10_000
MAX_NAME = 120
MAX_UNLISTED_RT = 60  # the largest RT number taken on trust while the registry is the sample
TITLE_FROM_TEXT = 80
# Statuses a source's own flags may set on import; anything else starts as baru.
IMPORT_STATUSES = frozenset({Status.BARU.value, Status.DIVERIFIKASI.value})

FIELD_LABELS: dict[str, str] = {
    "kecamatan": "Kecamatan",
    "kelurahan": "Kelurahan",
    "rt": "RT",
    "category": "Kategori",
    "severity": "Tingkat",
    "occurred_at": "Waktu kejadian",
    "title": "Judul",
    "description": "Uraian",
    "location": "Lokasi",
    "lat": "Lintang (lat)",
    "lon": "Bujur (lon)",
    "reporter_name": "Nama pelapor",
    "reporter_phone": "Telepon pelapor",
    "photo": "Foto",
    "row": "Baris",
}


@dataclass(frozen=True)
class FieldError:
    """A problem with one field, in plain Indonesian, for the person who typed it."""

    field: str
    message: str

    @property
    def label(self) -> str:
        return FIELD_LABELS.get(self.field, self.field)

    def __str__(self) -> str:
        return f"{self.label}: {self.message}"


@dataclass
class Checked:
    """Outcome of validating one candidate: a clean record, or errors; warnings either way."""

    record: dict[str, Any] | None
    errors: list[FieldError] = field(default_factory=list)
    warnings: list[FieldError] = field(default_factory=list)
    review: str | None = None  # set when the only problem is one a person should judge (review queue)
    unlisted_rt: bool = False  # accepted although the RT is not in the sample registry (flagged)

    @property
    def ok(self) -> bool:
        return self.record is not None and not self.errors



@dataclass(frozen=True)
class Rules:
    """What the path validating the candidate allows.

    ``registry`` maps kelurahan code -> RT numbers of the RT registry (an empty
    mapping disables the check). ``require_rt``/``default_severity`` let a file
    without an RT or severity column through (RT empty / sedang, with a warning);
    ``derive_title`` makes a title from the description when none is given.
    ``allowed_kecamatan`` confines a scoped Panwaslu account. ``registry_sample``
    says the registry is the shipped sample: an RT missing from it (up to
    MAX_UNLISTED_RT) is accepted with a flag instead of refused (issue 12). ``utc_fields``
    names raw time fields whose naive values are UTC (Kobo ``_submission_time``).
    """

    now: datetime
    season_start: datetime
    registry: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    check_rt_registry: bool = True
    require_rt: bool = True
    default_severity: Severity | None = None
    derive_title: bool = False
    allowed_kecamatan: str | None = None
    utc_fields: frozenset[str] = frozenset()
    future_tolerance: timedelta = timedelta(minutes=5)
    registry_sample: bool = False


def registry_index(frame: pd.DataFrame) -> dict[str, tuple[int, ...]]:
    """kelurahan code -> sorted RT numbers, from an RT registry frame."""
    if frame is None or frame.empty:
        return {}
    grouped: dict[str, list[int]] = {}
    for kel, rt in zip(frame["kode_kelurahan"].tolist(), frame["rt"].tolist(), strict=True):
        grouped.setdefault(str(kel), []).append(int(rt))  # plain loop: read on every form submission
    return {kel: tuple(sorted(rts)) for kel, rts in grouped.items()}


def make_rules(engine: Engine | None, viewer: Viewer, **overrides: Any) -> Rules:
    """Rules for now: season start from the calendar, the RT registry in use, the viewer's scope.

    The viewer is required: None would silently mean "no kecamatan limit" (issue 18)."""
    from kondusif.registry import (  # late: the registry module reads files on use
        registry_is_sample,
        rt_registry,
    )

    cal = settings().calendar
    frame = rt_registry(engine)
    values: dict[str, Any] = {
        "now": now(),
        "season_start": wib_day_start(cal.season_start),
        "registry": registry_index(frame),
        "registry_sample": registry_is_sample(frame),
        # a kecamatan-scoped account files only there (an rt account is held to its RT in the pipeline)
        "allowed_kecamatan": access.area_of(access.require_viewer(viewer)).kecamatan,
    }
    values.update(overrides)
    return Rules(**values)


# --------------------------------------------------------------------------- small parsers

_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060\ufeff]")


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if value.__class__ is str:
        return not value.strip()
    if isinstance(value, float) and math.isnan(value):
        return True
    return value is pd.NaT


def clean_text(value: Any) -> str:
    """Text as typed, minus control characters and invisible marks; HTML is kept verbatim."""
    if value.__class__ is str and value.isprintable():
        return value.strip()  # the common case: nothing to remove
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    s = str(value).replace("\r\n", "\n").replace("\r", "\n")
    s = _INVISIBLE.sub("", safe.clean_text(s))  # controls and bidi overrides: the app-wide rule (issue 27)
    return s.strip()


_RT_RE = re.compile(r"^(?:rt[\s.:/-]*)?(\d{1,12})(?:\.0+)?$", re.IGNORECASE)
MAX_RT = 9999  # as the RT list (lubuklinggau_geo.rt): a longer number is a typo or another column


def parse_rt(value: Any) -> int | None:
    """'3', '03', 'RT 03', 'RT.3', 3.0 -> 3; anything else -> None (0 included)."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | np.integer):
        n = int(value)
    elif isinstance(value, float):
        if not value.is_integer():
            return None
        n = int(value)
    else:
        m = _RT_RE.match(str(value).strip())
        if not m:
            return None
        n = int(m.group(1))
    return n if 0 < n <= MAX_RT else None


def parse_number(value: Any) -> float | None:
    """A finite float from a number or text ('-3,2966' with an Indonesian decimal comma)."""
    if is_blank(value) or isinstance(value, bool):
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        v = float(value)
    else:
        t = str(value).strip().replace(" ", "")
        if t.count(",") == 1 and "." not in t:
            t = t.replace(",", ".")
        try:
            v = float(t)
        except ValueError:
            return None
    return v if math.isfinite(v) else None


def parse_location(value: Any) -> tuple[float, float] | None:
    """A geopoint text: KoboToolbox 'lat lon alt acc', or 'lat,lon' / 'lat;lon'. None if unreadable."""
    if is_blank(value):
        return None
    text = str(value).strip()
    # decimal points: commas/semicolons separate; decimal commas: only spaces/semicolons do
    sep = r"[\s,;]+" if "." in text else r"[\s;]+"
    parts = [p for p in re.split(sep, text) if p]
    if len(parts) not in (2, 3, 4):
        return None
    lat, lon = parse_number(parts[0]), parse_number(parts[1])
    if lat is None or lon is None:
        return None
    return lat, lon


_MONTHS = {
    "jan": 1, "januari": 1, "january": 1, "feb": 2, "februari": 2, "february": 2, "peb": 2, "pebruari": 2,
    "mar": 3, "maret": 3, "march": 3, "apr": 4, "april": 4, "mei": 5, "may": 5, "jun": 6, "juni": 6,
    "june": 6, "jul": 7, "juli": 7, "july": 7, "agu": 8, "agt": 8, "agus": 8, "agustus": 8, "aug": 8,
    "august": 8, "sep": 9, "sept": 9, "september": 9, "okt": 10, "oktober": 10, "oct": 10, "october": 10,
    "nov": 11, "nopember": 11, "november": 11, "des": 12, "desember": 12, "dec": 12, "december": 12,
}
_DMY = re.compile(
    r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4}),?"
    r"(?:[\sT]+(\d{1,2})[:.](\d{2})(?:[:.](\d{2})(?:[.,]\d+)?)?\s*(am|pm|wib)?)?\s*(wib)?$",
    re.IGNORECASE,
)
_DMONY = re.compile(
    r"^(?:[a-z]+,?\s+)?(\d{1,2})\s+([a-z]+)\.?\s+(\d{4}),?"
    r"(?:\s+(?:pukul\s+|jam\s+)?(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?)?\s*(wib)?$",
    re.IGNORECASE,
)
# WIB has been UTC+7 without daylight saving since 1964: a fixed offset converts faster than the zone.
WIB_OFFSET = timezone(timedelta(hours=7), "WIB")
_ISO_START = re.compile(r"^\d{4}-\d{2}-\d{2}")
_EXCEL_EPOCH = datetime(1899, 12, 30)


class DateProblem(ValueError):
    """A time value that could not be read; the message is Indonesian."""


def _hour(h: int, ampm: str | None) -> int:
    if ampm and ampm.lower() == "pm" and h < 12:
        return h + 12
    if ampm and ampm.lower() == "am" and h == 12:
        return 0
    return h


@lru_cache(maxsize=65536)
def _parse_datetime_text(text: str) -> tuple[datetime, bool]:
    """(datetime, has_time) from text; aware if the text carried an offset, else naive."""
    t = text.strip()
    iso = t[:-1] + "+00:00" if t.endswith(("Z", "z")) else t
    if _ISO_START.match(iso):
        try:
            value = datetime.fromisoformat(iso.replace(" WIB", "").replace(" wib", ""))
            return value, len(iso) > 10
        except ValueError:
            pass
    m = _DMY.match(t)
    if m:
        d, mo, y, hh, mm, ss, ampm, _ = m.groups()
        year = int(y) + (2000 if len(y) == 2 else 0)
        try:
            value = datetime(year, int(mo), int(d), _hour(int(hh or 0), ampm), int(mm or 0), int(ss or 0))
        except ValueError as exc:
            raise DateProblem(f"tanggal {t!r} tidak ada di kalender") from exc
        return value, hh is not None
    m = _DMONY.match(t)
    if m:
        d, mon, y, hh, mm, ss, _ = m.groups()
        month = _MONTHS.get(mon.lower())
        if month is None:
            raise DateProblem(f"nama bulan {mon!r} tidak dikenal")
        try:
            value = datetime(int(y), month, int(d), int(hh or 0), int(mm or 0), int(ss or 0))
        except ValueError as exc:
            raise DateProblem(f"tanggal {t!r} tidak ada di kalender") from exc
        return value, hh is not None
    raise DateProblem(
        f"{t[:40]!r} bukan tanggal/waktu yang dikenali (contoh: 20/06/2018 14:32 atau 2018-06-20 14:32)"
    )


def parse_datetime(value: Any, utc: bool = False) -> tuple[datetime, bool]:
    """(aware UTC datetime, has_time) from text, datetime, date or an Excel serial number.

    Naive values are WIB unless ``utc`` (a column the source documents as UTC).
    Raises DateProblem with an Indonesian message.
    """
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    has_time = True
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt, has_time = datetime.combine(value, time(0)), False
    elif isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        v = float(value)
        if not (20_000 <= v <= 80_000):  # Excel serial days 1954..2119
            raise DateProblem(f"angka {value!r} bukan tanggal")
        dt = _EXCEL_EPOCH + timedelta(days=v)
        has_time = not v.is_integer()
    else:
        dt, has_time = _parse_datetime_text(str(value))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC if utc else WIB_OFFSET)
    try:
        return dt.astimezone(UTC), has_time
    except OverflowError as exc:  # year 1 or 9999 shifted across the date range (issue 8 fuzz)
        raise DateProblem(f"tanggal {str(value)[:40]!r} di luar rentang kalender") from exc


_PHONE = re.compile(r"^\+?[\s\-().]*(?:\d[\s\-().]*){6,}$")


def check_phone(text: str) -> str | None:
    """An error message for a phone number that is not one, else None."""
    if len(text) > 24 or not _PHONE.match(text):
        return "bukan nomor telepon (contoh: 0812-3456-7890 atau +6281234567890)"
    return None


def title_from_text(text: str, limit: int = TITLE_FROM_TEXT) -> str:
    """A short title from a description: its first line/sentence, cut at a word."""
    first = re.split(r"(?<=[.!?])\s|\n", text.strip(), maxsplit=1)[0].strip()
    if len(first) <= limit:
        return first
    cut = first[:limit].rsplit(" ", 1)[0]
    return (cut or first[:limit]).rstrip(" ,;:") + "…"


def rt_range_text(rts: Sequence[int]) -> str:
    """'RT 1–8' or 'RT 1–3, 5, 7–9' for messages about valid RT numbers."""
    if not rts:
        return "belum ada RT terdaftar"
    runs: list[str] = []
    start = prev = rts[0]
    for r in list(rts[1:]) + [None]:
        if r is not None and r == prev + 1:
            prev = r
            continue
        runs.append(f"{start}" if start == prev else f"{start}–{prev}")
        if r is not None:
            start = prev = r
    return "RT " + ", ".join(runs)


@lru_cache(maxsize=8192)
def resolve_kelurahan(text: str, kec: str | None) -> tuple[str | None, str | None]:
    """(code, None) for a place text naming one kelurahan, else (None, Indonesian reason). Cached."""
    m = geo_names.match_kelurahan(text, kec)
    if m.code is not None:
        return m.code, None
    if m.kind == "unknown":
        # "Lubuklinggau Timur 1 Kel. Majapahit": an official name inside a longer place text
        inside = geo_names.find_kelurahan_in_text(text)
        if inside is not None and (kec is None or inside[0][:8] == kec):
            return inside[0], None
    shown = " ".join(text.split())
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    if m.kind == "ambiguous":
        return None, f"“{shown}” tidak jelas: bisa berarti {', '.join(m.candidates)}. Tuliskan nama lengkapnya."
    if m.kind == "empty":
        return None, "wajib diisi"
    where = f" di Kecamatan {gazetteer.kecamatan_name(kec)}" if kec else ""
    if not m.candidates and len(text) <= geo_names.MAX_NAME_LENGTH:
        try:
            geo_names.find_kelurahan(text, kec)
        except geo_names.GeoNameError as exc:
            return None, str(exc)
    hint = f" Mungkin maksud Anda: {', '.join(m.candidates)}?" if m.candidates else ""
    return None, f"“{shown}” tidak dikenal{where}.{hint}"


_HAS_LETTERS = re.compile(r"[^\W\d_]")


@lru_cache(maxsize=8192)
def place_kelurahan(text: str, kec: str | None = None) -> tuple[str | None, str | None]:
    """(kelurahan code or None, kecamatan code or None) a place text names.

    "Kel. Air Kuti, Lubuklinggau Timur I" -> Air Kuti; "Lubuklinggau Timur I" -> no
    kelurahan, kecamatan Timur I (a hint for the point); "Lubuklinggau" -> neither.
    A kelurahan found outside the kecamatan given is not taken.
    """
    kec_named = geo_names.match_kecamatan(text)
    kec_hint = kec or (kec_named.code if kec_named.kind in ("exact", "code") else None)
    if kec_named.kind in ("exact", "code"):
        return None, kec_hint  # the whole text is a kecamatan name
    code, _ = resolve_kelurahan(text, kec)
    if code is None:
        inside = geo_names.find_kelurahan_in_text(text)
        code = inside[0] if inside is not None else None
    if code is not None and kec is not None and code[:8] != kec:
        return None, kec_hint
    return code, (code[:8] if code else kec_hint)


@lru_cache(maxsize=256)
def _kecamatan(text: str) -> tuple[str | None, str | None]:
    m = geo_names.match_kecamatan(text)
    if m.code is not None:
        return m.code, None
    hint = f" Mungkin maksud Anda: {', '.join(m.candidates)}?" if m.candidates else ""
    return None, f"“{text[:60]}” tidak dikenal.{hint}"


# --------------------------------------------------------------------------- the validation


def check_record(raw: Mapping[str, Any], rules: Rules) -> Checked:
    """Validate one candidate (see check_records)."""
    return check_records([raw], rules)[0]


def check_records(raws: Sequence[Mapping[str, Any]], rules: Rules) -> list[Checked]:
    """Validate candidates; one Checked per input, in order.

    Points are located in one vectorised pass, so 100,000 rows take seconds.
    """
    staged = [_check_fields(raw, rules) for raw in raws]
    for i, s in enumerate(staged):
        s["index"] = i
    pts = [(i, s["lat"], s["lon"]) for i, s in enumerate(staged) if s.get("lat") is not None]
    located: dict[int, str | None] = {}
    have_bounds = geo_dir() is not None
    if pts and have_bounds:
        codes = locate_many([p[1] for p in pts], [p[2] for p in pts])
        located = {p[0]: codes[k] for k, p in enumerate(pts)}
    return [_finish(s, located, have_bounds, rules) for s in staged]


@dataclass
class _Findings:
    """The errors and warnings one candidate collects, field by field."""

    errors: list[FieldError] = field(default_factory=list)
    warnings: list[FieldError] = field(default_factory=list)

    def err(self, f: str, msg: str) -> None:
        self.errors.append(FieldError(f, msg))


def _check_fields(raw: Mapping[str, Any], rules: Rules) -> dict[str, Any]:
    """Every field of one candidate, checked in order: place, coordinates, what, when, who."""
    findings = _Findings()
    out: dict[str, Any] = {"errors": findings.errors, "warnings": findings.warnings, "raw": raw}
    kec_code, kel_raw = _check_place(raw, rules, out, findings)
    _check_coordinates(raw, kec_code, kel_raw, out, findings)
    _check_what(raw, rules, out, findings)
    _check_when(raw, rules, out, findings)
    _check_who(raw, out, findings)
    return out


def _check_place(raw: Mapping[str, Any], rules: Rules, out: dict[str, Any],
                 findings: _Findings) -> tuple[str | None, str]:
    """Kecamatan, kelurahan and RT as written; returns the kecamatan code and the kelurahan text."""
    err = findings.err
    kec_code = None
    kec_raw = clean_text(raw.get("kecamatan"))
    if kec_raw:
        kec_code, msg = _kecamatan(kec_raw)
        if msg:
            err("kecamatan", msg)
    kel_raw = clean_text(raw.get("kelurahan"))
    kel_code = None
    if kel_raw:
        kel_code, msg = resolve_kelurahan(kel_raw, kec_code)
        if msg:
            err("kelurahan", msg)
    out["kel_code"] = kel_code
    out["kel_given"] = bool(kel_raw)

    rt_raw = raw.get("rt")
    rt = parse_rt(rt_raw)
    if is_blank(rt_raw):
        if rules.require_rt:
            err("rt", "wajib diisi (nomor RT, misalnya 3)")
    elif rt is None:
        err("rt", f"“{clean_text(rt_raw)[:20]}” bukan nomor RT (bilangan bulat 1–{MAX_RT}, misalnya 3)")
    out["rt"] = rt
    return kec_code, kel_raw


def _check_coordinates(raw: Mapping[str, Any], kec_code: str | None, kel_raw: str, out: dict[str, Any],
                       findings: _Findings) -> None:
    """lat/lon or one location cell; a location that is place text names the kelurahan instead."""
    err = findings.err
    lat = lon = None
    loc_raw = raw.get("location")
    if not is_blank(raw.get("lat")) or not is_blank(raw.get("lon")):
        la, lo = parse_number(raw.get("lat")), parse_number(raw.get("lon"))
        if is_blank(raw.get("lat")) or is_blank(raw.get("lon")):
            err("location", "lintang dan bujur harus diisi berdua atau dikosongkan berdua")
        elif la is None:
            err("lat", "bukan angka")
        elif lo is None:
            err("lon", "bukan angka")
        else:
            lat, lon = la, lo
    elif not is_blank(loc_raw):
        pair = parse_location(loc_raw)
        if pair is not None:
            lat, lon = pair
        elif not _HAS_LETTERS.search(str(loc_raw)):
            err("location", "titik lokasi tidak terbaca (contoh: -3.2966 102.8617)")
    # a location cell that is not coordinates is a place text ("Kel. Air Kuti, Lubuklinggau Timur I")
    place = clean_text(loc_raw) if not is_blank(loc_raw) and parse_location(loc_raw) is None and \
        _HAS_LETTERS.search(str(loc_raw)) else ""
    out["place"] = place
    if place and not kel_raw:
        kel_code, place_kec = place_kelurahan(place, kec_code)
        out["kel_code"] = kel_code
        out["place_kec"] = place_kec
    if lat is not None and lon is not None:
        if 95 < lat < 141 and -11 < lon < 6:
            err("location", "lintang dan bujur tampaknya tertukar (lintang Lubuklinggau sekitar -3,3)")
            lat = lon = None
        elif not (-90 <= lat <= 90 and -180 <= lon <= 180):
            err("location", "koordinat di luar jangkauan lintang/bujur")
            lat = lon = None
    out["lat"], out["lon"] = lat, lon


def _check_what(raw: Mapping[str, Any], rules: Rules, out: dict[str, Any], findings: _Findings) -> None:
    """Category, severity, title and description."""
    err, warnings = findings.err, findings.warnings
    cat_raw = raw.get("category")
    category: Category | None = None
    if isinstance(cat_raw, Category):
        category = cat_raw
    elif is_blank(cat_raw):
        err("category", "wajib diisi")
    else:
        found = vocab.match_categories(cat_raw)
        if not found:
            err("category", f"“{clean_text(cat_raw)[:40]}” tidak dikenal; pilih salah satu: "
                            f"{vocab.category_options_text()}")
        else:
            category = found[0]
            if len(found) > 1:
                others = ", ".join(CATEGORY_LABELS[c] for c in found[1:])
                out["other_categories"] = others
                warnings.append(FieldError("category", "lebih dari satu kategori; dipakai yang pertama ("
                                           f"{category.label}), lainnya dicatat di uraian ({others})"))
    out["category"] = category

    sev_raw = raw.get("severity")
    severity: Severity | None = None
    if isinstance(sev_raw, Severity):
        severity = sev_raw
    elif is_blank(sev_raw):
        if rules.default_severity is not None:
            severity = rules.default_severity
            warnings.append(FieldError("severity", f"tidak diisi; dianggap {severity.value}"))
        else:
            err("severity", "wajib diisi (ringan, sedang, atau berat)")
    else:
        severity = vocab.match_severity(sev_raw)
        if severity is None:
            err("severity", f"“{clean_text(sev_raw)[:30]}” tidak dikenal; pilih ringan, sedang, atau berat")
    out["severity"] = severity

    description = clean_text(raw.get("description"))
    if len(description) > MAX_DESCRIPTION:
        err("description", f"terlalu panjang ({len(description):,} karakter; paling banyak "
                           f"{MAX_DESCRIPTION:,})".replace(",", "."))
    title = clean_text(raw.get("title"))
    if not title and rules.derive_title and description:
        title = title_from_text(description)
    # what the layout has no field for is kept in the description's tail, not dropped (issue 17)
    tail = [f"Kategori lain: {out['other_categories']}"] if out.get("other_categories") else []
    if clean_text(raw.get("description_tail")):
        tail.append(clean_text(raw.get("description_tail")))
    if tail:
        description = (description + "\n\n" + "\n".join(tail)).strip()
    if not title:
        err("title", "wajib diisi")
    elif len(title) > MAX_TITLE:
        err("title", f"terlalu panjang ({len(title)} karakter; paling banyak {MAX_TITLE})")
    out["title"], out["description"] = title, description


def _check_when(raw: Mapping[str, Any], rules: Rules, out: dict[str, Any], findings: _Findings) -> None:
    """When it happened: not in the future, not before the monitoring season."""
    err, warnings = findings.err, findings.warnings
    occ_raw = raw.get("occurred_at")
    occurred = None
    if is_blank(occ_raw):
        err("occurred_at", "wajib diisi")
    else:
        try:
            occurred, has_time = parse_datetime(occ_raw, utc="occurred_at" in rules.utc_fields)
        except DateProblem as exc:
            err("occurred_at", str(exc))
        else:
            if not has_time:
                warnings.append(FieldError("occurred_at", "jam tidak diisi; dianggap pukul 00:00 WIB"))
            if occurred > rules.now + rules.future_tolerance:
                err("occurred_at", f"{format_wib(occurred)} ada di masa depan; waktu kejadian tidak boleh "
                                   "lebih dari sekarang")
                occurred = None
            elif occurred < rules.season_start:
                err("occurred_at", f"{format_wib(occurred)} sebelum awal masa pemantauan "
                                   f"({format_wib(rules.season_start, with_time=False)})")
                occurred = None
    out["occurred_at"] = occurred


def _check_who(raw: Mapping[str, Any], out: dict[str, Any], findings: _Findings) -> None:
    """The reporter's name and phone (one normalised form on every path)."""
    err = findings.err
    name = clean_text(raw.get("reporter_name"))
    if len(name) > MAX_NAME:
        err("reporter_name", f"terlalu panjang (paling banyak {MAX_NAME} karakter)")
    phone = clean_text(raw.get("reporter_phone"))
    if phone:
        msg = check_phone(phone)
        if msg:
            err("reporter_phone", msg)
        else:
            phone = normalise_phone(phone) or phone  # one form on every path (issue 17)
    out["reporter_name"], out["reporter_phone"] = name or None, phone or None


def _finish(s: dict[str, Any], located: dict[int, str | None], have_bounds: bool, rules: Rules) -> Checked:
    errors: list[FieldError] = s["errors"]
    warnings: list[FieldError] = s["warnings"]
    raw = s["raw"]
    kel = s["kel_code"]
    lat, lon = s["lat"], s["lon"]
    point_kel = located.get(s["index"]) if lat is not None else None
    place = s.get("place") or ""
    if place and kel is None and not s["kel_given"] and lat is None and not any(
            e.field in ("location", "lat", "lon") for e in errors):
        shown = " ".join(place.split())
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        errors.append(FieldError("location", f"“{shown}” tidak menyebut kelurahan yang dikenal dan lintang/bujur "
                                             "tidak diisi; tulis nama kelurahan atau isi koordinat"))
    if lat is not None and have_bounds:
        if kel is None and not s["kel_given"] and place and point_kel is not None:
            kel = point_kel
            warnings.append(FieldError("kelurahan", f"lokasi “{place[:60]}” tidak menyebut kelurahan; diisi dari "
                                                    f"titik lokasi: {gazetteer.kelurahan_name(kel)}"))
            hint = s.get("place_kec")
            if hint and point_kel[:8] != hint:
                warnings.append(FieldError("location", f"titik lokasi di luar Kecamatan "
                                                       f"{gazetteer.kecamatan_name(hint)} yang disebut; mohon diperiksa"))
        elif kel is None and not s["kel_given"]:
            if point_kel is None:
                errors.append(FieldError("location", "titik berada di luar Kota Lubuklinggau dan kelurahan "
                                                     "tidak diisi"))
            else:
                kel = point_kel
                warnings.append(FieldError("kelurahan", "diisi dari titik lokasi: "
                                                        f"{gazetteer.kelurahan_name(kel)}"))
        elif kel is not None and point_kel != kel:
            inside = (f"masuk Kelurahan {gazetteer.kelurahan_name(point_kel)}" if point_kel
                      else "di luar Kota Lubuklinggau")
            warnings.append(FieldError("location", f"titik lokasi di luar Kelurahan "
                                                   f"{gazetteer.kelurahan_name(kel)} ({inside}); "
                                                   "tetap disimpan, mohon diperiksa"))
    elif lat is not None and not have_bounds:
        warnings.append(FieldError("location", "batas wilayah belum terpasang; titik tidak diperiksa"))
    if kel is None and not s["kel_given"] and not any(e.field in ("location", "lat", "lon") for e in errors):
        errors.append(FieldError("kelurahan", "wajib diisi (atau isi titik lokasi di dalam kota)"))

    rt = s["rt"]
    unlisted = False
    review: str | None = None
    if kel is not None and rt is not None and rules.check_rt_registry and rules.registry:
        known = rules.registry.get(kel)
        if known and rt not in known:
            where = f"Kelurahan {gazetteer.kelurahan_name(kel)} ({rt_range_text(known)})"
            if rules.registry_sample and rt <= MAX_UNLISTED_RT:
                unlisted = True  # the sample is not the city's list: a real RT 11 is not an error
                warnings.append(FieldError("rt", f"RT {rt} tidak ada di daftar contoh {where}; tetap diterima "
                                                 "(daftar RT resmi belum dimuat)"))
            else:
                msg = f"RT {rt} tidak ada di daftar RT {where}"
                errors.append(FieldError("rt", msg))
                if not rules.registry_sample and len(errors) == 1:
                    review = f"RT: {msg}"
    if kel is not None and rules.allowed_kecamatan and kel[:8] != rules.allowed_kecamatan:
        errors.append(FieldError("kelurahan", f"Kelurahan {gazetteer.kelurahan_name(kel)} di luar wilayah "
                                              f"Anda (Kecamatan {gazetteer.kecamatan_name(rules.allowed_kecamatan)})"))
    if errors:
        return Checked(None, errors, warnings, review if len(errors) == 1 else None)
    record: dict[str, Any] = {
        "kode_kelurahan": kel,
        "kode_kecamatan": kel[:8],
        "rt": rt,
        "category": s["category"].value,
        "severity": s["severity"].value,
        "title": s["title"],
        "description": s["description"],
        "occurred_at": s["occurred_at"],
        "lat": lat,
        "lon": lon,
        "location_approx": False,
        "reporter_name": s["reporter_name"],
        "reporter_phone": s["reporter_phone"],
    }
    for key in ("source", "source_ref", "created_by", "reported_at"):
        if raw.get(key) is not None:
            record[key] = raw[key]
    if raw.get("status") in IMPORT_STATUSES:  # a layout's own flags (Ushahidi VERIFIED=YES)
        record["status"] = raw["status"]
    return Checked(record, [], warnings, unlisted_rt=unlisted)

