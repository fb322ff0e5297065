"""Election-day load: every RT files reports at once through the form's code path.

522 simulated RT accounts (the sample registry) each file 10 reports
concurrently via kondusif.intake.pipeline.submit_form — the function the form
page calls — and each also re-sends one submission, as a flaky phone would.
Prints reports/s and p50/p95/p99 latency, then checks 5,220 stored, none lost,
none doubled.

Usage:
  python benchmarks/bench_load.py                       # SQLite file in a temp dir
  python benchmarks/bench_load.py --db-url URL          # e.g. PostgreSQL: postgresql+psycopg://...
  python benchmarks/bench_load.py --pg                  # start a throw-away PostgreSQL (.ci/postgres.sh)
Options: --workers N (threads, default 16), --per-rt N (default 10).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from kondusif import registry, store  # noqa: E402
from kondusif.config import settings  # noqa: E402
from kondusif.intake.pipeline import submit_form  # noqa: E402
from kondusif.model import Role, Viewer, rt_username  # noqa: E402

CATEGORIES = ["politik_uang", "perusakan_apk", "intimidasi", "bentrokan", "gangguan_tps"]
SEVERITIES = ["ringan", "sedang", "berat"]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def run(db_url: str, workers: int, per_rt: int) -> bool:
    os.environ["KONDUSIF_DB_URL"] = db_url
    settings.cache_clear()
    store.dispose_engines()
    engine = store.get_engine(db_url)
    registry.ensure_rt_registry(engine)
    reg = registry.rt_registry(engine)
    viewers = [
        Viewer(rt_username(k, r), Role.RT, kelurahan=k, rt=int(r))
        for k, r in zip(reg["kode_kelurahan"], reg["rt"], strict=True)
    ]
    voting = datetime(2018, 6, 27, 8, 0, tzinfo=UTC)
    jobs = []
    for i, viewer in enumerate(viewers):
        for j in range(per_rt):
            jobs.append((viewer, {
                "category": CATEGORIES[(i + j) % len(CATEGORIES)],
                "severity": SEVERITIES[(i * 7 + j) % 3],
                "occurred_at": voting + timedelta(minutes=i % 300, seconds=j),
                "title": f"Uji beban RT {viewer.rt:02d} laporan {j + 1}",
                "description": "Laporan uji beban (simulasi hari pemungutan suara).",
            }, f"load-{uuid.uuid4()}"))
    resend = [jobs[i * per_rt] for i in range(len(viewers))]  # one re-send per RT
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def one(job) -> None:
        viewer, values, token = job
        t0 = time.perf_counter()
        try:
            outcome = submit_form(engine, viewer, values, token)
            ok = outcome.ok
            msg = "; ".join(e.message for e in outcome.errors) if not ok else ""
        except Exception as exc:  # noqa: BLE001 - a benchmark reports every failure
            ok, msg = False, repr(exc)
        dt = time.perf_counter() - t0
        with lock:
            latencies.append(dt)
            if not ok:
                errors.append(msg)

    t_start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(one, jobs + resend))
    wall = time.perf_counter() - t_start

    with engine.connect() as conn:
        c = store.incidents.c
        stored = conn.execute(sa.select(sa.func.count()).where(c.source == "form")).scalar()
        distinct_tokens = conn.execute(
            sa.select(sa.func.count(sa.distinct(c.source_ref))).where(c.source == "form")).scalar()
        distinct_numbers = conn.execute(
            sa.select(sa.func.count(sa.distinct(c.report_no))).where(c.source == "form")).scalar()
    expected = len(jobs)
    lost = expected - distinct_tokens
    doubled = stored - distinct_tokens
    backend = sa.engine.make_url(db_url).get_backend_name()
    ms = [x * 1000 for x in latencies]
    print(f"== {backend}: {len(viewers)} RT × {per_rt} laporan, {workers} threads, +{len(resend)} re-sends")
    print(f"submissions          : {len(latencies):,} in {wall:.1f} s = {len(latencies) / wall:,.0f} reports/s")
    print(f"latency ms p50/p95/p99: {statistics.median(ms):.0f} / {percentile(ms, 95):.0f} / "
          f"{percentile(ms, 99):.0f} (max {max(ms):.0f})")
    print(f"stored               : {stored:,} (expected {expected:,}); lost {lost}, doubled {doubled}; "
          f"report numbers unique: {distinct_numbers == stored}")
    if errors:
        print(f"errors               : {len(errors)}; first: {errors[0]}")
    store.dispose_engines()
    return stored == expected and lost == 0 and doubled == 0 and not errors


def start_pg() -> tuple[str, str]:
    script = f"source {ROOT / '.ci' / 'postgres.sh'} >/dev/null && echo $KONDUSIF_PG_URL && echo $PG_STOP"
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True).stdout.split("\n")
    return out[0], out[1]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db-url")
    ap.add_argument("--pg", action="store_true", help="start a throw-away PostgreSQL for the run")
    ap.add_argument("--workers", type=int, default=16)
    ap.add_argument("--per-rt", type=int, default=10)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["KONDUSIF_DATA_DIR"] = tmp
        if args.pg:
            url, stop = start_pg()
            try:
                ok = run(url, args.workers, args.per_rt)
            finally:
                subprocess.run(["bash", "-c", f"as_pg() {{ if [ $(id -u) = 0 ]; then runuser -u postgres -- \"$@\"; "
                                              f"else \"$@\"; fi; }}; {stop}"], capture_output=True)
        else:
            ok = run(args.db_url or f"sqlite:///{Path(tmp) / 'load.db'}", args.workers, args.per_rt)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
