"""Command line: ``python -m lubuklinggau_geo fetch|import|check|rt-check``.

Output in Bahasa Indonesia. Exit codes: 0 ok, 1 data problem (download
failed, file incomplete or invalid), 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_DATA, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="python -m lubuklinggau_geo",
        description="Batas wilayah dan daftar RT Kota Lubuklinggau.")
    sub = ap.add_subparsers(dest="cmd", required=True, metavar="PERINTAH")
    f = sub.add_parser("fetch", help="unduh berkas sumber yang dipatok dan pasang batas wilayah")
    f.add_argument("--from", dest="from_file", type=Path, metavar="FILE",
                   help="pakai salinan lokal berkas sumber (.sql) alih-alih mengunduh")
    f.add_argument("--dest", type=Path, metavar="DIR", help="folder tujuan (default: data/geo)")
    i = sub.add_parser("import", help="pasang berkas batas kelurahan resmi kota")
    i.add_argument("file", type=Path, metavar="FILE", help="GeoJSON, GeoPackage atau Shapefile ber-zip")
    i.add_argument("--dest", type=Path, metavar="DIR", help="folder tujuan (default: data/geo)")
    g = i.add_mutually_exclusive_group(required=True)
    g.add_argument("--code-field", metavar="F", help="kolom berisi kode kelurahan (16.73.01.1001)")
    g.add_argument("--name-field", metavar="F", help="kolom berisi nama kelurahan")
    i.add_argument("--kecamatan-field", metavar="F", help="kolom nama/kode kecamatan (membantu --name-field)")
    c = sub.add_parser("check", help="periksa batas wilayah yang terpasang")
    c.add_argument("--dir", type=Path, metavar="DIR", help="folder yang diperiksa (default: yang dipakai aplikasi)")
    r = sub.add_parser("rt-check", help="periksa berkas daftar RT (CSV)")
    r.add_argument("file", type=Path, metavar="FILE")
    return ap


def _fetch(args: argparse.Namespace) -> int:
    from .build import fetch
    from .errors import GeoError

    try:
        res = fetch(dest=args.dest, from_file=args.from_file)
    except GeoError as exc:
        print(f"Gagal: {exc}", file=sys.stderr)
        print("Tidak ada berkas yang ditulis.", file=sys.stderr)
        return EXIT_DATA
    for w in res.warnings:
        print(f"Peringatan: {w}")
    c = res.counts
    print(f"Batas wilayah ditulis ke {res.dest}: kelurahan {c['kelurahan']}, kecamatan {c['kecamatan']}, "
          f"kota {c['kota']} fitur.")
    for n in res.notes:
        print(f"  {n}")
    return EXIT_OK


def _import(args: argparse.Namespace) -> int:
    from .errors import GeoError, ImportFailed
    from .importer import import_official

    try:
        rep = import_official(args.file, dest=args.dest, code_field=args.code_field,
                              name_field=args.name_field, kecamatan_field=args.kecamatan_field)
    except ImportFailed as exc:
        report: Any = exc.report
        if report is not None and getattr(report, "features", None):
            for line in report.lines():
                print(line)
        print(f"Gagal: {exc}", file=sys.stderr)
        return EXIT_DATA
    except GeoError as exc:
        print(f"Gagal: {exc}", file=sys.stderr)
        return EXIT_DATA
    for line in rep.lines():
        print(line)
    if not rep.complete:
        print("Berkas ditulis, tetapi belum lengkap (lihat daftar di atas).")
        return EXIT_DATA
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    from .boundaries import status
    from .build import check

    if args.dir is None:
        st = status()  # builds the packaged extract on first use
        print(f"Sumber yang dipakai: {st.label}")
        print(st.message)
        if not st.available:
            return EXIT_DATA
        rep = check(st.directory)
    else:
        print("Sumber yang diperiksa: folder --dir")
        rep = check(args.dir)
    print(f"Folder: {rep.directory}")
    print(rep.summary())
    for p in rep.problems:
        print(f"  - {p}")
    return EXIT_OK if rep.ok else EXIT_DATA


def _rt_check(args: argparse.Namespace) -> int:
    from .boundaries import status
    from .rt import SAMPLE_NOTICE, is_sample, load_registry

    if not args.file.is_file():
        print(f"Berkas {args.file} tidak ada.", file=sys.stderr)
        return EXIT_USAGE
    res = load_registry(args.file)
    print(f"{res.rows_read} baris dibaca, {len(res.df)} baris sah, {len(res.errors)} masalah.")
    if not status().available:
        print("Batas wilayah belum terpasang: titik RT tidak diperiksa terhadap poligon kelurahan.")
    for e in res.errors:
        print(f"  {e}")
    if is_sample(res.df):
        print(SAMPLE_NOTICE)
    return EXIT_OK if res.ok else EXIT_DATA


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    args = _parser().parse_args(argv)
    handler = {"fetch": _fetch, "import": _import, "check": _check, "rt-check": _rt_check}[args.cmd]
    return handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
