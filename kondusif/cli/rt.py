"""RT registry commands (issue 31): rt impor FILE | rt status.

`rt impor` reads the official list from Bagian Pemerintahan (CSV or XLSX), prints the
difference with the list in use and applies it in one transaction unless `--coba`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kondusif import registry, store
from kondusif.cli.users import _actor
from lubuklinggau_geo import gazetteer

_SHOW = 20  # rows of each list printed; the rest are counted


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("rt", help="daftar RT resmi: impor dari berkas Bagian Pemerintahan, status")
    rsub = p.add_subparsers(dest="rt_command", required=True, metavar="SUBPERINTAH")
    i = rsub.add_parser("impor", help="impor daftar RT resmi (CSV ; atau , atau XLSX); tampilkan beda lalu terapkan")
    i.add_argument("file", type=Path, metavar="BERKAS")
    i.add_argument("--coba", action="store_true", help="hanya tampilkan beda dan masalah baris; tidak menyimpan")
    i.set_defaults(func=cmd_import)
    s = rsub.add_parser("status", help="daftar RT yang dipakai: contoh atau resmi, jumlah RT, RT yang dihapus")
    s.set_defaults(func=cmd_status)


def _place(kode: str, rt: int) -> str:
    return f"RT {rt:03d} Kel. {gazetteer.kelurahan_name(kode)}"


def _print_list(title: str, lines: list[str]) -> None:
    if not lines:
        return
    print(f"{title} ({len(lines)}):")
    for line in lines[:_SHOW]:
        print(f"  {line}")
    if len(lines) > _SHOW:
        print(f"  … dan {len(lines) - _SHOW} lagi")


def cmd_import(args: argparse.Namespace) -> int:
    path: Path = args.file
    if not path.is_file():
        print(f"Galat: berkas {str(path)} tidak ada.", file=sys.stderr)
        return 2
    parsed = registry.read_official(path.read_bytes(), path.name)
    engine = store.get_engine()
    viewer = _actor()
    print(f"Berkas {path.name}: {parsed.result.rows_read} baris dibaca, {len(parsed.frame)} RT baik.")
    for err in parsed.errors:
        print(f"  {str(err)}", file=sys.stderr)
    diff = registry.preview_official(engine, viewer, parsed)
    _print_list("RT baru", [_place(k, r) for k, r in diff.added])
    removed = diff.removed
    if diff.replaces_sample:
        # the sample's invented RTs are many and mean nothing; name only those reports or accounts use
        print(f"Daftar RT CONTOH diganti: {len(removed)} RT contoh tidak ada di daftar resmi.")
        removed = [x for x in removed if x.reports or x.accounts or x.checkins]
    _print_list("RT dihapus dari daftar (laporan dan akunnya tetap disimpan, RT-nya ditandai)",
                [f"{_place(x.kode_kelurahan, x.rt)}: {x.reports} laporan, {x.checkins} kabar aman, {x.accounts} akun"
                 for x in removed])
    _print_list("Ketua berganti nama", [f"{_place(k, r)}: {old or '-'} → {new or '-'}"
                                        for k, r, old, new in diff.renamed])
    _print_list("Nomor HP baru", [f"{_place(k, r)}: {p}" for k, r, p in diff.new_phones])
    if parsed.errors:
        print(f"Galat: {len(parsed.errors)} masalah di berkas; daftar TIDAK diterapkan (RT yang hilang dari daftar "
              "akan dianggap dihapus). Perbaiki baris di atas lalu impor lagi.", file=sys.stderr)
        return 2
    if args.coba:
        print(f"Uji coba (--coba), tidak ada yang disimpan: {diff.summary()}")
        return 0
    outcome = registry.apply_official(engine, viewer, parsed)
    print(("Daftar RT resmi diterapkan: " if outcome.applied else "") + outcome.message)
    if outcome.applied:
        print("Langkah berikut: `python -m kondusif users bulk-rt --out pin-rt.csv` (akun + PIN + kartu masuk), "
              "`users phones-from-registry` (nomor HP SMS), `kartu-sms --per-rt` (kartu SMS).")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    engine = store.get_engine()
    reg = registry.rt_registry(engine)
    kind = "CONTOH (bukan data resmi Setda)" if registry.registry_is_sample(reg) else "resmi"
    print(f"Daftar RT yang dipakai: {kind}, {len(reg)} RT di {reg['kode_kelurahan'].nunique()} kelurahan.")
    removed = registry.removed_rts(engine, _actor())
    if len(removed):
        _print_list("RT yang dihapus dari daftar resmi (disimpan, ditandai)",
                    [_place(str(k), int(r)) for k, r in zip(removed["kode_kelurahan"], removed["rt"], strict=True)])
    return 0
