"""The outbox (issue 28): events commit or roll back with their write, are claimed once, and survive failures."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from kondusif import alerts, store, worker, workflow
from kondusif.config import settings
from kondusif.model import SYSTEM, Category, Incident, Role, Severity, Viewer
from kondusif.store import outbox
from kondusif.store.outbox import AlertsCreated, ReportsChanged
from kondusif.store.schema import outbox as outbox_table
from kondusif.timeutil import now

KEL = "16.73.01.1001"
PANWASLU = Viewer("panwas-kota", Role.PANWASLU, display_name="Panwaslu Kota")


def berat(i: int, when: datetime | None = None) -> Incident:
    return Incident(kode_kelurahan=KEL, rt=2, category=Category.BENTROKAN, severity=Severity.BERAT,
                    title=f"Bentrok {i}", occurred_at=when or now() - timedelta(hours=1), reporter_name="Pak Rahman")


def events(engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(outbox_table).order_by(outbox_table.c.id)).mappings()]


def rawan_alerts(engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(store.alerts.c.kode_kelurahan).where(store.alerts.c.kind == "rawan"))
                    .scalars())


def store_reports(engine, n: int) -> list[dict]:
    """Reports through the intake path (berat alerts in the transaction, the level event recorded)."""
    from kondusif.intake.pipeline import insert_records

    records = [store.incident_row(berat(i)) for i in range(n)]
    with store.write(engine) as conn:
        rows, _ = insert_records(conn, records, "uji", [{} for _ in records], engine)
    return rows


def test_a_write_that_rolls_back_records_no_event(engine):
    with pytest.raises(RuntimeError), store.write(engine) as conn:
        outbox.record(conn, ReportsChanged((KEL,)))
        rows = store.insert_incidents(conn, [berat(1)])
        alerts.check_new_incidents(conn, rows)
        raise RuntimeError("batal")
    assert events(engine) == []
    assert store.count_incidents(engine, None, SYSTEM) == 0
    # The pooled connection does not carry the rolled-back event into the next write.
    with store.write(engine) as conn:
        store.insert_incidents(conn, [berat(2, when=datetime(2017, 1, 1, tzinfo=UTC))])
    assert events(engine) == []


def test_the_writer_only_records_and_the_worker_does_the_level_check(engine):
    """Issue 28.6: app processes only enqueue. The write leaves its event open; the worker's round checks."""
    # 4 berat x 4 x 0.5 (baru) = 8 -> Waspada; 8 berat = 16 >= 14 -> Rawan (docs/levels.md)
    store_reports(engine, 8)
    assert rawan_alerts(engine) == []  # nothing done by the writing process
    (event,) = events(engine)
    assert event["kind"] == "reports_changed" and event["done_at"] is None and event["attempts"] == 0
    assert outbox.work_waiting(engine)
    assert worker.Worker(engine, "pekerja-uji").run_once() == 1
    assert rawan_alerts(engine) == [KEL]
    assert events(engine)[0]["done_at"] is not None and events(engine)[0]["claimed_by"] == "pekerja-uji"
    assert not outbox.work_waiting(engine)


def test_a_status_change_rechecks_the_level_after_commit(engine):
    # An hour old (decay 2^(-1/72) ~ 0.99): 5 berat baru = 5 x 4 x 0.5 = 10 < 14; two verified:
    # 2 x 4 + 3 x 2 = 14 x 0.99 < 14; three verified: 3 x 4 + 2 x 2 = 16 x 0.99 >= 14 -> Rawan.
    w = worker.Worker(engine, "pekerja-uji")
    rows = store_reports(engine, 5)
    for row in rows[:2]:
        workflow.verify(engine, PANWASLU, row["id"], row["version"])
    w.run_once()
    assert rawan_alerts(engine) == []
    workflow.verify(engine, PANWASLU, rows[2]["id"], rows[2]["version"])
    assert w.run_once() == 1  # the status change's own event
    assert rawan_alerts(engine) == [KEL]
    changes = events(engine)
    assert [e["kind"] for e in changes] == ["reports_changed"] * 4  # one for the insert, one per verification
    assert all(e["done_at"] is not None for e in changes)


def test_a_failing_handler_keeps_its_events_with_the_error_and_others_go_on(engine, monkeypatch):
    monkeypatch.setenv("KONDUSIF_WORKER_RETRY_SECONDS", "0")
    settings.cache_clear()
    seen: list[tuple[int, ...]] = []

    def broken(engine, claimed, sleep):
        raise ValueError("rusak")

    monkeypatch.setitem(worker.HANDLERS, ReportsChanged.KIND, broken)
    monkeypatch.setitem(worker.HANDLERS, AlertsCreated.KIND,
                        lambda engine, claimed, sleep: seen.extend(c.event.ids for c in claimed))
    with store.write(engine) as conn:
        outbox.record(conn, AlertsCreated((41, 42)))
        rid = outbox.record(conn, ReportsChanged((KEL,)))
    w = worker.Worker(engine, "pekerja-uji")
    assert w.run_once() == 1  # the delivery event is done although the other kind fails
    assert seen == [(41, 42)]
    failed = [e for e in events(engine) if e["id"] == rid][0]
    assert failed["done_at"] is None and failed["attempts"] == 1 and failed["last_error"] == "ValueError: rusak"
    assert w.run_once() == 0  # still failing: kept with its error
    again = [e for e in events(engine) if e["id"] == rid][0]
    assert again["attempts"] == 2 and again["done_at"] is None

    monkeypatch.setitem(worker.HANDLERS, ReportsChanged.KIND, lambda engine, claimed, sleep: None)
    assert w.run_once() == 1
    assert all(e["done_at"] is not None for e in events(engine))


def test_a_failed_event_waits_for_its_backoff(engine, monkeypatch):
    monkeypatch.setenv("KONDUSIF_WORKER_RETRY_SECONDS", "600")
    settings.cache_clear()
    monkeypatch.setitem(worker.HANDLERS, AlertsCreated.KIND, lambda *a: (_ for _ in ()).throw(OSError("mati")))
    with store.write(engine) as conn:
        outbox.record(conn, AlertsCreated((7,)))
    w = worker.Worker(engine, "pekerja-uji")
    assert w.run_once() == 0
    (event,) = events(engine)
    assert event["last_error"] == "OSError: mati"
    # retried no sooner than 600 s after the first failure (the base; it doubles per attempt)
    assert event["claimed_until"] >= now() + timedelta(seconds=590)
    assert outbox.claim(engine, "pekerja-lain") == []


def test_two_workers_racing_take_each_event_once(engine):
    with store.write(engine) as conn:
        ids = [outbox.record(conn, AlertsCreated((i,))) for i in range(60)]
    barrier = threading.Barrier(2)
    taken: dict[str, list[int]] = {"a": [], "b": []}

    def race(name: str) -> None:
        barrier.wait()
        while claimed := outbox.claim(engine, name, limit=7):
            taken[name].extend(c.id for c in claimed)
            outbox.finish(engine, name, [c.id for c in claimed])

    threads = [threading.Thread(target=race, args=(n,)) for n in taken]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(taken["a"] + taken["b"]) == ids  # every event once: none lost, none twice
    assert set(taken["a"]).isdisjoint(taken["b"])
    assert all(e["done_at"] is not None and e["attempts"] == 1 for e in events(engine))


def test_a_lease_that_has_not_passed_is_not_taken_again(engine, monkeypatch):
    with store.write(engine) as conn:
        outbox.record(conn, AlertsCreated((1,)))
    (first,) = outbox.claim(engine, "pekerja-1")
    assert outbox.claim(engine, "pekerja-2") == []
    monkeypatch.setenv("KONDUSIF_WORKER_LEASE_SECONDS", "0.1")
    settings.cache_clear()
    with engine.begin() as conn:  # the lease of pekerja-1 ran out (it died)
        conn.execute(outbox_table.update().values(claimed_until=now() - timedelta(seconds=1)))
    (second,) = outbox.claim(engine, "pekerja-2")
    assert (second.id, second.attempts) == (first.id, 2)
    outbox.finish(engine, "pekerja-1", [first.id])  # the dead worker's late word counts for nothing
    assert events(engine)[0]["done_at"] is None


def test_the_health_figures_show_the_worker_heartbeat(engine):
    assert outbox.state(engine).last_seen is None
    w = worker.Worker(engine, "pekerja-uji")
    outbox.heartbeat(engine, w.worker_id, w.started_at, 0)
    with store.write(engine) as conn:
        outbox.record(conn, AlertsCreated((3,)))
    got = outbox.state(engine)
    assert got.last_seen is not None and abs((got.last_seen - now()).total_seconds()) < 60
    assert (got.waiting, got.given_up) == (1, 0)


def _claim_all(db_url: str, name: str, barrier, results) -> None:
    """One racing process: claim in small batches until nothing is left (spawned: a process of its own)."""
    engine = store.make_engine(db_url)
    barrier.wait(60)
    got = []
    while claimed := outbox.claim(engine, name, limit=3):
        got.extend(c.id for c in claimed)
        outbox.finish(engine, name, [c.id for c in claimed])
    results.put((name, got))
    engine.dispose()


def test_two_worker_processes_racing_take_each_event_once(engine, db_url):
    """The same race across processes (SQLite's lock is then the file's, PostgreSQL's the rows')."""
    import multiprocessing

    with store.write(engine) as conn:
        ids = [outbox.record(conn, AlertsCreated((i,))) for i in range(40)]
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_claim_all, args=(db_url, name, barrier, results)) for name in ("p1", "p2")]
    for p in procs:
        p.start()
    got = dict(results.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    assert sorted(got["p1"] + got["p2"]) == ids and set(got["p1"]).isdisjoint(got["p2"])
