"""Benchmark of the city map: build time and HTML size, compact vs naive, and the whole page.

Prints, for 1,000, 10,000 and 100,000 simulated reports:
- the time to build this map (folium + compact client-side clusters) and render its HTML, and the HTML size;
- the same for a naive map with one folium.Marker per report (skipped above 10,000: it takes minutes);
then seeds 100,000 simulated reports into a temporary SQLite store and times full runs of the
page script through AppTest (cold first run in a fresh session, then warm reruns).

Targets (issue 4): at 10,000 reports >= 50x faster than naive; at 100,000 < 1 s and < 3 MB;
a page run < 2 s with 100,000 reports stored.

Run: .venv/bin/python benchmarks/bench_map.py  [--sizes 1000,10000] [--no-page]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NAIVE_LIMIT = 10_000
AS_OF = "2018-06-27T23:59"


def timed(fn, repeat: int = 3):
    """(median seconds, last result) over `repeat` runs."""
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def bench_maps(sizes: list[int]) -> list[dict]:
    from kondusif import demo, maps, registry, status
    from kondusif.timeutil import WIB
    from lubuklinggau_geo import gazetteer

    reg = registry.sample_frame()
    as_of = datetime.fromisoformat(AS_OF).replace(tzinfo=WIB)
    maps.static_layers()  # boundaries are cached once per process, as in the app
    rows = []
    for n in sizes:
        df = demo.simulate(n, seed=11, registry=reg)
        df["report_no"] = [f"LLG-2018-{i + 1:06d}" for i in range(n)]
        inc = df[list(maps.INCIDENT_COLUMNS)]
        t_levels, (kel, rt) = timed(lambda df=df: (
            status.compute_levels(df, as_of, units=gazetteer.kelurahan_codes()),
            status.compute_levels(df, as_of, by="rt", units=list(zip(reg["kode_kelurahan"], reg["rt"],
                                                                     strict=True))),
        ))
        t_map, html = timed(lambda inc=inc, kel=kel, rt=rt: maps.map_html(
            maps.build_map(kel, inc, rt, reg, registry_is_sample=True)))
        row = {"n": n, "levels_s": t_levels, "map_s": t_map, "map_mb": len(html.encode()) / 1e6}
        if n <= NAIVE_LIMIT:
            t_naive, naive_html = timed(lambda df=df: maps.map_html(maps.naive_map(df)), repeat=1)
            row.update(naive_s=t_naive, naive_mb=len(naive_html.encode()) / 1e6, speedup=t_naive / t_map)
        rows.append(row)
        print(_map_line(row), flush=True)
    return rows


def _int(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _dec(x: float, digits: int = 2) -> str:
    return f"{x:.{digits}f}".replace(".", ",")


def _map_line(row: dict) -> str:
    line = (f"{_int(row['n']):>7} laporan | peta ini: {row['map_s'] * 1000:5.0f} ms, {_dec(row['map_mb'])} MB HTML"
            f" | tingkat kelurahan+RT: {row['levels_s'] * 1000:4.0f} ms")
    if "naive_s" in row:
        line += (f" | naif (1 folium.Marker per laporan): {row['naive_s'] * 1000:6.0f} ms, "
                 f"{_dec(row['naive_mb'])} MB | {row['speedup']:4.0f}x lebih cepat")
    else:
        line += f" | naif: dilewati (> {_int(NAIVE_LIMIT)} laporan, butuh bermenit-menit)"
    return line


def bench_page(n: int = 100_000) -> None:
    """Full runs of screens/peta.py through AppTest on a store holding `n` simulated reports."""
    tmp = Path(tempfile.mkdtemp(prefix="bench_map_"))
    try:
        _bench_page(tmp, n)
    finally:
        _cleanup(tmp)


def _bench_page(tmp: Path, n: int) -> None:
    os.environ["KONDUSIF_DATA_DIR"] = str(tmp)
    os.environ["KONDUSIF_DB_URL"] = f"sqlite:///{tmp / 'bench.db'}"
    os.environ.setdefault("KONDUSIF_SECRET_KEY", "bench-secret-" + "x" * 24)
    from kondusif import demo, registry, store
    from kondusif.config import settings

    settings.cache_clear()
    store.dispose_engines()
    engine = store.get_engine()
    registry.ensure_rt_registry(engine)
    t0 = time.perf_counter()
    demo.seed_demo(engine, n, seed=1)
    print(f"\nToko uji: {_int(n)} laporan simulasi di SQLite ({time.perf_counter() - t0:.1f} s untuk mengisi)",
          flush=True)

    from streamlit.testing.v1 import AppTest

    from kondusif.model import Role, Viewer

    views = {
        "bawaan (7 hari, putar ulang per 7/7/2018)": {},
        "puncak (7 hari s.d. 27/6/2018)": {"per": "2018-06-27"},
        "masa kampanye s.d. 27/6/2018": {"periode": "kampanye", "per": "2018-06-27"},
    }
    import streamlit as st

    def session(params: dict) -> AppTest:
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
        at.session_state["viewer"] = Viewer("bench", Role.PEJABAT, display_name="Bench")
        for key, value in params.items():
            at.query_params[key] = value
        return at

    t0 = time.perf_counter()
    session({}).run()  # first run in the process: imports of every module (not repeated later)
    print(f"  run pertama proses (termasuk impor modul): {time.perf_counter() - t0:.2f} s", flush=True)
    for label, params in views.items():
        cold, warm, shown = [], [], "?"
        for _ in range(3):
            st.cache_data.clear()  # a run that reads everything from the store
            at = session(params)
            t0 = time.perf_counter()
            at.run()
            cold.append(time.perf_counter() - t0)
            if at.exception:
                print(f"  {label}: GALAT {at.exception}")
                break
            t0 = time.perf_counter()
            at.run()  # the same view again, e.g. after a click on a kelurahan: data from the cache
            warm.append(time.perf_counter() - t0)
            shown = next((m.value for m in at.metric if m.label.startswith("Laporan ·")), "?")
        print(f"  halaman peta (dashboard.py lengkap), {label}: {shown} laporan dalam periode; "
              f"run tanpa cache median {statistics.median(cold):.2f} s (min {min(cold):.2f}); "
              f"run ulang dengan cache median {statistics.median(warm):.2f} s", flush=True)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"  (beban mesin saat diukur: load average 1 menit {load:.1f} pada {os.cpu_count()} inti)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--no-page", action="store_true", help="lewati pengukuran halaman (AppTest)")
    parser.add_argument("--page-n", type=int, default=100_000)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    print("Peta kondusivitas: waktu membangun peta + HTML (median 3 kali), tingkat per", AS_OF, "WIB")
    bench_maps(sizes)
    if not args.no_page:
        bench_page(args.page_n)
    return 0


def _cleanup(path: Path) -> None:
    from kondusif import store

    store.dispose_engines()
    shutil.rmtree(path, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
