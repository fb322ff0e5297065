"""Prints how fast `demo` seeds simulated incidents (issue 14 target: 1,000,000 rows <= 30 s on SQLite).

Runs the real command, `python -m kondusif demo --n N --seed 1`, in a fresh data
folder, for this checkout and (with --before PATH) for another checkout such as
the pristine main, so before/after are measured the same way. Also prints the
PostgreSQL figure (COPY) when KONDUSIF_PG_URL points at a server (`source .ci/postgres.sh`).

Usage: python benchmarks/bench_seed.py [--n 1000000] [--before /work/main] [--runs 1]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _python(checkout: Path) -> str:
    venv = checkout / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def seed_once(checkout: Path, n: int, db_url: str | None = None) -> tuple[float, float, str]:
    """(wall s, CPU s of the child, its last line) of one `demo --n n` in a fresh store."""
    with tempfile.TemporaryDirectory(prefix="bench-seed-") as tmp:
        env = {**os.environ, "KONDUSIF_DATA_DIR": tmp, "PYTHONPATH": str(checkout)}
        env.pop("KONDUSIF_DB_URL", None)
        if db_url:
            env["KONDUSIF_DB_URL"] = db_url
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run([_python(checkout), "-m", "kondusif", "demo", "--n", str(n), "--seed", "1"],
                              cwd=checkout, env=env, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if proc.returncode != 0:
            raise SystemExit(f"demo failed in {checkout}:\n{proc.stderr[-2000:]}")
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return wall, cpu, proc.stdout.strip().splitlines()[-1]


def _pg_database(admin_url: str) -> tuple[str, callable]:
    import sqlalchemy as sa

    name = f"bench_seed_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False), drop


def report(label: str, n: int, checkout: Path, runs: int, db_url_factory=None) -> None:
    for i in range(runs):
        url, drop = db_url_factory() if db_url_factory else (None, None)
        try:
            wall, cpu, line = seed_once(checkout, n, url)
        finally:
            if drop:
                drop()
        inner = re.search(r"dalam ([\d.]+) detik", line)
        print(f"{label:<34} run {i + 1}: {wall:6.1f} s wall ({n / wall:>9,.0f} rows/s), "
              f"{cpu:5.1f} s CPU, command says {inner.group(1) if inner else '?'} s   "
              f"[load {os.getloadavg()[0]:.1f}]", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--before", type=Path, help="another checkout (e.g. /work/main) to measure the same way")
    ap.add_argument("--runs", type=int, default=1)
    args = ap.parse_args()
    print(f"demo --n {args.n:,} --seed 1 on a 2-core machine; target <= 30 s on SQLite "
          f"(load is the 1-minute load average while it ran)")
    if args.before:
        report(f"SQLite before ({args.before})", args.n, args.before.resolve(), args.runs)
    report("SQLite after (this checkout)", args.n, ROOT, args.runs)
    pg = os.environ.get("KONDUSIF_PG_URL", "")
    if pg.startswith("postgresql"):
        if args.before:
            report("PostgreSQL before", args.n, args.before.resolve(), args.runs, lambda: _pg_database(pg))
        report("PostgreSQL after (COPY)", args.n, ROOT, args.runs, lambda: _pg_database(pg))
    else:
        print("PostgreSQL: not measured (source .ci/postgres.sh to set KONDUSIF_PG_URL)")


if __name__ == "__main__":
    main()
