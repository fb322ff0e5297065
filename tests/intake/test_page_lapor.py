"""AppTest: the report form (field errors, an rt account's fixed RT, double submit)."""

from __future__ import annotations

from pathlib import Path

import pytest
import signin
import sqlalchemy as sa
from intake_helpers import HTML, PANWASLU_UTARA2, RT_AIR_KUTI_3
from streamlit.testing.v1 import AppTest

from kondusif import store
from kondusif.model import Role, Viewer

SESSION_ENDED = "Sesi Anda berakhir (keluar di perangkat lain, atau akun diubah operator). Silakan masuk lagi."
DASHBOARD = str(Path(__file__).resolve().parents[2] / "dashboard.py")


def open_form(viewer: Viewer) -> AppTest:
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    signin.sign_in(at, viewer)
    at.run()
    at.switch_page("screens/lapor.py")
    at.run()
    assert not at.exception
    return at


def submit(at: AppTest) -> AppTest:
    next(b for b in at.button if b.label == "Kirim laporan").click()
    at.run()
    assert not at.exception
    return at


def fill(at: AppTest, title: str = "Amplop dibagikan") -> None:
    at.selectbox(key="lapor_cat").select("politik_uang")
    at.radio(key="lapor_sev").set_value("berat")
    at.text_input(key="lapor_title").input(title)
    at.text_area(key="lapor_desc").input(HTML)


def incidents(engine):
    with engine.connect() as conn:
        return conn.execute(sa.select(store.incidents)).mappings().all()


def test_field_errors_next_to_fields_and_typed_values_kept(store_engine):
    at = open_form(RT_AIR_KUTI_3)
    assert "RT 03, Kelurahan Air Kuti" in at.info[0].value
    at.text_input(key="lapor_title").input("Judul yang sudah diketik")
    submit(at)
    errors = [e.value.replace("\\", "") for e in at.error]  # messages are markdown-escaped
    assert "Kategori: wajib diisi" in errors
    assert "Tingkat: wajib diisi (ringan, sedang, atau berat)" in errors
    assert "Judul: wajib diisi" not in errors  # typed
    assert at.text_input(key="lapor_title").value == "Judul yang sudah diketik"
    assert not at.success and not incidents(store_engine)


def test_rt_account_cannot_change_its_kelurahan_or_rt(store_engine):
    at = open_form(RT_AIR_KUTI_3)
    assert not [s for s in at.selectbox if s.label in ("Kelurahan", "RT")]  # not even offered
    at.session_state["lapor_kel"] = "16.73.08.1003"  # crafted widget values
    at.session_state["lapor_rt"] = 4
    fill(at)
    submit(at)
    assert "Nomor laporan Anda" in at.success[0].value
    (row,) = incidents(store_engine)
    assert (row["kode_kelurahan"], row["rt"], row["description"]) == ("16.73.01.1001", 3, HTML)


def test_double_submit_files_one_report(store_engine):
    at = open_form(RT_AIR_KUTI_3)
    fill(at)
    submit(at)
    number = incidents(store_engine)[0]["report_no"]
    assert number in at.success[0].value
    # the answer got lost (flaky connection) and the same form is sent again
    del at.session_state["lapor_result"]
    at.run()
    submit(at)
    assert len(incidents(store_engine)) == 1
    # success style with the issue-26 wording, not a blue notice
    assert f"Laporan Anda sudah tercatat: **{number}**" in at.success[-1].value
    assert not any(number in i.value for i in at.info)
    # a new report gets a new number
    next(b for b in at.button if b.label == "Buat laporan baru").click()
    at.run()
    fill(at, "Laporan kedua")
    submit(at)
    assert len(incidents(store_engine)) == 2


def test_panwaslu_files_for_a_chosen_rt_of_its_kecamatan(store_engine):
    at = open_form(PANWASLU_UTARA2)
    kel = at.selectbox(key="lapor_kel")
    assert set(kel.options) == {"Batu Urip (Lubuk Linggau Utara II)", "Jogoboyo (Lubuk Linggau Utara II)",
                                "Kali Serayu (Lubuk Linggau Utara II)", "Kenanga (Lubuk Linggau Utara II)",
                                "Megang (Lubuk Linggau Utara II)", "Pasar Satelit (Lubuk Linggau Utara II)",
                                "Ponorogo (Lubuk Linggau Utara II)", "Puncak Kemuning (Lubuk Linggau Utara II)",
                                "Senalang (Lubuk Linggau Utara II)", "Ulak Surung (Lubuk Linggau Utara II)"}
    kel.select("16.73.08.1003")
    at.run()
    at.selectbox(key="lapor_rt").select(2)
    fill(at)
    submit(at)
    (row,) = incidents(store_engine)
    assert (row["kode_kelurahan"], row["rt"], row["created_by"]) == ("16.73.08.1003", 2, PANWASLU_UTARA2.username)


@pytest.mark.parametrize("role", [Role.PEJABAT])
def test_other_roles_refused(store_engine, role):
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    signin.sign_in(at, Viewer("pejabat", role))
    at.run()
    at.switch_page("screens/lapor.py")
    at.run()
    assert any("Akses ditolak" in e.value for e in at.error)
    assert not [b for b in at.button if b.label == "Kirim laporan"]


def test_an_over_long_description_is_refused_with_its_text_kept_not_dropped(store_engine):
    """A paste longer than a widget's max_chars was dropped by the browser without a word and the
    report went out with an empty description; now the server refuses it and the text stays."""
    at = open_form(RT_AIR_KUTI_3)
    assert all(w.proto.max_chars == 0 for w in [*at.text_input, *at.text_area])  # no silent browser cut
    fill(at)
    long_text = "Amplop berisi uang dibagikan tim sukses kepada warga di depan musala. " * 200  # 14.200 chars, 13.999 once the last space is trimmed
    at.text_area(key="lapor_desc").input(long_text)
    submit(at)
    errors = [e.value.replace("\\", "") for e in at.error]
    assert "Uraian: terlalu panjang (13.999 karakter; paling banyak 10.000)" in errors, errors
    assert at.text_area(key="lapor_desc").value == long_text
    assert not incidents(store_engine)


def _forms(node):
    """Form blocks under `node` (AppTest's public element tree: .proto, .children)."""
    proto = getattr(node, "proto", None)
    if proto is not None and "form" in getattr(proto.DESCRIPTOR, "fields_by_name", {}) and proto.HasField("form"):
        yield proto.form
    for child in (getattr(node, "children", None) or {}).values():
        yield from _forms(child)


def test_enter_in_the_title_does_not_send_the_form(store_engine):
    """Issue 26 item 5: a half-written report must not go out when Enter is pressed in «Judul singkat»."""
    at = open_form(RT_AIR_KUTI_3)
    (lapor,) = [f for f in _forms(at.main) if f.form_id == "lapor_form"]
    assert lapor.enter_to_submit is False and lapor.clear_on_submit is False


def test_an_account_deactivated_while_the_form_is_open_files_nothing(store_engine):
    """Found by attack8: «Kirim laporan» filed through its click callback, which runs before the page's
    session check, with the viewer of the last run: an RT account the operator deactivated meanwhile
    still filed one report from a tab left open. Its click must file nothing and end the session."""
    from kondusif.accounts import admin
    from kondusif.model import SYSTEM

    at = open_form(RT_AIR_KUTI_3)
    fill(at)
    admin.set_active(store_engine, SYSTEM, RT_AIR_KUTI_3.username, False)  # the operator, elsewhere
    submit(at)
    assert not incidents(store_engine)
    assert not at.success
    assert [i.value for i in at.info] == [SESSION_ENDED]  # the sign-in page says why
