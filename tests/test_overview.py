"""The map page's data (kondusif.overview) agrees with plain store queries and respects scope."""

from __future__ import annotations

from datetime import date

import pandas as pd

from kondusif import overview, store
from kondusif.filters import Filter
from kondusif.model import SYSTEM, Role, Viewer

PEJABAT = Viewer("p", Role.PEJABAT)
PANWASLU = Viewer("pw", Role.PANWASLU, kecamatan="16.73.02")
AS_OF = date(2018, 6, 27)


def test_fast_reader_matches_the_store(demo_engine):
    flt = Filter(period="30h", as_of=AS_OF, severity=("berat", "sedang"))
    q = flt.to_query()
    fast = overview.read_incidents(demo_engine, q, PEJABAT, overview.MAP_COLUMNS)
    slow = store.query_incidents(demo_engine, q, PEJABAT, columns=overview.MAP_COLUMNS)
    assert len(fast) == len(slow) > 0
    assert set(fast["report_no"]) == set(slow["report_no"])
    assert fast["occurred_at"].is_monotonic_decreasing  # newest first
    merged = fast.merge(slow, on="report_no", suffixes=("", "_store"))
    assert (merged["occurred_at"] - merged["occurred_at_store"]).abs().max() < pd.Timedelta(seconds=1)
    assert str(fast["occurred_at"].dt.tz) == "UTC"


def test_fast_reader_never_returns_identity_for_pejabat(demo_engine):
    df = overview.read_incidents(demo_engine, store.IncidentQuery(), PEJABAT,
                                 ["report_no", "reporter_name", "reporter_phone"], limit=5)
    assert list(df.columns) == ["report_no"]


def test_scope_applies_to_every_figure(demo_engine):
    flt = Filter(period="30h", as_of=AS_OF)
    period = flt.resolve()
    df = overview.read_incidents(demo_engine, flt.to_query(), PANWASLU, ["kode_kecamatan"], newest_first=None)
    assert set(df["kode_kecamatan"]) == {"16.73.02"}
    levels = overview.levels_for_view(demo_engine, PANWASLU, flt, period.as_of)
    assert set(levels.kelurahan["kode_kelurahan"].str.slice(0, 8)) == {"16.73.02"}
    assert set(levels.rt["kode_kelurahan"].str.slice(0, 8)) == {"16.73.02"}
    table = overview.page_data(demo_engine, PANWASLU, flt, period).kecamatan
    assert list(table["Kecamatan"]) == ["Lubuk Linggau Barat I"]
    assert overview.kelurahan_detail(demo_engine, PANWASLU, flt, period, levels, "16.73.01.1001") is None


def test_headline_trend_and_table_add_up(demo_engine):
    flt = Filter(period="7h", as_of=AS_OF)
    period = flt.resolve()
    levels = overview.levels_for_view(demo_engine, PEJABAT, flt, period.as_of)
    head = overview.headline(demo_engine, PEJABAT, flt, period, levels)
    assert head.n == store.count_incidents(demo_engine, flt.to_query(), PEJABAT) > 0
    prev = period.previous()
    assert head.n_previous == store.count_incidents(demo_engine, flt.query_between(prev.start, prev.end), viewer=SYSTEM)
    baru = store.count_incidents(demo_engine, Filter(period="7h", as_of=AS_OF, status=("baru",)).to_query(), viewer=SYSTEM)
    assert head.n_unverified == baru
    assert head.latest is not None and head.latest < period.end
    counts = levels.counts()
    assert (head.n_rawan, head.n_waspada) == (counts[overview.status.Level.RAWAN],
                                               counts[overview.status.Level.WASPADA])
    page = overview.page_data(demo_engine, PEJABAT, flt, period)
    trend = page.trend
    assert len(trend) == 7 and int(trend.to_numpy().sum()) == head.n
    table = page.kecamatan
    assert int(table["Laporan"].sum()) == head.n and int(table["Jumlah kelurahan"].sum()) == 72
    assert int(table["Kelurahan Rawan"].sum()) == head.n_rawan


def test_status_filter_without_baru_has_no_unverified(demo_engine):
    flt = Filter(period="7h", as_of=AS_OF, status=("diverifikasi",))
    period = flt.resolve()
    levels = overview.levels_for_view(demo_engine, PEJABAT, flt, period.as_of)
    assert overview.headline(demo_engine, PEJABAT, flt, period, levels).n_unverified == 0


def test_kelurahan_detail(demo_engine):
    flt = Filter(period="30h", as_of=AS_OF)
    period = flt.resolve()
    levels = overview.levels_for_view(demo_engine, PEJABAT, flt, period.as_of)
    kode = levels.kelurahan.sort_values("score", ascending=False)["kode_kelurahan"].iloc[0]
    detail = overview.kelurahan_detail(demo_engine, PEJABAT, flt, period, levels, kode)
    assert detail.level is not None and detail.reasons
    assert len(detail.spark) == 14 and detail.spark["Tanggal"].iloc[-1] == pd.Timestamp(AS_OF)
    n = store.count_incidents(demo_engine, Filter(period="30h", as_of=AS_OF, kelurahan=(kode,)).to_query(), viewer=SYSTEM)
    assert int(detail.by_category["Laporan"].sum()) == int(detail.by_severity["Laporan"].sum()) == n
    assert 0 < len(detail.latest) <= 10
    assert list(detail.latest.columns) == ["No. laporan", "Waktu", "RT", "Kategori", "Keparahan", "Status",
                                           "Judul"]


def test_map_reports_are_capped_newest_first(demo_engine):
    flt = Filter(period="kampanye", as_of=AS_OF)
    period = flt.resolve()
    total = store.count_incidents(demo_engine, flt.to_query(), viewer=SYSTEM)
    layer = overview.page_data(demo_engine, PEJABAT, flt, period, cap=100).map
    assert layer.capped and len(layer.frame) == 100 and layer.total == total
    assert layer.frame["occurred_at"].is_monotonic_decreasing


def test_data_version_changes_with_writes(engine):
    from kondusif.registry import ensure_rt_registry

    before = overview.data_version(engine)
    ensure_rt_registry(engine)  # audited
    assert overview.data_version(engine) != before
