"""The RT registry in the store: the shipped sample until the admin loads the official list."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import threading
from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kondusif import access, store
from kondusif.errors import KondusifError
from kondusif.model import Viewer
from kondusif.phone import normalise_phone
from kondusif.timeutil import now
from lubuklinggau_geo import rt as geo_rt

COLUMNS = ["kode_kelurahan", "rt", "nama_ketua", "telepon", "lat", "lon", "contoh"]


def sample_frame() -> pd.DataFrame:
    """The shipped 522-RT sample (every row marked contoh)."""
    df = geo_rt.sample_registry().copy()
    df["contoh"] = True
    return df[COLUMNS]


# The registry changes a few times a season but is read on every form submission: keep it
# per database, checked against a fingerprint read from the store on each use (the newest
# rt_registry audit row and the row count: every change writes one), so a list imported on
# one app process is used at once by every other process (issue 16).
_cache: dict[str, tuple[tuple[int, int], pd.DataFrame]] = {}
_cache_lock = threading.Lock()


def invalidate_cache() -> None:
    with _cache_lock:
        _cache.clear()


def _fingerprint(conn) -> tuple[int, int]:
    a = store.audit_log
    last = conn.execute(sa.select(sa.func.max(a.c.id)).where(a.c.entity == "rt_registry")).scalar()
    n = conn.execute(sa.select(sa.func.count()).select_from(store.rt_units)).scalar()
    return int(last or 0), int(n or 0)


def rt_registry(engine: Engine | None = None) -> pd.DataFrame:
    """The registry in use: the store's table when filled, else the shipped sample.

    RTs an official list removed stay in the table, flagged with `removed_at`, and are left out here.
    """
    if engine is None:
        return sample_frame()
    key = engine.url.render_as_string(hide_password=False)
    with engine.connect() as conn:
        version = _fingerprint(conn)
        with _cache_lock:
            hit = _cache.get(key)
        if hit is not None and hit[0] == version:
            return hit[1].copy()
        rows = conn.execute(sa.select(*[store.rt_units.c[c] for c in COLUMNS])
                            .where(store.rt_units.c.removed_at.is_(None))).fetchall()
    if rows:
        frame = pd.DataFrame(rows, columns=COLUMNS).sort_values(["kode_kelurahan", "rt"], ignore_index=True)
    else:
        frame = sample_frame()
    with _cache_lock:
        _cache[key] = (version, frame)
    return frame.copy()


def registry_is_sample(registry: pd.DataFrame) -> bool:
    return bool(len(registry)) and bool(registry["contoh"].astype(bool).any())


def ensure_rt_registry(engine: Engine) -> int:
    """Fill an empty registry table with the sample; returns rows added (0 if already filled)."""
    with store.write(engine) as conn:
        if conn.execute(sa.select(sa.func.count()).select_from(store.rt_units)).scalar():
            return 0
        frame = sample_frame()
        conn.execute(store.rt_units.insert(), _rows(frame))
        store.audit.record(conn, "sistem", "rt_registry", None, "seed_sample",
                           note=f"Daftar RT contoh ({len(frame)} RT) dipasang")
    invalidate_cache()
    return len(frame)


def _rows(frame: pd.DataFrame) -> list[dict]:
    out = []
    for rec in frame.to_dict("records"):
        out.append({
            "kode_kelurahan": str(rec["kode_kelurahan"]),
            "rt": int(rec["rt"]),
            "nama_ketua": None if pd.isna(rec.get("nama_ketua")) else str(rec["nama_ketua"]),
            "telepon": None if pd.isna(rec.get("telepon")) else str(rec["telepon"]),
            "lat": None if pd.isna(rec.get("lat")) else float(rec["lat"]),
            "lon": None if pd.isna(rec.get("lon")) else float(rec["lon"]),
            "contoh": bool(rec["contoh"]),
        })
    return out


# --------------------------------------------------------------------------- the official list (issue 31)
#
# Bagian Pemerintahan keeps the list as a spreadsheet: a title row or two, then a header such as
# "No | Kelurahan | No. RT | Nama Ketua RT | No. HP", numbers with leading zeros ("003", "RT 003"),
# phones without their 0 when Excel took them for numbers. The file is turned into the geography
# package's canonical CSV (kode_kelurahan,rt,nama_ketua,telepon,lat,lon) and validated there, so the
# row rules live in one place; errors keep the spreadsheet's own row numbers.

_HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "kode_kelurahan": ("kode_kelurahan", "kode kelurahan", "kode kel", "kode desa/kelurahan", "kode desa",
                       "kode wilayah", "kode"),
    "kelurahan": ("kelurahan", "nama kelurahan", "desa/kelurahan", "kelurahan/desa", "kel", "kel.", "desa"),
    "rt": ("rt", "no rt", "no. rt", "nomor rt", "no.rt", "rt no", "rt/no"),
    "nama_ketua": ("nama_ketua", "nama ketua", "nama ketua rt", "ketua rt", "ketua", "nama"),
    "telepon": ("telepon", "telp", "no telp", "no. telp", "no telepon", "no. telepon", "nomor telepon", "hp",
                "no hp", "no. hp", "nomor hp", "no hp/wa", "no. hp/wa", "whatsapp", "wa", "no wa", "ponsel"),
    "lat": ("lat", "latitude", "lintang"),
    "lon": ("lon", "lng", "long", "longitude", "bujur"),
}
_ALIAS_TO_FIELD = {alias: name for name, aliases in _HEADER_ALIASES.items() for alias in aliases}
_HEADER_SCAN_ROWS = 10  # title rows above the header that a spreadsheet may carry
# Lubuklinggau has about a thousand RT: a file far beyond that is not an RT list, and reading
# 50 MB (the upload limit) row by row held the server for minutes and gigabytes.
MAX_ROWS = 20_000
MAX_COLUMNS = 50
MAX_CSV_BYTES = 4 * 1024 * 1024  # 20 000 rows of about 200 characters; one endless line is refused too


class RegistryFileError(KondusifError):
    """The file cannot be read as an RT list at all (not a row problem)."""


def _header_key(cell: str) -> str:
    return re.sub(r"\s+", " ", cell.replace("_", " ").strip().lower().rstrip(":")).replace(" .", ".")


def _field_of(cell: str) -> str | None:
    key = _header_key(cell)
    return _ALIAS_TO_FIELD.get(key) or _ALIAS_TO_FIELD.get(key.replace("_", " "))


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def _cell_text(value: object) -> str:
    """A spreadsheet cell as the text a person sees (3.0 -> '3', None -> '').

    Control characters become a space and runs of spaces one: names from the file reach the operator's terminal,
    the page and the cards, where an escape sequence must not act.
    """
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:
            return ""
        if value.is_integer():
            return str(int(value))
    return " ".join(_CONTROL.sub(" ", str(value)).split())


def _text_or_none(value: object) -> str | None:
    text = _cell_text(value)
    return text or None


def _too_many_rows(filename: str) -> RegistryFileError:
    limit = f"{MAX_ROWS:,}".replace(",", ".")
    return RegistryFileError(f"Berkas «{filename}» terlalu besar untuk daftar RT: lebih dari {limit} baris "
                             "(Lubuklinggau punya sekitar seribu RT). Periksa apakah berkasnya benar.")


def _rows_of(data: bytes, filename: str) -> list[list[str]]:
    if filename.lower().endswith((".xlsx", ".xlsm")):
        import openpyxl

        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # zipfile/openpyxl raise many kinds for a damaged file
            raise RegistryFileError(f"Berkas «{filename}» bukan berkas Excel (.xlsx) yang terbaca.") from exc
        sheet = book.worksheets[0]
        rows: list[list[str]] = []
        for row in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
            if len(rows) >= MAX_ROWS:
                book.close()
                raise _too_many_rows(filename)
            rows.append([_cell_text(v) for v in row])
        book.close()
        return rows
    if filename.lower().endswith(".xls"):
        raise RegistryFileError("Format .xls (Excel lama) tidak didukung: simpan ulang sebagai .xlsx atau CSV.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # Excel on Windows
    text = text.lstrip("\ufeff")
    if len(data) > MAX_CSV_BYTES or max(text.count("\n"), text.count("\r")) >= MAX_ROWS:
        raise _too_many_rows(filename)
    lines = text.splitlines()
    sample = "\n".join(lines[:_HEADER_SCAN_ROWS])
    delim = max((";", ",", "\t"), key=sample.count)
    return [[_cell_text(c) for c in row] for row in csv.reader(io.StringIO(text), delimiter=delim)]


@dataclass
class OfficialFile:
    """A parsed official list: the validated rows and the problems, by the spreadsheet's row numbers."""

    filename: str
    sha256: str
    result: geo_rt.RegistryResult

    @property
    def frame(self) -> pd.DataFrame:
        return self.result.df

    @property
    def errors(self) -> list[geo_rt.RowError]:
        return self.result.errors


def read_official(data: bytes, filename: str) -> OfficialFile:
    """Read an official RT list (CSV with ; or , or XLSX) into validated rows; nothing is stored.

    Kelurahan by name (spelling variants) or code, RT as "3", "003" or "RT 003", phones
    normalised to +62…; every bad row is named (spreadsheet row number, column, why).
    """
    digest = hashlib.sha256(data).hexdigest()
    rows = _rows_of(data, filename)
    header_at = None
    for i, row in enumerate(rows[:_HEADER_SCAN_ROWS]):
        fields = {_field_of(c) for c in row if c}
        if "rt" in fields and fields & {"kelurahan", "kode_kelurahan"}:
            header_at = i
            break
    if header_at is None:
        raise RegistryFileError(
            f"Baris judul tidak ditemukan di «{filename}»: perlu kolom kelurahan (nama atau kode) dan kolom RT "
            "(mis. «Kelurahan;RT;Nama Ketua;Telepon»).")
    header = [_field_of(c) for c in rows[header_at]]
    shown = {"kode_kelurahan": "kelurahan"}  # an error names the file's own column heading
    for name, cell in zip(header, rows[header_at], strict=True):
        if name:
            shown.setdefault("kode_kelurahan" if name == "kelurahan" else name, cell)
            if name == "kelurahan" or name == "kode_kelurahan":
                shown["kode_kelurahan"] = cell
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["kode_kelurahan", "rt", "nama_ketua", "telepon", "lat", "lon"])
    phone_errors: list[geo_rt.RowError] = []
    for number, row in enumerate(rows[header_at + 1:], start=header_at + 2):
        got: dict[str, str] = {}
        for name, value in zip(header, row, strict=False):
            if name and value and name not in got:
                got[name] = value
        if not any(row):
            writer.writerow([])
            continue
        phone_text = got.get("telepon", "")
        phone = normalise_phone(phone_text) if phone_text else None
        if phone_text and phone is None:
            phone_errors.append(geo_rt.RowError(number, shown.get("telepon", "telepon"), f"{phone_text!r} bukan nomor telepon "
                                                                   "(contoh: 0812-3456-7890)"))
        writer.writerow([got.get("kode_kelurahan") or got.get("kelurahan", ""), got.get("rt", ""),
                         got.get("nama_ketua", ""), phone or "", got.get("lat", ""), got.get("lon", "")])
    result = geo_rt.load_registry(io.StringIO(out.getvalue()))
    errors = [geo_rt.RowError(e.baris + header_at, shown.get(e.kolom, e.kolom), e.pesan)
              for e in result.errors] + phone_errors
    frame = result.df.copy()
    for col in ("telepon", "nama_ketua"):
        frame[col] = pd.Series([_text_or_none(v) for v in frame[col]], index=frame.index, dtype=object)
    frame["contoh"] = False
    errors.sort(key=lambda e: e.baris)
    return OfficialFile(filename, digest, geo_rt.RegistryResult(frame, errors, result.rows_read))


@dataclass
class RemovedRt:
    """An RT in use that the new list no longer has, with what stays attached to it (kept, flagged)."""

    kode_kelurahan: str
    rt: int
    reports: int
    accounts: int
    checkins: int = 0


@dataclass
class RegistryDiff:
    """What applying a list would change against the list in use; empty when it is the same list."""

    replaces_sample: bool
    total: int
    added: list[tuple[str, int]] = field(default_factory=list)
    removed: list[RemovedRt] = field(default_factory=list)
    renamed: list[tuple[str, int, str | None, str | None]] = field(default_factory=list)  # key, old, new head
    new_phones: list[tuple[str, int, str]] = field(default_factory=list)
    other_changes: int = 0  # coordinates changed, no other field

    @property
    def empty(self) -> bool:
        return not (self.replaces_sample or self.added or self.removed or self.renamed or self.new_phones
                    or self.other_changes)

    def summary(self) -> str:
        """One Indonesian line for the CLI, the page and the audit note."""
        if self.empty:
            return f"Tidak ada perubahan: daftar ini sama dengan daftar resmi yang dipakai ({self.total} RT)."
        parts = [f"{self.total} RT"]
        if self.replaces_sample:
            kept = sum(1 for r in self.removed if r.reports or r.accounts or r.checkins)
            parts += ["menggantikan daftar CONTOH", f"{len(self.added)} RT baru",
                      f"{len(self.removed)} RT contoh tidak ada di daftar resmi ({kept} di antaranya punya laporan, "
                      "kabar aman atau akun: disimpan dan ditandai)"]
        else:
            parts += [f"{len(self.added)} RT baru",
                      f"{len(self.removed)} RT dihapus (laporan, kabar aman dan akunnya disimpan, RT-nya ditandai)"]
        parts += [f"{len(self.renamed)} ketua berganti nama", f"{len(self.new_phones)} nomor HP baru"]
        if self.other_changes:
            parts.append(f"{self.other_changes} titik lokasi berubah")
        return ", ".join(parts) + "."


def _stored(conn) -> dict[tuple[str, int], dict]:
    r = store.rt_units.c
    rows = conn.execute(sa.select(r.kode_kelurahan, r.rt, r.nama_ketua, r.telepon, r.lat, r.lon, r.contoh,
                                  r.removed_at)).mappings().all()
    return {(str(x["kode_kelurahan"]), int(x["rt"])): dict(x) for x in rows}


def _same_float(a: object, b: object) -> bool:
    a_none = a is None or (isinstance(a, float) and a != a)
    b_none = b is None or (isinstance(b, float) and b != b)
    if a_none or b_none:
        return a_none and b_none
    return abs(float(a) - float(b)) < 1e-9  # type: ignore[arg-type]


def _new_rows(frame: pd.DataFrame) -> dict[tuple[str, int], dict]:
    return {(str(rec["kode_kelurahan"]), int(rec["rt"])): row
            for rec, row in zip(frame.to_dict("records"), _rows(frame.assign(contoh=False)), strict=True)}


def _diff(conn, frame: pd.DataFrame) -> RegistryDiff:
    stored = _stored(conn)
    active = {k: v for k, v in stored.items() if v["removed_at"] is None}
    new = _new_rows(frame)
    sample = any(bool(v["contoh"]) for v in active.values()) or not active
    diff = RegistryDiff(replaces_sample=sample, total=len(new))
    for key, row in sorted(new.items()):
        old = active.get(key)
        if old is None:
            diff.added.append(key)
            if row["telepon"]:
                diff.new_phones.append((*key, row["telepon"]))
            continue
        if sample:
            if row["telepon"]:
                diff.new_phones.append((*key, row["telepon"]))
            continue
        if (old["nama_ketua"] or None) != row["nama_ketua"]:
            diff.renamed.append((*key, old["nama_ketua"], row["nama_ketua"]))
        if row["telepon"] and row["telepon"] != old["telepon"]:
            diff.new_phones.append((*key, row["telepon"]))
        elif old["telepon"] and not row["telepon"]:
            diff.other_changes += 1  # a number taken off the list
        if not (_same_float(old["lat"], row["lat"]) and _same_float(old["lon"], row["lon"])):
            diff.other_changes += 1
    gone = sorted(set(active) - set(new))
    if gone:
        reports = _counts(conn, store.incidents.c.kode_kelurahan, store.incidents.c.rt, store.incidents)
        users = store.users
        accounts = _counts(conn, users.c.kelurahan, users.c.rt, users)
        calm = _counts(conn, store.checkins.c.kode_kelurahan, store.checkins.c.rt, store.checkins)
        for key in gone:
            diff.removed.append(RemovedRt(*key, reports.get(key, 0), accounts.get(key, 0), calm.get(key, 0)))
    return diff


def _counts(conn, kel_col, rt_col, table) -> dict[tuple[str, int], int]:
    q = sa.select(kel_col, rt_col, sa.func.count()).select_from(table).where(rt_col.is_not(None))
    return {(str(k), int(r)): int(n) for k, r, n in conn.execute(q.group_by(kel_col, rt_col))}


def preview_official(engine: Engine, viewer: Viewer, parsed: OfficialFile) -> RegistryDiff:
    """The diff a list would make against the list in use (added, removed, renamed heads, new phones)."""
    access.require(viewer, "registry.manage")
    with engine.connect() as conn:
        return _diff(conn, parsed.frame)


@dataclass
class ApplyOutcome:
    applied: bool
    diff: RegistryDiff
    message: str


def apply_official(engine: Engine, viewer: Viewer, parsed: OfficialFile) -> ApplyOutcome:
    """Make `parsed` the RT list in use, in one transaction with one audit row; needs registry.manage.

    A list with row errors is refused whole: an RT missing from the list counts as removed,
    so a half-read list would flag real RTs. RTs the list drops keep their row (flagged
    `removed_at`), reports and accounts; a dropped RT that comes back is unflagged. The
    same list again changes nothing and writes no audit row.
    """
    actor = access.require(viewer, "registry.manage").username
    if parsed.errors:
        raise KondusifError(f"Daftar tidak diterapkan: {len(parsed.errors)} masalah di berkas «{parsed.filename}» "
                            f"(pertama: {parsed.errors[0]}). Perbaiki berkasnya lalu impor lagi; daftar lama tetap "
                            "dipakai.")
    if not len(parsed.frame):
        raise KondusifError(f"Daftar tidak diterapkan: berkas «{parsed.filename}» tidak berisi satu RT pun.")
    t = store.rt_units
    with store.write(engine) as conn:
        if conn.dialect.name == "postgresql":
            # two operators (or processes) applying at once: the second waits, then sees no change
            # (SQLite's write already serialises them)
            conn.exec_driver_sql("LOCK TABLE rt_units IN SHARE ROW EXCLUSIVE MODE")
        diff = _diff(conn, parsed.frame)
        if diff.empty:
            return ApplyOutcome(False, diff, diff.summary())
        stamp = now()
        stored = _stored(conn)
        new = _new_rows(parsed.frame)
        at_key = (t.c.kode_kelurahan == sa.bindparam("b_kel")) & (t.c.rt == sa.bindparam("b_rt"))
        if diff.replaces_sample:
            # the sample's invented rows go; its RTs that reports, check-ins or accounts name stay, flagged
            keep = {(r.kode_kelurahan, r.rt) for r in diff.removed if r.reports or r.accounts or r.checkins}
            invented = [{"b_kel": k[0], "b_rt": k[1]} for k, row in stored.items()
                        if row["contoh"] and k not in new and k not in keep]
            if invented:
                conn.execute(t.delete().where(at_key), invented)
        updates = [{"b_kel": k[0], "b_rt": k[1], "b_nama": r["nama_ketua"], "b_telepon": r["telepon"],
                    "b_lat": r["lat"], "b_lon": r["lon"]} for k, r in new.items() if k in stored]
        if updates:  # one statement, many rows (522 round trips took seconds on PostgreSQL)
            conn.execute(t.update().where(at_key).values(
                nama_ketua=sa.bindparam("b_nama"), telepon=sa.bindparam("b_telepon"), lat=sa.bindparam("b_lat"),
                lon=sa.bindparam("b_lon"), contoh=False, removed_at=None), updates)
        inserts = [{**r, "removed_at": None} for k, r in new.items() if k not in stored]
        if inserts:
            conn.execute(t.insert(), inserts)
        if diff.removed:
            conn.execute(t.update().where(at_key).values(removed_at=stamp, contoh=False),
                         [{"b_kel": r.kode_kelurahan, "b_rt": r.rt} for r in diff.removed])
        store.audit.record(conn, actor, "rt_registry", None, "import_official", note=diff.summary(), details={
            "berkas": parsed.filename, "sha256": parsed.sha256, "rt": diff.total, "baru": len(diff.added),
            "dihapus": [f"{r.kode_kelurahan}/{r.rt}" for r in diff.removed], "ganti_nama": len(diff.renamed),
            "hp_baru": len(diff.new_phones)})
    invalidate_cache()
    return ApplyOutcome(True, diff, diff.summary())


def removed_rts(engine: Engine, viewer: Viewer) -> pd.DataFrame:
    """RTs an official list dropped (kept with their reports and accounts), for the admin page."""
    access.require(viewer, "registry.manage")
    r = store.rt_units.c
    with engine.connect() as conn:
        rows = conn.execute(sa.select(r.kode_kelurahan, r.rt, r.nama_ketua, r.removed_at)
                            .where(r.removed_at.is_not(None)).order_by(r.kode_kelurahan, r.rt)).fetchall()
    return pd.DataFrame(rows, columns=["kode_kelurahan", "rt", "nama_ketua", "removed_at"])
