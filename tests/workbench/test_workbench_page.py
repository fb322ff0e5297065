"""AppTest of the incident page and the alert banner, run through dashboard.py like a user."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import signin
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest
from wb_helpers import KEL_A, KEL_B, PANWASLU, PEJABAT, WHEN, acks_of, audit_rows, rt_viewer, scoped_panwaslu

from kondusif import alerts, store, workflow
from kondusif.model import SYSTEM, Category, Incident, Severity, Viewer
from kondusif.safe import escape_markdown
from kondusif.timeutil import now

DASHBOARD = str(Path(__file__).resolve().parents[2] / "dashboard.py")


# The whole simulated season, through the shared filter's URL parameters.
SEASON = {"periode": "rentang", "dari": "2018-02-01", "sampai": "2018-07-31"}


def open_page(viewer: Viewer, page: str = "screens/insiden.py") -> AppTest:
    """Sign in, open `page`, then load the whole season as a shared link would (URL parameters)."""
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    signin.sign_in(at, viewer)
    at.run()
    at.switch_page(page)
    at.run()
    if not at.exception and "flt_period" in [w.key for w in at.sidebar.selectbox]:
        at.query_params.clear()
        at.query_params.update(SEASON)
        at.run()
        assert at.selectbox(key="flt_period").value == "rentang"
    return at


def texts(elements) -> str:
    """The text of elements as a reader sees it (markdown escapes removed)."""
    return "\n".join(re.sub(r"\\(.)", r"\1", str(e.value)) for e in elements)


def keyed(elements, prefix: str):
    """The one element whose key is `prefix` or `prefix` + a per-report/version suffix."""
    found = [e for e in elements if e.key == prefix or str(e.key).startswith(prefix + "_")]
    assert len(found) == 1, [e.key for e in elements]
    return found[0]


def action_radio(at: AppTest):
    return keyed(at.radio, "wb_action")


def open_report(at: AppTest, report_no: str) -> None:
    at.selectbox(key="wb_open").set_value(report_no)
    at.run()
    assert not at.exception, at.exception


def first_baru_on_page(at: AppTest, engine) -> str:
    """Find the newest 'baru' report through the page's own search box and return its number."""
    newest = store.query_incidents(engine, store.IncidentQuery.make(status="baru"), SYSTEM, limit=1)
    no = newest["report_no"].iloc[0]
    at.text_input(key="wb_search").input(no)
    at.run()
    assert not at.exception, at.exception
    assert at.selectbox(key="wb_open").options == [no]
    return no


def test_panwaslu_sees_the_table_and_figures(demo_engine):
    at = open_page(PANWASLU)
    assert not at.exception, at.exception
    assert at.title[0].value.startswith("Insiden")
    (table,) = [df for df in at.dataframe if "No. laporan" in df.value.columns and "Judul" in df.value.columns]
    assert 0 < len(table.value) <= 50
    assert "SIMULASI" in texts(at.warning)
    figures = {m.label: m.value for m in at.metric}
    total = int(figures["Laporan dalam filter"].replace(".", ""))
    assert total >= len(table.value)
    # The page's rows are the top of the filtered view (overdue follow-ups first).
    assert list(table.value["No. laporan"]) == at.selectbox(key="wb_open").options


def test_verify_through_the_ui_changes_status_and_writes_audit(demo_engine):
    at = open_page(PANWASLU)
    no = first_baru_on_page(at, demo_engine)
    open_report(at, no)
    assert action_radio(at).value is None  # nothing pre-selected on opening either
    action_radio(at).set_value(workflow.Action.VERIFY)
    at.run()
    keyed(at.text_area, "wb_note").input("Dicek langsung oleh PPL")
    keyed(at.button, "wb_submit").click()
    at.run()
    assert not at.exception, at.exception
    row = store.get_incident(demo_engine, no, viewer=SYSTEM)
    assert row["status"] == "diverifikasi" and row["version"] == 2
    last = audit_rows(demo_engine, row["id"])[-1]
    assert (last["actor"], last["action"], last["from_status"], last["to_status"], last["note"]) == (
        PANWASLU.username, "verify", "baru", "diverifikasi", "Dicek langsung oleh PPL")
    assert "Verifikasi: laporan tersimpan" in texts(at.success)
    # The history table on the page shows the new row.
    assert any("Dicek langsung oleh PPL" in df.value.to_string() for df in at.dataframe)
    # What the page offers next: nothing pre-selected, an empty note, no armed save button
    # (the verify -> reject trap: a second click used to reject the report for good).
    assert action_radio(at).value is None
    assert keyed(at.text_area, "wb_note").value == ""
    assert keyed(at.button, "wb_submit").disabled  # a browser cannot click it (AppTest refuses too)
    assert keyed(at.button, "wb_submit").label == "Simpan"


def test_reject_without_reason_is_refused_on_the_page(demo_engine):
    at = open_page(PANWASLU)
    no = first_baru_on_page(at, demo_engine)
    open_report(at, no)
    action_radio(at).set_value(workflow.Action.REJECT)
    at.run()
    keyed(at.checkbox, "wb_confirm").check()
    keyed(at.button, "wb_submit").click()
    at.run()
    assert not at.exception, at.exception
    assert "Alasan penolakan wajib diisi" in texts(at.error)
    assert store.get_incident(demo_engine, no, viewer=SYSTEM)["status"] == "baru"


def test_reject_asks_for_a_confirmation_naming_the_report(engine, add_incident):
    inc = add_incident()
    at = open_page(PANWASLU)
    open_report(at, inc["report_no"])
    action_radio(at).set_value(workflow.Action.REJECT)
    at.run()
    box = keyed(at.checkbox, "wb_confirm")
    assert box.label == escape_markdown(f"Ya, tolak laporan {inc['report_no']}") and box.value is False
    keyed(at.text_area, "wb_note").input("Iklan, bukan laporan")
    keyed(at.button, "wb_submit").click()
    at.run()
    assert not at.exception, at.exception
    assert f"Belum dikonfirmasi: centang «Ya, tolak laporan {inc['report_no']}»" in texts(at.error)
    assert store.get_incident(engine, inc["id"], viewer=SYSTEM)["status"] == "baru"
    assert keyed(at.text_area, "wb_note").value == "Iklan, bukan laporan"  # nothing typed is lost
    keyed(at.checkbox, "wb_confirm").check()
    keyed(at.button, "wb_submit").click()
    at.run()
    assert not at.exception, at.exception
    assert store.get_incident(engine, inc["id"], viewer=SYSTEM)["status"] == "ditolak"


def test_a_rejected_report_is_reopened_with_a_reason(engine, add_incident):
    inc = add_incident(status="ditolak")
    at = open_page(PANWASLU)
    open_report(at, inc["report_no"])
    assert action_radio(at).options == ["Buka kembali"] and action_radio(at).value is None
    action_radio(at).set_value(workflow.Action.REOPEN)
    at.run()
    keyed(at.button, "wb_submit").click()
    at.run()
    assert "Alasan membuka kembali wajib diisi" in texts(at.error)
    keyed(at.text_area, "wb_note").input("Salah klik saat verifikasi")
    keyed(at.button, "wb_submit").click()
    at.run()
    assert not at.exception, at.exception
    row = store.get_incident(engine, inc["id"], viewer=SYSTEM)
    assert (row["status"], row["version"]) == ("baru", 2)
    last = audit_rows(engine, inc["id"])[-1]
    assert (last["action"], last["note"]) == ("reopen", "Dibuka kembali dari «Ditolak»: Salah klik saat verifikasi")
    assert action_radio(at).options == ["Verifikasi", "Tolak", "Tandai duplikat"]
    assert action_radio(at).value is None


def test_stale_save_on_the_page_is_refused_and_shows_what_changed(demo_engine):
    at = open_page(PANWASLU)
    no = first_baru_on_page(at, demo_engine)
    open_report(at, no)
    # Meanwhile a colleague rejects it.
    colleague = Viewer("panwas-b", PANWASLU.role, display_name="Budi")
    workflow.reject(demo_engine, colleague, no, 1, "Iklan, bukan laporan")
    action_radio(at).set_value(workflow.Action.VERIFY)
    at.run()
    keyed(at.text_area, "wb_note").input("Sudah dicek")
    keyed(at.button, "wb_submit").click()
    at.run()
    assert not at.exception, at.exception
    assert "sudah diubah oleh panwas-b" in texts(at.error)
    assert any("Iklan, bukan laporan" in df.value.to_string() for df in at.dataframe)
    row = store.get_incident(demo_engine, no, viewer=SYSTEM)
    assert row["status"] == "ditolak"  # the colleague's edit survives
    assert [r["actor"] for r in audit_rows(demo_engine, row["id"])][-1] == "panwas-b"


def test_scoped_panwaslu_sees_only_their_kecamatan(demo_engine):
    at = open_page(scoped_panwaslu("16.73.05"))
    assert not at.exception, at.exception
    options = at.selectbox(key="wb_open").options
    assert options
    with demo_engine.connect() as conn:
        kec = {r[0] for r in conn.execute(sa.select(store.incidents.c.kode_kecamatan)
                                          .where(store.incidents.c.report_no.in_(options)))}
    assert kec == {"16.73.05"}


def test_duplicates_one_way_the_picker_offers_the_twin_first(engine, add_incident):
    """Issue 30.4: one way to mark a duplicate. The picker offers the suspected twin first (labelled
    with number, WIB time, place, category and first words), the tick names the ORIGINAL, and the
    old second way (the "Gabungkan" form with its direction radio) is gone."""
    first = add_incident(rt=1, title="Amplop dibagikan ke warga menjelang pencoblosan oleh tim sukses")
    later = add_incident(rt=2, when=WHEN + timedelta(hours=2), title="Amplop dibagikan kepada warga")
    far = add_incident(rt=7, when=WHEN - timedelta(days=5), title="Baliho dirusak")  # same kelurahan, not a twin
    elsewhere = add_incident(kel=KEL_B, rt=2, when=WHEN + timedelta(hours=1), title="Amplop di kecamatan lain")
    at = open_page(scoped_panwaslu("16.73.01"))
    open_report(at, later["report_no"])
    assert not [w.key for w in [*at.selectbox, *at.radio, *at.text_input, *at.button]
                if str(w.key).startswith("wb_merge")]  # the other way is removed
    action_radio(at).set_value(workflow.Action.MARK_DUPLICATE)
    at.run()
    picker = keyed(at.selectbox, "wb_original")
    assert picker.options[:2] == [
        f"kembar? · {first['report_no']} · 20/06/2018 14:00 WIB · Air Kuti RT 01 · Politik uang · "
        "Amplop dibagikan ke warga menjelang pencoblosan…",
        f"{far['report_no']} · 15/06/2018 14:00 WIB · Air Kuti RT 07 · Politik uang · Baliho dirusak",
    ]
    assert elsewhere["report_no"] not in " ".join(picker.options)  # out of this account's scope
    assert later["report_no"] not in " ".join(picker.options)  # never itself
    # Before a pick the tick cannot name an original; after it, it does.
    picker.set_value(first["report_no"])
    at.run()
    tick = keyed(at.checkbox, "wb_confirm")
    assert re.sub(r"\\(.)", r"\1", tick.label) == (
        f"Ya, laporan ini ({later['report_no']}) duplikat dari {first['report_no']}")
    keyed(at.text_area, "wb_note").input("Kejadian yang sama, dua pelapor")
    keyed(at.button, "wb_submit").click()
    at.run()
    assert "Belum dikonfirmasi" in texts(at.error)
    assert store.get_incident(engine, later["id"], viewer=SYSTEM)["status"] == "baru"
    keyed(at.checkbox, "wb_confirm").check()
    keyed(at.button, "wb_submit").click()
    at.run()
    assert not at.exception, at.exception
    dup, orig = store.get_incident(engine, later["id"], viewer=SYSTEM), store.get_incident(engine, first["id"], viewer=SYSTEM)
    assert dup["status"] == "duplikat" and dup["duplicate_of"] == first["id"]
    assert orig["status"] == "baru" and orig["title"] == first["title"]  # both records kept
    assert audit_rows(engine, later["id"])[-1]["action"] == "mark_duplicate"
    assert audit_rows(engine, first["id"])[-1]["action"] == "duplicate_linked"
    assert f"laporan {later['report_no']} kini duplikat dari {first['report_no']}" in texts(at.success)


def test_a_phone_gets_the_whole_report_in_one_cell(engine, add_incident):
    """Issue 30.7: at 360 px the wide table showed a number and a cut time. The page also sends a
    one-column table (screen.css shows it on a phone) whose cell holds number, short WIB time,
    kelurahan/RT, category, severity and status; a late follow-up is said in words."""
    inc = add_incident(rt=3, title="Amplop")
    late = add_incident(rt=4, status="ditindaklanjuti", when=WHEN - timedelta(days=1),
                        followup_to="Panwascam", followup_due=WHEN)
    at = open_page(PANWASLU)
    (phone,) = [df for df in at.dataframe if list(df.value.columns) == ["Laporan"]]
    assert list(phone.value["Laporan"]) == [
        f"{late['report_no']} · ⚠ terlambat · 19/06 14:00 · Air Kuti RT 04 · Politik uang · Sedang · "
        "Ditindaklanjuti",
        f"{inc['report_no']} · 20/06 14:00 · Air Kuti RT 03 · Politik uang · Sedang · Baru",
    ]
    (wide,) = [df for df in at.dataframe if "Judul" in df.value.columns]
    assert "Terlambat" in wide.value.columns and "Tenggat lewat" not in wide.value.columns


@pytest.mark.parametrize("viewer", [PEJABAT, rt_viewer()], ids=["pejabat", "rt"])
def test_pejabat_and_rt_are_refused(demo_engine, viewer):
    at = open_page(viewer)
    assert not at.exception, at.exception
    assert "Akses ditolak" in texts(at.error)
    assert len(at.dataframe) == 0 and len(at.metric) == 0
    with pytest.raises(KeyError):
        at.selectbox(key="wb_open")


# --------------------------------------------------------------------------- alert banner


def raise_berat_alert(engine) -> dict:
    inc = Incident(kode_kelurahan=KEL_A, rt=4, category=Category.BENTROKAN, severity=Severity.BERAT,
                   title="Bentrok", occurred_at=now())
    with store.write(engine) as conn:
        rows = store.insert_incidents(conn, [inc])
        (alert,) = alerts.check_new_incidents(conn, rows, levels=False)
    return alert


def banner_buttons(at: AppTest) -> list:
    return [b for b in at.button if str(b.key).startswith("alert_ack_")]


def banner_script() -> None:
    """A bare page with only the banner (AppTest.from_function runs it)."""
    import streamlit as st

    from kondusif.ui import session
    from kondusif.ui.alerts import render_alert_banner

    viewer = session.current_session()  # the cookie's login, as every page has it
    if viewer is None:
        st.stop()
    render_alert_banner(viewer)
    st.write("isi halaman")


def banner_app(viewer: Viewer) -> AppTest:
    at = AppTest.from_function(banner_script, default_timeout=30)
    signin.sign_in(at, viewer)
    return at.run()


def home(viewer: Viewer) -> AppTest:
    """The first run of dashboard.py for a freshly signed-in user (their home page)."""
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    signin.sign_in(at, viewer)
    return at.run()


def test_banner_until_acknowledged_by_that_user(engine):
    alert = raise_berat_alert(engine)
    at = banner_app(PEJABAT)
    assert not at.exception, at.exception
    assert alert["message"] in texts(at.error)
    (ack,) = banner_buttons(at)
    assert ack.label == "Tandai sudah dibaca"
    ack.click()
    at.run()
    assert not at.exception, at.exception
    assert alert["message"] not in texts(at.error) and banner_buttons(at) == []
    assert "isi halaman" in texts(at.markdown)
    assert [a["username"] for a in acks_of(engine, alert["id"])] == [PEJABAT.username]
    # Others in scope still see it.
    assert alert["message"] in texts(banner_app(PANWASLU).error)
    assert alert["message"] in texts(banner_app(Viewer("walikota", PEJABAT.role)).error)


def test_a_deactivated_account_acknowledges_nothing_from_a_tab_left_open(engine):
    """Found by attack8: the button's callback ran before the session check, with the viewer of the
    last run, so an account deactivated meanwhile still wrote its acknowledgement."""
    from kondusif.accounts import admin

    alert = raise_berat_alert(engine)
    at = home(PEJABAT)
    (ack,) = banner_buttons(at)
    admin.set_active(engine, SYSTEM, PEJABAT.username, False)
    ack.click()
    at.run()
    assert not at.exception, at.exception
    assert acks_of(engine, alert["id"]) == []
    assert alert["message"] not in texts(at.error)  # signed out: the sign-in page, no banner


def test_dashboard_shows_the_banner_above_the_page(engine):
    alert = raise_berat_alert(engine)
    for viewer in (PEJABAT, PANWASLU, scoped_panwaslu("16.73.01")):
        at = home(viewer)
        assert not at.exception, at.exception
        assert alert["message"] in texts(at.error), viewer
        assert len(at.title) == 1  # the page itself rendered below it
    alerts.acknowledge(engine, PEJABAT, [alert["id"]])
    assert alert["message"] not in texts(home(PEJABAT).error)
    assert alert["message"] in texts(home(PANWASLU).error)


@pytest.mark.parametrize("viewer", [scoped_panwaslu("16.73.05"), rt_viewer()], ids=["other-kecamatan", "rt"])
def test_no_banner_out_of_scope(engine, viewer):
    alert = raise_berat_alert(engine)
    for at in (banner_app(viewer), home(viewer)):
        assert not at.exception, at.exception
        assert alert["message"] not in texts(at.error)
        assert banner_buttons(at) == []


def test_berat_banner_links_to_its_report_for_the_desk(engine):
    """Issue 30.6: the berat banner opens its report on the desk; pejabat (no desk) gets no link."""
    alert = raise_berat_alert(engine)
    report_no = store.query_incidents(engine, None, viewer=SYSTEM)["report_no"].iloc[0]
    at = home(PANWASLU)
    assert not at.exception, at.exception
    (link,) = [e for e in at.get("page_link") if "Buka laporan" in e.proto.label]
    assert (link.proto.label, link.proto.page, link.proto.query_string) == (
        f"Buka laporan {report_no}", "insiden", f"laporan={report_no}")
    assert alert["message"] in texts(at.error)
    pejabat = home(PEJABAT)
    assert not [e for e in pejabat.get("page_link") if "Buka laporan" in e.proto.label]
