"""Where a view opens: one new real report must not hide the simulated season (issue 12 item 5).

A store with the simulated 2018 season and real reports opens on the newest real
report, with a one-click switch to the season replay and back; the daily trend of
a short period is drawn as days, not as one full-width wall.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
from test_map_page import metric, open_page

from kondusif import charts, overview, store
from kondusif.filters import DataMoments
from kondusif.model import SYSTEM, Incident, Role, Viewer
from kondusif.timeutil import WIB, now, to_wib

PEJABAT = Viewer("walikota", Role.PEJABAT, display_name="Pejabat")
NOW = datetime(2026, 12, 1, 13, 23, tzinfo=UTC)  # 01/12/2026 20:23 WIB
SEASON_END = datetime(2018, 7, 7, 23, 55, tzinfo=WIB)


def test_the_default_moment_follows_the_real_reports():
    # Only the simulated season: replay its last day.
    assert DataMoments(None, SEASON_END).default_as_of(NOW) == date(2018, 7, 7)
    # One real report today: live (None), and both moments are offered.
    today = DataMoments(NOW - timedelta(hours=1), SEASON_END)
    assert today.default_as_of(NOW) is None
    assert today.moment_choices(NOW) == {"real": None, "season": date(2018, 7, 7)}
    # Real reports of an earlier day (an import of 2019 data): that day, not the season.
    older = DataMoments(datetime(2019, 3, 4, 10, 0, tzinfo=WIB), SEASON_END)
    assert older.default_as_of(NOW) == date(2019, 3, 4)
    assert older.moment_choices(NOW) == {"real": date(2019, 3, 4), "season": date(2018, 7, 7)}
    # Nothing to switch between.
    assert DataMoments(NOW, None).moment_choices(NOW) == {}
    assert DataMoments(None, SEASON_END).moment_choices(NOW) == {}
    assert DataMoments(None, None).default_as_of(NOW) is None


def test_data_moments_read_the_store_in_the_viewers_scope(demo_engine):
    real_at = now() - timedelta(hours=2)
    with store.write(demo_engine) as conn:
        store.insert_incidents(conn, [Incident(
            kode_kelurahan="16.73.01.1001", rt=2, category="intimidasi", severity="berat",
            title="Laporan nyata hari ini", occurred_at=real_at, source="form")])
    m = overview.data_moments(demo_engine, PEJABAT)
    assert abs(m.newest_real - real_at) < timedelta(seconds=1)
    assert to_wib(m.newest_simulated).year == 2018
    # A panwaslu of another kecamatan does not see the real report: the season is its default.
    other = Viewer("panwascam", Role.PANWASLU, kecamatan="16.73.05")
    assert overview.data_moments(demo_engine, other).newest_real is None


def season_day(engine) -> date:
    return to_wib(overview.data_moments(engine, SYSTEM).newest_simulated).date()


def test_map_opens_on_the_real_report_with_one_click_to_the_season(demo_engine):
    with store.write(demo_engine) as conn:
        store.insert_incidents(conn, [Incident(
            kode_kelurahan="16.73.01.1001", rt=2, category="intimidasi", severity="berat",
            # filed this very moment: an hour ago would be yesterday between 00:00 and 01:00 WIB
            title="Laporan nyata hari ini", occurred_at=now(), source="form")])
    at = open_page(PEJABAT)
    # Live: the one real report of the last 7 days, and the switch to the season.
    assert at.date_input(key="flt_as_of").value == to_wib(now()).date()
    assert metric(at, "Laporan ·").value == "1"
    (season_button,) = [b for b in at.button if b.key == "moment_season"]
    day = season_day(demo_engine)
    assert season_button.label == f"Putar ulang musim simulasi (per {day:%d/%m/%Y})"
    assert any("Menampilkan **laporan nyata**" in m.value for m in at.markdown)
    season_button.click()
    at.run()
    assert not at.exception, at.exception
    assert at.date_input(key="flt_as_of").value == day
    assert int(metric(at, "Laporan ·").value.replace(".", "")) > 1  # the season's last week, not the one report
    assert at.query_params["per"] == day.isoformat()
    (back,) = [b for b in at.button if b.key == "moment_real"]
    back.click()
    at.run()
    assert not at.exception, at.exception
    assert metric(at, "Laporan ·").value == "1"
    assert "per" not in at.query_params


def test_only_the_season_opens_on_its_replay_without_a_switch(demo_engine):
    at = open_page(PEJABAT)
    assert at.date_input(key="flt_as_of").value == season_day(demo_engine)
    assert [b for b in at.button if str(b.key).startswith("moment_")] == []


def _trend(days: int, busy: int = 0, n: int = 1) -> pd.DataFrame:
    index = pd.to_datetime([date(2026, 11, 24) + timedelta(days=i) for i in range(days)])
    counts = [n if i == busy else 0 for i in range(days)]
    return pd.DataFrame({"Intimidasi/ancaman": counts}, index=pd.Index(index, name="Tanggal"))


def test_one_busy_day_among_eight_is_one_narrow_bar_above_its_date():
    spec = charts.trend_chart(_trend(8, busy=7)).to_dict()
    x = spec["encoding"]["x"]
    # Every day of the period has its labelled slot, the busy one last; bars have a fixed width.
    assert x["scale"]["domain"] == ["24/11", "25/11", "26/11", "27/11", "28/11", "29/11", "30/11", "01/12"]
    assert spec["mark"] == {"type": "bar", "size": 22}
    rows = spec["datasets"][spec["data"]["name"]]
    assert [(r["Hari"], r["Laporan"]) for r in rows if r["Laporan"]] == [("01/12", 1)]


def test_a_one_day_chart_is_one_narrow_bar():
    spec = charts.trend_chart(_trend(1, n=3)).to_dict()
    assert spec["encoding"]["x"]["scale"]["domain"] == ["24/11"]
    assert spec["mark"] == {"type": "bar", "size": 22}


def test_a_season_chart_spans_the_whole_period_on_a_time_axis():
    spec = charts.trend_chart(_trend(60, busy=30)).to_dict()
    assert spec["mark"] == "bar" or spec["mark"] == {"type": "bar"}
    assert spec["encoding"]["x"]["scale"]["domain"] == [{"year": 2026, "month": 11, "date": 24},
                                                        {"year": 2027, "month": 1, "date": 23}]


def test_the_simulated_season_ends_on_the_same_day_for_every_account(engine):
    """Issue 30.5: the season's end came from the newest simulated report of each account's scope, so
    a Panwascam saw another end date than the city. One date now, whatever the account."""
    with store.write(engine) as conn:
        store.insert_incidents(conn, [
            Incident(kode_kelurahan="16.73.01.1001", rt=2, category="intimidasi", severity="berat", title="Simulasi A",
                     occurred_at=datetime(2018, 7, 7, 5, 0, tzinfo=UTC), source="simulasi"),
            Incident(kode_kelurahan="16.73.05.1001", rt=2, category="intimidasi", severity="berat", title="Simulasi B",
                     occurred_at=datetime(2018, 7, 1, 5, 0, tzinfo=UTC), source="simulasi"),
        ])
    other = Viewer("panwascam", Role.PANWASLU, kecamatan="16.73.05")
    for viewer in (PEJABAT, other, SYSTEM):
        m = overview.data_moments(engine, viewer)
        assert m.season_as_of() == date(2018, 7, 7), viewer  # 12:00 WIB on 7 July 2018
        assert m.newest_real is None
