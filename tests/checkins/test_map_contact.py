"""Issue 24: Kondusif needs contact. A kelurahan none of whose RT was heard from is Tidak ada kabar."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from kondusif import maps, overview, registry, status
from kondusif.filters import Filter, Period
from kondusif.model import SYSTEM, Role, Viewer
from kondusif.status import Level
from kondusif.timeutil import WIB

from .test_checkins import AIR_KUTI, KAYU_ARA, MAJAPAHIT, PANWASLU, PEJABAT, aman, report, wib

KEC_02 = Viewer("uji-panwascam", Role.PANWASLU, kecamatan="16.73.02")


def contact(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame([{"kode_kelurahan": k, "rt_heard": h, "rt_total": t, "senyap": s} for k, h, t, s in rows])


def test_apply_contact_by_hand():
    levels = pd.DataFrame([
        {"kode_kelurahan": "A", "score": 0.0, "level": Level.KONDUSIF, "n": 0, "reasons": ["Tidak ada laporan"]},
        {"kode_kelurahan": "B", "score": 0.0, "level": Level.KONDUSIF, "n": 0, "reasons": ["Tidak ada laporan"]},
        {"kode_kelurahan": "C", "score": 7.0, "level": Level.WASPADA, "n": 2, "reasons": ["Skor 7,0", "2 berat"]},
    ])
    out = status.apply_contact(levels, contact(("A", 0, 4, [1, 2, 3, 4]), ("B", 8, 12, [6, 10, 11, 12]),
                                               ("C", 0, 5, [1, 2, 3, 4, 5])))
    assert list(out["level"]) == [Level.TIDAK_ADA_KABAR, Level.KONDUSIF, Level.WASPADA]
    assert out["reasons"][0][1] == "0 dari 4 RT memberi kabar; senyap: RT 01, 02, 03, 04"
    assert out["reasons"][1] == ["Tidak ada laporan", "8 dari 12 RT memberi kabar; senyap: RT 06, 10, 11, 12"]
    assert out["reasons"][2][:2] == ["Skor 7,0", "0 dari 5 RT memberi kabar; senyap: RT 01, 02, 03, 04, 05"]
    assert list(levels["level"]) == [Level.KONDUSIF, Level.KONDUSIF, Level.WASPADA]  # input untouched


def _day_view(engine, viewer):
    flt, _ = Filter(period="kustom", start=datetime(2018, 6, 27).date(), end=datetime(2018, 6, 27).date(),
                    as_of=datetime(2018, 6, 27).date()).scoped(viewer)
    period = Period(wib(27, 0), datetime(2018, 6, 28, tzinfo=WIB), "27/06/2018", True)
    return flt, period, overview.page_data(engine, viewer, flt, period)


def test_the_map_tells_calm_from_silent(engine):
    registry.ensure_rt_registry(engine)
    aman(engine, AIR_KUTI, 1, wib(27, 7, 5), "a1")
    report(engine, MAJAPAHIT, 2, wib(27, 9, 30))
    for i, hour in enumerate((8, 9, 10)):  # three verified berat (score ≈ 11): Waspada, and contact
        report(engine, KAYU_ARA, 1 + i, wib(27, hour), "berat", "diverifikasi")
    flt, period, data = _day_view(engine, SYSTEM)
    lv = data.levels.kelurahan.set_index("kode_kelurahan")
    assert lv.loc[AIR_KUTI, "level"] == Level.KONDUSIF  # a check-in: calm because someone said so
    assert lv.loc[MAJAPAHIT, "level"] == Level.KONDUSIF  # a light report is contact too
    assert lv.loc["16.73.01.1003", "level"] == Level.TIDAK_ADA_KABAR  # Taba Jemekeh: nobody spoke
    assert lv.loc[KAYU_ARA, "level"] == Level.WASPADA
    assert "1 dari 7 RT memberi kabar; senyap: RT 02, 03, 04, 05, 06, 07" in lv.loc[AIR_KUTI, "reasons"]
    assert int((lv["level"] == Level.TIDAK_ADA_KABAR).sum()) == 72 - 3
    detail = overview.kelurahan_detail(engine, PANWASLU, flt, period, data.levels, AIR_KUTI)
    assert detail is not None and list(detail.silent["RT"]) == ["02", "03", "04", "05", "06", "07"]
    html = maps.map_html(maps.build_map(data.levels.kelurahan, contact=data.levels.coverage.kelurahan))
    assert "Tidak ada kabar" in html and "sk-hatch" in html and "Cakupan kabar RT" in html


def test_silent_list_identity_only_for_identity_roles(engine):
    registry.ensure_rt_registry(engine)
    flt, period, data = _day_view(engine, PANWASLU)
    detail = overview.kelurahan_detail(engine, PANWASLU, flt, period, data.levels, AIR_KUTI)
    assert {"Ketua RT", "Telepon"} <= set(detail.silent.columns)
    flt, period, data = _day_view(engine, PEJABAT)
    detail = overview.kelurahan_detail(engine, PEJABAT, flt, period, data.levels, AIR_KUTI)
    assert list(detail.silent.columns) == ["RT"] and len(detail.silent) == 7
    flt, period, data = _day_view(engine, KEC_02)
    assert set(data.levels.coverage.rt["kode_kecamatan"]) == {"16.73.02"}
    plain = overview.Levels(period.as_of, data.levels.kelurahan, data.levels.rt, data.levels.registry, True)
    scoped = overview.with_contact(engine, KEC_02, plain, period.start, period.end)
    assert set(scoped.coverage.kelurahan["kode_kecamatan"]) == {"16.73.02"}


def test_the_panel_says_which_reports_a_filtered_level_counts():
    assert overview.counted_reports_note(Filter()) == ""
    note = overview.counted_reports_note(Filter(category=("politik_uang",), source=("sms",)))
    assert note.startswith("Tingkat ini hanya menghitung laporan kategori Politik uang; sumber SMS langsung")


def test_with_contact_marks_silence_within_the_viewers_scope_only(engine):
    """with_contact itself: coverage follows the viewer's scope, and a role without coverage.read gets no change."""
    registry.ensure_rt_registry(engine)
    aman(engine, AIR_KUTI, 1, wib(27, 7, 5), "a1")
    taba_jemekeh = "16.73.01.1003"
    quiet = pd.DataFrame([{"kode_kelurahan": k, "score": 0.0, "level": Level.KONDUSIF, "n": 0,
                           "reasons": ["Tidak ada laporan"]} for k in (AIR_KUTI, taba_jemekeh, KAYU_ARA)])
    base = overview.Levels(wib(27, 20), quiet, pd.DataFrame(), registry.rt_registry(engine), True)
    start, end = wib(27, 0), datetime(2018, 6, 28, tzinfo=WIB)

    city = overview.with_contact(engine, PANWASLU, base, start, end)
    lv = city.kelurahan.set_index("kode_kelurahan")["level"]
    assert lv[AIR_KUTI] == Level.KONDUSIF  # RT 1 said aman
    assert lv[taba_jemekeh] == Level.TIDAK_ADA_KABAR and lv[KAYU_ARA] == Level.TIDAK_ADA_KABAR
    assert city.coverage is not None and {"16.73.01", "16.73.02"} <= set(city.coverage.rt["kode_kecamatan"])

    kec = overview.with_contact(engine, KEC_02, base, start, end)
    assert kec.coverage is not None and set(kec.coverage.rt["kode_kecamatan"]) == {"16.73.02"}
    assert kec.kelurahan.set_index("kode_kelurahan")["level"][KAYU_ARA] == Level.TIDAK_ADA_KABAR

    rt_user = Viewer("rt-1673011001-003", Role.RT, "Ketua RT 3", kelurahan=AIR_KUTI, rt=3)
    assert overview.with_contact(engine, rt_user, base, start, end) is base  # no coverage.read: nothing applied
