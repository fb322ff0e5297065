"""Prints the time to build one week's PDF snapshot with 100,000 incidents in the store.

Usage: python benchmarks/bench_report.py [N] [WEEK]   (default 100,000 incidents, week 2018-W26,
the busiest of the simulated season; target: under 5 s per build)

The first build in a process also reads the boundary files and fonts; the
second shows the steady state of a running app (boundaries cached).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kondusif import demo, registry, store  # noqa: E402
from kondusif.model import SYSTEM  # noqa: E402
from kondusif.report import archive, build  # noqa: E402
from kondusif.report.preview import page_count  # noqa: E402
from lubuklinggau_geo import boundaries  # noqa: E402


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    week = sys.argv[2] if len(sys.argv) > 2 else "2018-W26"
    with tempfile.TemporaryDirectory() as tmp:
        engine = store.make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        store.init_db(engine)
        registry.ensure_rt_registry(engine)
        t0 = time.perf_counter()
        demo.seed_demo(engine, n, seed=1, batch=50_000)
        seeded = time.perf_counter() - t0
        print(f"incidents in store  : {store.count_incidents(engine, q=None, viewer=SYSTEM):,} (seeded in {seeded:.1f} s)")
        print(f"boundaries          : {'installed' if boundaries.status().available else 'NOT installed'}")
        print(f"machine load (1 min): {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall times grow with it)")
        for label in ("first build", "second build"):
            t0, c0 = time.perf_counter(), time.process_time()
            info, built = build.generate_snapshot(engine, week, "benchmark")
            total, cpu = time.perf_counter() - t0, time.process_time() - c0
            parts = ", ".join(f"{k} {v:.2f}" for k, v in built.timings.items())
            print(f"{label:<20}: {total:.2f} s wall, {cpu:.2f} s CPU  "
                  f"({parts}; archive {total - sum(built.timings.values()):.2f})")
        print(f"week {week}       : {built.data.n_week:,} reports, {page_count(built.pdf)} pages, "
              f"{len(built.pdf) / 1024:.0f} KB, version {info.version}")
        t0 = time.perf_counter()
        archive.load_snapshot(engine, week)
        print(f"download from archive: {(time.perf_counter() - t0) * 1000:.0f} ms")
        engine.dispose()


if __name__ == "__main__":
    main()
