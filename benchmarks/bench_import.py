"""Prints how fast files are imported and how much memory the reading process takes.

Usage: python benchmarks/bench_import.py [--cases csv:100000,csv:600000,xlsx:100000] [--inprocess]

Each case runs in a fresh process: a generated file (about 2 % bad rows, names
spelled the way people type them, under the 50 MB upload limit) is previewed and
committed into a temporary SQLite store. By default the preview runs in the
import worker (kondusif.intake.worker, the app's and CLI's path) and the peak
RSS printed is the worker's; `--inprocess` (or code without the worker, e.g.
main before issue 13) previews in the benchmark process itself, as before.
Target: the 100,000-row CSV in under 15 s. Also prints the XLSX reader
comparison (python-calamine vs openpyxl) on the 100,000-row sheet.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CATEGORIES = ["Politik Uang", "intimidasi", "hoaks", "APK", "bentrok", "netralitas ASN", "gangguan TPS"]
HEADER = ["Tanggal", "Kelurahan", "RT", "Jenis", "Tingkat", "Judul"]


def rows_of(n: int, reg) -> list[list[object]]:
    from lubuklinggau_geo import gazetteer

    rng = random.Random(5)
    names = gazetteer.kelurahan().set_index("kode")["nama"].to_dict()
    units = list(reg[["kode_kelurahan", "rt"]].itertuples(index=False, name=None))
    start = datetime(2018, 2, 15)
    out = []
    for i in range(n):
        kel, rt = units[rng.randrange(len(units))]
        name = rng.choice([names[kel], names[kel].upper(), f"Kel. {names[kel]}"])
        when = start + timedelta(minutes=rng.randrange(0, 150 * 24 * 60))
        rt_cell = rng.choice(["99", "abc", ""]) if i % 50 == 7 else f"{rt:02d}"
        out.append([when.strftime("%d/%m/%Y %H.%M"), name, rt_cell, rng.choice(CATEGORIES),
                    rng.choice(["ringan", "sedang", "berat"]), f"Laporan {i}"])
    return out


def make_file(path: Path, kind: str, n: int, reg) -> None:
    rows = rows_of(n, reg)
    if kind == "csv":
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, delimiter=";")
            w.writerow(HEADER)
            w.writerows(rows)
    else:
        import openpyxl

        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet("laporan")
        ws.append(HEADER)
        for r in rows:
            ws.append(r)
        wb.save(path)


def cpu_seconds() -> float:
    """User + system CPU of this process and its finished children (the worker)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def hwm_kb() -> int:
    return int(re.search(r"VmHWM:\s+(\d+) kB", Path("/proc/self/status").read_text()).group(1))


def one_case(kind: str, n: int, inprocess: bool) -> None:
    from kondusif import registry, store
    from kondusif.intake import pipeline
    from kondusif.model import Role, Viewer

    try:
        from kondusif.intake import worker
    except ImportError:  # code from before the worker
        worker, inprocess = None, True
    viewer = Viewer("bench", Role.ADMIN)
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["KONDUSIF_DATA_DIR"] = tmp
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        os.environ["KONDUSIF_DB_URL"] = url
        engine = store.get_engine(url)
        registry.ensure_rt_registry(engine)
        path = Path(tmp) / f"laporan.{kind}"
        make_file(path, kind, n, registry.rt_registry(engine))
        data = path.read_bytes()
        before = hwm_kb()
        c0 = cpu_seconds()
        t0 = time.perf_counter()
        if inprocess:
            preview = pipeline.preview_file(engine, data, path.name, viewer)
        else:
            jobs = []
            preview = worker.run("file", data, path.name, viewer, db_url=url, job_seen=jobs.append)
        t1 = time.perf_counter()
        c1 = cpu_seconds()
        result = pipeline.commit_file(engine, preview, viewer)
        t2 = time.perf_counter()
        engine.dispose()
    reader_kb = hwm_kb() if inprocess else (jobs[0].peak_rss_kb or 0)
    where = "this process" if inprocess else "worker"
    print(f"{kind.upper()} {n:,} rows: read+check CPU {c1 - c0:.1f} s ({n / (c1 - c0):,.0f} rows/s), "
          f"commit CPU {cpu_seconds() - c1:.1f} s (CPU time: this process + worker; steady under load)")
    print(f"{kind.upper()} {n:,} rows ({len(data) / 1e6:.1f} MB): read+check {t1 - t0:.1f} s "
          f"({n / (t1 - t0):,.0f} rows/s), commit {t2 - t1:.1f} s, total {t2 - t0:.1f} s "
          f"({n / (t2 - t0):,.0f} rows/s); peak RSS {where} {reader_kb / 1024:.0f} MB "
          f"(process before reading {before / 1024:.0f} MB); {result.imported} imported")


def readers(n: int) -> None:
    """python-calamine against openpyxl on the same 100,000-row sheet (reading only)."""
    from kondusif import config, registry, store
    from kondusif.intake import files

    with tempfile.TemporaryDirectory() as tmp:
        engine = store.get_engine(f"sqlite:///{Path(tmp) / 'r.db'}")
        registry.ensure_rt_registry(engine)
        path = Path(tmp) / "laporan.xlsx"
        make_file(path, "xlsx", n, registry.rt_registry(engine))
        data = path.read_bytes()
        engine.dispose()
    for name in ("calamine", "openpyxl"):
        t0 = time.perf_counter()
        with config.overrides(**{"intake.xlsx_reader": name}):
            table = files.read_table(data, "laporan.xlsx")
        print(f"XLSX reader {name:<9}: {len(table):,} rows in {time.perf_counter() - t0:.1f} s")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", default="csv:100000,csv:600000,xlsx:100000")
    ap.add_argument("--inprocess", action="store_true")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    ap.add_argument("--readers", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        kind, n = args.one.split(":")
        one_case(kind, int(n), args.inprocess)
        return
    if args.readers:
        readers(args.readers)
        return
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start "
          "(wall times grow with load)")
    for case in args.cases.split(","):
        cmd = [sys.executable, __file__, "--one", case] + (["--inprocess"] if args.inprocess else [])
        subprocess.run(cmd, check=False)
    subprocess.run([sys.executable, __file__, "--readers", "100000"], check=False)


if __name__ == "__main__":
    main()
