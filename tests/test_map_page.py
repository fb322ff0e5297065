"""AppTest of the home page (screens/peta.py): filters, shared URLs, bad parameters, roles, scope."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import signin
from streamlit.testing.v1 import AppTest

from kondusif import store
from kondusif.model import SYSTEM, Incident, Role, Viewer

PAGE = "screens/peta.py"
ADMIN = Viewer("admin", Role.ADMIN, display_name="Admin")
PEJABAT = Viewer("walikota", Role.PEJABAT, display_name="Pejabat")


def open_page(viewer: Viewer, params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file("../dashboard.py", default_timeout=60)
    signin.sign_in(at, viewer)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    if not any("Peta kondusivitas" in t.value for t in at.title):
        at.switch_page(PAGE)
        at.run()
    assert not at.exception, at.exception
    return at


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def metric(at: AppTest, label_start: str):
    for m in at.metric:
        if m.label.startswith(label_start):
            return m
    raise AssertionError(f"no metric {label_start!r}: {[m.label for m in at.metric]}")


def widget(elements, key: str):
    for el in elements:
        # the kelurahan select box's key ends in a digest of its labels (issue 12.4)
        if el.key == key or (key == "peta_kelurahan" and str(el.key).startswith(key + "_")):
            return el
    raise AssertionError(key)


def test_home_page_for_admin(demo_engine):
    at = open_page(ADMIN)
    assert at.title[0].value == "Peta kondusivitas Kota Lubuklinggau"
    assert not at.error, texts(at.error)
    assert "Data SIMULASI" in texts(at.warning)
    assert "Memutar ulang" in texts(at.info)  # demo store: replayed at its newest report's day
    captions = texts(at.caption)
    assert "bukan Indeks Kerawanan Pemilu" in captions
    assert "CONTOH" in captions  # the sample RT registry says so
    for label in ("Laporan ·", "Kelurahan Rawan", "Kelurahan Waspada", "Belum diverifikasi", "Laporan terakhir"):
        metric(at, label)
    assert int(metric(at, "Laporan ·").value.replace(".", "")) > 0
    assert at.query_params["per"] == "2018-07-07"
    table = at.dataframe[-1].value
    assert list(table.columns)[:2] == ["Kecamatan", "Laporan"] and len(table) == 8
    # The panel opens on the worst kelurahan; the select box's key also names its labels (issue 12.4).
    kel_box = next(w for w in at.selectbox if str(w.key).startswith("peta_kelurahan_"))
    assert kel_box.value and kel_box.value == at.session_state["peta_kelurahan"]


def test_shared_url_sets_the_filters(demo_engine):
    params = {"periode": "masa_tenang", "per": "2018-07-07", "kec": "16.73.01", "kat": "politik_uang,intimidasi"}
    at = open_page(PEJABAT, params)
    assert not at.warning or "Parameter" not in texts(at.warning)
    assert widget(at.selectbox, "flt_period").value == "masa_tenang"
    assert widget(at.multiselect, "flt_kecamatan").value == ["16.73.01"]
    assert set(widget(at.multiselect, "flt_category").value) == {"politik_uang", "intimidasi"}
    assert metric(at, "Laporan ·").label == "Laporan · Masa tenang"
    table = at.dataframe[-1].value
    assert list(table["Kecamatan"]) == ["Lubuk Linggau Timur I"]
    expected = store.count_incidents(
        demo_engine,
        store.IncidentQuery.make(
            start=datetime(2018, 6, 23, 17, tzinfo=UTC), end=datetime(2018, 6, 26, 17, tzinfo=UTC),
            kecamatan="16.73.01", category=["politik_uang", "intimidasi"],
        ), viewer=SYSTEM,
    )
    assert int(metric(at, "Laporan ·").value.replace(".", "")) == expected
    assert at.query_params["kec"] == "16.73.01"
    assert at.query_params["kat"] == "intimidasi,politik_uang"


def test_invalid_url_params_show_notices_not_errors(demo_engine):
    params = {"periode": "besok", "per": "bukan-tanggal", "kat": "<script>", "kel": "99.99", "rt": "x"}
    at = open_page(PEJABAT, params)
    warnings = texts(at.warning)
    assert "«periode»" in warnings and "«per»" in warnings and "«kat»" in warnings and "«kel»" in warnings
    assert widget(at.selectbox, "flt_period").value == "7h"
    assert "kat" not in at.query_params and "periode" not in at.query_params
    assert not at.error


def test_changing_a_filter_rewrites_the_url(demo_engine):
    at = open_page(ADMIN)
    widget(at.multiselect, "flt_severity").select("berat").run()
    assert not at.exception
    assert at.query_params["tingkat"] == "berat"
    widget(at.selectbox, "flt_period").select("pemungutan").run()
    assert at.query_params["periode"] == "pemungutan"
    assert metric(at, "Laporan ·").label == "Laporan · Hari pemungutan suara"
    clear = next(b for b in at.button if b.label == "Hapus filter")
    clear.click().run()
    assert "tingkat" not in at.query_params
    assert at.query_params["periode"] == "pemungutan"  # the period stays


def test_kelurahan_panel_follows_the_selection(demo_engine):
    at = open_page(PEJABAT, {"per": "2018-06-27"})
    box = widget(at.selectbox, "peta_kelurahan")
    target = "16.73.01.1001"
    box.select(target).run()
    assert not at.exception
    assert any(m.value.startswith("#### Air Kuti") for m in at.markdown)
    latest = next(df.value for df in at.dataframe if "No. laporan" in df.value.columns)  # after the silent RT
    assert "No. laporan" in latest.columns
    assert not any(col in latest.columns for col in ("reporter_name", "reporter_phone", "Pelapor"))
    page_text = "\n".join(str(d.value.to_csv()) for d in at.dataframe)
    assert "Pelapor simulasi" not in page_text


def test_panwaslu_scoped_to_one_kecamatan(demo_engine):
    viewer = Viewer("pw-barat", Role.PANWASLU, display_name="Panwascam", kecamatan="16.73.03")
    at = open_page(viewer, {"kec": "16.73.01"})
    kec = widget(at.multiselect, "flt_kecamatan")
    assert kec.value == ["16.73.03"] and kec.disabled
    assert "wilayah tugas" in texts(at.warning)
    assert list(at.dataframe[-1].value["Kecamatan"]) == ["Lubuk Linggau Selatan I"]
    assert at.query_params["kec"] == "16.73.03"
    options = widget(at.selectbox, "peta_kelurahan").options
    assert options and all(o for o in options)
    assert len(options) < 72


def test_rt_role_cannot_open_the_map(demo_engine):
    viewer = Viewer("rt-1", Role.RT, kelurahan="16.73.01.1001", rt=1)
    at = AppTest.from_file("../dashboard.py", default_timeout=60)
    signin.sign_in(at, viewer)
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception
    assert "Akses ditolak" in texts(at.error)
    assert not at.metric


def test_empty_store_page_runs(engine):
    at = open_page(PEJABAT)
    assert not at.exception and not at.error
    assert metric(at, "Laporan ·").value == "0"
    assert metric(at, "Laporan terakhir").value == "-"
    assert "Memutar ulang" not in texts(at.info)


def test_escaped_title_on_the_page(engine):
    from kondusif.registry import ensure_rt_registry

    ensure_rt_registry(engine)
    with store.write(engine) as conn:
        store.insert_incidents(conn, [Incident(
            kode_kelurahan="16.73.01.1001", rt=1, category="politik_uang", severity="berat",
            title="<img src=x onerror=alert(1)>", occurred_at=datetime.now(UTC), status="diverifikasi",
        )])
    at = open_page(ADMIN, {"kel": "16.73.01.1001"})
    assert not at.exception
    # Streamlit tables show text as text; the map component receives the escaped JSON (see test_maps).
    latest = next(df.value for df in at.dataframe if "Judul" in df.value.columns)  # after the silent-RT list
    assert "<img src=x onerror=alert(1)>" in list(latest["Judul"])
    assert int(metric(at, "Kelurahan Waspada").value) + int(metric(at, "Kelurahan Rawan").value) <= 1


# Reports around the periods of 30/06/2018 (WIB), and what each period must count (by hand).
PERIOD_REPORTS = [
    datetime(2018, 6, 30, 12, 0), datetime(2018, 6, 29, 12, 0), datetime(2018, 6, 24, 9, 0),
    datetime(2018, 6, 1, 0, 30), datetime(2018, 5, 31, 23, 0), datetime(2018, 3, 20, 10, 0),
    datetime(2018, 7, 1, 8, 0),  # after the replayed day: in no period
]
PERIOD_EXPECT = {
    "24j": ("24 jam terakhir", "1", "30/06/2018 00:00 WIB s.d. akhir 30/06/2018"),
    "30h": ("30 hari terakhir", "4", "01/06/2018 00:00 WIB s.d. akhir 30/06/2018"),
    "kampanye": ("Masa kampanye", "3", "15/02/2018 00:00 WIB s.d. akhir 23/06/2018"),
    "rekapitulasi": ("Rekapitulasi", "2", "28/06/2018 00:00 WIB s.d. akhir 30/06/2018"),
}


@pytest.mark.parametrize("period", list(PERIOD_EXPECT))
def test_every_period_preset_counts_its_own_reports(engine, period):
    from kondusif.timeutil import WIB

    with store.write(engine) as conn:
        store.insert_incidents(conn, [Incident(
            kode_kelurahan="16.73.01.1001", rt=1, category="politik_uang", severity="sedang",
            title=f"Laporan {when:%d/%m %H:%M}", occurred_at=when.replace(tzinfo=WIB), status="diverifikasi",
        ) for when in PERIOD_REPORTS])
    at = open_page(PEJABAT, {"periode": period, "per": "2018-06-30"})
    assert not at.exception and not at.error
    assert widget(at.selectbox, "flt_period").value == period
    label, count, span = PERIOD_EXPECT[period]
    assert metric(at, "Laporan ·").label == f"Laporan · {label}"
    assert metric(at, "Laporan ·").value == count
    assert f"Periode: {label} ({span}). Diputar ulang per Sabtu, 30 Juni 2018." in texts(at.sidebar.caption)


def test_without_boundaries_the_page_says_so(demo_engine, tmp_path, monkeypatch):
    empty = tmp_path / "geo-kosong"
    empty.mkdir()
    monkeypatch.setenv("LUBUKLINGGAU_GEO_DIR", str(empty))
    at = open_page(PEJABAT)
    assert not at.error
    assert "Batas wilayah belum terpasang" in texts(at.info)
    # Without polygons the figures and the tables are still there, with their content.
    assert int(metric(at, "Laporan ·").value.replace(".", "")) > 0
    assert metric(at, "Kelurahan Rawan").value.isdigit()
    (kec_table,) = [df for df in at.dataframe if "Kecamatan" in df.value.columns]
    assert len(kec_table.value) == 8  # the eight kecamatan of Kota Lubuklinggau


def test_filter_survives_moving_to_another_page(demo_engine):
    """The shared filter is one per session: the incident page opens with the map's period."""
    at = open_page(ADMIN)
    widget(at.selectbox, "flt_period").set_value("masa_tenang").run()
    widget(at.multiselect, "flt_severity").set_value(["berat"]).run()
    at.switch_page("screens/insiden.py")
    at.run()
    assert not at.exception, at.exception
    assert widget(at.selectbox, "flt_period").value == "masa_tenang"
    assert widget(at.multiselect, "flt_severity").value == ["berat"]


def test_the_measure_note_speaks_to_officials_not_to_developers(demo_engine):
    """The caption under the filters explained the levels with a repository path (docs/levels.md)."""
    captions = texts(open_page(PEJABAT).caption)
    assert "dihitung per" in captions
    assert "ditimbang menurut keparahan dan statusnya" in captions
    assert "docs/" not in captions and ".md" not in captions


@pytest.fixture
def page_data_calls(monkeypatch):
    """Who the map page's one read per view (overview.page_data) ran for, on an empty shared cache."""
    from kondusif import overview
    from kondusif.ui import peta_data

    calls: list[str] = []
    real = overview.page_data

    def counting(engine, viewer, *args, **kwargs):
        calls.append(viewer.username)
        return real(engine, viewer, *args, **kwargs)

    monkeypatch.setattr(overview, "page_data", counting)
    peta_data.shared_page.clear()
    return calls


def test_the_page_data_cache_is_shared_by_scope_never_across_scopes(demo_engine, page_data_calls):
    """Issue 14: the map page's one read per view (peta_data.cached_page) is shared by officials of
    one role and scope; another kecamatan's Panwascam reads its own."""
    from kondusif import overview
    from kondusif.filters import Filter
    from kondusif.ui import peta_data

    calls = page_data_calls
    db_url = demo_engine.url.render_as_string(hide_password=False)
    version = overview.data_version(demo_engine)
    flt = Filter(period="kampanye")
    period = flt.resolve(datetime(2018, 6, 27, 17, 0, tzinfo=UTC))
    peta_data.cached_page(db_url, version, PEJABAT, flt, period)
    peta_data.cached_page(db_url, version, Viewer("sekda", Role.PEJABAT, display_name="Sekda"), flt, period)
    assert calls == ["walikota"]
    timur = peta_data.cached_page(db_url, version, Viewer("pws-timur", Role.PANWASLU, kecamatan="16.73.01"),
                                  flt, period)
    barat = peta_data.cached_page(db_url, version, Viewer("pws-barat", Role.PANWASLU, kecamatan="16.73.02"),
                                  flt, period)
    assert calls == ["walikota", "pws-timur", "pws-barat"]
    assert all(k.startswith("16.73.01.") for k in timur.levels.kelurahan["kode_kelurahan"])
    assert all(k.startswith("16.73.02.") for k in barat.levels.kelurahan["kode_kelurahan"])
    peta_data.shared_page.clear()


def test_a_cached_page_view_changed_by_one_caller_is_unchanged_for_the_next(demo_engine, page_data_calls):
    """Issue 29: the map page's view is shared (st.cache_resource, no pickled copy per hit), so
    what one session does to its frames (a value set, a column added) must not reach another
    session's view, and the shared entry is still computed once."""
    from kondusif import overview
    from kondusif.filters import Filter
    from kondusif.ui import peta_data

    calls = page_data_calls
    db_url = demo_engine.url.render_as_string(hide_password=False)
    version = overview.data_version(demo_engine)
    flt = Filter(period="kampanye")
    period = flt.resolve(datetime(2018, 6, 27, 17, 0, tzinfo=UTC))
    first = peta_data.cached_page(db_url, version, PEJABAT, flt, period)
    kel_codes = first.levels.kelurahan["kode_kelurahan"].tolist()
    kecamatan_names = first.kecamatan["Kecamatan"].tolist()
    assert len(kel_codes) == 72 and kecamatan_names  # the whole city: 72 kelurahan
    first.levels.kelurahan.loc[0, "kode_kelurahan"] = "diubah"
    first.levels.kelurahan["tambahan"] = 1
    first.kecamatan.loc[:, "Kecamatan"] = "diubah"
    first.trend.iloc[:, :] = -1
    second = peta_data.cached_page(db_url, version, Viewer("sekda", Role.PEJABAT, display_name="Sekda"), flt, period)
    assert calls == ["walikota"]
    assert second.levels.kelurahan["kode_kelurahan"].tolist() == kel_codes
    assert "tambahan" not in second.levels.kelurahan.columns
    assert second.kecamatan["Kecamatan"].tolist() == kecamatan_names
    assert not (second.trend == -1).any().any()
    peta_data.shared_page.clear()


def test_the_kelurahan_panel_cache_is_shared_by_scope_never_across_scopes(demo_engine, monkeypatch):
    """Issue 29: the panel beside the map (overview.kelurahan_detail, four reads) is cached like the
    view: a second official of the same role and scope reads nothing; a Panwascam of another
    kecamatan asking for that kelurahan gets no panel at all, not the cached one."""
    from kondusif import overview
    from kondusif.filters import Filter
    from kondusif.ui import peta_data

    calls: list[str] = []
    real = overview.kelurahan_detail

    def counting(engine, viewer, *args, **kwargs):
        calls.append(viewer.username)
        return real(engine, viewer, *args, **kwargs)

    monkeypatch.setattr(overview, "kelurahan_detail", counting)
    peta_data.shared_page.clear()
    peta_data.shared_detail.clear()
    db_url = demo_engine.url.render_as_string(hide_password=False)
    version = overview.data_version(demo_engine)
    flt = Filter(period="kampanye")
    period = flt.resolve(datetime(2018, 6, 27, 17, 0, tzinfo=UTC))
    timur = Viewer("pws-timur", Role.PANWASLU, kecamatan="16.73.01")
    kode = "16.73.01.1001"  # a kelurahan of Lubuklinggau Timur I (16.73.01)
    view = peta_data.cached_page(db_url, version, timur, flt, period)
    first = peta_data.cached_detail(db_url, view, timur, flt, period, kode)
    assert first is not None and first.kode == kode
    first.by_severity.loc[:, "Laporan"] = -1
    again = peta_data.cached_detail(db_url, view, Viewer("pws-timur-2", Role.PANWASLU, kecamatan="16.73.01"),
                                    flt, period, kode)
    assert calls == ["pws-timur"]
    assert again is not None and (again.by_severity["Laporan"] >= 0).all()
    barat = Viewer("pws-barat", Role.PANWASLU, kecamatan="16.73.02")
    barat_view = peta_data.cached_page(db_url, version, barat, flt, period)
    assert peta_data.cached_detail(db_url, barat_view, barat, flt, period, kode) is None
    assert calls == ["pws-timur", "pws-barat"]
    peta_data.shared_page.clear()
    peta_data.shared_detail.clear()


def test_a_cached_chart_spec_draws_what_st_altair_chart_draws():
    """Issue 29: the page's charts go to st.vega_lite_chart from a cached specification
    (mapview.chart_spec), so Altair's validation runs once per table. The browser must get
    the same chart as st.altair_chart sends: the same specification and the same data rows."""
    import json

    import pandas as pd
    import pyarrow as pa
    from streamlit.testing.v1 import AppTest

    def page(kind, table):
        import streamlit as st

        from kondusif.ui import mapview

        st.altair_chart(mapview.CHARTS[kind](table), width="stretch")
        st.vega_lite_chart(spec=mapview.chart_spec(kind, table), width="stretch")

    days = pd.to_datetime([f"2018-06-{d:02d}" for d in range(1, 21)])
    trend = pd.DataFrame({"Politik uang": [d % 3 for d in range(20)], "Intimidasi": [1] * 20}, index=days)
    trend.index.name = "Tanggal"
    tables = {"trend": trend, "spark": pd.DataFrame({"Tanggal": days[:14], "Laporan": list(range(14))}),
              "category": pd.DataFrame({"Kategori": ["Politik uang", "Intimidasi"], "Laporan": [4, 1]})}
    for kind, table in tables.items():
        at = AppTest.from_function(page, args=(kind, table)).run()
        assert not at.exception, kind
        charts = [node.proto for node in at.get("vega_lite_chart")]
        assert len(charts) == 2, kind
        shown = []
        for proto in charts:
            spec = json.loads(proto.spec)
            spec.pop("data", None)
            rows = [pa.ipc.open_stream(ds.data.data).read_all().to_pylist() for ds in proto.datasets]
            shown.append((spec, rows))
        assert shown[0] == shown[1], kind


def test_after_a_verification_the_map_view_rereads_only_what_was_written(demo_engine, monkeypatch):
    """Issue 29: a saved verification gives the store a new fingerprint; the map page's next view
    re-reads only the reports written since its last read of that view (peta_data.current_frame)
    and shows what a whole read shows. A write of anything else means a whole read again."""
    import pandas as pd

    from kondusif import accounts, checkins, overview, store, workflow
    from kondusif.accounts import auth
    from kondusif.filters import Filter
    from kondusif.ui import peta_data
    from lubuklinggau_geo import gazetteer

    reads: list[str] = []
    real = overview.read_view

    def counting(engine, viewer, *args, **kwargs):
        reads.append(viewer.username)
        return real(engine, viewer, *args, **kwargs)

    monkeypatch.setattr(overview, "read_view", counting)
    peta_data.shared_page.clear()
    peta_data.view_frames.clear()
    db_url = demo_engine.url.render_as_string(hide_password=False)
    flt = Filter(period="kampanye")
    period = flt.resolve(datetime(2018, 6, 27, 17, 0, tzinfo=UTC))
    first = peta_data.cached_page(db_url, overview.data_version(demo_engine), PEJABAT, flt, period)
    assert reads == ["walikota"]
    month = Filter(period="30h")
    other = peta_data.cached_page(db_url, overview.data_version(demo_engine), PEJABAT, month,
                                  month.resolve(datetime(2018, 6, 27, 17, 0, tzinfo=UTC)))
    assert reads == ["walikota"] and other.headline.n < first.headline.n  # another period: cut, not read
    baru = overview.read_incidents(demo_engine, flt.query_between(period.start, period.end), PEJABAT,
                                   ["id", "kode_kelurahan", "status"], limit=500)
    target = baru[baru["status"] == "baru"].iloc[0]
    row = store.get_incident(demo_engine, target["id"], viewer=PEJABAT)
    workflow.verify(demo_engine, Viewer("pws", Role.PANWASLU), row["id"], int(row["version"]))
    reads.clear()

    after = peta_data.cached_page(db_url, overview.data_version(demo_engine), PEJABAT, flt, period)
    assert reads == []  # patched, not read whole
    whole = real(demo_engine, PEJABAT, flt, period)
    expected = overview.page_data(demo_engine, PEJABAT, flt, period, frame=whole)
    assert after.headline == expected.headline
    assert after.headline.n_unverified == first.headline.n_unverified - 1
    pd.testing.assert_frame_equal(after.levels.kelurahan, expected.levels.kelurahan)
    pd.testing.assert_frame_equal(after.kecamatan, expected.kecamatan)

    # A new account and its sign-in change nothing a view shows: no read, the same cached view.
    before = overview.data_version(demo_engine)
    accounts.create_account(demo_engine, Viewer("adm", Role.ADMIN), "pws-lain", Role.PANWASLU,
                            "Sandi-Panjang-Sekali-2018!", kecamatan="16.73.02", must_change=False)
    assert auth.authenticate(demo_engine, "pws-lain", "Sandi-Panjang-Sekali-2018!").viewer is not None
    moved = overview.data_version(demo_engine)
    assert moved[0] > before[0]  # the store's fingerprint moved (two audit rows)
    again = peta_data.cached_page(db_url, moved, PEJABAT, flt, period)
    assert reads == [] and again.version == after.version and again.map_data == after.map_data

    # A check-in is contact (issue 24): something else a view shows, so it is read whole.
    checkins.record_checkin(demo_engine, Viewer("pws", Role.PANWASLU), kelurahan=gazetteer.kelurahan_codes()[0], rt=1,
                            at=datetime(2018, 6, 27, 9, 0, tzinfo=UTC), channel="cli", source_ref="uji-kontak",
                            clock=datetime(2018, 6, 27, 10, 0, tzinfo=UTC))
    peta_data.cached_page(db_url, overview.data_version(demo_engine), PEJABAT, flt, period)
    assert reads == ["walikota"]
    peta_data.shared_page.clear()
    peta_data.view_frames.clear()


def test_after_a_restore_the_map_view_shows_the_restored_store_not_what_was_cached_before(engine, tmp_path):
    """A restore (README: `python -m kondusif restore`, here while the app runs) brings the audit ids back:
    three reports written after it reach the very audit id a view was cached at before it. The map page
    must show the store as it is (the restored reports and the new ones), not the pre-restore view."""
    from kondusif import backup, overview, registry
    from kondusif.filters import Filter
    from kondusif.model import Category, Severity
    from kondusif.ui import peta_data

    registry.ensure_rt_registry(engine)
    peta_data.shared_page.clear()
    peta_data.view_frames.clear()
    db_url = engine.url.render_as_string(hide_password=False)
    flt = Filter(period="kampanye")
    period = flt.resolve(datetime(2018, 6, 27, 17, 0, tzinfo=UTC))

    def file(kode: str, titles: list[str]) -> None:
        with store.write(store.get_engine(db_url)) as conn:
            store.insert_incidents(conn, [Incident(
                kode_kelurahan=kode, rt=1, category=Category.BENTROKAN, severity=Severity.BERAT, title=t,
                occurred_at=datetime(2018, 6, 20, 3, 0, tzinfo=UTC)) for t in titles])

    def shown() -> dict[str, int]:
        view = peta_data.cached_page(db_url, overview.data_version(store.get_engine(db_url)), PEJABAT, flt, period)
        table = view.levels.kelurahan
        return {str(k): int(n) for k, n in zip(table["kode_kelurahan"], table["n"], strict=True) if n}

    file("16.73.01.1001", ["Keributan 1"])  # Air Kuti
    backup.backup(db_url, tmp_path / "cadangan.db")
    file("16.73.01.1001", ["Keributan 2", "Keributan 3", "Keributan 4"])
    assert shown() == {"16.73.01.1001": 4}
    cached_at = overview.data_version(store.get_engine(db_url))

    backup.restore(db_url, tmp_path / "cadangan.db")
    file("16.73.02.1001", ["Bentrok A", "Bentrok B", "Bentrok C"])  # another kecamatan's kelurahan
    assert overview.data_version(store.get_engine(db_url))[:2] == cached_at[:2]  # the same audit and alert ids
    assert shown() == {"16.73.01.1001": 1, "16.73.02.1001": 3}
    peta_data.shared_page.clear()
    peta_data.view_frames.clear()


def test_a_verification_committed_behind_a_newer_audit_id_still_reaches_the_map(engine):
    """PostgreSQL gives audit ids out before commit: a verification whose transaction took id N
    commits after another's N+1, so the newest id does not move when it lands. The map read in
    between must still show it on the next look, not only after some later write. (Two new
    reports cannot race so: the report-number counter makes the second wait for the first.)"""
    import threading

    import sqlalchemy as sa

    from kondusif import overview, registry, workflow
    from kondusif.filters import Filter
    from kondusif.model import Category, Severity
    from kondusif.ui import peta_data

    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite writes one at a time: its ids come in commit order")
    registry.ensure_rt_registry(engine)
    peta_data.shared_page.clear()
    peta_data.view_frames.clear()
    db_url = engine.url.render_as_string(hide_password=False)
    flt = Filter(period="kampanye")
    period = flt.resolve(datetime(2018, 6, 27, 17, 0, tzinfo=UTC))
    with store.write(engine) as conn:
        store.insert_incidents(conn, [Incident(
            kode_kelurahan="16.73.01.1001", rt=1, category=Category.BENTROKAN, severity=Severity.BERAT,
            title=f"Keributan {i}", occurred_at=datetime(2018, 6, 20, 3, 0, tzinfo=UTC)) for i in (1, 2)])
    rows = [store.get_incident(engine, i, viewer=SYSTEM) for i in
            store.query_incidents(engine, None, SYSTEM)["id"]]
    panwas = Viewer("pws", Role.PANWASLU)

    def unverified_on_the_map() -> int:
        return peta_data.cached_page(db_url, overview.data_version(engine), PEJABAT, flt, period).headline.n_unverified

    assert unverified_on_the_map() == 2
    inside, commit = threading.Event(), threading.Event()

    def hold(_conn) -> None:  # the slow verification's commit waits until the map was read
        if threading.current_thread().name == "lambat":
            inside.set()
            commit.wait(30)

    sa.event.listen(engine, "commit", hold)
    slow = threading.Thread(target=workflow.verify, name="lambat",
                            args=(engine, panwas, rows[0]["id"], int(rows[0]["version"])))
    slow.start()
    try:
        assert inside.wait(30)  # its audit row has its id; not committed
        workflow.verify(engine, panwas, rows[1]["id"], int(rows[1]["version"]))  # the next id, committed first
        assert unverified_on_the_map() == 1
    finally:
        commit.set()
        slow.join(30)
        sa.event.remove(engine, "commit", hold)
    assert unverified_on_the_map() == 0
    peta_data.shared_page.clear()
    peta_data.view_frames.clear()
