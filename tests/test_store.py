"""The store: schema, one-transaction writes, numbering, scoping and time handling."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from kondusif import store
from kondusif.model import SYSTEM, Category, Incident, Role, Severity, Viewer


def make(kel="16.73.01.1001", rt=1, when=datetime(2018, 6, 20, 7, 0, tzinfo=UTC), **kw) -> Incident:
    return Incident(
        kode_kelurahan=kel, rt=rt, category=kw.pop("category", Category.POLITIK_UANG),
        severity=kw.pop("severity", Severity.SEDANG), title=kw.pop("title", "Amplop"),
        occurred_at=when, reporter_name=kw.pop("reporter_name", "Pak Rahman"),
        reporter_phone=kw.pop("reporter_phone", "081234567890"), **kw,
    )


def test_schema_created_with_version_and_sqlite_pragmas(engine):
    assert store.schema_version(engine) == store.SCHEMA_VERSION
    tables = set(sa.inspect(engine).get_table_names())
    assert {"incidents", "audit_log", "users", "snapshots", "rt_units"} <= tables
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_report_numbers_are_sequential_per_year(engine):
    with store.write(engine) as conn:
        rows = store.insert_incidents(conn, [make(), make(rt=2), make(when=datetime(2019, 1, 5, tzinfo=UTC))])
    assert [r["report_no"] for r in rows] == ["LLG-2018-000001", "LLG-2018-000002", "LLG-2019-000001"]
    with store.write(engine) as conn:
        (row,) = store.insert_incidents(conn, [make(rt=3)])
    assert row["report_no"] == "LLG-2018-000003"


def test_exception_mid_write_leaves_store_unchanged(engine):
    with store.write(engine) as conn:
        store.insert_incidents(conn, [make()])
    before = store.query_incidents(engine, q=None, viewer=SYSTEM)
    with pytest.raises(RuntimeError):
        with store.write(engine) as conn:
            store.insert_incidents(conn, [make(rt=5), make(rt=6)])
            store.audit.record(conn, "tester", "incident", None, "bulk")
            raise RuntimeError("gagal di tengah jalan")
    after = store.query_incidents(engine, q=None, viewer=SYSTEM)
    assert len(after) == len(before) == 1
    # The counter rolled back too: the next number follows on without a gap.
    with store.write(engine) as conn:
        (row,) = store.insert_incidents(conn, [make(rt=7)])
    assert row["report_no"] == "LLG-2018-000002"


def test_constraint_violation_in_a_batch_rolls_back_the_whole_batch(engine):
    good = make(rt=1, source_ref="x-1", source="import")
    clash = make(rt=2, source_ref="x-1", source="import")
    with pytest.raises(sa.exc.IntegrityError):
        with store.write(engine) as conn:
            store.insert_incidents(conn, [good, clash])
    assert store.count_incidents(engine, q=None, viewer=SYSTEM) == 0
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(store.audit_log)).scalar() == 0


def test_times_round_trip_as_aware_utc(engine):
    wib_evening = datetime.fromisoformat("2018-06-20T23:30:00+07:00")
    with store.write(engine) as conn:
        (row,) = store.insert_incidents(conn, [make(when=wib_evening)])
    got = store.get_incident(engine, row["report_no"], viewer=SYSTEM)
    assert got["occurred_at"] == wib_evening
    assert got["occurred_at"].tzinfo is not None
    assert got["occurred_at"].utcoffset().total_seconds() == 0


def test_counts_by_day_use_the_wib_calendar_day(engine):
    late = datetime.fromisoformat("2018-06-20T23:30:00+07:00")   # 16:30 UTC on the 20th
    early = datetime.fromisoformat("2018-06-21T00:30:00+07:00")  # 17:30 UTC on the 20th
    with store.write(engine) as conn:
        store.insert_incidents(conn, [make(when=late), make(when=early)])
    df = store.counts_by(engine, None, SYSTEM, ["kode_kelurahan", "day"])
    assert [str(d) for d in df["day"]] == ["2018-06-20", "2018-06-21"]
    assert df["n"].tolist() == [1, 1]


def test_filters_are_pushed_into_sql(engine):
    with store.write(engine) as conn:
        store.insert_incidents(conn, [
            make(kel="16.73.01.1001", category=Category.POLITIK_UANG),
            make(kel="16.73.05.1009", category=Category.PERUSAKAN_APK, severity=Severity.BERAT),
            make(kel="16.73.05.1009", when=datetime(2018, 3, 1, tzinfo=UTC)),
        ])
    q = store.IncidentQuery.make(kecamatan="16.73.05", start=datetime(2018, 6, 1, tzinfo=UTC))
    df = store.query_incidents(engine, q, viewer=SYSTEM)
    assert df["kode_kelurahan"].tolist() == ["16.73.05.1009"]
    assert store.count_incidents(engine, store.IncidentQuery.make(severity=["berat"]), viewer=SYSTEM) == 1
    sql = str(store.incidents_select(q, SYSTEM).compile(engine))
    assert "kode_kecamatan IN" in sql and "occurred_at >=" in sql


def test_viewer_scope_and_private_fields(engine):
    with store.write(engine) as conn:
        store.insert_incidents(conn, [
            make(kel="16.73.01.1001", rt=1), make(kel="16.73.01.1001", rt=2),
            make(kel="16.73.05.1009", rt=1),
        ])
    pejabat = Viewer("walikota", Role.PEJABAT)
    df = store.query_incidents(engine, viewer=pejabat, q=None)
    assert len(df) == 3
    assert "reporter_name" not in df.columns and "reporter_phone" not in df.columns
    panwascam = Viewer("pw", Role.PANWASLU, kecamatan="16.73.05")
    df = store.query_incidents(engine, viewer=panwascam, q=None)
    assert df["kode_kecamatan"].unique().tolist() == ["16.73.05"]
    assert df["reporter_name"].tolist() == ["Pak Rahman"]
    rt = Viewer("rt-1673011001-002", Role.RT, kelurahan="16.73.01.1001", rt=2)
    df = store.query_incidents(engine, viewer=rt, q=None)
    assert df["rt"].tolist() == [2]
    assert store.count_incidents(engine, viewer=rt, q=None) == 1
    orphan_rt = Viewer("rt-x", Role.RT)
    assert store.count_incidents(engine, viewer=orphan_rt, q=None) == 0


def test_concurrent_writers_creating_a_new_counter_never_collide(engine):
    """First reports of a new year arriving at once (the PostgreSQL race of a plain UPDATE-then-INSERT)."""
    from concurrent.futures import ThreadPoolExecutor

    def reserve(_):
        with store.write(engine) as conn:
            return store.reserve_numbers(conn, "report_no:2024", 3)

    with ThreadPoolExecutor(max_workers=8) as pool:
        firsts = sorted(pool.map(reserve, range(24)))
    assert firsts == list(range(1, 72, 3))
