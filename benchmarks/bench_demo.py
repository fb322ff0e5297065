"""Prints how fast simulated incidents are generated and stored (rows per second).

Usage: python benchmarks/bench_demo.py [N]   (default 1,000,000 into a temporary SQLite file)
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kondusif import demo, registry, store  # noqa: E402
from kondusif.model import SYSTEM


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        engine = store.make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        store.init_db(engine)
        registry.ensure_rt_registry(engine)
        t0 = time.perf_counter()
        df = demo.simulate(n, seed=1, registry=registry.rt_registry(engine))
        t_gen = time.perf_counter() - t0
        t1 = time.perf_counter()
        result = demo.seed_demo(engine, n, seed=1, batch=50_000)
        t_all = time.perf_counter() - t1
        stored = store.count_incidents(engine, q=None, viewer=SYSTEM)
        size = (Path(tmp) / "bench.db").stat().st_size / 1e6
        engine.dispose()
    print(f"rows requested      : {n:,}")
    print(f"generate only       : {t_gen:.1f} s ({len(df) / t_gen:,.0f} rows/s)")
    print(f"generate + store    : {t_all:.1f} s ({result.inserted / t_all:,.0f} rows/s)")
    print(f"rows stored         : {stored:,} (SQLite file {size:.0f} MB)")


if __name__ == "__main__":
    main()
