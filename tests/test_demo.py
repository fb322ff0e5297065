"""Simulated data: exact counts, all marked simulasi, deterministic per seed, believable shape."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from kondusif import demo, registry, store
from kondusif.model import SYSTEM
from kondusif.registry import sample_frame

ROOT = Path(__file__).resolve().parent.parent
STABLE = ["id", "kode_kelurahan", "rt", "category", "severity", "title", "occurred_at", "reported_at",
          "lat", "lon", "status", "source", "source_ref", "duplicate_of"]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kondusif", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def test_cli_demo_gives_exactly_n_simulated_rows_and_same_seed_same_rows(tmp_path):
    urls = [f"sqlite:///{tmp_path / name}" for name in ("a.db", "b.db")]
    for url in urls:
        proc = run_cli("--db-url", url, "demo", "--n", "10000", "--seed", "1")
        assert proc.returncode == 0, proc.stderr
        assert "10000 laporan SIMULASI" in proc.stdout
    frames = []
    for url in urls:
        engine = store.make_engine(url)
        df = store.query_incidents(engine, newest_first=False, q=None, viewer=SYSTEM)
        engine.dispose()
        assert len(df) == 10_000
        assert set(df["source"]) == {"simulasi"}
        frames.append(df.sort_values("source_ref", ignore_index=True)[STABLE])
    pd.testing.assert_frame_equal(frames[0], frames[1])
    # Re-running the same seed adds nothing.
    proc = run_cli("--db-url", urls[0], "demo", "--n", "10000", "--seed", "1")
    assert "0 laporan SIMULASI ditambahkan" in proc.stdout and "10000 sudah ada" in proc.stdout


def test_other_seed_gives_other_rows():
    a = demo.simulate(500, seed=1, registry=sample_frame())
    b = demo.simulate(500, seed=2, registry=sample_frame())
    assert not a["id"].equals(b["id"])
    assert not a["kode_kelurahan"].equals(b["kode_kelurahan"])


def test_simulated_season_is_believable():
    df = demo.simulate(20_000, seed=3, registry=sample_frame())
    wib = df["occurred_at"].dt.tz_convert("Asia/Jakarta")
    per_month = wib.dt.month.value_counts()
    assert per_month[6] > 4 * per_month[2]            # rising towards June
    voting_day = (wib.dt.date.astype(str) == "2018-06-27").sum()
    early_day = (wib.dt.date.astype(str) == "2018-02-20").sum()
    assert voting_day > 20 * max(early_day, 1)       # peak on 27 June
    assert (wib.dt.date.astype(str) >= "2018-02-15").all()
    per_kel = df["kode_kelurahan"].value_counts()
    assert len(per_kel) == 72 and per_kel.max() > 5 * per_kel.min()   # some kelurahan quieter
    assert set(df["status"]) == {"baru", "diverifikasi", "ditindaklanjuti", "selesai", "ditolak", "duplikat"}
    assert set(df["severity"]) == {"ringan", "sedang", "berat"}
    assert df["category"].nunique() == 10
    dups = df[df["status"] == "duplikat"]
    assert dups["duplicate_of"].notna().all() and dups["duplicate_of"].isin(df["id"]).all()
    assert df["description"].str.contains("SIMULASI").all()


def test_seed_demo_fills_store_and_is_idempotent(engine):
    first = demo.seed_demo(engine, 1200, seed=5, batch=500)
    again = demo.seed_demo(engine, 1200, seed=5, batch=500)
    assert (first.inserted, again.inserted, again.skipped) == (1200, 0, 1200)
    assert store.count_incidents(engine, q=None, viewer=SYSTEM) == 1200
    assert store.has_simulated(engine)
    numbers = store.query_incidents(engine, columns=["report_no"], q=None, viewer=SYSTEM)["report_no"]
    assert numbers.is_unique and numbers.str.match(r"^LLG-2018-\d{6}$").all()


# --------------------------------------------------------------------------- issue 14: fast seeding, same rows

def _fingerprint(engine) -> tuple[int, str]:
    """sha256 over every stored incident column but updated_at (the insert time), rows sorted."""
    cols = [c for c in store.incidents.c if c.name != "updated_at"]

    def norm(v):
        if isinstance(v, datetime):
            return v.astimezone(UTC).isoformat()
        return repr(v) if isinstance(v, float) else v

    with engine.connect() as conn:
        rows = sorted(repr(tuple(norm(v) for v in r)) for r in conn.execute(sa.select(*cols)))
    return len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest()


# Recorded from the code before issue 14 (commit fa5b902: per-row dicts through
# store.insert_incidents), `python -m kondusif demo --n 2000 --seed 1` on an empty
# store, with the same _fingerprint on SQLite and on PostgreSQL.
PRE_ISSUE14_FINGERPRINT = "7982cb6c4edf99d0c22d7b4b1406c98b7ac62c68d9b27743378d5c3184e3897c"
# The same store read as raw SQLite values (typeof + value per column): times stored as
# 'YYYY-MM-DD HH:MM:SS.ffffff' UTC text, booleans as 0/1, exactly as before.
PRE_ISSUE14_SQLITE_RAW = "4b6d0c1bfa3a86e88d86affa95c172c98e3301778ae292ae92680c0df8870493"


def _raw_sqlite_fingerprint(engine) -> str:
    plain = [sa.column(c.name) for c in store.incidents.c if c.name != "updated_at"]  # no type: raw values
    stmt = sa.select(*[x for c in plain for x in (sa.func.typeof(c), c)]).select_from(sa.table("incidents"))
    with engine.connect() as conn:
        rows = sorted(repr(tuple(r)) for r in conn.execute(stmt))
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()


def test_seeding_stores_exactly_the_rows_the_pre_issue14_code_stored(engine):
    registry.ensure_rt_registry(engine)
    result = demo.seed_demo(engine, 2000, seed=1, batch=300)  # several chunks, one transaction
    assert (result.inserted, result.skipped) == (2000, 0)
    assert _fingerprint(engine) == (2000, PRE_ISSUE14_FINGERPRINT)
    if engine.dialect.name == "sqlite":
        assert _raw_sqlite_fingerprint(engine) == PRE_ISSUE14_SQLITE_RAW
    # One row read by eye from the old store: a followed-up report with a location.
    row = store.get_incident(engine, "LLG-2018-001592", viewer=SYSTEM)
    assert row["source_ref"] == "sim:1:49"
    assert row["id"] == "ffd11674-5374-430c-983d-b0e1847182c8"
    assert (row["kode_kelurahan"], row["rt"], row["category"], row["severity"], row["status"]) == (
        "16.73.03.1008", 13, "politik_uang", "berat", "selesai")
    assert row["occurred_at"] == datetime(2018, 6, 24, 17, 55, 37, tzinfo=UTC)  # 25/06/2018 00:55:37 WIB
    assert row["reported_at"] == datetime(2018, 6, 24, 18, 18, 37, tzinfo=UTC)
    assert row["followup_due"] == datetime(2018, 7, 4, 17, 55, 37, tzinfo=UTC)
    assert (row["lat"], row["lon"]) == (-3.3203954341038835, 102.95147629354508)
    assert (row["followup_to"], row["outcome"]) == ("Polres Lubuklinggau", "Selesai ditangani (simulasi)")
    assert (row["reporter_name"], row["reporter_phone"], row["created_by"]) == (
        "Pelapor simulasi 00049", "08000000049", "rt-1673031008-013")
    # The year counter continues after the seeded numbers; the seeding is audited once.
    with engine.connect() as conn:
        assert conn.execute(sa.select(store.counters.c.value).where(
            store.counters.c.name == "report_no:2018")).scalar_one() == 2000
        notes = conn.execute(sa.select(store.audit_log.c.note).where(store.audit_log.c.entity == "demo")).all()
    assert [n[0] for n in notes] == ["2000 laporan simulasi ditambahkan (seed 1)"]


def _plain_indexes(engine) -> set[str]:
    return {ix["name"] for ix in sa.inspect(engine).get_indexes("incidents") if ix["name"].startswith("ix_")}


INDEXES = {"ix_incidents_occurred", "ix_incidents_kel_time", "ix_incidents_kec_time", "ix_incidents_status",
           "ix_incidents_created_by"}


def test_seeding_keeps_every_index_and_adds_to_a_filled_store(engine):
    registry.ensure_rt_registry(engine)
    demo.seed_demo(engine, 900, seed=2, batch=250)
    assert _plain_indexes(engine) == INDEXES
    demo.seed_demo(engine, 300, seed=4)  # smaller than the table: indexes stay in place while loading
    assert _plain_indexes(engine) == INDEXES
    assert store.count_incidents(engine, None, SYSTEM) == 1200
    numbers = store.query_incidents(engine, None, SYSTEM, columns=["report_no"], newest_first=False)["report_no"]
    assert sorted(numbers) == [f"LLG-2018-{i:06d}" for i in range(1, 1201)]
    with engine.connect() as conn:
        plan = " ".join(str(r) for r in conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT count(*) FROM incidents WHERE status = 'baru'"
            if engine.dialect.name == "sqlite" else
            "EXPLAIN SELECT count(*) FROM incidents WHERE status = 'baru'"))
    assert engine.dialect.name != "sqlite" or "ix_incidents_status" in plan


def test_seeding_that_fails_half_way_leaves_nothing_behind(engine, monkeypatch):
    registry.ensure_rt_registry(engine)
    demo.seed_demo(engine, 100, seed=9)
    real = store.bulk_insert
    calls = []

    def failing(conn, table, columns, rows):
        calls.append(1)
        if len(calls) == 3:
            raise OSError("disk penuh (simulasi)")
        real(conn, table, columns, rows)

    monkeypatch.setattr(store.writes, "bulk_insert", failing)  # the incidents' write module loads the rows
    with pytest.raises(OSError):
        demo.seed_demo(engine, 1000, seed=8, batch=200)
    monkeypatch.setattr(store.writes, "bulk_insert", real)
    assert store.count_incidents(engine, None, SYSTEM) == 100
    assert _plain_indexes(engine) == INDEXES  # the dropped indexes came back with the rollback
    with engine.connect() as conn:
        assert conn.execute(sa.select(store.counters.c.value).where(
            store.counters.c.name == "report_no:2018")).scalar_one() == 100
    again = demo.seed_demo(engine, 1000, seed=8, batch=200)
    assert again.inserted == 1000 and store.count_incidents(engine, None, SYSTEM) == 1100


def test_bulk_insert_refuses_columns_out_of_table_order(engine):
    if engine.dialect.name != "sqlite":  # COPY names its columns, any order works there
        with store.write(engine) as conn:
            store.bulk_insert(conn, store.meta, ["value", "key"], [("x", "k1")])
        with engine.connect() as conn:
            assert conn.execute(sa.select(store.meta.c.value).where(store.meta.c.key == "k1")).scalar() == "x"
        return
    with pytest.raises(ValueError), store.write(engine) as conn:
        store.bulk_insert(conn, store.meta, ["value", "key"], [("x", "k1")])
