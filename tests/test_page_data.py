"""Issue 14: the city map page reads the reports once (overview.page_data) and shows exactly what
the separate queries it replaced showed: levels, headline, map reports, trend, per-kecamatan table.

Levels and headline are compared with the functions the other screens still use. The map
reports, trend and kecamatan table are compared with fingerprints recorded from the separate
queries (overview.map_incidents, daily_trend, kecamatan_table, removed in issue 28 because only
this test called them) on the demo store, identical on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

import pandas as pd
import pytest

from kondusif import overview, store
from kondusif.filters import Filter
from kondusif.model import Incident, Role, Viewer
from kondusif.timeutil import now

PEJABAT = Viewer("p", Role.PEJABAT)
PANWASCAM = Viewer("pw", Role.PANWASLU, kecamatan="16.73.02")
RT = Viewer("rt", Role.RT, kecamatan="16.73.01", kelurahan="16.73.01.1001", rt=1)

VIEWS = {
    "whole campaign": (PEJABAT, Filter(period="kampanye", as_of=date(2018, 7, 7))),
    "7 days replayed": (PEJABAT, Filter(as_of=date(2018, 6, 27))),
    "30 hours, two severities": (PEJABAT, Filter(period="30h", as_of=date(2018, 6, 27),
                                                 severity=("berat", "sedang"))),
    "kecamatan and category": (PEJABAT, Filter(period="kampanye", as_of=date(2018, 6, 30),
                                               kecamatan=("16.73.04",), category=("politik_uang", "intimidasi"))),
    "status without baru": (PEJABAT, Filter(period="kampanye", as_of=date(2018, 7, 7),
                                            status=("diverifikasi", "ditindaklanjuti"))),
    "panwascam of one kecamatan": (PANWASCAM, Filter(period="kampanye", as_of=date(2018, 7, 7))),
    "an RT": (RT, Filter(period="kampanye", as_of=date(2018, 7, 7))),
    "nothing in the period": (PEJABAT, Filter(as_of=date(2017, 1, 10))),
}

CUT_VIEWS = {**VIEWS, "kelurahan, RT and source": (PEJABAT, Filter(
    period="kampanye", as_of=date(2018, 7, 7), kelurahan=("16.73.02.1001", "16.73.04.1002"), rt=(1, 2, 3),
    source=("form", "simulasi")))}


# (map reports capped at 300, daily trend, kecamatan table) per view, recorded from the separate
# queries before they were removed (same digests on both backends).
RECORDED = {
    "whole campaign": ("1af434707d92088d", "d6b3e8ad56f1fc4f", "37d4e9c27d0e7392"),
    "7 days replayed": ("6fd9ea414d2135eb", "6d562a52002df3c7", "bb80fefc25ab7034"),
    "30 hours, two severities": ("bf64b636fedd00a6", "a9d29a242049c275", "7577df7e7b59377d"),
    "kecamatan and category": ("1e5b4a23838041d8", "2f115a9cfae9e94e", "eb9a203e89904e92"),
    "status without baru": ("291ea4485cda732c", "ad5b4da82ef8a098", "9c1517bfe1b7adf7"),
    "panwascam of one kecamatan": ("7dfdc70abd27c78c", "7285a061b6f69cf4", "6a6af351243f357a"),
    "an RT": ("4bf1d8d181ef25a5", "d930069319ae0f15", "7a86c677f9be13fc"),
    "nothing in the period": ("f45a0b3e646997f7", "46d6e4e7789674c6", "650a1cd6018358fa"),
}


def fingerprint(frame: pd.DataFrame) -> str:
    """sha256 (16 hex) of a frame's labels and values as CSV text, times as UTC text."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = pd.to_datetime(out[col], utc=True).dt.strftime("%Y-%m-%dT%H:%M:%S.%f")
    text = out.to_csv(index=True, lineterminator="\n", float_format="%.6g")
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@pytest.mark.parametrize("view", list(VIEWS))
def test_one_read_shows_what_the_separate_queries_showed(demo_engine, view):
    viewer, flt = VIEWS[view]
    flt, _ = flt.scoped(viewer)
    period = flt.resolve()
    got = overview.page_data(demo_engine, viewer, flt, period, cap=300)

    levels = overview.levels_for_view(demo_engine, viewer, flt, period.as_of, contact_since=period.start)
    pd.testing.assert_frame_equal(got.levels.kelurahan, levels.kelurahan)
    pd.testing.assert_frame_equal(got.levels.rt, levels.rt)
    assert got.levels.as_of == levels.as_of and got.levels.registry_is_sample == levels.registry_is_sample
    head = overview.headline(demo_engine, viewer, flt, period, levels)
    assert got.headline == head
    assert got.map.total == head.n
    assert (fingerprint(got.map.frame), fingerprint(got.trend), fingerprint(got.kecamatan)) == RECORDED[view]


def test_the_views_are_not_empty_where_they_should_not_be(demo_engine):
    # The comparison above means something only if the demo store fills these views.
    viewer, flt = VIEWS["whole campaign"]
    got = overview.page_data(demo_engine, viewer, flt, flt.resolve(), cap=300)
    assert got.headline.n > 300 and got.map.capped and len(got.map.frame) == 300
    assert got.headline.n_unverified > 0 and got.headline.n_rawan + got.headline.n_waspada > 0
    assert int(got.trend.to_numpy().sum()) == got.headline.n
    assert int(got.kecamatan["Laporan"].sum()) == got.headline.n
    viewer, flt = VIEWS["status without baru"]
    assert overview.page_data(demo_engine, viewer, flt, flt.resolve()).headline.n_unverified == 0
    viewer, flt = VIEWS["nothing in the period"]
    empty = overview.page_data(demo_engine, viewer, flt, flt.resolve())
    assert empty.headline.n == 0 and empty.map.total == 0 and len(empty.map.frame) == 0
    assert empty.headline.latest is None


def test_data_moments_when_the_season_is_newer_than_the_real_reports(demo_engine):
    # The newest report is simulated (July 2018); the newest real one is older and must still be found.
    real_at = now().replace(year=2017) - timedelta(days=3)
    with store.write(demo_engine) as conn:
        store.insert_incidents(conn, [Incident(
            kode_kelurahan="16.73.01.1001", rt=2, category="intimidasi", severity="berat",
            title="Laporan nyata lama", occurred_at=real_at, source="form")])
    m = overview.data_moments(demo_engine, PEJABAT)
    assert abs(m.newest_real - real_at) < timedelta(seconds=1)
    assert (m.newest_simulated.year, m.newest_simulated.month) == (2018, 7)
    assert overview.data_moments(demo_engine, PANWASCAM).newest_real is None  # 16.73.01 is not theirs


def test_page_data_stays_in_the_viewers_scope(demo_engine):
    flt, _ = Filter(period="kampanye", as_of=date(2018, 7, 7)).scoped(PANWASCAM)
    period = flt.resolve()
    frame = overview.read_view(demo_engine, PANWASCAM, flt, period)
    assert len(frame) > 0 and set(frame["kode_kecamatan"]) == {"16.73.02"}
    assert "reporter_name" not in frame.columns and "reporter_phone" not in frame.columns
    got = overview.page_data(demo_engine, PANWASCAM, flt, period)
    assert set(got.levels.kelurahan["kode_kelurahan"].str.slice(0, 8)) == {"16.73.02"}
    assert set(got.map.frame["kode_kelurahan"].str.slice(0, 8)) == {"16.73.02"}
    assert list(got.kecamatan["Laporan"]) == [got.headline.n]  # one row: their kecamatan
    everyone = overview.page_data(demo_engine, PEJABAT, Filter(period="kampanye", as_of=date(2018, 7, 7)), period)
    assert everyone.headline.n > got.headline.n


def _same_rows(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Equal frames up to the order of reports of the same minute (the database's order among them)."""
    assert list(a.columns) == list(b.columns)
    pd.testing.assert_frame_equal(a.sort_values("id", ignore_index=True), b.sort_values("id", ignore_index=True))
    assert a["occurred_at"].is_monotonic_decreasing and b["occurred_at"].is_monotonic_decreasing


def test_a_view_patched_after_a_verification_and_a_new_report_is_the_view_read_again(demo_engine):
    """Issue 29: after a save the map page re-reads only the reports written since (patch_view),
    not the whole period; what it then shows must be what a whole new read shows."""
    from kondusif import workflow

    flt = Filter(period="kampanye", as_of=date(2018, 7, 7))
    period = flt.resolve()
    since = overview.data_version(demo_engine)[0]
    before = overview.read_view(demo_engine, PEJABAT, flt, period)
    baru = before[before["status"] == "baru"].iloc[0]
    row = store.get_incident(demo_engine, baru["id"], viewer=PEJABAT)
    workflow.verify(demo_engine, Viewer("pws", Role.PANWASLU), row["id"], int(row["version"]))
    with store.write(demo_engine) as conn:
        store.insert_incidents(conn, [Incident(
            kode_kelurahan="16.73.02.1003", rt=4, category="intimidasi", severity="berat",
            title="Laporan baru sesudah dibaca", occurred_at=period.end - timedelta(hours=2), source="form")])
    until = overview.data_version(demo_engine)[0]
    ids = overview.reports_written(demo_engine, since, until)
    assert ids is not None and len(ids) == 2 and baru["id"] in ids
    patched = overview.patch_view(demo_engine, before, ids, PEJABAT, flt, period)
    again = overview.read_view(demo_engine, PEJABAT, flt, period)
    assert len(again) == len(before) + 1
    assert again.loc[again["id"] == baru["id"], "status"].item() == "diverifikasi"
    _same_rows(patched, again)
    got, want = (overview.page_data(demo_engine, PEJABAT, flt, period, frame=f) for f in (patched, again))
    pd.testing.assert_frame_equal(got.levels.kelurahan, want.levels.kelurahan)
    pd.testing.assert_frame_equal(got.kecamatan, want.kecamatan)
    pd.testing.assert_frame_equal(got.trend, want.trend)
    assert got.headline == want.headline

    # A report that no longer matches the filter leaves the patched view: only "baru" shown.
    only_new = Filter(period="kampanye", as_of=date(2018, 7, 7), status=("baru",))
    view = overview.read_view(demo_engine, PEJABAT, only_new, period)
    target = view.iloc[0]
    mark = overview.data_version(demo_engine)[0]
    row = store.get_incident(demo_engine, target["id"], viewer=PEJABAT)
    workflow.verify(demo_engine, Viewer("pws", Role.PANWASLU), row["id"], int(row["version"]))
    ids = overview.reports_written(demo_engine, mark, overview.data_version(demo_engine)[0])
    assert ids is not None and target["id"] in ids  # and the reports of the last minute again (overlap)
    patched = overview.patch_view(demo_engine, view, ids, PEJABAT, only_new, period)
    assert target["id"] not in set(patched["id"]) and len(patched) == len(view) - 1
    _same_rows(patched, overview.read_view(demo_engine, PEJABAT, only_new, period))


def test_a_patched_view_stays_in_the_viewers_scope_and_other_writes_mean_a_whole_read(demo_engine):
    """patch_view re-reads with the viewer's scope: a report of another kecamatan written since
    never enters a Panwascam's view. Anything but reports written since (an account here)
    (a check-in here) makes reports_written answer None: the page then reads the view whole; an
    account is nothing a view shows."""
    from kondusif import accounts, checkins

    flt, _ = Filter(period="kampanye", as_of=date(2018, 7, 7)).scoped(PANWASCAM)
    period = flt.resolve()
    since = overview.data_version(demo_engine)[0]
    before = overview.read_view(demo_engine, PANWASCAM, flt, period)
    with store.write(demo_engine) as conn:
        store.insert_incidents(conn, [Incident(
            kode_kelurahan="16.73.01.1001", rt=2, category="intimidasi", severity="berat",
            title="Di kecamatan lain", occurred_at=period.end - timedelta(hours=1), source="form")])
    ids = overview.reports_written(demo_engine, since, overview.data_version(demo_engine)[0])
    assert ids is not None and len(ids) == 1
    patched = overview.patch_view(demo_engine, before, ids, PANWASCAM, flt, period)
    assert set(patched["kode_kecamatan"]) == {"16.73.02"} and len(patched) == len(before)

    mark = overview.data_version(demo_engine)[0]
    accounts.create_account(demo_engine, Viewer("adm", Role.ADMIN), "pws-baru", Role.PANWASLU,
                            "Sandi-Panjang-Sekali-2018!", kecamatan="16.73.02", must_change=False)
    # An account is nothing a view shows: only the report of the last minute again (the overlap).
    assert overview.reports_written(demo_engine, mark, overview.data_version(demo_engine)[0]) == ids
    checkins.record_checkin(demo_engine, Viewer("pws", Role.PANWASLU), kelurahan="16.73.02.1001", rt=1,
                            at=period.end - timedelta(hours=2), channel="cli", source_ref="uji-kontak",
                            clock=period.end - timedelta(hours=1))
    assert overview.reports_written(demo_engine, mark, overview.data_version(demo_engine)[0]) is None


@pytest.mark.parametrize("view", list(CUT_VIEWS))
def test_a_view_cut_from_the_frame_of_all_times_is_the_view_read(demo_engine, view):
    """Issue 29: the map page reads the reports of a viewer's scope of all times once and cuts
    every filter (narrow_view) and period (slice_view) from it, so another period or kecamatan
    reads nothing; the cut is what read_view reads."""
    viewer, flt = CUT_VIEWS[view]
    flt, _ = flt.scoped(viewer)
    period = flt.resolve()
    everything = overview.read_view(demo_engine, viewer, Filter(), None)
    cut = overview.slice_view(overview.narrow_view(everything, flt), period)
    read = overview.read_view(demo_engine, viewer, flt, period)
    assert len(read) or view == "nothing in the period"
    if not len(read):  # an empty read has no types to compare
        assert not len(cut) and list(cut.columns) == list(read.columns)
    else:
        _same_rows(cut, read)
    got, want = (overview.page_data(demo_engine, viewer, flt, period, frame=f) for f in (cut, read))
    assert got.headline == want.headline
    pd.testing.assert_frame_equal(got.levels.kelurahan, want.levels.kelurahan)
    pd.testing.assert_frame_equal(got.kecamatan, want.kecamatan)
    pd.testing.assert_frame_equal(got.trend, want.trend)
    assert fingerprint(got.map.frame.sort_values("report_no", ignore_index=True)) == \
        fingerprint(want.map.frame.sort_values("report_no", ignore_index=True))


@pytest.mark.parametrize("view", list(VIEWS))
def test_simulated_reports_counted_from_the_frame_are_those_the_store_counts(demo_engine, view):
    """Issue 29: the map page's simulated-data notice counts the rows it already read
    (simulated_in_frame) instead of asking the store twice (simulated.count_in_view)."""
    from kondusif import simulated, status

    viewer, flt = VIEWS[view]
    flt, _ = flt.scoped(viewer)
    period = flt.resolve()
    in_period, in_window = overview.simulated_in_frame(overview.read_view(demo_engine, viewer, flt, period), period)
    assert in_period == simulated.count_in_view(demo_engine, flt.query_between(period.start, period.end), viewer)
    window = flt.query_between(status.window_start(period.as_of), period.as_of)
    assert in_window == simulated.count_in_view(demo_engine, window, viewer)


@pytest.mark.parametrize("viewer", [PEJABAT, PANWASCAM], ids=["city", "kecamatan"])
def test_contact_counted_from_the_scopes_frame_is_contact_read_from_the_store(demo_engine, viewer):
    """Issue 29: the map page counts which RT gave word by report from the scope's frame it holds
    (every report of the scope at all times) instead of a grouped read of the store; the same
    RT, counts and newest times as that read, for the whole city and for one kecamatan."""
    from kondusif import coverage

    period = Filter(period="kampanye", as_of=date(2018, 7, 7)).resolve()
    frame = overview.read_view(demo_engine, viewer, Filter(), None)
    counted = coverage.coverage(demo_engine, viewer, period.start, period.end, reports=frame)
    read = coverage.coverage(demo_engine, viewer, period.start, period.end)
    assert read.heard > 0 and read.heard < read.total  # some RT heard from, some silent: the check means something
    assert (counted.heard, counted.total) == (read.heard, read.total)
    pd.testing.assert_frame_equal(counted.rt, read.rt)
    pd.testing.assert_frame_equal(counted.kelurahan, read.kelurahan)
    pd.testing.assert_frame_equal(counted.kecamatan, read.kecamatan)


@pytest.mark.parametrize("view", ["whole campaign", "kecamatan and category", "status without baru",
                                  "panwascam of one kecamatan"])
def test_the_kelurahan_panel_counted_from_the_scopes_frame_is_the_panel_read_from_the_store(demo_engine, view):
    """Issue 29: the panel beside the map counts its reports per category, severity and WIB day from
    the scope's frame the page holds instead of three grouped reads; the same tables, for the
    busiest kelurahan of each view."""
    viewer, flt = VIEWS[view]
    flt, _ = flt.scoped(viewer)
    period = flt.resolve()
    frame = overview.read_view(demo_engine, viewer, Filter(), None)
    data = overview.page_data(demo_engine, viewer, flt, period)
    rows = overview.read_view(demo_engine, viewer, flt, period)
    kode = rows["kode_kelurahan"].value_counts().index[0]
    read = overview.kelurahan_detail(demo_engine, viewer, flt, period, data.levels, kode)
    counted = overview.kelurahan_detail(demo_engine, viewer, flt, period, data.levels, kode, reports=frame)
    assert read is not None and counted is not None and int(read.by_severity["Laporan"].sum()) > 0
    assert int(read.spark["Laporan"].sum()) > 0  # the days before the period's end hold reports too
    for name in ("by_category", "by_severity", "spark", "latest"):
        pd.testing.assert_frame_equal(getattr(counted, name), getattr(read, name), obj=name)
