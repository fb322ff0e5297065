"""Preview, then commit: every intake path ends here and lands in the store the same way.

- Files: `preview_file` reads and validates every row without writing; the
  preview counts good rows, rejected rows (row number, field, reason) and rows
  already imported. `commit_file` stores all good rows in ONE transaction.
- Chats: `preview_chat` / `commit_chat` do the same for WhatsApp/SMS; messages
  not read confidently go to the review queue in that same transaction.
- The form: `submit_form` stores one report, idempotent on its submission token.

Invariant, stated in every preview and result: rows (or messages) in =
imported + rejected + already there (+ queued and calm check-ins, for chats).

Dedupe key per report: ``UNIQUE(source, source_ref)`` with source_ref the Kobo
``_uuid`` (``kobo:…``), the Ushahidi post id (``ushahidi:…``), a mapped ID
column (``ref:<header signature>:…``), otherwise a content fingerprint
(``fp:…``); chats use the message fingerprint (``wa:…`` / ``sms:…``); the form
its submission token.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kondusif import access, alerts, duplicates, safe, store
from kondusif.intake import chat as chat_mod
from kondusif.intake import layouts
from kondusif.intake.files import FileRefused, Table, read_table
from kondusif.intake.messages import read_message
from kondusif.intake.photos import CleanPhoto, PhotoRejected, add_attachment, clean_photo
from kondusif.intake.review import enqueue, queue_place
from kondusif.intake.validate import (
    FIELD_LABELS,
    Checked,
    FieldError,
    Rules,
    check_record,
    check_records,
    make_rules,
)
from kondusif.model import Severity, Source, Viewer, new_id
from kondusif.phone import normalise_phone
from kondusif.store import outbox
from kondusif.timeutil import as_utc, now
from lubuklinggau_geo import gazetteer
from lubuklinggau_geo.names import find_kelurahan_in_text

__all__ = [
    "ChatPreview",
    "FilePreview",
    "FileRefused",
    "FormOutcome",
    "ImportResult",
    "RowResult",
    "commit_chat",
    "commit_file",
    "fingerprint",
    "insert_records",
    "preview_chat",
    "preview_file",
    "submit_form",
]

IN_CHUNK = 500  # bound parameters per IN (...) query


# --------------------------------------------------------------------------- shared pieces


@dataclass
class RowResult:
    """The fate of one input row or message."""

    row: int  # spreadsheet row number, or message number for chats
    status: str  # baik, ditolak, sudah_ada, antri (chats)
    errors: list[FieldError] = field(default_factory=list)
    warnings: list[FieldError] = field(default_factory=list)
    record: dict[str, Any] | None = None
    cells: Sequence[Any] = ()
    note: str = ""
    line: int | None = None  # chats: line in the file
    unlisted_rt: bool = False  # accepted with an RT the sample registry does not list (issue 12)

    def reason(self) -> str:
        if self.errors:
            return "; ".join(str(e) for e in self.errors)
        return self.note


def _passed(r: RowResult) -> dict[str, Any]:
    """The record of a row with status baik or aman (only those are read through here): never None."""
    return cast(dict[str, Any], r.record)


@dataclass
class ImportResult:
    """What a commit did. ``rows_in == imported + rejected + existing + queued``."""

    rows_in: int
    imported: int
    rejected: int
    existing: int
    queued: int = 0
    possible_duplicates: int = 0
    report_nos: list[str] = field(default_factory=list)
    batch_id: str = ""
    unlisted_rt: int = 0
    checkins: int = 0  # issue 24 (chats): calm messages recorded as check-ins, never incidents

    def summary(self) -> str:
        parts = [f"{self.rows_in} masuk", f"{self.imported} diimpor", f"{self.rejected} ditolak",
                 f"{self.existing} sudah ada"]
        if self.queued:
            parts.insert(3, f"{self.queued} masuk antrean tinjauan")
        if self.checkins:
            parts.insert(2, f"{self.checkins} laporan aman dicatat")
        text = ", ".join(parts)
        if self.possible_duplicates:
            text += f"; {self.possible_duplicates} ditandai kemungkinan duplikat"
        if self.unlisted_rt:
            text += f"; {self.unlisted_rt} dengan RT yang tidak ada di daftar contoh"
        return text


def fingerprint(record: dict[str, Any]) -> str:
    """Content fingerprint of a clean record: same report, same value, whatever file it came in."""
    occurred = str(int(as_utc(record["occurred_at"]).timestamp()) // 60)  # the minute, as epoch minutes
    parts = [record["kode_kelurahan"], str(record.get("rt") or ""), record["category"], record["severity"],
             " ".join(str(record.get("title") or "").split()).lower(),
             " ".join(str(record.get("description") or "").split()).lower(), occurred,
             f"{record['lat']:.5f}" if record.get("lat") is not None else "",
             f"{record['lon']:.5f}" if record.get("lon") is not None else ""]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def existing_refs(conn_or_engine: Engine | Connection, source: str, refs: Iterable[str]) -> dict[str, str]:
    """source_ref -> report_no of stored incidents among ``refs``."""
    refs = sorted({r for r in refs if r})
    out: dict[str, str] = {}
    c = store.incidents.c

    def run(conn: Connection) -> None:
        for i in range(0, len(refs), IN_CHUNK):
            chunk = refs[i:i + IN_CHUNK]
            for ref, no in conn.execute(sa.select(c.source_ref, c.report_no)
                                        .where(c.source == source, c.source_ref.in_(chunk))):
                out[ref] = no

    if isinstance(conn_or_engine, Engine):
        with conn_or_engine.connect() as conn:
            run(conn)
    else:
        run(conn_or_engine)
    return out


def queued_fingerprints(conn_or_engine: Engine | Connection, fps: Iterable[str]) -> set[str]:
    """Fingerprints already in the review queue (whatever their state)."""
    fps = sorted(set(fps))
    out: set[str] = set()
    q = store.review_queue.c

    def run(conn: Connection) -> None:
        for i in range(0, len(fps), IN_CHUNK):
            out.update(r[0] for r in conn.execute(sa.select(q.fingerprint).where(q.fingerprint.in_(fps[i:i + IN_CHUNK]))))

    if isinstance(conn_or_engine, Engine):
        with conn_or_engine.connect() as conn:
            run(conn)
    else:
        run(conn_or_engine)
    return out


def insert_records(conn: Connection, records: list[dict[str, Any]], actor: str,
                       details: list[dict[str, Any]], engine: Engine) -> tuple[list[dict[str, Any]], int]:
    """Flag possible duplicates, number and insert records, one 'create' audit row each."""
    for rec in records:
        rec.setdefault("id", new_id())
        rec["created_by"] = rec.get("created_by") or actor
    pairs = duplicates.find_for_records(engine, records, conn=conn) if records else pd.DataFrame(
        columns=["new_id", "other_id"])
    flagged = set(pairs["new_id"])
    for rec in records:
        rec["possible_duplicate"] = rec["id"] in flagged
    big_sqlite = conn.dialect.name == "sqlite" and len(records) > 1000
    if big_sqlite:  # big imports touch many index pages: 256 MB page cache for this insert only
        previous_cache = conn.exec_driver_sql("PRAGMA cache_size").scalar()
        conn.exec_driver_sql("PRAGMA cache_size=-262144")
    others: dict[str, list[str]] = {}
    for new, other in zip(pairs["new_id"].tolist(), pairs["other_id"].tolist(), strict=True):
        others.setdefault(new, []).append(other)
    notes = [(_where(det), _details(det, others.get(rec["id"]))) for rec, det in zip(records, details, strict=True)]
    rows = store.insert_incidents(conn, records, actor=actor, notes=notes)
    if rows:
        alerts.check_new_incidents(conn, rows, levels=False)  # berat alerts, same transaction
        # Rawan re-check of the touched kelurahan once the rows are committed (every insert path):
        # an outbox event in this transaction (old or replayed reports cannot move today's level).
        recent = alerts.recent_kelurahan(rows)
        if recent:
            outbox.record(conn, outbox.ReportsChanged(tuple(sorted(recent))))
    if big_sqlite:
        conn.exec_driver_sql(f"PRAGMA cache_size={int(cast(int, previous_cache))}")  # pooled connection: give it back
    return rows, len(flagged)


def _where(det: dict[str, Any]) -> str:
    """' (impor <batch>, berkas «x.csv», baris 12)' for the create note (kept out of JSON: most rows
    need nothing else); the file's name is what a reader recognises (issue 30.5)."""
    batch = det.get("impor") or det.get("impor_chat")
    if not batch:
        return ""
    name = f", berkas «{det['berkas']}»" if det.get("berkas") else ""
    line = f", baris {det['baris']}" if det.get("baris") is not None else ""
    return f" (impor {batch}{name}{line})"


def _details(det: dict[str, Any], others: list[str] | None) -> dict[str, Any] | None:
    """Details of a create row: only what the note cannot say (warnings, possible duplicates, photo)."""
    extra = {k: v for k, v in det.items() if k not in ("impor", "impor_chat", "berkas", "baris")}
    if others:
        extra["kemungkinan_duplikat"] = others[:20]
    return extra or None


def _warn_list(warnings: list[FieldError]) -> list[str]:
    return [str(w) for w in warnings]


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def rejects_csv(header: Sequence[str], results: Iterable[RowResult], delimiter: str = ";",
                first_columns: Sequence[str] = ("baris", "kolom", "alasan")) -> bytes:
    """Rejected rows as CSV (UTF-8 with BOM for Excel): row number, fields, reasons, then the row as read.

    Every cell is quoted and neutralised against formula injection (=, +, -, @, tab,
    CR), also after any delimiter inside it (`exports.neutralise_text`, issue 12).
    """
    from kondusif.exports import neutralise_text

    out = io.StringIO()
    w = csv.writer(out, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    w.writerow([neutralise_text(str(h)) for h in (*first_columns, *header)])
    for r in results:
        if r.status != "ditolak":
            continue
        fields = ", ".join(dict.fromkeys(FIELD_LABELS.get(e.field, e.field) for e in r.errors)) or "-"
        reason = "; ".join(e.message for e in r.errors) if r.errors else r.note
        cells = [_cell_text(c) for c in r.cells]
        w.writerow([neutralise_text(v) for v in (str(r.row), fields, reason, *cells)])
    return out.getvalue().encode("utf-8-sig")


def _actor(viewer: Viewer) -> str:
    return viewer.username


def _require_importer(viewer: Viewer) -> None:
    access.require(viewer, "import.run")


# --------------------------------------------------------------------------- files


class _RowCounts:
    """Counts of a preview's rows by outcome; rows in = good + rejected + existing (+ queued)."""

    results: list[RowResult]

    @property
    def rows_in(self) -> int:
        return len(self.results)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def good(self) -> int:
        return self.count("baik")

    @property
    def rejected(self) -> int:
        return self.count("ditolak")

    @property
    def existing(self) -> int:
        return self.count("sudah_ada")

    @property
    def queued(self) -> int:
        return self.count("antri")

    @property
    def calm(self) -> int:
        """Chats (issue 24): calm messages read as check-ins ("aman"), never incidents."""
        return self.count("aman")

    @property
    def unlisted_rt(self) -> int:
        """Good rows whose RT the sample registry does not list (accepted, flagged)."""
        return sum(1 for r in self.results if r.status == "baik" and r.unlisted_rt)


@dataclass
class FilePreview(_RowCounts):
    """Everything known about a file before anything is written."""

    filename: str
    sha256: str
    table: Table
    mapping: layouts.ColumnMapping
    signature: str
    results: list[RowResult]
    problems: list[str] = field(default_factory=list)  # mapping problems: nothing can be imported
    queue_rows: dict[int, dict[str, Any]] = field(default_factory=dict)  # row number -> review-queue row
    detected: layouts.ColumnMapping | None = None  # the mapping as recognised, before a proposal was accepted

    @property
    def ready(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        text = f"{self.rows_in} baris data: {self.good} baik, {self.rejected} ditolak, {self.existing} sudah ada"
        if self.queued:
            text += f", {self.queued} ke antrean tinjauan"
        if self.unlisted_rt:
            text += f"; {self.unlisted_rt} baris baik dengan RT yang tidak ada di daftar contoh"
        return text

    def rejected_frame(self) -> pd.DataFrame:
        """Rejected rows (baris, kolom, alasan) for display; one line per field error."""
        rows = [{"baris": r.row, "kolom": e.label, "alasan": e.message}
                for r in self.results if r.status == "ditolak" for e in r.errors]
        return pd.DataFrame(rows, columns=["baris", "kolom", "alasan"])

    def rejects_csv(self) -> bytes:
        return rejects_csv(self.table.header, self.results, self.table.delimiter or ";")


_LOOSE_RULES: dict[str, Any] = {"season_start": datetime(2000, 1, 1, tzinfo=UTC), "check_rt_registry": False,
                                "require_rt": False, "default_severity": Severity.SEDANG, "derive_title": True}


def _file_rules(mapping: layouts.ColumnMapping, rules: Rules) -> Rules:
    cols = mapping.columns
    return Rules(**{**rules.__dict__,
                    "require_rt": "rt" in cols,
                    "default_severity": None if "severity" in cols else Severity.SEDANG,
                    "derive_title": True})


def preview_file(engine: Engine, data: bytes, filename: str, viewer: Viewer,
                 mapping: layouts.ColumnMapping | None = None, rules: Rules | None = None) -> FilePreview:
    """Read, map and validate a file; nothing is written. Raises FileRefused for unreadable files,
    NotPermitted for a viewer who may not import (the preview reads the registry and the store)."""
    _require_importer(viewer)
    table = read_table(data, filename)
    sig = layouts.signature(table.header)
    chosen = detected = layouts.resolve_mapping(engine, table.header, mapping, table.rows)
    if mapping is None and chosen.proposed and not chosen.complete and chosen.with_proposals().complete:
        chosen = chosen.with_proposals()  # no manual step for a Google Form: the proposal is shown in the preview
    problems = layouts.check_mapping(chosen, table.header)
    missing = chosen.missing()
    if missing:
        problems.append("kolom wajib belum dipetakan: " + ", ".join(missing))
    preview = FilePreview(filename, hashlib.sha256(data).hexdigest(), table, chosen, sig, [], problems,
                          detected=detected)
    if problems:
        preview.results = [RowResult(n, "ditolak", [FieldError("row", "pemetaan kolom belum lengkap")],
                                     cells=row) for n, row in zip(table.row_numbers, table.rows, strict=True)]
        return preview
    base = rules or make_rules(engine, viewer)
    file_rules = _file_rules(chosen, base)
    raws = layouts.candidates(table.header, table.rows, chosen, sig)
    results: list[RowResult] = []
    seen_queue: dict[str, int] = {}
    blank_rows = {i for i, row in enumerate(table.rows) if all(c is None or str(c).strip() == "" for c in row)}
    checked = check_records([r for i, r in enumerate(raws) if i not in blank_rows], file_rules)
    it = iter(checked)
    seen: dict[str, int] = {}
    for i, (number, row, raw) in enumerate(zip(table.row_numbers, table.rows, raws, strict=True)):
        if i in blank_rows:
            results.append(RowResult(number, "ditolak", [FieldError("row", "baris kosong")], cells=row))
            continue
        ch: Checked = next(it)
        warnings = [FieldError(f, m) for f, m in raw.get("notes", [])] + ch.warnings
        if not ch.ok and ch.review:
            # issue 12: an RT missing from the official registry is a person's call, never silently lost
            fp = _row_fingerprint(sig, raw, row)
            if fp in seen_queue:
                results.append(RowResult(number, "sudah_ada", [], warnings, None, row,
                                         f"sama dengan baris {seen_queue[fp]} di berkas ini"))
                continue
            seen_queue[fp] = number
            results.append(RowResult(number, "antri", ch.errors, warnings, cells=row, note=ch.review))
            preview.queue_rows[number] = _file_queue_row(fp, raw, ch, preview.filename, number)
            continue
        if not ch.ok:
            results.append(RowResult(number, "ditolak", ch.errors, warnings, cells=row))
            continue
        rec = cast(dict[str, Any], ch.record)  # ch.ok: a record
        rec["source"] = Source.IMPORT.value
        rec["source_ref"] = raw["ref"] or "fp:" + fingerprint(rec)
        rec["created_by"] = viewer.username
        if rec["source_ref"] in seen:
            results.append(RowResult(number, "sudah_ada", [], warnings, None, row,
                                     f"sama dengan baris {seen[rec['source_ref']]} di berkas ini"))
            continue
        seen[rec["source_ref"]] = number
        results.append(RowResult(number, "baik", [], warnings, rec, row, unlisted_rt=ch.unlisted_rt))
    stored = existing_refs(engine, Source.IMPORT.value, seen)
    for r in results:
        if r.status == "baik" and _passed(r)["source_ref"] in stored:
            r.status, r.note = "sudah_ada", f"sudah diimpor sebelumnya ({stored[_passed(r)['source_ref']]})"
            r.record = None
    in_queue = queued_fingerprints(engine, seen_queue)
    for r in results:
        if r.status == "antri" and preview.queue_rows[r.row]["fingerprint"] in in_queue:
            r.status, r.note, r.errors = "sudah_ada", "sudah ada di antrean tinjauan", []
            preview.queue_rows.pop(r.row)
    preview.results = results
    return preview


def _row_fingerprint(sig: str, raw: dict[str, Any], row: Sequence[Any]) -> str:
    """Queue key of a file row: its source id, else its cells (same row, same key, whatever file name)."""
    basis = raw.get("ref") or "\x1f".join(_cell_text(c) for c in row)
    return hashlib.sha256(f"impor\x1f{sig}\x1f{basis}".encode()).hexdigest()


def _file_queue_row(fp: str, raw: dict[str, Any], ch: Checked, filename: str, number: int) -> dict[str, Any]:
    """A review-queue row for a file row a person must judge (channel 'impor'), with what was read."""
    kel = rt = cat = sev = None
    loose = check_record(raw, Rules(**{**_LOOSE_RULES, "now": now()}))  # what the row says, registry aside
    if loose.record is not None:
        kel, rt = loose.record["kode_kelurahan"], loose.record["rt"]
        cat, sev = loose.record["category"], loose.record["severity"]
    when = loose.record["occurred_at"] if loose.record is not None else None
    title = str(raw.get("title") or "").strip()
    desc = str(raw.get("description") or "").strip()
    text = "\n".join(t for t in (title, desc) if t) or "(tanpa judul/uraian)"
    guess = {"kelurahan": kel, "kelurahan_nama": gazetteer.kelurahan_name(kel) if kel else None, "rt": rt,
             "kategori": [cat] if cat else [], "tingkat": sev, "berkas": filename, "baris": number,
             "source_ref": raw.get("ref")}
    sender = str(raw.get("reporter_name") or "").strip() or normalise_phone(raw.get("reporter_phone")) or None
    return {"fingerprint": fp, "channel": "impor", "sent_at": when, "sender": sender, "text": text[:10_000],
            "guess": json.dumps(guess, ensure_ascii=False, default=str), "reason": ch.review, "state": "antri",
            **queue_place(kel)}


def commit_file(engine: Engine, preview: FilePreview, viewer: Viewer) -> ImportResult:
    """Store every good row of a preview in one transaction; rows stored meanwhile count as 'sudah ada'."""
    _require_importer(viewer)
    if not preview.ready:
        raise ValueError("Pemetaan kolom belum lengkap: " + "; ".join(preview.problems))
    actor = _actor(viewer)
    batch = new_id()
    good = [r for r in preview.results if r.status == "baik"]
    with store.write(engine) as conn:
        stored = existing_refs(conn, Source.IMPORT.value, (_passed(r)["source_ref"] for r in good))
        fresh = [r for r in good if _passed(r)["source_ref"] not in stored]
        records = [_passed(r) for r in fresh]  # not copied: 100,000 rows; ids set here are kept on retry
        details = [{"impor": batch, "berkas": preview.filename, "baris": r.row, **({"peringatan": _warn_list(r.warnings)} if r.warnings else {})}
                   for r in fresh]
        rows, flagged = insert_records(conn, records, actor, details, engine)
        to_queue = [r for r in preview.results if r.status == "antri"]
        in_queue = queued_fingerprints(conn, (preview.queue_rows[r.row]["fingerprint"] for r in to_queue))
        queue_fresh = [r for r in to_queue if preview.queue_rows[r.row]["fingerprint"] not in in_queue]
        enqueue(conn, [{**preview.queue_rows[r.row], "created_at": now()} for r in queue_fresh])
        existing = preview.existing + (len(good) - len(fresh)) + (len(to_queue) - len(queue_fresh))
        result = ImportResult(preview.rows_in, len(rows), preview.rejected, existing, len(queue_fresh),
                              possible_duplicates=flagged, report_nos=[r["report_no"] for r in rows],
                              batch_id=batch, unlisted_rt=sum(1 for r in fresh if r.unlisted_rt))
        store.audit.record(conn, actor, "import", batch, "import_file",
                           note=f"Impor berkas {preview.filename}: {result.summary()}",
                           details={"berkas": preview.filename, "sha256": preview.sha256,
                                 "tata_letak": preview.mapping.layout, "pemetaan": preview.mapping.columns,
                                 "masuk": result.rows_in, "diimpor": result.imported,
                                 "ditolak": result.rejected, "sudah_ada": result.existing,
                                 "antri": result.queued, "rt_di_luar_daftar_contoh": result.unlisted_rt})
    return result


# --------------------------------------------------------------------------- chats


@dataclass
class ChatPreview(_RowCounts):
    filename: str
    sha256: str
    chat: chat_mod.ChatFile
    results: list[RowResult]
    queue_rows: dict[int, dict[str, Any]] = field(default_factory=dict)  # message number -> queue row
    group_kelurahan: str | None = None  # default kelurahan used: given by the user, else from the subject
    kelurahan_given: bool = False

    @property
    def group_subject(self) -> str | None:
        return self.chat.subject

    def describe_group(self) -> str:
        """Where the default kelurahan of free-text messages comes from, for the preview."""
        if self.group_kelurahan and self.kelurahan_given:
            return f"Kelurahan grup dipilih: {gazetteer.kelurahan_name(self.group_kelurahan)}"
        if self.group_kelurahan:
            return (f"Kelurahan dari nama grup «{self.group_subject}»: "
                    f"{gazetteer.kelurahan_name(self.group_kelurahan)} (bisa diganti)")
        if self.group_subject:
            return f"Nama grup «{self.group_subject}» tidak menyebut kelurahan"
        return "Nama grup tidak ada di berkas"

    def summary(self) -> str:
        return (f"{self.rows_in} pesan: {self.good} laporan terbaca, {self.calm} laporan aman, "
                f"{self.queued} perlu ditinjau, {self.rejected} ditolak, {self.existing} sudah ada")

    def frame(self, status: str) -> pd.DataFrame:
        """Messages of one status: nomor, baris, waktu, pengirim, pesan, alasan."""
        from kondusif.timeutil import format_wib

        msgs = {m.number: m for m in self.chat.messages}
        rows = []
        for r in self.results:
            if r.status != status:
                continue
            m = msgs[r.row]
            rows.append({"nomor": r.row, "baris": m.line, "waktu": format_wib(m.sent_at) if m.sent_at else "-",
                         "pengirim": m.sender or "", "pesan": m.text[:300], "alasan": r.reason()})
        return pd.DataFrame(rows, columns=["nomor", "baris", "waktu", "pengirim", "pesan", "alasan"])

    def rejects_csv(self) -> bytes:
        msgs = {m.number: m for m in self.chat.messages}
        results = []
        for r in self.results:
            if r.status == "ditolak":
                m = msgs[r.row]
                r.cells = [m.line, m.sent_at.isoformat() if m.sent_at else "", m.sender or "", m.text]
                results.append(r)
        return rejects_csv(["baris_berkas", "waktu", "pengirim", "pesan"], results, ";",
                           ("nomor_pesan", "kolom", "alasan"))


def subject_kelurahan(subject: str | None) -> str | None:
    """The kelurahan a group's name names ("RT se-Kel Taba Jemekeh"), or None."""
    if not subject:
        return None
    found = find_kelurahan_in_text(subject)
    return found[0] if found else None


def _chat_ref(msg: chat_mod.ChatMessage) -> str:
    return ("wa:" if msg.channel == "whatsapp" else "sms:") + msg.fingerprint()


def preview_chat(engine: Engine, data: bytes, filename: str, viewer: Viewer, channel: str | None = None,
                 rules: Rules | None = None, default_kelurahan: str | None = None) -> ChatPreview:
    """Parse and read every message; nothing is written. Raises FileRefused.

    ``default_kelurahan`` (code) stands in for messages that name no kelurahan
    (a WhatsApp group of one kelurahan); without it, the kelurahan the group's
    name names ("RT se-Kel Taba Jemekeh") does (issue 12).
    """
    _require_importer(viewer)
    parsed = chat_mod.read_chat(data, channel)
    rules = rules or make_rules(engine, viewer)
    results: list[RowResult] = []
    group_kel = default_kelurahan or subject_kelurahan(parsed.subject)
    readings = [read_message(m, group_kel) for m in parsed.messages]
    report_idx = [i for i, rd in enumerate(readings) if rd.outcome == "report"]
    checked = dict(zip(report_idx, check_records([cast(dict[str, Any], readings[i].raw) for i in report_idx], rules), strict=True))
    preview = ChatPreview(filename, hashlib.sha256(data).hexdigest(), parsed, results, group_kelurahan=group_kel,
                          kelurahan_given=default_kelurahan is not None)
    seen: dict[str, int] = {}
    for i, (msg, rd) in enumerate(zip(parsed.messages, readings, strict=True)):
        fp = msg.fingerprint()
        if rd.outcome == "rejected":
            results.append(RowResult(msg.number, "ditolak", note=rd.reason, line=msg.line))
            continue
        if fp in seen:
            results.append(RowResult(msg.number, "sudah_ada", note=f"sama dengan pesan nomor {seen[fp]}",
                                     line=msg.line))
            continue
        seen[fp] = msg.number
        calm = _calm_row(engine, viewer, msg, rd) if rd.outcome == "checkin" else None
        if isinstance(calm, RowResult):
            results.append(calm)
            continue
        if rd.outcome == "report":
            ch = checked[i]
            if ch.ok:
                rec = cast(dict[str, Any], ch.record)  # ch.ok: a record
                rec.update(source=Source.CHAT.value, source_ref=_chat_ref(msg), created_by=viewer.username)
                results.append(RowResult(msg.number, "baik", [], ch.warnings, rec, line=msg.line,
                                         note=f"terbaca ({'format LAPOR' if rd.via == 'format' else 'teks bebas'})"
                                         + (f"; {rd.reason}" if rd.reason else "")))
                continue
            reason = "; ".join(str(e) for e in ch.errors)
        else:
            reason = calm or rd.reason
            if rd.outcome == "checkin":
                rd.guess["laporan_aman"] = True  # the queue offers "Catat sebagai laporan aman"
        results.append(RowResult(msg.number, "antri", note=reason, line=msg.line))
        preview.queue_rows[msg.number] = {
            "fingerprint": fp, "channel": msg.channel, "sent_at": msg.sent_at,
            "sender": normalise_phone(msg.phone) if msg.phone else msg.sender,
            "text": msg.text,  # the guess also says where the message came from (issue 30.1)
            "guess": json.dumps({**rd.guess, "berkas": safe.clean_text(filename), "grup": safe.clean_text(parsed.subject)},
                                ensure_ascii=False, default=str),
            "reason": reason, "state": "antri", **queue_place(rd.guess.get("kelurahan")),
        }
    prefix = "wa:" if parsed.channel == "whatsapp" else "sms:"
    fps = {m.number: m.fingerprint() for m in parsed.messages}
    live = [r for r in results if r.status in ("baik", "antri")]
    stored = existing_refs(engine, Source.CHAT.value, (prefix + fps[r.row] for r in live))
    in_queue = queued_fingerprints(engine, (fps[r.row] for r in live))
    calm_refs = _existing_checkins(engine, [_passed(r)["source_ref"] for r in results if r.status == "aman"])
    for r in results:
        if r.status == "aman" and _passed(r)["source_ref"] in calm_refs:
            r.status, r.record, r.note = "sudah_ada", None, "laporan aman ini sudah dicatat sebelumnya"
    for r in live:
        no = stored.get(prefix + fps[r.row])
        if no is None and fps[r.row] not in in_queue:
            continue
        r.note = f"sudah diimpor sebelumnya ({no})" if no else "sudah ada di antrean tinjauan"
        r.status, r.record = "sudah_ada", None
        preview.queue_rows.pop(r.row, None)
    return preview


def _calm_row(engine: Engine, viewer: Viewer, msg: chat_mod.ChatMessage, rd: Any) -> RowResult | str | None:
    """A calm message (issue 24): a check-in row ("aman"), or why it goes to the queue (str), or None
    when it names no RT/kelurahan (the reader's own reason then goes to the queue)."""
    from kondusif import checkins

    raw = rd.raw or {}
    if not raw.get("kelurahan") or not raw.get("rt") or msg.sent_at is None:
        return None
    try:
        code, number, unlisted = checkins.check_place(engine, raw["kelurahan"], raw["rt"])
        checkins.check_time(msg.sent_at, msg.sent_at)
        access.require(viewer, "checkin.file", access.Place(code, rt=number))
    except (checkins.CheckinRefused, access.NotPermitted) as exc:
        return f"laporan aman tidak dapat dicatat: {exc}"
    record = {"kelurahan": code, "rt": number, "at": msg.sent_at, "source_ref": _chat_ref(msg),
              "sender_name": msg.sender or None, "phone": normalise_phone(msg.phone) if msg.phone else None}
    return RowResult(msg.number, "aman", record=record, line=msg.line, unlisted_rt=unlisted,
                     note=f"laporan aman RT {number:02d} {gazetteer.kelurahan_name(code)} (bukan kejadian)")


def _existing_checkins(conn_or_engine: Engine | Connection, refs: list[str]) -> set[str]:
    if not refs:
        return set()
    c = store.checkins.c
    stmt = sa.select(c.source_ref).where(c.channel == "chat", c.source_ref.in_(refs))
    if isinstance(conn_or_engine, Engine):
        with conn_or_engine.connect() as conn:
            return set(conn.execute(stmt).scalars())
    return set(conn_or_engine.execute(stmt).scalars())


def commit_chat(engine: Engine, preview: ChatPreview, viewer: Viewer) -> ImportResult:
    """Store the reports and queue the unclear messages of a chat preview, in one transaction."""
    _require_importer(viewer)
    actor = _actor(viewer)
    batch = new_id()
    good = [r for r in preview.results if r.status == "baik"]
    to_queue = [r for r in preview.results if r.status == "antri"]
    with store.write(engine) as conn:
        stored = existing_refs(conn, Source.CHAT.value, (_passed(r)["source_ref"] for r in good))
        fresh = [r for r in good if _passed(r)["source_ref"] not in stored]
        in_queue = queued_fingerprints(conn, (preview.queue_rows[r.row]["fingerprint"] for r in to_queue))
        queue_fresh = [r for r in to_queue if preview.queue_rows[r.row]["fingerprint"] not in in_queue]
        details = [{"impor_chat": batch, "berkas": preview.filename, "pesan": r.row, "baris": r.line,
                    **({"peringatan": _warn_list(r.warnings)} if r.warnings else {})} for r in fresh]
        rows, flagged = insert_records(conn, [dict(_passed(r)) for r in fresh], actor, details, engine)
        enqueue(conn, [{**preview.queue_rows[r.row], "created_at": now()} for r in queue_fresh])
        calm = _commit_calm(conn, engine, viewer, [r for r in preview.results if r.status == "aman"])
        existing = preview.existing + (len(good) - len(fresh)) + (len(to_queue) - len(queue_fresh)) \
            + (preview.calm - calm)
        result = ImportResult(preview.rows_in, len(rows), preview.rejected, existing, len(queue_fresh),
                              flagged, [r["report_no"] for r in rows], batch, checkins=calm)
        store.audit.record(conn, actor, "import", batch, "import_chat",
                           note=f"Impor chat {preview.filename}: {result.summary()}",
                           details={"berkas": preview.filename, "sha256": preview.sha256,
                                 "saluran": preview.chat.channel, "masuk": result.rows_in,
                                 "diimpor": result.imported, "antri": result.queued,
                                 "ditolak": result.rejected, "sudah_ada": result.existing})
    return result


def _commit_calm(conn: Connection, engine: Engine, viewer: Viewer, calm: list[RowResult]) -> int:
    """Record the calm messages of a chat as check-ins (channel chat); returns how many were new."""
    from kondusif import checkins

    new = 0
    for r in calm:
        rec = r.record or {}
        got = checkins.insert_checkin(conn, engine, viewer, kelurahan=rec["kelurahan"], rt=rec["rt"], at=rec["at"],
                                      channel="chat", source_ref=rec["source_ref"], sent_at=rec["at"],
                                      sender_name=rec["sender_name"], phone=rec["phone"])
        new += int(got.created)
    return new


# --------------------------------------------------------------------------- the form


@dataclass
class FormOutcome:
    """Answer to a form submission: the report number, or field errors to show next to the fields."""

    report_no: str | None = None
    incident_id: str | None = None
    created: bool = False
    errors: list[FieldError] = field(default_factory=list)
    warnings: list[FieldError] = field(default_factory=list)
    duplicates: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def ok(self) -> bool:
        return self.report_no is not None


def form_values_for(viewer: Viewer, values: dict[str, Any]) -> dict[str, Any]:
    """The values the server accepts from this viewer: an rt account's own kelurahan and RT, always."""
    clean = dict(values)
    if access.area_of(viewer).level == access.SCOPE_RT:
        clean["kelurahan"] = viewer.kelurahan
        clean["rt"] = viewer.rt
        clean.pop("kecamatan", None)
    for key in ("source", "source_ref", "created_by", "reported_at", "status", "report_no", "id"):
        clean.pop(key, None)
    return clean


def _existing_form(conn_or_engine: Engine | Connection, token: str) -> dict[str, Any] | None:
    c = store.incidents.c
    stmt = sa.select(c.id, c.report_no, c.created_by).where(c.source == Source.FORM.value,
                                                            c.source_ref == token)
    if isinstance(conn_or_engine, Engine):
        with conn_or_engine.connect() as conn:
            row = conn.execute(stmt).mappings().first()
    else:
        row = conn_or_engine.execute(stmt).mappings().first()
    return dict(row) if row else None


def _duplicates_shown(engine: Engine, viewer: Viewer, incident_id: str) -> pd.DataFrame:
    return duplicates.candidates_for(engine, incident_id, viewer)


def submit_form(
    engine: Engine,
    viewer: Viewer,
    values: dict[str, Any],
    token: str,
    photo: tuple[bytes, str] | None = None,
    rules: Rules | None = None,
) -> FormOutcome:
    """File one report from the form. The same token filed again returns the same report number.

    For an ``rt`` viewer the kelurahan and RT are the account's, whatever ``values`` say.
    """
    access.require(viewer, "form.submit")
    area = access.area_of(viewer)
    if not area.linked:
        return FormOutcome(errors=[FieldError("rt", "Akun Ketua RT ini belum terhubung ke kelurahan/RT. "
                                                    "Hubungi operator.")])
    if not token or len(token) > 100:
        return FormOutcome(errors=[FieldError("row", "Formulir kedaluwarsa; muat ulang halaman.")])
    prior = _existing_form(engine, token)
    if prior is not None:
        return _replay(engine, viewer, prior)
    raw = form_values_for(viewer, values)
    rules = rules or make_rules(engine, viewer, check_rt_registry=area.level != access.SCOPE_RT)
    checked = check_record(raw, rules)
    errors = list(checked.errors)
    clean: CleanPhoto | None = None
    if photo is not None and photo[0]:
        try:
            clean = clean_photo(photo[0], photo[1])
        except PhotoRejected as exc:
            errors.append(FieldError("photo", str(exc)))
    if errors:
        return FormOutcome(errors=errors, warnings=checked.warnings)
    rec = cast(dict[str, Any], checked.record)  # no errors: a record
    rec.update(source=Source.FORM.value, source_ref=token, created_by=viewer.username, id=new_id())
    detail: dict[str, Any] = {"formulir": True}
    if checked.warnings:
        detail["peringatan"] = _warn_list(checked.warnings)
    if clean is not None:
        detail["foto"] = {"ukuran": clean.size, "sha256": clean.sha256}
    try:
        with store.write(engine) as conn:
            again = _existing_form(conn, token)
            if again is not None:
                raise _AlreadyFiled()
            rows, _ = insert_records(conn, [rec], viewer.username, [detail], engine)
            if clean is not None:
                add_attachment(conn, rows[0]["id"], clean)
    except (_AlreadyFiled, sa.exc.IntegrityError):
        prior = _existing_form(engine, token)
        if prior is None:
            raise
        return _replay(engine, viewer, prior)
    row = rows[0]
    return FormOutcome(row["report_no"], row["id"], True, [], checked.warnings,
                       _duplicates_shown(engine, viewer, row["id"]) if row["possible_duplicate"] else pd.DataFrame())


class _AlreadyFiled(Exception):
    pass


def _replay(engine: Engine, viewer: Viewer, prior: dict[str, Any]) -> FormOutcome:
    if prior["created_by"] != viewer.username:
        return FormOutcome(errors=[FieldError("row", "Formulir kedaluwarsa; muat ulang halaman.")])
    return FormOutcome(prior["report_no"], prior["id"], False, [], [], _duplicates_shown(engine, viewer, prior["id"]))
