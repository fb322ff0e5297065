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
- Ushahidi 2.x report exports (issue 17): ``#`` (the dedupe key), ``INCIDENT
  TITLE``, ``INCIDENT DATE``, ``LOCATION`` (a place name), ``CATEGORY`` (a
  comma list), ``FIRST NAME``/``LAST NAME``/``EMAIL`` (reporter identity),
  ``APPROVED``/``VERIFIED`` (YES/NO -> status) and custom form fields, kept in
  the description's tail;
- Google Forms response sheets: ``Stempel waktu``/``Timestamp`` first (the
  submission time, kept as ``reported_at``; the incident time only when the
  form asks no date), questions as the form's author typed them;
- any other sheet whose headers use the usual words (kelurahan, rt, kategori,
  tingkat, judul, uraian, waktu, ...).

A location column is read by its values (validate): coordinates are points,
anything else a place text. When no title/description column is recognised
and rows are given, the column with the longest free text is *proposed*
(``ColumnMapping.proposed``; the page shows it, one click accepts it; the
pipeline accepts it when it is the only thing missing).

When that is not enough the user maps columns once; the mapping is remembered
in ``import_mappings`` under the header's signature and used for the next file
with the same columns.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
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
# Layout keys -> the names a user knows them by (page, CLI, audit).
LAYOUT_NAMES: dict[str, str] = {
    "kobo": "KoboToolbox", "ushahidi": "Ushahidi (platform v3+)", "ushahidi2": "Ushahidi 2.x",
    "gforms": "Google Forms", "otomatis": "dikenali dari nama kolom",
    "tersimpan": "pemetaan yang pernah disimpan", "manual": "pemetaan Anda",
}
SOURCE_PREFIXES = ("kobo", "ushahidi", "ushahidi2")  # layouts whose own ids are the dedupe key
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
    layout: str = "manual"  # kobo, ushahidi, ushahidi2, gforms, otomatis, tersimpan, manual
    ref_column: str | None = None
    ref_prefix: str = "ref"
    fallback_time: str | None = None
    utc_columns: list[str] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)  # kept as "Header: value" in the description tail
    identity_columns: list[str] = field(default_factory=list)  # joined into reporter_name (private)
    status_columns: dict[str, str] = field(default_factory=dict)  # approved/verified -> header (YES/NO)
    reported_column: str | None = None  # submission time -> reported_at
    proposed: dict[str, str] = field(default_factory=dict)  # target -> column suggested from the values

    def with_proposals(self) -> ColumnMapping:
        """This mapping with the proposed columns accepted."""
        cols = {**self.proposed, **self.columns}
        extra = [c for c in self.extra_columns if c not in set(self.proposed.values())]
        return ColumnMapping(**{**asdict(self), "columns": cols, "extra_columns": extra, "proposed": {}})

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
        if self.reported_column:
            rows.append(("Waktu laporan dikirim", self.reported_column))
        if self.identity_columns:
            rows.append(("Identitas pelapor (hanya admin/Panwaslu)", ", ".join(self.identity_columns)))
        for key, col in self.status_columns.items():
            rows.append(({"approved": "Disetujui (YES/NO)", "verified": "Terverifikasi (YES/NO)"}.get(key, key), col))
        if self.extra_columns:
            rows.append(("Disimpan di akhir uraian", ", ".join(self.extra_columns)))
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
            found["lat"] = header[i]
            used.add(i)
        elif re.search(r"(?:^|_)(?:lon|lng|long|longitude)$", k) and "lon" not in found:
            found["lon"] = header[i]
            used.add(i)
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


def _text_score(rows: Sequence[Sequence[Any]], i: int) -> float:
    """Mean length of the free-text values of column i (0 when it holds numbers, dates or codes)."""
    values = [str(r[i]).strip() for r in rows[:200] if i < len(r) and not is_blank(r[i])]
    texts = [v for v in values if len(v.split()) >= 3 and re.search(r"[^\W\d_]{3}", v)]
    if not values or len(texts) * 2 < len(values):
        return 0.0
    return sum(len(v) for v in texts) / len(values)


def _propose_text(header: Sequence[str], rows: Sequence[Sequence[Any]] | None, used: Iterable[str]) -> dict[str, str]:
    """{'description': column} with the longest free text, when no title/description column is mapped."""
    if not rows:
        return {}
    taken = set(used)
    scores = [(_text_score(rows, i), i) for i, h in enumerate(header) if h not in taken]
    best = max(scores, default=(0.0, -1))
    return {"description": header[best[1]]} if best[0] >= 15 else {}


def _unmapped(header: Sequence[str], m: ColumnMapping) -> list[str]:
    used = set(m.columns.values()) | set(m.identity_columns) | set(m.status_columns.values())
    used |= {c for c in (m.ref_column, m.fallback_time, m.reported_column) if c}
    return [h for h in header if h not in used and str(h).strip()]


def _detect_ushahidi2(header: Sequence[str], keys: list[str]) -> ColumnMapping:
    def col(*names: str) -> str | None:
        return next((h for h, k in zip(header, keys, strict=True) if k in names), None)

    identity = [h for h in (col("first_name"), col("last_name"), col("email")) if h]
    status = {k: h for k, h in (("approved", col("approved")), ("verified", col("verified"))) if h}
    skip = [h for h in header if h.strip() == "#"] + identity + list(status.values())
    cols = _guess(header, skip=skip)
    for target, name in (("title", "incident_title"), ("occurred_at", "incident_date"), ("location", "location"),
                         ("description", "description"), ("category", "category")):
        h = col(name)
        if h:
            cols[target] = h
    ref = next((h for h in header if h.strip() == "#"), None) or col("id", "incident_id")
    m = ColumnMapping(cols, "ushahidi2", ref, "ushahidi2", None, [], identity_columns=identity,
                      status_columns=status)
    m.extra_columns = _unmapped(header, m)
    return m


def _detect_gforms(header: Sequence[str], rows: Sequence[Sequence[Any]] | None) -> ColumnMapping:
    stamp = header[0]
    cols = _guess(header, skip=[stamp])
    m = ColumnMapping(cols, "gforms", None, "ref", stamp, [], reported_column=stamp)
    if not ({"title", "description"} & set(cols)):
        m.proposed = _propose_text(header, rows, [stamp, *cols.values()])
    m.extra_columns = [h for h in _unmapped(header, m) if h not in m.proposed.values()]
    return m


def detect_mapping(header: Sequence[str], rows: Sequence[Sequence[Any]] | None = None) -> ColumnMapping:
    """The mapping these headers (and, for proposals, the first rows) suggest.

    Kobo, Ushahidi v3, Ushahidi 2.x, Google Forms, or by common words.
    """
    m = _detect(header, rows)
    if not m.proposed and not ({"title", "description"} & set(m.columns)):
        m.proposed = _propose_text(header, rows, [*m.columns.values(), *(c for c in (
            m.ref_column, m.fallback_time) if c)])
    return m


def _detect(header: Sequence[str], rows: Sequence[Sequence[Any]] | None) -> ColumnMapping:
    lower = [str(h).strip().lower() for h in header]
    keys = [header_key(h) for h in header]
    by_lower = dict(zip(lower, header, strict=False))
    is_kobo = "_uuid" in lower or "_submission_time" in lower or (
        "_id" in lower and any("/" in h for h in header))
    is_ushahidi = "post_id" in keys and ("title" in keys or "description" in keys)
    if "incident_title" in keys and "incident_date" in keys:
        return _detect_ushahidi2(header, keys)
    if keys and keys[0] in ("stempel_waktu", "timestamp", "cap_waktu"):
        return _detect_gforms(header, rows)
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
    return ColumnMapping(**{**asdict(mapping), "columns": cols, "ref_column": ref,
                            "ref_prefix": mapping.ref_prefix if mapping.layout in SOURCE_PREFIXES else "ref"})


def edited_mapping(base: ColumnMapping, columns: dict[str, str], ref_column: str | None) -> ColumnMapping:
    """`base` after the user picked `columns` (target -> header) and the reference column by hand.

    A detected or remembered mapping that was changed becomes "manual" (the import remembers it
    for this header); a named layout keeps its name. The rows keep their source's own ids as the
    dedupe key only while a source layout's reference column is unchanged; otherwise "ref".
    Columns now mapped leave the extra columns (kept in the description's tail).
    """
    changed = columns != base.columns or ref_column != base.ref_column
    layout = ("manual" if base.layout in ("otomatis", "tersimpan") else base.layout) if changed else base.layout
    prefix = base.ref_prefix if layout in SOURCE_PREFIXES and ref_column == base.ref_column else "ref"
    used = set(columns.values())
    return replace(base, columns=dict(columns), layout=layout, ref_column=ref_column, ref_prefix=prefix,
                   extra_columns=[c for c in base.extra_columns if c not in used])


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
        store.audit.record(conn, actor, "import_mapping", sig[:16], "save",
                           note="Pemetaan kolom impor disimpan", details={"kolom": mapping.columns})
    return sig


def resolve_mapping(engine: Engine | None, header: Sequence[str],
                    override: ColumnMapping | None = None,
                    rows: Sequence[Sequence[Any]] | None = None) -> ColumnMapping:
    """The mapping to use: the one given, else a remembered one, else the detected one."""
    if override is not None:
        return with_ref(override)
    detected = detect_mapping(header, rows)
    if engine is not None and detected.layout not in ("kobo", "ushahidi", "ushahidi2"):
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
    extra_i = [(h, pos[h]) for h in mapping.extra_columns if h in pos]
    ident_i = [pos[h] for h in mapping.identity_columns if h in pos]
    status_i = {k: pos[h] for k, h in mapping.status_columns.items() if h in pos}
    rep_i = pos.get(mapping.reported_column) if mapping.reported_column else None
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
        if rep_i is not None and not is_blank(cells[rep_i]):
            try:
                raw["reported_at"] = parse_datetime(cells[rep_i])[0]
            except DateProblem:
                notes.append(("occurred_at", f"waktu kirim «{clean_text(cells[rep_i])[:40]}» tidak terbaca"))
        if extra_i:
            tail = [f"{h}: {clean_text(cells[i])}" for h, i in extra_i if not is_blank(cells[i])]
            raw["description_tail"] = "\n".join(tail)
        if ident_i:
            _identity(raw, [clean_text(cells[i]) for i in ident_i])
        if status_i:
            raw["status"] = _status(*(clean_text(cells[status_i[k]]) if k in status_i else ""
                                      for k in ("approved", "verified")))
        ref = None
        if ref_i is not None and not is_blank(cells[ref_i]):
            prefix = mapping.ref_prefix if mapping.ref_prefix in SOURCE_PREFIXES else f"ref:{sig12}"
            ref = f"{prefix}:{_ref_text(cells[ref_i])}"
        raw["ref"] = ref
        raw["notes"] = notes
        out.append(raw)
    return out


def _identity(raw: dict[str, Any], parts: list[str]) -> None:
    """FIRST NAME, LAST NAME, EMAIL -> 'Rahman Hakim (rahman@…)' as reporter_name (private field)."""
    emails = [p for p in parts if "@" in p]
    names = " ".join(p for p in parts if p and "@" not in p)
    text = f"{names} ({emails[0]})" if names and emails else names or (emails[0] if emails else "")
    if text and is_blank(raw.get("reporter_name")):
        raw["reporter_name"] = text


def _status(approved: str, verified: str) -> str:
    """Ushahidi 2.x flags -> status: VERIFIED=YES -> diverifikasi, unless APPROVED=NO; else baru."""
    yes = {"yes", "ya", "1", "true"}
    if approved.strip().lower() in {"no", "tidak", "0", "false"}:
        return "baru"
    return "diverifikasi" if verified.strip().lower() in yes else "baru"


def _utc_or_raw(value: Any) -> Any:
    try:
        return parse_datetime(value, utc=True)[0]
    except DateProblem:
        return value
