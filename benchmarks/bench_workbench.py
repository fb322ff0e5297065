"""Prints how fast the Panwaslu workbench reads, exports and alerts on a large store.

Usage: python benchmarks/bench_workbench.py [N]   (default 100,000 simulated incidents in a temporary SQLite file)

Figures: one table page (overdue first) and the headline; the phone's one-cell table of that page and, for
its first report, the duplicate candidates, the originals offered and «Sumber» in words; a 20-report bulk action; CSV, XLSX and
GeoJSON export of the whole store (rows, seconds, MB); the alert check an insert path runs for a
batch of N new rows (check_new_incidents, including the Rawan re-check of their kelurahan).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["KONDUSIF_DATA_DIR"] = tmp
        os.environ.pop("KONDUSIF_WEBHOOK_URL", None)
        from kondusif import alerts, demo, exports, registry, store, workbench, workflow
        from kondusif.model import Role, Status, Viewer
        from kondusif.workflow import ActionInput

        engine = store.make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        store.init_db(engine)
        registry.ensure_rt_registry(engine)
        demo.seed_demo(engine, n, seed=3, batch=50_000)
        viewer = Viewer("bench", Role.PANWASLU)

        def timed(label: str, fn, unit: str = ""):
            t0 = time.perf_counter()
            out = fn()
            dt = time.perf_counter() - t0
            print(f"{label:<44}: {dt * 1000:8.0f} ms {unit}")
            return out

        print(f"incidents in store                          : {n:,}")
        timed("table page (50 rows, overdue first)", lambda: workbench.page_rows(engine, None, viewer, limit=50))
        timed("table page 100 (offset 4,950)", lambda: workbench.page_rows(engine, None, viewer, limit=50,
                                                                           offset=4950))
        timed("headline figures", lambda: workbench.headline(engine, None, viewer))
        page = workbench.page_rows(engine, None, viewer, limit=50)
        timed("phone table of that page (compact_view)", lambda: workbench.compact_view(page))
        opened = store.get_incident(engine, page["id"].iloc[0], viewer)
        twins = timed("duplicate candidates of one report (24 h)",
                      lambda: workbench.duplicate_candidates(engine, opened, viewer, window_hours=24.0))
        timed("originals offered for it (twins + kelurahan)",
              lambda: workbench.original_choices(engine, viewer, opened, twins))
        timed("«Sumber» in words for it (source_text)", lambda: workbench.source_text(engine, viewer, opened["id"]))
        baru = store.query_incidents(engine, store.IncidentQuery.make(status="baru"), viewer, limit=20)
        items = list(zip(baru["id"], baru["version"], strict=True))
        res = timed("bulk reject of 20 reports (+ Rawan check)", lambda: workflow.bulk_change_status(
            engine, viewer, items, Status.DITOLAK, ActionInput(note="spam")))
        assert len(res.done) == len(items)
        for fmt in ("csv", "xlsx", "geojson"):
            t0 = time.perf_counter()
            name, data, _ = exports.export(engine, None, viewer, fmt)
            dt = time.perf_counter() - t0
            print(f"{'export ' + fmt + ' of the whole store':<44}: {dt * 1000:8.0f} ms "
                  f"({n / dt:,.0f} rows/s, {len(data) / 1e6:.1f} MB)")
        rows = demo.simulate(n, seed=99, registry=registry.rt_registry(engine)).to_dict("records")
        timed(f"check_new_incidents for {n:,} rows", lambda: alerts.check_new_incidents(engine, rows),
              "(historical rows: 0 alerts expected)")
        engine.dispose()


if __name__ == "__main__":
    main()
