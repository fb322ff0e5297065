"""Prints how long the official RT list takes to read, diff and apply (issue 31).

A city-sized list (the 522 RT of the sample's kelurahan and numbers, with invented heads
and phones, written as the office keeps it: title row, `;`, "RT 003") is read from CSV
and from XLSX, previewed against the sample, applied, and imported once more (no change),
on a fresh SQLite store, or PostgreSQL when KONDUSIF_PG_URL is set (`source .ci/postgres.sh`).

Usage: python benchmarks/bench_rt_import.py
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _official_csv() -> str:
    from lubuklinggau_geo import gazetteer
    from lubuklinggau_geo import rt as geo_rt

    lines = ["DAFTAR KETUA RT KOTA LUBUKLINGGAU (uji kecepatan, nama dan nomor buatan)",
             "No;Kelurahan;No. RT;Nama Ketua RT;No. HP"]
    for n, r in enumerate(geo_rt.sample_registry().itertuples(), start=1):
        lines.append(f"{n};{gazetteer.kelurahan_name(r.kode_kelurahan)};RT {int(r.rt):03d};Ketua {n};"
                     f"0812-7{n:03d}-{n:04d}")
    return "\n".join(lines) + "\n"


def _xlsx(text: str) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for line in text.splitlines():
        sheet.append(line.split(";"))
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _timed(label: str, fn):
    start = time.perf_counter()
    out = fn()
    print(f"{label:<44} {time.perf_counter() - start:7.3f} s")
    return out


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-rt-") as tmp:
        pg = os.environ.get("KONDUSIF_PG_URL")
        os.environ["KONDUSIF_DATA_DIR"] = tmp
        os.environ["KONDUSIF_DB_URL"] = (f"{pg.rsplit('/', 1)[0]}/bench_rt_{uuid.uuid4().hex[:8]}" if pg
                                         else f"sqlite:///{Path(tmp) / 'bench.db'}")
        if pg:
            import sqlalchemy as sa

            admin = sa.create_engine(pg, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.exec_driver_sql(f"CREATE DATABASE {os.environ['KONDUSIF_DB_URL'].rsplit('/', 1)[1]}")
        from kondusif import registry, store
        from kondusif.model import Role, Viewer

        engine = store.get_engine()
        registry.ensure_rt_registry(engine)
        admin_viewer = Viewer("bench", Role.ADMIN)
        text = _official_csv()
        data_csv, data_xlsx = text.encode("utf-8-sig"), _xlsx(text)
        print(f"store: {engine.dialect.name}; list: 522 RT, CSV {len(data_csv):,} B, XLSX {len(data_xlsx):,} B")
        parsed = _timed("read CSV (522 rows, validated)", lambda: registry.read_official(data_csv, "rt.csv"))
        _timed("read XLSX (522 rows, validated)", lambda: registry.read_official(data_xlsx, "rt.xlsx"))
        assert not parsed.errors, parsed.errors[:3]
        _timed("preview diff against the sample", lambda: registry.preview_official(engine, admin_viewer, parsed))
        out = _timed("apply (one transaction, replaces the sample)",
                     lambda: registry.apply_official(engine, admin_viewer, parsed))
        again = _timed("apply the same list again (no change)",
                       lambda: registry.apply_official(engine, admin_viewer, parsed))
        print(f"first: {out.message}\nagain: {again.message}")
        store.dispose_engines()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
