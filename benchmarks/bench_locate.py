"""Benchmark: locate 1,000,000 random points in the city's bounding box.

Run: ``python benchmarks/bench_locate.py [N]`` (uses the boundaries the app uses:
LUBUKLINGGAU_GEO_DIR, data/geo/, else the extract packaged in lubuklinggau_geo).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lubuklinggau_geo.boundaries import boundaries, status  # noqa: E402
from lubuklinggau_geo.locate import locate, locate_many  # noqa: E402


def main(n: int = 1_000_000) -> int:
    st = status()
    if not st.available:
        print(st.message)
        return 1
    x0, y0, x1, y1 = boundaries("kota").total_bounds
    rng = np.random.default_rng(2018)
    lat = rng.uniform(y0, y1, n)
    lon = rng.uniform(x0, x1, n)
    t0 = time.perf_counter()
    locate(-3.29, 102.86)  # builds the spatial index once
    t_index = time.perf_counter() - t0
    t1 = time.perf_counter()
    codes = locate_many(lat, lon)
    dt = time.perf_counter() - t1
    inside = int(np.count_nonzero(codes != None))  # noqa: E711 - object array comparison
    print(f"locate_many: {n:,} titik dalam {dt:.2f} s ({n / dt:,.0f} titik/detik); "
          f"{inside:,} di dalam kota; indeks dibangun dalam {t_index:.2f} s ({st.directory})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000))
