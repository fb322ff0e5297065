"""Import commands: `import FILE` (CSV/XLSX, Kobo, Ushahidi) and `import-chat FILE` (WhatsApp/SMS)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kondusif import access, registry, store
from kondusif.config import settings
from kondusif.db_unavailable import cli_message, disk_reason
from kondusif.intake import layouts, pipeline, worker
from kondusif.intake.files import FileRefused
from kondusif.model import Role, Viewer
from lubuklinggau_geo import gazetteer
from lubuklinggau_geo.names import GeoNameError, find_kelurahan

LAYOUT_NAMES = {**layouts.LAYOUT_NAMES, "tersimpan": "pemetaan tersimpan", "manual": "pemetaan dari perintah"}
SHOW_REJECTS = 20


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import", help="impor laporan dari CSV/XLSX (KoboToolbox, Ushahidi, atau pemetaan kolom)")
    p.add_argument("file", type=Path, help="berkas .csv atau .xlsx")
    p.add_argument("--mapping", type=Path, help='berkas JSON pemetaan kolom, mis. {"kategori": "Jenis"}')
    p.add_argument("--map", action="append", default=[], metavar="SASARAN=KOLOM",
                   help="petakan satu kolom, mis. --map kategori=Jenis (boleh berulang)")
    p.add_argument("--dry-run", action="store_true", help="periksa saja, jangan simpan apa pun")
    p.add_argument("--rejects", type=Path, metavar="OUT.csv", help="tulis baris yang ditolak ke berkas CSV ini")
    p.add_argument("--as", dest="as_user", metavar="USER", help="impor atas nama pengguna ini (panwaslu/admin)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("import-chat", help="impor ekspor chat WhatsApp (.txt) atau SMS satu per baris")
    p.add_argument("file", type=Path)
    p.add_argument("--channel", choices=["whatsapp", "sms"], help="bawaan: dikenali dari isi berkas")
    p.add_argument("--kelurahan", help="kelurahan grup ini, dipakai bila pesan tidak menyebut kelurahan")
    p.add_argument("--dry-run", action="store_true")
    p.add_argument("--rejects", type=Path, metavar="OUT.csv")
    p.add_argument("--as", dest="as_user", metavar="USER")
    p.set_defaults(func=cmd_import_chat)


def _err(msg: str) -> None:
    print(f"Galat: {msg}", file=sys.stderr)


def _os_err(exc: BaseException) -> None:
    """An OS error in one line: a full/read-only disk in the words the whole app uses (issue 13)."""
    _err(cli_message(exc) if disk_reason(exc) else str(exc))


def read_upload(path: Path) -> bytes:
    """The file's bytes; a file over the upload limit is refused by its size, before it is read (issue 8)."""
    limit = settings().max_upload_bytes
    size = path.stat().st_size
    if size > limit:
        raise FileRefused(f"Berkas terlalu besar ({size / 1024 / 1024:.0f} MB); batasnya "
                          f"{limit / 1024 / 1024:.0f} MB. Pecah menjadi beberapa berkas.")
    return path.read_bytes()


def resolve_viewer(engine, username: str | None) -> Viewer:
    """The importing user: --as USER from the users table, else the command line as operator."""
    if not username:
        return Viewer("cli", Role.ADMIN, display_name="Baris perintah")  # explicit system viewer of the CLI
    u = store.users.c
    with engine.connect() as conn:
        row = conn.execute(sa.select(u.username, u.display_name, u.role, u.kecamatan, u.kelurahan, u.rt, u.active)
                           .where(u.username == username)).mappings().first()
    if row is None or not row["active"]:
        raise access.NotPermitted(f"pengguna {username!r} tidak ada atau tidak aktif")
    viewer = Viewer(row["username"], Role(row["role"]), row["display_name"] or "", row["kecamatan"],
                    row["kelurahan"], row["rt"])
    return access.require(viewer, "import.run")


def mapping_from_args(header: list[str], mapping_file: Path | None, pairs: list[str]) -> layouts.ColumnMapping | None:
    """A ColumnMapping from --mapping JSON and --map pairs; None when neither is given."""
    if mapping_file is None and not pairs:
        return None
    base = layouts.detect_mapping(header)
    columns: dict[str, str] = {}
    if mapping_file is not None:
        data = json.loads(mapping_file.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "columns" in data:
            data = data["columns"]
        if not isinstance(data, dict):
            raise ValueError("berkas pemetaan harus berisi objek JSON {sasaran: kolom}")
        for target, col in data.items():
            columns[layouts.normalise_target(target)] = str(col)
    for pair in pairs:
        if "=" not in pair:
            raise ValueError(f"--map {pair!r}: tulis SASARAN=KOLOM, mis. kategori=Jenis")
        target, col = pair.split("=", 1)
        columns[layouts.normalise_target(target.strip())] = col.strip()
    merged = {**base.columns, **columns}
    return dataclasses.replace(base, columns=merged, layout="manual" if base.layout in ("otomatis",) else base.layout)


def _print_counts(rows_in: int, imported: int, rejected: int, existing: int, queued: int | None = None,
                  dry: bool = False, calm: int = 0) -> None:
    verb = "akan diimpor" if dry else "diimpor"
    q = f" + {queued} ke antrean tinjauan" if queued is not None else ""
    c = f" + {calm} laporan aman" if calm else ""  # issue 24: check-ins, never incidents
    print(f"Masuk      : {rows_in} = {imported} {verb}{c}{q} + {rejected} ditolak + {existing} sudah ada")


def _open(args: argparse.Namespace) -> tuple[Engine, Viewer, bytes] | int:
    """Engine, acting viewer and the file's bytes; or the exit code after saying what is wrong."""
    engine = store.get_engine()
    registry.ensure_rt_registry(engine)
    try:
        viewer = resolve_viewer(engine, args.as_user)
        data = read_upload(args.file)
    except FileRefused as exc:
        _err(str(exc))
        return 1
    except (PermissionError, OSError) as exc:
        _os_err(exc)
        return 2
    return engine, viewer, data


def cmd_import(args: argparse.Namespace) -> int:
    opened = _open(args)
    if isinstance(opened, int):
        return opened
    engine, viewer, data = opened
    db_url = engine.url.render_as_string(hide_password=False)
    try:
        # Read and checked in the import worker (own process, CPU/memory/row limits), as on the page.
        preview = worker.run("file", data, args.file.name, viewer, db_url=db_url)
        override = mapping_from_args(preview.table.header, args.mapping, args.map)
        if override is not None:
            preview = worker.run("file", data, args.file.name, viewer, mapping=override, db_url=db_url)
    except FileRefused as exc:
        _err(str(exc))
        return 1
    except (ValueError, OSError) as exc:
        _os_err(exc)
        return 2
    m = preview.mapping
    print(f"Berkas     : {args.file.name} — {preview.table.describe()}; tata letak: "
          f"{LAYOUT_NAMES.get(m.layout, m.layout)}")
    for label, col in m.describe():
        print(f"  {label:<32} <- {col}")
    for note in preview.table.notes:
        print(f"Catatan    : {note}")
    if not preview.ready:
        _err("; ".join(preview.problems))
        print("Kolom di berkas: " + ", ".join(preview.table.header), file=sys.stderr)
        print("Petakan dengan --map SASARAN=KOLOM (sasaran: " + ", ".join(layouts.TARGETS) + ").", file=sys.stderr)
        return 1
    if args.rejects:
        args.rejects.write_bytes(preview.rejects_csv())
    queued = preview.queued or None  # rows only a person can judge (an RT missing from the official list)
    if args.dry_run:
        _print_counts(preview.rows_in, preview.good, preview.rejected, preview.existing, queued, dry=True)
    else:
        if override is not None:
            layouts.save_mapping(engine, preview.table.header, override, viewer.username)
        result = pipeline.commit_file(engine, preview, viewer)
        _print_counts(result.rows_in, result.imported, result.rejected, result.existing, queued and result.queued)
        if result.report_nos:
            print(f"Nomor      : {result.report_nos[0]} … {result.report_nos[-1]}")
        if result.possible_duplicates:
            print(f"Duplikat?  : {result.possible_duplicates} laporan ditandai kemungkinan duplikat")
    if preview.unlisted_rt:
        rows = ", ".join(str(r.row) for r in preview.results if r.status == "baik" and r.unlisted_rt)
        print(f"RT contoh  : {preview.unlisted_rt} baris baik dengan RT yang tidak ada di daftar contoh "
              f"(tetap diimpor, ditandai): baris {rows}")
    _print_rejects(preview.results)
    if args.rejects:
        print(f"Baris ditolak ditulis ke {args.rejects}")
    return 0


def _print_rejects(results: list[pipeline.RowResult], label: str = "baris") -> None:
    bad = [r for r in results if r.status == "ditolak"]
    for r in bad[:SHOW_REJECTS]:
        print(f"  {label} {r.row}: {r.reason()}")
    if len(bad) > SHOW_REJECTS:
        print(f"  … dan {len(bad) - SHOW_REJECTS} lainnya (pakai --rejects OUT.csv)")


def cmd_import_chat(args: argparse.Namespace) -> int:
    opened = _open(args)
    if isinstance(opened, int):
        return opened
    engine, viewer, data = opened
    default_kel = None
    if args.kelurahan:
        try:
            default_kel = find_kelurahan(args.kelurahan)
        except GeoNameError as exc:
            _err(str(exc))
            return 2
    try:
        preview = worker.run("chat", data, args.file.name, viewer, channel=args.channel,
                             default_kelurahan=default_kel, db_url=engine.url.render_as_string(hide_password=False))
    except FileRefused as exc:
        _err(str(exc))
        return 1
    print(f"Berkas     : {args.file.name} — {preview.chat.describe()}")
    if default_kel:
        print(f"Kelurahan  : {gazetteer.kelurahan_name(default_kel)} (dari --kelurahan)")
    elif preview.group_kelurahan:
        print(f"Grup       : «{preview.group_subject}» -> Kelurahan "
              f"{gazetteer.kelurahan_name(preview.group_kelurahan)} (ganti dengan --kelurahan)")
    elif preview.group_subject:
        print(f"Grup       : «{preview.group_subject}» (tidak menyebut kelurahan)")
    if args.rejects:
        args.rejects.write_bytes(preview.rejects_csv())
    if args.dry_run:
        _print_counts(preview.rows_in, preview.good, preview.rejected, preview.existing, preview.queued, dry=True,
                      calm=preview.calm)
    else:
        result = pipeline.commit_chat(engine, preview, viewer)
        _print_counts(result.rows_in, result.imported, result.rejected, result.existing, result.queued,
                      calm=result.checkins)
        if result.possible_duplicates:
            print(f"Duplikat?  : {result.possible_duplicates} laporan ditandai kemungkinan duplikat")
    _print_rejects(preview.results, "pesan")
    return 0
