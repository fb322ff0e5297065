"""CPU seconds of the map page's data per view at 100,000 reports (issue 29), in one process.

What a page run of /peta pays for its data (kondusif/ui/peta_data.py), measured with
time.process_time (CPU, so meaningful on a busy machine; the load average is printed):

  cold view            empty caches: the whole-campaign view read and derived
  cached view          the same view again (another session of the same scope, a rerun)
  another period       30 hari, 7 hari, 24 jam: a new view of the same filter (cut from the
                       filter's frame of all times; "no frame yet": that frame cleared first)
  after a save, whole  one report verified, then the view read whole (what every save cost before)
  after a save, patch  one report verified, then the view patched (only the reports written since)
  data version         the store fingerprint every page run asks for, and the count-of-reports
                       fingerprint it replaced

The store (kondusif demo --n N --seed 1, kept in --db-dir) is copied for the run: the
verifications never change the kept one. Runs outside a Streamlit server (the caches work in
bare mode), so the figures are the data's share of a page run, not Streamlit's.

Usage: python benchmarks/bench_view_cpu.py [--reports 100000] [--db-dir DIR] [--saves 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))


def cpu(fn, *args):
    t0 = time.process_time()
    out = fn(*args)
    return time.process_time() - t0, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=100_000)
    ap.add_argument("--db-dir", type=Path, help="keep the seeded store here between calls")
    ap.add_argument("--saves", type=int, default=5)
    ap.add_argument("--period", default="kampanye")
    args = ap.parse_args()
    from bench_sessions import seed

    kept = args.db_dir or Path(tempfile.mkdtemp(prefix="bench-view-cpu-"))
    kept.mkdir(parents=True, exist_ok=True)
    seed(kept, args.reports)
    work = Path(tempfile.mkdtemp(prefix="bench-view-cpu-run-"))
    try:
        for name in os.listdir(kept):
            if name.startswith("kondusif.db"):
                shutil.copy(kept / name, work / name)
        os.environ["KONDUSIF_DATA_DIR"] = str(work)
        os.environ["KONDUSIF_DB_URL"] = f"sqlite:///{work / 'kondusif.db'}"
        run(args)
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if args.db_dir is None:
            shutil.rmtree(kept, ignore_errors=True)


def run(args) -> None:
    import sqlalchemy as sa

    from kondusif import overview, store, workflow
    from kondusif.filters import Filter
    from kondusif.model import Role, Viewer
    from kondusif.ui import peta_data

    engine = store.get_engine()
    url = engine.url.render_as_string(hide_password=False)
    viewer = Viewer("bench", Role.PEJABAT, display_name="Bench")
    liaison = Viewer("bench-pws", Role.PANWASLU)
    flt = Filter(period=args.period)
    period = flt.resolve(datetime(2018, 7, 7, 17, 0, tzinfo=UTC))
    print(f"map page data per view, pejabat, ?periode={args.period} (as of 7/7/2018), {args.reports:,} simulated "
          f"reports in SQLite; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (CPU seconds)")

    def view(version):
        return peta_data.cached_page(url, version, viewer, flt, period)

    def clear_views() -> None:  # every view-level cache; the scope's frame (view_frames) is cleared apart
        for cache in (peta_data.shared_page, peta_data.shared_levels, peta_data.shared_contact):
            cache.clear()

    rows: dict[str, list[float]] = {}
    clear_views()
    peta_data.view_frames.clear()
    secs, first = cpu(view, overview.data_version(engine))
    rows["cold view"] = [secs]
    rows["cached view"] = [cpu(view, overview.data_version(engine))[0] for _ in range(20)]
    for key in ("30h", "7h", "24j"):
        other = Filter(period=key)
        other_period = other.resolve(datetime(2018, 7, 7, 17, 0, tzinfo=UTC))
        clear_views()
        peta_data.view_frames.clear()
        rows.setdefault("another period, no frame yet", []).append(
            cpu(peta_data.cached_page, url, overview.data_version(engine), viewer, other, other_period)[0])
        clear_views()
        view(overview.data_version(engine))  # the frame of all times is there, as after any first view
        rows.setdefault("another period, cut", []).append(
            cpu(peta_data.cached_page, url, overview.data_version(engine), viewer, other, other_period)[0])
    for kecamatan in ("16.73.01", "16.73.04", "16.73.08"):
        narrower = Filter(period=args.period, kecamatan=(kecamatan,))
        rows.setdefault("a kecamatan added, cut", []).append(
            cpu(peta_data.cached_page, url, overview.data_version(engine), viewer, narrower, period)[0])
    from kondusif import accounts
    from kondusif.accounts import auth

    accounts.create_account(engine, Viewer("bench-admin", Role.ADMIN), "bench-masuk", Role.PANWASLU,
                            "Sandi-Bench-Panjang-2018!", must_change=False)
    for _ in range(5):
        auth.authenticate(engine, "bench-masuk", "Sandi-Bench-Panjang-2018!")  # an audit row no view shows
        rows.setdefault("after a sign-in elsewhere", []).append(cpu(view, overview.data_version(engine))[0])
    baru = overview.read_incidents(engine, flt.query_between(period.start, period.end), viewer,
                                   ["id", "status"], limit=5000)
    targets = iter(baru[baru["status"] == "baru"]["id"].tolist())

    def save() -> tuple:
        row = store.get_incident(engine, next(targets), viewer=viewer)
        workflow.verify(engine, liaison, row["id"], int(row["version"]))
        return overview.data_version(engine)

    for _ in range(args.saves):
        version = save()
        peta_data.view_frames.clear()  # before: every save meant a whole read of the view
        rows.setdefault("after a save, whole", []).append(cpu(view, version)[0])
        version = save()
        rows.setdefault("after a save, patch", []).append(cpu(view, version)[0])
    rows["data version"] = [cpu(overview.data_version, engine)[0] for _ in range(50)]

    def old_version(e):
        with e.connect() as conn:
            n = conn.execute(sa.select(sa.func.count()).select_from(store.incidents)).scalar()
            last = conn.execute(sa.select(sa.func.max(store.audit_log.c.id))).scalar()
        return n, last

    rows["data version before (count)"] = [cpu(old_version, engine)[0] for _ in range(50)]
    for name, values in rows.items():
        print(f"  {name:<30} median {statistics.median(values) * 1000:8.1f} ms  max {max(values) * 1000:8.1f} ms"
              f"  ({len(values)} runs)")
    print(f"  (the view: {first.headline.n:,} reports in the period, {first.layer.shown:,} on the map)")


if __name__ == "__main__":
    main()
