"""Which column holds what: KoboToolbox and Ushahidi exports recognised, other sheets mapped by the user.

A `ColumnMapping` says which header cell feeds each target field of a report.
`detect_mapping` recognises

- KoboToolbox exports: group prefixes (``grp_lapor/kategori``), ``_uuid`` (the
  dedupe key), ``_submission_time`` (UTC; used when the form has no time of its
  own), ``_<field>_latitude``/``_longitude`` or a geopoint column
  "lat lon alt acc";
- Ushahidi platform CSV exports: ``Post ID`` (the dedupe key), ``Title``,
  ``Description``, ``Post date`` (or ``Created (UTC)``), ``<label>.lat`` /
  ``<label>.lon`` and category columns;
- any other sheet whose headers use the usual words (kelurahan, rt, kategori,
  tingkat, judul, uraian, waktu, ...).

When that is not enough the user maps columns once; the mapping is remembered
in ``import_mappings`` under the header's signature and used for the next file
with the same columns.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kondusif import store
from kondusif.intake.validate import DateProblem, clean_text, is_blank, parse_datetime
from kondusif.timeutil import WIB, now

# Target fields a column can feed, with their Indonesian names (CLI --map, page labels).
TARGETS: dict[str, str] = {
    "kelurahan": "Kelurahan",
    "kecamatan": "Kecamatan",
    "rt": "Nomor RT",
    "category": "Kategori",
    "severity": "Tingkat",
    "title": "Judul",
    "description": "Uraian",
    "occurred_at": "Waktu kejadian (tanggal, boleh dengan jam)",
    "occurred_time": "Jam kejadian (jika terpisah)",
    "location": "Titik lokasi (\"lat lon\")",
    "lat": "Lintang (lat)",
    "lon": "Bujur (lon)",
    "reporter_name": "Nama pelapor",
    "reporter_phone": "Telepon pelapor",
    "ref": "ID laporan di sumber (untuk mencegah impor ganda)",
}
# Indonesian aliases accepted by `--map` and mapping files.
TARGET_ALIASES: dict[str, str] = {
    "kategori": "category", "tingkat": "severity", "judul": "title", "uraian": "description",
    "waktu": "occurred_at", "tanggal": "occurred_at", "jam": "occurred_time", "lokasi": "location",
    "lintang": "lat", "bujur": "lon", "nama_pelapor": "reporter_name", "pelapor": "reporter_name",
    "telepon": "reporter_phone", "hp": "reporter_phone", "id": "ref", "nomor_rt": "rt",
}

_EXACT: dict[str, tuple[str, ...]] = {
    "kelurahan": ("kelurahan", "kel", "desa", "nama_kelurahan", "kode_kelurahan", "kelurahan_desa",
                  "village", "kelurahan_kejadian", "lokasi_kelurahan"),
    "kecamatan": ("kecamatan", "kec", "nama_kecamatan", "kode_kecamatan", "district", "subdistrict"),
    "rt": ("rt", "no_rt", "nomor_rt", "rt_no", "rukun_tetangga", "rt_kejadian"),
    "category": ("kategori", "category", "categories", "kategori_kejadian", "jenis", "jenis_kejadian",
                 "jenis_pelanggaran", "jenis_gangguan", "kategori_laporan"),
    "severity": ("tingkat", "severity", "tingkat_keparahan", "keparahan", "tingkat_kejadian", "level",
                 "tingkat_kerawanan"),
    "title": ("judul", "title", "judul_laporan", "subject", "perihal", "post_title"),
    "description": ("uraian", "deskripsi", "description", "keterangan", "isi", "isi_laporan", "kronologi",
                    "content", "post_content", "uraian_kejadian", "laporan"),
    "occurred_at": ("waktu", "waktu_kejadian", "tanggal", "tanggal_kejadian", "tgl", "tgl_kejadian",
                    "date", "datetime", "occurred_at", "post_date", "post_date_utc", "tanggal_waktu",
                    "waktu_dan_tanggal", "tanggal_dan_waktu", "tanggal_jam"),
    "occurred_time": ("jam", "jam_kejadian", "pukul", "time", "waktu_jam"),
    "location": ("lokasi", "gps", "geopoint", "titik", "koordinat", "location", "titik_lokasi",
                 "lokasi_kejadian", "point"),
    "lat": ("lat", "latitude", "lintang"),
    "lon": ("lon", "lng", "long", "longitude", "bujur"),
    "reporter_name": ("nama_pelapor", "pelapor", "nama", "reporter", "reporter_name", "nama_ketua_rt",
                      "ketua_rt", "contact_name"),
    "reporter_phone": ("telepon", "no_hp", "hp", "telp", "phone", "nomor_hp", "no_telp", "no_telepon",
                       "nomor_telepon", "telepon_pelapor", "hp_pelapor", "reporter_phone", "wa", "no_wa"),
}
# Fallback: a header containing one of these words (checked in this order).
_WORDS: tuple[tuple[str, frozenset[str]], ...] = (
    ("kelurahan", frozenset({"kelurahan", "desa"})),
    ("kecamatan", frozenset({"kecamatan"})),
    ("rt", frozenset({"rt"})),
    ("reporter_phone", frozenset({"telepon", "hp", "telp", "phone", "whatsapp"})),
    ("reporter_name", frozenset({"pelapor", "reporter"})),
    ("category", frozenset({"kategori", "category", "categories", "jenis"})),
    ("severity", frozenset({"tingkat", "keparahan", "severity"})),
    ("title", frozenset({"judul", "title"})),
    ("description", frozenset({"uraian", "deskripsi", "description", "keterangan", "kronologi"})),
    ("occurred_time", frozenset({"jam", "pukul"})),
    ("occurred_at", frozenset({"tanggal", "waktu", "date"})),
    ("location", frozenset({"lokasi", "gps", "koordinat", "geopoint"})),
)
_KOBO_META = {"_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status",
              "_submitted_by", "__version__", "_tags", "_index", "_attachments", "_geolocation",
              "start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber",
              "username", "audit", "meta/instanceid", "formhub/uuid", "meta/rootuuid", "meta/deprecatedid"}
_USHAHIDI_META = {"post_id", "survey", "post_status", "created_utc", "updated_utc", "sets", "contact",
                  "contact_id", "author", "published_to", "post_date_utc_2"}


def header_key(cell: str) -> str:
    """'grp_lapor/Kategori Kejadian' -> 'kategori_kejadian'; 'Location.lat' -> 'location_lat'."""
    s = str(cell).strip().lower()
    if "/" in s:
        s = s.rsplit("/", 1)[1]
    s = re.sub(r"[^a-z0-9]+", "_", s).strip("_")
    return s


def signature(header: Sequence[str]) -> str:
    """Stable id of a header row (same columns, same order -> same signature)."""
    joined = "\x1f".join(str(h).strip().lower() for h in header)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


@dataclass
class ColumnMapping:
    """Target field -> header cell, plus where the source's own id and fallback time live."""

    columns: dict[str, str]
    layout: str = "manual"  # kobo, ushahidi, otomatis, tersimpan, manual
    ref_column: str | None = None
    ref_prefix: str = "ref"
    fallback_time: str | None = None
    utc_columns: list[str] = field(default_factory=list)

    def missing(self) -> list[str]:
        """Required targets not covered, as Indonesian phrases."""
        c = self.columns
        out = []
        if "category" not in c:
            out.append("kategori")
        if not ({"kelurahan", "location"} & set(c) or {"lat", "lon"} <= set(c)):
            out.append("kelurahan (atau titik lokasi)")
        if "occurred_at" not in c and not self.fallback_time:
            out.append("waktu kejadian")
        if not ({"title", "description"} & set(c)):
            out.append("judul atau uraian")
        return out

    @property
    def complete(self) -> bool:
        return not self.missing()

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ColumnMapping:
        data = json.loads(text)
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def describe(self) -> list[tuple[str, str]]:
        """(target label, column) pairs for display."""
        rows = [(TARGETS.get(t, t), col) for t, col in self.columns.items()]
        if self.ref_column:
            rows.append(("ID sumber (cegah ganda)", self.ref_column))
        if self.fallback_time and "occurred_at" not in self.columns:
            rows.append(("Waktu (cadangan: waktu kirim)", self.fallback_time))
        return rows


def normalise_target(name: str) -> str:
    """'kategori' or 'category' -> 'category'; raises ValueError with the valid names."""
    key = header_key(name)
    key = TARGET_ALIASES.get(key, key)
    if key not in TARGETS:
        valid = ", ".join(sorted(set(TARGETS) | set(TARGET_ALIASES)))
        raise ValueError(f"Kolom sasaran {name!r} tidak dikenal. Pilihan: {valid}")
    return key


def _guess(header: Sequence[str], skip: Iterable[str] = ()) -> dict[str, str]:
    keys = [header_key(h) for h in header]
    skipped = set(skip)
    used: set[int] = set()
    found: dict[str, str] = {}
    for i, k in enumerate(keys):
        if header[i] in skipped:
            used.add(i)
            continue
        if k.endswith(("_altitude", "_precision", "_accuracy")):
            used.add(i)
            continue
        if re.search(r"(?:^|_)(?:lat|latitude)$", k) and "lat" not in found:
            found["lat"], _ = header[i], used.add(i)
        elif re.search(r"(?:^|_)(?:lon|lng|long|longitude)$", k) and "lon" not in found:
            found["lon"], _ = header[i], used.add(i)
    for target, names in _EXACT.items():
        if target in found:
            continue
        for i, k in enumerate(keys):
            if i not in used and k in names:
                found[target] = header[i]
                used.add(i)
                break
    for target, words in _WORDS:
        if target in found:
            continue
        for i, k in enumerate(keys):
            if i in used or k in _USHAHIDI_META or header[i].strip().lower() in _KOBO_META:
                continue
            if words & set(k.split("_")):
                found[target] = header[i]
                used.add(i)
                break
    return found


def detect_mapping(header: Sequence[str]) -> ColumnMapping:
    """The mapping these headers suggest: Kobo, Ushahidi, or by common words."""
    lower = [str(h).strip().lower() for h in header]
    keys = [header_key(h) for h in header]
    by_lower = dict(zip(lower, header, strict=False))
    is_kobo = "_uuid" in lower or "_submission_time" in lower or (
        "_id" in lower and any("/" in h for h in header))
    is_ushahidi = "post_id" in keys and ("title" in keys or "description" in keys)
    if is_kobo:
        meta = [h for h in header if h.strip().lower() in _KOBO_META or h.strip().startswith("__")]
        cols = _guess(header, skip=meta)
        m = ColumnMapping(cols, "kobo", by_lower.get("_uuid"), "kobo", by_lower.get("_submission_time"),
                          [by_lower["_submission_time"]] if "_submission_time" in by_lower else [])
        if "lat" in cols and "lon" in cols:
            m.columns.pop("location", None)
        return m
    if is_ushahidi:
        post_id = header[keys.index("post_id")]
        meta = [h for h, k in zip(header, keys, strict=True) if k in _USHAHIDI_META]
        cols = _guess(header, skip=meta)
        created = next((h for h, k in zip(header, keys, strict=True) if k in ("created_utc", "created")), None)
        utc = [h for h in header if "utc" in h.lower()]
        return ColumnMapping(cols, "ushahidi", post_id, "ushahidi", created, utc)
    cols = _guess(header)
    utc = [h for h in header if re.search(r"\butc\b", h.lower())]
    return ColumnMapping(cols, "otomatis", None, "ref", None, utc)


def check_mapping(mapping: ColumnMapping, header: Sequence[str]) -> list[str]:
    """Problems of a mapping against a header (unknown columns, a column used twice), Indonesian."""
    problems = []
    present = set(header)
    for target, col in mapping.columns.items():
        if target not in TARGETS:
            problems.append(f"sasaran {target!r} tidak dikenal")
        if col not in present:
            problems.append(f"kolom «{col}» ({TARGETS.get(target, target)}) tidak ada di berkas")
    cols = list(mapping.columns.values())
    for col in sorted({c for c in cols if cols.count(c) > 1}):
        problems.append(f"kolom «{col}» dipakai untuk lebih dari satu isian")
    if mapping.ref_column and mapping.ref_column not in present:
        problems.append(f"kolom ID «{mapping.ref_column}» tidak ada di berkas")
    return problems


def with_ref(mapping: ColumnMapping) -> ColumnMapping:
    """Move a user-mapped 'ref' target into ref_column (the dedupe key of that file's rows)."""
    cols = dict(mapping.columns)
    ref = cols.pop("ref", None)
    if ref is None:
        return mapping
    return ColumnMapping(cols, mapping.layout, ref, mapping.ref_prefix if mapping.layout in ("kobo", "ushahidi")
                         else "ref", mapping.fallback_time, list(mapping.utc_columns))


# --------------------------------------------------------------------------- remembered mappings


def load_mapping(engine: Engine, header: Sequence[str]) -> ColumnMapping | None:
    """The mapping remembered for this header, if any."""
    sig = signature(header)
    with engine.connect() as conn:
        text = conn.execute(sa.select(store.import_mappings.c.mapping)
                            .where(store.import_mappings.c.signature == sig)).scalar()
    if text is None:
        return None
    try:
        m = ColumnMapping.from_json(text)
    except (ValueError, TypeError):
        return None
    m.layout = "tersimpan"
    return m


def save_mapping(engine: Engine, header: Sequence[str], mapping: ColumnMapping, actor: str) -> str:
    """Remember a mapping for this header (upsert, audited); returns the signature."""
    sig = signature(header)
    payload = mapping.to_json()
    t = store.import_mappings
    with store.write(engine) as conn:
        exists = conn.execute(sa.select(t.c.signature).where(t.c.signature == sig)).first()
        if exists:
            conn.execute(t.update().where(t.c.signature == sig)
                         .values(mapping=payload, updated_at=now(), updated_by=actor))
        else:
            conn.execute(t.insert().values(signature=sig, mapping=payload, updated_at=now(), updated_by=actor))
        store.add_audit(conn, actor, "import_mapping", sig[:16], "save",
                        note="Pemetaan kolom impor disimpan", details={"kolom": mapping.columns})
    return sig


def resolve_mapping(engine: Engine | None, header: Sequence[str],
                    override: ColumnMapping | None = None) -> ColumnMapping:
    """The mapping to use: the one given, else a remembered one, else the detected one."""
    if override is not None:
        return with_ref(override)
    detected = detect_mapping(header)
    if engine is not None and detected.layout not in ("kobo", "ushahidi"):
        remembered = load_mapping(engine, header)
        if remembered is not None and not check_mapping(remembered, header):
            return with_ref(remembered)
    return detected


# --------------------------------------------------------------------------- rows -> candidates

_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?")


def _combine(date_val: Any, time_val: Any) -> Any:
    """A date cell and a separate time cell -> naive WIB datetime (or text validation will refuse)."""
    if is_blank(date_val) or is_blank(time_val):
        return date_val
    d: date | None = None
    if isinstance(date_val, datetime):
        d = date_val.date()
    elif isinstance(date_val, date):
        d = date_val
    else:
        try:
            d = parse_datetime(date_val)[0].astimezone(WIB).date()
        except DateProblem:
            return date_val
    if isinstance(time_val, datetime):
        t = time_val.time()
    elif isinstance(time_val, time):
        t = time_val
    else:
        m = _TIME.match(str(time_val).strip())
        if not m:
            return f"{date_val} {time_val}"
        try:
            t = time(int(m.group(1)), int(m.group(2)), int(m.group(3) or 0))
        except ValueError:
            return f"{date_val} {time_val}"
    return datetime.combine(d, t)


def _ref_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return clean_text(value)[:100]


def candidates(header: Sequence[str], rows: Sequence[Sequence[Any]], mapping: ColumnMapping,
               sig: str | None = None) -> list[dict[str, Any]]:
    """Raw candidates (validate.check_records input) from sheet rows through a mapping.

    Each carries ``ref`` (the source's own id with a prefix, or None) and
    ``notes`` (warnings from reading the layout).
    """
    pos = {h: i for i, h in enumerate(header)}
    col = {t: pos[c] for t, c in mapping.columns.items() if c in pos}
    ref_i = pos.get(mapping.ref_column) if mapping.ref_column else None
    fb_i = pos.get(mapping.fallback_time) if mapping.fallback_time else None
    utc_targets = {t for t, c in mapping.columns.items() if c in set(mapping.utc_columns)}
    fb_utc = mapping.fallback_time in set(mapping.utc_columns)
    sig12 = (sig or "")[:12]
    out: list[dict[str, Any]] = []
    width = len(header)
    for row in rows:
        cells = list(row) + [None] * (width - len(row)) if len(row) < width else row
        raw: dict[str, Any] = {t: cells[i] for t, i in col.items()}
        notes: list[tuple[str, str]] = []
        when = raw.get("occurred_at")
        if "occurred_time" in raw:
            when = _combine(when, raw.pop("occurred_time"))
        if not is_blank(when) and "occurred_at" in utc_targets and not isinstance(when, datetime):
            when = _utc_or_raw(when)
        if is_blank(when) and fb_i is not None and not is_blank(cells[fb_i]):
            when = _utc_or_raw(cells[fb_i]) if fb_utc else cells[fb_i]
            notes.append(("occurred_at", f"waktu kejadian kosong; dipakai waktu kirim («{mapping.fallback_time}»)"))
        raw["occurred_at"] = when
        ref = None
        if ref_i is not None and not is_blank(cells[ref_i]):
            prefix = mapping.ref_prefix if mapping.ref_prefix in ("kobo", "ushahidi") else f"ref:{sig12}"
            ref = f"{prefix}:{_ref_text(cells[ref_i])}"
        raw["ref"] = ref
        raw["notes"] = notes
        out.append(raw)
    return out


def _utc_or_raw(value: Any) -> Any:
    try:
        return parse_datetime(value, utc=True)[0]
    except DateProblem:
        return value
