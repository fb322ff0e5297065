"""ISO week parsing and bounds: Monday 00:00 to Sunday 24:00 WIB, as UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from kondusif.report.week import IsoWeek, WeekError, parse_week, week_of, weeks_in_year


def test_week_bounds_are_wib_days_in_utc():
    wk = parse_week("2018-W25")
    assert wk.monday == date(2018, 6, 18) and wk.sunday == date(2018, 6, 24)
    assert wk.start == datetime(2018, 6, 17, 17, 0, tzinfo=UTC)  # Senin 00.00 WIB
    assert wk.end == datetime(2018, 6, 24, 17, 0, tzinfo=UTC)  # Minggu 24.00 WIB
    assert wk.label == "Senin, 18 Juni 2018 – Minggu, 24 Juni 2018"
    assert wk.key == "2018-W25" and str(wk) == "2018-W25"


@pytest.mark.parametrize("text", ["2018-W25", "2018W25", "2018-w25", " 2018-W25 "])
def test_accepted_spellings(text):
    assert parse_week(text) == IsoWeek(2018, 25)


def test_first_week_of_2018_starts_on_new_year():
    wk = parse_week("2018-W01")
    assert wk.monday == date(2018, 1, 1)
    assert wk.start == datetime(2017, 12, 31, 17, 0, tzinfo=UTC)
    assert wk.previous() == IsoWeek(2017, 52)
    assert wk.previous().next() == wk


def test_week_53_exists_in_2020_and_crosses_the_year():
    assert weeks_in_year(2020) == 53
    wk = parse_week("2020-W53")
    assert wk.monday == date(2020, 12, 28) and wk.sunday == date(2021, 1, 3)
    assert wk.next() == IsoWeek(2021, 1)
    assert IsoWeek(2021, 1).previous() == wk


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("2018-W60", "Minggu 60 tidak ada pada tahun 2018"),
        ("2019-W53", "minggu 1 sampai 52"),
        ("2018-W00", "Minggu 0 tidak ada"),
        ("", "belum diisi"),
        ("minggu lalu", "tidak dikenali"),
        ("2018-25", "tidak dikenali"),
        ("1899-W10", "di luar rentang"),
    ],
)
def test_bad_weeks_are_refused_in_indonesian(text, needle):
    with pytest.raises(WeekError) as err:
        parse_week(text)
    assert needle in str(err.value)
    assert isinstance(err.value, ValueError)


def test_week_of_uses_the_wib_calendar_day():
    assert week_of(datetime(2018, 6, 24, 16, 59, 59, tzinfo=UTC)) == IsoWeek(2018, 25)  # Minggu 23.59 WIB
    assert week_of(datetime(2018, 6, 24, 17, 0, tzinfo=UTC)) == IsoWeek(2018, 26)  # Senin 00.00 WIB
    assert week_of(datetime(2018, 6, 25, 0, 30)) == IsoWeek(2018, 26)  # naive = WIB


def test_report_weeks_are_the_wib_weeks_with_reports_the_viewer_sees_newest_first(engine):
    """Issue 12.9: the weekly-PDF picker offers weeks that hold reports, not today's empty week."""
    from kondusif import store
    from kondusif.model import Incident, Role, Viewer
    from kondusif.report.week import report_weeks
    from kondusif.timeutil import WIB

    def report(kel: str, when: datetime) -> Incident:
        return Incident(kode_kelurahan=kel, rt=1, category="intimidasi", severity="ringan", title="uji",
                        occurred_at=when, status="baru")

    with store.write(engine) as conn:
        store.insert_incidents(conn, [
            # Minggu 24 Juni 2018 23.30 WIB (16.30 UTC): still 2018-W25.
            report("16.73.01.1001", datetime(2018, 6, 24, 23, 30, tzinfo=WIB)),
            # Senin 25 Juni 2018 00.30 WIB (Sunday 17.30 UTC): 2018-W26.
            report("16.73.01.1001", datetime(2018, 6, 25, 0, 30, tzinfo=WIB)),
            # Another kecamatan, 2018-W12 (Rabu 21 Maret 2018).
            report("16.73.08.1003", datetime(2018, 3, 21, 10, 0, tzinfo=WIB)),
        ])
    city = Viewer("pejabat", Role.PEJABAT)
    assert report_weeks(engine, city) == [IsoWeek(2018, 26), IsoWeek(2018, 25), IsoWeek(2018, 12)]
    timur1 = Viewer("panwascam", Role.PANWASLU, kecamatan="16.73.01")
    assert report_weeks(engine, timur1) == [IsoWeek(2018, 26), IsoWeek(2018, 25)]
    # Weeks already in the archive stay on offer; each week once.
    assert report_weeks(engine, timur1, [IsoWeek(2018, 25), IsoWeek(2018, 30)]) == [
        IsoWeek(2018, 30), IsoWeek(2018, 26), IsoWeek(2018, 25)]
