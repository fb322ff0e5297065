"""Prints how long one uncached run of the city map page takes (issue 14 target: <= 2.0 s for the whole
campaign, `?periode=kampanye`, at 100,000 reports, signed in as pejabat), with where the time goes.

A SQLite store of N simulated reports (seed 1) is built once (kept in --db-dir between calls), then
each checkout (this one, and with --before PATH another one, e.g. an export of main) runs
dashboard.py through AppTest in its own process: one warm-up run (module imports), then --runs
runs with `st.cache_data` cleared (every figure read from the store), then one cProfile'd run whose
phases (the page's data functions, the map, Streamlit's own work) and top entries are printed.

Usage: python benchmarks/bench_page.py [--n 100000] [--runs 3] [--before /tmp/perf-before]
       [--params periode=kampanye] [--db-dir /tmp/bench-page-100000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 2.0

CHILD = r"""
import cProfile, json, os, pstats, statistics, sys, time
params = json.loads(sys.argv[1]); runs = int(sys.argv[2])
import streamlit as st
from streamlit.testing.v1 import AppTest
from kondusif.model import Role, Viewer

def session():
    at = AppTest.from_file("dashboard.py", default_timeout=180)
    at.session_state["viewer"] = Viewer("bench", Role.PEJABAT, display_name="Bench")
    for k, v in params.items():
        at.query_params[k] = v
    return at

t0 = time.perf_counter(); session().run(); first = time.perf_counter() - t0
times, shown = [], "?"
for _ in range(runs):
    st.cache_data.clear()
    at = session()
    t0 = time.perf_counter(); at.run(); times.append(time.perf_counter() - t0)
    if at.exception:
        raise SystemExit(f"page error: {at.exception}")
    shown = next((m.value for m in at.metric if m.label.startswith("Laporan")), "?")
st.cache_data.clear()
at = session()
# AppTest runs the page in a script thread: profile inside it.
from streamlit.runtime.scriptrunner import script_runner
prof = cProfile.Profile()
original = script_runner.ScriptRunner._run_script
def profiled(self, rerun_data):
    prof.enable()
    try:
        return original(self, rerun_data)
    finally:
        prof.disable()
script_runner.ScriptRunner._run_script = profiled
at.run()
script_runner.ScriptRunner._run_script = original
stats = pstats.Stats(prof)
# Phases: cumulative time of named functions (nested phases are not subtracted).
PHASES = [
    ("overview.page_data (all the page's data)", "overview.py", "page_data"),
    ("overview.read_view (the one read)", "overview.py", "read_view"),
    ("overview.read_incidents", "overview.py", "read_incidents"),
    ("overview.levels_for_view", "overview.py", "levels_for_view"),
    ("overview.levels_from_frame", "overview.py", "levels_from_frame"),
    ("status.compute_levels", "status.py", "compute_levels"),
    ("overview.headline", "overview.py", "headline"),
    ("overview.trend_from_frame", "overview.py", "trend_from_frame"),
    ("overview.kecamatan_from_frame", "overview.py", "kecamatan_from_frame"),
    ("overview.data_moments", "overview.py", "data_moments"),
    ("maps.pack_incidents", "kondusif/maps", "pack_incidents"),
    ("overview.kelurahan_detail", "overview.py", "kelurahan_detail"),
    ("maps.build_map", "kondusif/maps", "build_map"),
    ("st_folium (map to the page)", "streamlit_folium", "st_folium"),
    ("filters sidebar", "ui/filters.py", "filter_sidebar"),
    ("store: SQL execute", "sqlalchemy/engine/base.py", "_execute_context"),
    ("altair charts to the page", "streamlit/elements/vega_charts.py", "altair_chart"),
    ("st.dataframe", "streamlit/elements/arrow.py", "dataframe"),
]
phases = []
for label, file_part, func in PHASES:
    total = sum(v[3] for (f, _l, name), v in stats.stats.items() if name == func and file_part in f)
    if total:
        phases.append([label, total])
top = sorted(((v[3], f"{os.path.basename(f)}:{name}") for (f, _l, name), v in stats.stats.items()
              if "kondusif" in f or "pages" in f or "sqlalchemy/engine" in f or "streamlit_folium" in f),
             reverse=True)[:15]
print(json.dumps({"first": first, "times": times, "shown": shown, "phases": phases,
                  "profiled": stats.total_tt, "top": top}))
"""


def _python(checkout: Path) -> str:
    venv = checkout / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def seed(db_dir: Path, n: int) -> str:
    db = db_dir / "kondusif.db"
    url = f"sqlite:///{db}"
    if not (db_dir / ".seeded").exists():
        env = {**os.environ, "KONDUSIF_DATA_DIR": str(db_dir), "PYTHONPATH": str(ROOT)}
        env.pop("KONDUSIF_DB_URL", None)
        subprocess.run([_python(ROOT), "-m", "kondusif", "demo", "--n", str(n), "--seed", "1"], cwd=ROOT, env=env,
                       check=True, capture_output=True)
        (db_dir / ".seeded").write_text(str(n))
    return url


def measure(checkout: Path, db_dir: Path, url: str, params: dict, runs: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(checkout), "KONDUSIF_DATA_DIR": str(db_dir), "KONDUSIF_DB_URL": url}
    env.setdefault("KONDUSIF_SECRET_KEY", "bench-secret-" + "x" * 24)
    proc = subprocess.run([_python(checkout), "-c", CHILD, json.dumps(params), str(runs)], cwd=checkout, env=env,
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"page run failed in {checkout}:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def report(label: str, checkout: Path, got: dict) -> None:
    times = sorted(got["times"])
    median = times[len(times) // 2]
    verdict = "OK" if median <= TARGET_S else f"misses by {median - TARGET_S:.2f} s"
    print(f"{label}: {checkout}\n  uncached page run median {median:.2f} s (min {times[0]:.2f}, runs "
          f"{', '.join(f'{t:.2f}' for t in got['times'])}) [target {TARGET_S:.1f} s: {verdict}]; "
          f"'Laporan' metric {got['shown']}; first run of the process {got['first']:.2f} s")
    print(f"  profiled run (cProfile adds overhead): {got['profiled']:.2f} s; phases (cumulative, nested not subtracted):")
    for name, secs in got["phases"]:
        print(f"    {name:<40} {secs:6.2f} s")
    print("  top cumulative entries (project, SQL, map component):")
    for secs, name in got["top"]:
        print(f"    {secs:6.2f} s  {name}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--before", type=Path, help="another checkout to measure first, e.g. an export of main")
    ap.add_argument("--params", default="periode=kampanye", help="query parameters of the page, k=v&k=v")
    ap.add_argument("--db-dir", type=Path, help="keep the seeded store here between calls")
    args = ap.parse_args()
    params = dict(p.split("=", 1) for p in args.params.split("&") if p)
    tmp = None
    if args.db_dir is None:
        tmp = tempfile.TemporaryDirectory(prefix="bench-page-")
        db_dir = Path(tmp.name)
    else:
        db_dir = args.db_dir
        db_dir.mkdir(parents=True, exist_ok=True)
    try:
        url = seed(db_dir, args.n)
        print(f"city map page (dashboard.py via AppTest), pejabat, ?{args.params}, {args.n:,} simulated reports "
              f"in SQLite; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared machine: indicative)")
        runs = [("before", args.before.resolve())] if args.before else []
        runs.append(("after", ROOT))
        for label, checkout in runs:
            report(label, checkout, measure(checkout, db_dir, url, params, args.runs))
    finally:
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    main()
