"""AppTest of the weekly report page: pejabat generates and sees the archive; rt is refused."""

from __future__ import annotations

from pathlib import Path

import signin
from streamlit.testing.v1 import AppTest

from kondusif.model import Role, Viewer
from kondusif.report import archive
from kondusif.report.week import parse_week

DASHBOARD = str(Path(__file__).resolve().parents[2] / "dashboard.py")
PAGE = "screens/laporan_mingguan.py"


def open_page(viewer: Viewer) -> AppTest:
    at = AppTest.from_file(DASHBOARD, default_timeout=120)
    signin.sign_in(at, viewer)
    at.run()
    at.switch_page(PAGE)
    at.run()
    return at


def test_pejabat_generates_previews_and_sees_the_archive(demo_engine):
    at = open_page(Viewer("pejabat.kota", Role.PEJABAT, display_name="Pejabat"))
    assert not at.exception, at.exception
    assert at.title[0].value == "Laporan mingguan"
    assert "SIMULASI" in " ".join(w.value for w in at.warning)
    week = at.selectbox(key="laporan_minggu")
    assert week.value.key == "2018-W27"  # the latest week of the demo data, already over
    week.set_value(parse_week("2018-W26"))
    at.run()
    assert any("Belum ada laporan" in i.value for i in at.info)

    next(b for b in at.button if b.label == "Buat laporan PDF").click()
    at.run()
    assert not at.exception, at.exception
    assert any("Minggu 25 Jun–1 Jul 2018 versi 1 dibuat" in s.value for s in at.success)
    listed = archive.list_snapshots(demo_engine)
    assert [(s.week, s.version, s.created_by) for s in listed] == [("2018-W26", 1, "pejabat.kota")]
    archive_table = next(df for df in at.dataframe if "SHA-256" in df.value.columns)
    assert list(archive_table.value["Minggu"]) == ["Minggu 25 Jun–1 Jul 2018"]  # issue 30.5: not "2018-W26"
    assert listed[0].sha256 in list(archive_table.value["SHA-256"])
    assert len(at.get("image")) == 2  # preview of the first two pages
    assert any("Pratinjau 2 dari" in c.value for c in at.caption)


def test_rt_is_refused_before_any_data(demo_engine):
    at = open_page(Viewer("rt-1673011001-001", Role.RT, kelurahan="16.73.01.1001", rt=1))
    assert not at.exception, at.exception
    assert any("Akses ditolak" in e.value for e in at.error)
    assert not at.main.button and not at.dataframe and not at.title


def test_week_picker_offers_the_weeks_with_reports_newest_first_and_matches_typed_weeks_exactly(demo_engine):
    """Issue 12.9: no empty weeks from today (2026) before the 2018 data; typed text matches as written.
    Issue 30.5: each week in words ("Minggu 18–24 Jun 2018"), not its ISO key."""
    at = open_page(Viewer("pejabat.kota", Role.PEJABAT, display_name="Pejabat"))
    assert not at.exception, at.exception
    week = at.selectbox(key="laporan_minggu")
    label_of = {parse_week(f"2018-W{n:02d}").short_label: f"2018-W{n:02d}" for n in range(1, 53)}
    keys = [label_of[o] for o in week.options]  # KeyError: a label that is not a week of 2018
    assert keys[0] == "2018-W27" and week.value.key == "2018-W27"
    assert keys == sorted(keys, reverse=True) and len(set(keys)) == len(keys)
    assert all(k.startswith("2018-") for k in keys)  # the demo data are all 2018: no week of today
    assert "Minggu 18–24 Jun 2018" in week.options and not [o for o in week.options if "-W" in o]
    assert week.proto.DESCRIPTOR.fields_by_name["filter_mode"].enum_type.values_by_number[
        week.proto.filter_mode].name == "FILTER_MODE_CONTAINS"
