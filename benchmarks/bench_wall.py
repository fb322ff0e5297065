"""Benchmark of the wall display ("Ruang pantau"): what one refresh costs.

Seeds N simulated reports (default 100,000) into a temporary SQLite store, then prints for
the voting day (`periode=hari-ini`, `per=2018-06-27`) and the week before it (`periode=7h`):
- the snapshot read (counts, levels, the newest reports, alerts) cold and warm (median of 5);
- the size of the data element sent to the map on a refresh, and of the HTML blocks;
- the time to build the wall's map (done once per page load, never on a refresh).
Figures on a shared machine are indicative.

Run: .venv/bin/python benchmarks/bench_wall.py [--n 100000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-wall-"))
    os.environ["KONDUSIF_DATA_DIR"] = str(tmp)
    os.environ["KONDUSIF_DB_URL"] = f"sqlite:///{tmp / 'kondusif.db'}"

    from kondusif import demo, maps, registry, store, wall, wall_map
    from kondusif.model import Role, Viewer
    from kondusif.ui import wall as wall_ui

    engine = store.get_engine()
    registry.ensure_rt_registry(engine)
    t0 = time.perf_counter()
    demo.seed_demo(engine, args.n, 7)
    print(f"seeded {args.n:,} simulated reports in {time.perf_counter() - t0:.1f} s")
    viewer = Viewer("bench", Role.PEJABAT, "Bench")
    maps.static_layers()
    for period in ("hari-ini", "7h"):
        params = wall.WallParams(30, period, date(2018, 6, 27))
        t0 = time.perf_counter()
        snap = wall.snapshot(engine, viewer, params)
        cold = time.perf_counter() - t0
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            snap = wall.snapshot(engine, viewer, params)
            times.append(time.perf_counter() - t0)
        data = wall_map.data_element(wall_map.live_data(snap, {}, (args.n, 0)))
        html = wall_ui.tiles_html(snap, {}) + wall_ui.ticker_html(snap, {}) + wall_ui.alerts_html(snap)
        print(f"periode={period}: {snap.n_reports:,} reports, {len(snap.reports):,} dots; snapshot cold "
              f"{cold:.2f} s, warm median {statistics.median(times):.2f} s; map data {len(data) / 1024:.0f} KiB, "
              f"HTML blocks {len(html) / 1024:.1f} KiB")
    t0 = time.perf_counter()
    fmap = wall_map.base_map(snap.units)
    size = len(maps.map_html(fmap))
    print(f"wall map (once per page load): built and rendered in {time.perf_counter() - t0:.2f} s, "
          f"{size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
