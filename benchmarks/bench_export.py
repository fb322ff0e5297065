"""Prints how long exports of N reports take (issue 14 targets at 100,000: XLSX <= 10 s, CSV <= 3 s,
GeoJSON <= 5 s), for this checkout and (with --before PATH) another one, e.g. the pristine main
(openpyxl write-only XLSX) against this one (xlsxwriter constant_memory).

One SQLite store of N simulated reports is seeded once and exported by each checkout's own
`kondusif.exports.export` (query, frame, file bytes) as an admin (identity columns included).

Usage: python benchmarks/bench_export.py [--n 100000] [--before /work/main] [--runs 1]
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

CHILD = r"""
import json, sys, time, resource
from kondusif import exports, store
from kondusif.model import Role, Viewer
engine = store.make_engine(sys.argv[1])
viewer = Viewer(username="bench", role=Role.ADMIN, display_name="Bench")
out = {}
for fmt in sys.argv[2].split(","):
    r0 = resource.getrusage(resource.RUSAGE_SELF); t0 = time.perf_counter()
    name, data, mime = exports.export(engine, None, viewer, fmt)
    wall = time.perf_counter() - t0; r1 = resource.getrusage(resource.RUSAGE_SELF)
    out[fmt] = [wall, (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime), len(data)]
t0 = time.perf_counter(); frame = exports.export_frame(engine, None, viewer); out["frame"] = [time.perf_counter() - t0, 0, len(frame)]
print(json.dumps(out))
"""
TARGETS = {"xlsx": 10.0, "csv": 3.0, "geojson": 5.0}


def _python(checkout: Path) -> str:
    venv = checkout / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def measure(checkout: Path, url: str, fmts: str, tmp: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(checkout), "KONDUSIF_DATA_DIR": tmp}
    proc = subprocess.run([_python(checkout), "-c", CHILD, url, fmts], cwd=checkout, env=env,
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"export failed in {checkout}:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--before", type=Path)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--formats", default="csv,geojson,xlsx")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        env = {**os.environ, "KONDUSIF_DATA_DIR": tmp, "PYTHONPATH": str(ROOT)}
        env.pop("KONDUSIF_DB_URL", None)
        subprocess.run([_python(ROOT), "-m", "kondusif", "demo", "--n", str(args.n), "--seed", "1"], cwd=ROOT,
                       env=env, check=True, capture_output=True)
        url = f"sqlite:///{Path(tmp) / 'kondusif.db'}"
        print(f"export of {args.n:,} reports as admin, SQLite; wall s (CPU s) per format; "
              f"'frame' = query + export rows only")
        runs = [("before", args.before.resolve())] if args.before else []
        runs.append(("after", ROOT))
        for label, checkout in runs:
            for i in range(args.runs):
                got = measure(checkout, url, args.formats, tmp)
                cells = "  ".join(
                    f"{fmt} {w:5.1f} s ({c:4.1f}) {b / 1e6:5.1f} MB"
                    + (f" [target {TARGETS[fmt]:.0f} s]" if fmt in TARGETS else "")
                    for fmt, (w, c, b) in got.items() if fmt != "frame")
                print(f"{label:<6} run {i + 1}: frame {got['frame'][0]:5.1f} s  {cells}  "
                      f"[load {os.getloadavg()[0]:.1f}]  {checkout}", flush=True)


if __name__ == "__main__":
    main()
