"""Benchmark of the wall display ("Ruang pantau"): what one refresh costs.

Seeds N simulated reports (default 100,000) into a temporary SQLite store, then prints for
the voting day (`periode=hari-ini`, `per=2018-06-27`) and the week before it (`periode=7h`):
- the snapshot read (counts, levels, the newest reports, alerts) cold and warm (median of 5);
- the size of the data element sent to the map on a refresh, and of the HTML blocks;
- the time to build the wall's map (done once per page load, never on a refresh).

`--live` (issue 29.3) runs the real wall instead: `streamlit run app.py` from `--app-root`
(default this checkout; give an extract of `main` for the before figure) on a free port, the kiosk
URL in Chromium at 1920x1080, signed in as a pejabat, and prints
- seconds from a berat report stored (through the form's write path, `pipeline.submit_form`)
  to its dot drawn on the wall's map, median of `--runs` (default 5);
- server CPU seconds (user+system of the app process) per idle minute with the wall open.
Figures on a shared machine are indicative.

Run: .venv/bin/python benchmarks/bench_wall.py [--n 100000]
     .venv/bin/python benchmarks/bench_wall.py --live [--live-n 3000] [--app-root /tmp/main] [--idle 60]
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
    parser.add_argument("--live", action="store_true", help="measure the running wall in Chromium")
    parser.add_argument("--live-n", type=int, default=3000, help="simulated reports for --live")
    parser.add_argument("--app-root", type=Path, default=ROOT, help="checkout whose app.py is run (--live)")
    parser.add_argument("--kiosk", default="/ruang_pantau", help="the wall's URL (--live)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--idle", type=float, default=60.0, help="seconds of idle wall measured (--live)")
    args = parser.parse_args()
    if args.live:
        live(args)
        return
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
    from kondusif import overview

    for label, probe in (("wall.data_version (the 2-second check)", wall.data_version),
                         ("overview.data_version (count of reports + newest audit id)", overview.data_version)):
        probe(engine)
        times = []
        for _ in range(50):
            t0 = time.perf_counter()
            probe(engine)
            times.append(time.perf_counter() - t0)
        print(f"{label}: median {statistics.median(times) * 1000:.2f} ms")
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


# --------------------------------------------------------------------------- the live wall

USERNAME, PASSWORD = "bench-pejabat", "Sandi-uji-pantau-2018"
RT_ACCOUNT = ("rt-1673011001-003", "16.73.01.1001", 3)  # an RT of the shipped sample registry
MAP_FRAME = "iframe[title='streamlit_folium.st_folium']"


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of process `pid` (and its waited-for children) so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def _live_store(tmp: Path, n: int) -> str:
    """n simulated reports (2018), 300 simulated reports of today, the sample registry, a pejabat."""
    from datetime import timedelta

    from kondusif import accounts, demo, registry, store
    from kondusif.model import Incident, Role, Source, Viewer
    from kondusif.timeutil import now

    db_url = f"sqlite:///{tmp / 'kondusif.db'}"
    engine = store.make_engine(db_url)
    store.init_db(engine)
    registry.ensure_rt_registry(engine)
    demo.seed_demo(engine, n, 7)
    kel = ["16.73.01.1001", "16.73.02.1002", "16.73.03.1003", "16.73.05.1001", "16.73.08.1003"]
    sev = ["ringan", "ringan", "sedang", "berat"]
    moment = now()
    with store.write(engine) as conn:
        store.insert_incidents(conn, [Incident(
            kode_kelurahan=kel[i % len(kel)], rt=1 + i % 3, category="apk", severity=sev[i % len(sev)],
            status="diverifikasi", title=f"Simulasi hari ini {i}", source=Source.SIMULASI.value,
            occurred_at=moment - timedelta(minutes=3 + i), reported_at=moment - timedelta(minutes=2 + i))
            for i in range(300)])
    accounts.create_account(engine, Viewer("bench", Role.ADMIN), USERNAME, Role.PEJABAT, PASSWORD,
                            display_name="Pejabat Bench", must_change=False)
    engine.dispose()
    store.dispose_engines()
    return db_url


def _file_berat(db_url: str, i: int) -> str:
    """One berat report through the form's write path (as a Ketua RT would file it); its number."""
    from kondusif import store
    from kondusif.intake import pipeline
    from kondusif.model import Role, Viewer, new_id
    from kondusif.timeutil import now

    username, kel, rt = RT_ACCOUNT
    viewer = Viewer(username, Role.RT, "Pak Rahman", kelurahan=kel, rt=rt)
    out = pipeline.submit_form(store.get_engine(db_url), viewer, {
        "category": "intimidasi", "severity": "berat", "title": f"Ancaman di posko {i}",
        "description": "Warga diancam di posko.", "occurred_at": now()}, new_id())
    if not out.ok:
        raise SystemExit(f"the report was refused: {out.errors}")
    return str(out.report_no)


def live(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    sys.path.insert(0, str(ROOT / "tests" / "browser"))
    import subprocess

    from browser_helpers import CHROMIUM, CHROMIUM_ARGS, _healthy, _stop, app_env, free_port
    from playwright.sync_api import sync_playwright
    from polling import wait_until

    root = args.app_root.resolve()
    tmp = Path(tempfile.mkdtemp(prefix="bench-wall-live-"))
    os.environ["KONDUSIF_DATA_DIR"] = str(tmp)
    db_url = _live_store(tmp, args.live_n)
    print(f"app from {root}; {args.live_n:,} simulated reports + 300 of today; wall {args.kiosk}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    port = free_port()
    env = app_env(db_url, KONDUSIF_DATA_DIR=str(tmp))
    log = (tmp / "streamlit.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true",
                             "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
                            cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: proc.poll() is not None or _healthy(url), timeout=120, message="the app's health")
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            try:
                page = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="id-ID").new_page()
                page.goto(url + args.kiosk)
                page.get_by_label("Nama pengguna").fill(USERNAME)
                page.get_by_label("Kata sandi atau PIN").fill(PASSWORD)
                page.get_by_role("button", name="Masuk", exact=True).click()
                frame = page.wait_for_selector(MAP_FRAME, timeout=120_000).content_frame()
                frame.wait_for_function("() => window.SiKondusifWall && window.SiKondusifWall.applied > 0",
                                        timeout=120_000)
                time.sleep(10)  # settle: first refreshes, caches warm
                cpu0, t0 = _cpu_seconds(proc.pid), time.monotonic()
                time.sleep(args.idle)
                idle = (_cpu_seconds(proc.pid) - cpu0) / (time.monotonic() - t0) * 60
                print(f"server CPU with the wall open and nothing new: {idle:.2f} s per minute")
                seconds = []
                for i in range(args.runs):
                    number = _file_berat(db_url, i)
                    stored = time.monotonic()
                    frame.wait_for_function(f"() => !!document.querySelector(\"path.sk-wall-inc[data-no='{number}']\")",
                                            polling=50, timeout=180_000)
                    seconds.append(time.monotonic() - stored)
                    time.sleep(3 + i)  # not in step with the wall's timer
                print("berat report stored -> its dot on the wall: median "
                      f"{statistics.median(seconds):.1f} s (runs: {' '.join(f'{s:.1f}' for s in seconds)})")
            finally:
                browser.close()
    finally:
        _stop(proc)
        log.close()
        from kondusif import store

        store.dispose_engines()


if __name__ == "__main__":
    main()
