"""The light RT page /rt/ on a phone network (issue 26), measured in Debian chromium.

Starts the app (`streamlit run app.py`, the real st.App) on a temporary SQLite store with one
RT account, then in Playwright with CDP Network.emulateNetworkConditions "Fast 3G"
(1.44 Mbit/s down, 675 kbit/s up, 562.5 ms RTT) at 360 px:

- cold: empty cache, signed in (cookie set first, not timed) -> /rt/ until the report form is
  ready (category choices filled); bytes = encoded bytes over the wire (CDP loadingFinished);
- warm: the same context again (service worker and HTTP cache in place), median of 3;
- offline: set offline, file a report, come back online; time from the network returning
  until the report is in the store, and how many rows it made (must be 1);
- for comparison: the Streamlit app's cold load (login page) bytes over the wire, which the
  gzip middleware (app.py) shrinks; run with --no-gzip-note to label a run made without it.

Targets (issue 26): cold <= 5 s and <= 150 KB; warm <= 1.5 s; offline report stored within
10 s of the network returning, once. The machine is shared: figures are indicative.

Run: .venv/bin/python benchmarks/bench_rt_network.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from browser_helpers import CHROMIUM, CHROMIUM_ARGS, app_env, run_app  # noqa: E402

FAST_3G = {"offline": False, "latency": 562.5, "downloadThroughput": 1.44e6 / 8, "uploadThroughput": 675e3 / 8}
USER, PIN = "rt-bench-03", "829163"


def prepare(db_url: str) -> None:
    from kondusif import accounts, registry, store
    from kondusif.model import SYSTEM, Role

    engine = store.get_engine(db_url)
    registry.ensure_rt_registry(engine)
    accounts.create_account(engine, SYSTEM, USER, Role.RT, PIN, kelurahan="16.73.01.1001", rt=3, must_change=False)
    store.dispose_engines()


def count_reports(db_url: str) -> int:
    import sqlalchemy as sa

    from kondusif import store

    with store.get_engine(db_url).connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(store.incidents)).scalar() or 0)


class Wire:
    """Encoded bytes received, from CDP Network events of one page."""

    def __init__(self, page) -> None:
        self.cdp = page.context.new_cdp_session(page)
        self.cdp.send("Network.enable")
        self.bytes = 0
        self.cdp.on("Network.loadingFinished", self._done)

    def _done(self, ev: dict) -> None:
        self.bytes += int(ev.get("encodedDataLength", 0))

    def throttle(self) -> None:
        self.cdp.send("Network.emulateNetworkConditions", FAST_3G)


def timed_open(page, url: str) -> float:
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_function("() => document.getElementById('kategori').options.length > 1", timeout=60_000)
    return time.perf_counter() - start


def transfer_size(page) -> int:
    """Bytes over the wire by the page's own Resource Timing (navigation + every file and fetch)."""
    return int(page.evaluate("() => performance.getEntries().filter(e => 'transferSize' in e)"
                             ".reduce((n, e) => n + e.transferSize, 0)"))


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{tmp}/bench.db"
        os.environ["KONDUSIF_DATA_DIR"] = tmp
        env = app_env(db_url)
        prepare(db_url)
        with run_app(env) as app, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            ctx = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID")
            page = ctx.new_page()
            page.goto(app.url + "/rt/")  # sign in unthrottled; then start from an empty cache
            page.get_by_label("Nama pengguna").fill(USER)
            page.get_by_label("PIN", exact=True).fill(PIN)
            page.get_by_role("button", name="Masuk", exact=True).click()
            page.wait_for_function("() => document.getElementById('kategori').options.length > 1")
            cookies = ctx.cookies()
            ctx.close()

            ctx = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID")
            ctx.add_cookies(cookies)
            page = ctx.new_page()
            wire = Wire(page)
            wire.throttle()
            cold = timed_open(page, app.url + "/rt/")
            cold_bytes = max(wire.bytes, transfer_size(page))
            page.wait_for_function("() => !!navigator.serviceWorker.controller || true")
            page.wait_for_timeout(1500)  # the service worker installs and caches the shell
            warm = []
            for _ in range(3):
                wire.bytes = 0
                warm.append(timed_open(page, app.url + "/rt/"))
            warm_bytes = wire.bytes

            before = count_reports(db_url)
            ctx.set_offline(True)
            page.get_by_label("Kategori").select_option("politik_uang")
            page.get_by_label("Sedang").check()
            page.get_by_label("Judul singkat").fill("Uji jaringan")
            page.get_by_label("Uraian").fill("Laporan dibuat tanpa sinyal.")
            page.get_by_role("button", name="Kirim laporan").click()
            page.get_by_text("menunggu sinyal").first.wait_for(timeout=15_000)
            back = time.perf_counter()
            ctx.set_offline(False)
            while count_reports(db_url) == before and time.perf_counter() - back < 30:
                time.sleep(0.1)
            stored_after = time.perf_counter() - back
            page.wait_for_timeout(6000)
            made = count_reports(db_url) - before
            ctx.close()

            ctx = browser.new_context(viewport={"width": 360, "height": 740}, locale="id-ID")
            page = ctx.new_page()
            wire = Wire(page)
            wire.throttle()
            start = time.perf_counter()
            page.goto(app.url + "/")
            page.get_by_text("Masuk ke SiKondusif").wait_for(timeout=120_000)
            app_cold = time.perf_counter() - start
            app_bytes = wire.bytes
            ctx.close()
            browser.close()

    print("RT page /rt/ on Fast 3G (1.44 Mbit/s down, 675 kbit/s up, 562.5 ms RTT), 360 px")
    print(f"  cold (empty cache) to form ready : {cold:6.2f} s  {cold_bytes / 1024:7.1f} KB   (target <= 5 s, <= 150 KB)")
    print(f"  warm (median of 3)               : {statistics.median(warm):6.2f} s  {warm_bytes / 1024 / 3:7.1f} KB/load "
          "(target <= 1.5 s)")
    print(f"  offline report stored after back : {stored_after:6.2f} s  rows made: {made}  (target <= 10 s, 1 row)")
    print(f"Streamlit app cold load (login page) : {app_cold:6.2f} s  {app_bytes / 1024:7.1f} KB over the wire")


if __name__ == "__main__":
    main()
