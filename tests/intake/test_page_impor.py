"""AppTest: the import page's review queue; access by role."""

from __future__ import annotations

import re
from pathlib import Path

import signin
from intake_helpers import PANWASLU, RT_AIR_KUTI_3, fixture_bytes
from streamlit.testing.v1 import AppTest

from kondusif import store
from kondusif.intake import pipeline, review
from kondusif.model import SYSTEM, Viewer

DASHBOARD = str(Path(__file__).resolve().parents[2] / "dashboard.py")


def open_page(viewer: Viewer, screen: str = "screens/antrean.py") -> AppTest:
    """The review queue's own screen (issue 30.1), or another screen."""
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    signin.sign_in(at, viewer)
    at.run()
    at.switch_page(screen)
    at.run()
    return at


def test_queue_classify_and_discard_from_the_page(store_engine):
    data = fixture_bytes("wa_android.txt").replace(b'"RT se-Kel. Air Kuti"', b'"Info Warga"')  # no group kelurahan
    p = pipeline.preview_chat(store_engine, data, "wa.txt", PANWASLU)
    pipeline.commit_chat(store_engine, p, PANWASLU)
    impor = open_page(PANWASLU, "screens/impor.py")
    assert not impor.exception
    assert [t.label for t in impor.tabs] == ["Berkas CSV/XLSX", "Chat WhatsApp/SMS", "Antrean tinjauan (3)"]  # message 11 asks about a meeting: not queued
    (link,) = [e for e in impor.get("page_link") if "Antrean periksa" in e.proto.label]
    assert (link.proto.label, link.proto.page) == ("Buka Antrean periksa (3 menunggu)", "antrean")
    at = open_page(PANWASLU)
    assert not at.exception
    assert at.title[0].value == "Antrean periksa"
    # Issue 30.1: the item says which chat file and group it came from.
    shown = [re.sub(r"\\(.)", r"\1", str(c.value)) for c in at.caption]  # as a reader sees it
    assert any("Dari berkas «wa.txt» · grup «Info Warga» · Alasan masuk antrean:" in c for c in shown), shown
    first = review.queue_frame(store_engine, SYSTEM).iloc[0]
    assert at.text[0].value == first["text"]  # shown as typed, as plain text
    next(s for s in at.selectbox if s.label == "Kelurahan").select("16.73.01.1001")
    at.number_input[0].set_value(5)
    next(s for s in at.selectbox if s.label == "Kategori").select("perusakan_apk")
    next(b for b in at.button if b.label == "Simpan sebagai laporan").click()
    at.run()
    assert not at.exception
    note = at.success[0].value
    assert note.startswith("Pesan #") and "LLG-2018-" in note
    assert at.title[0].value == "Antrean periksa" and not at.tabs  # still on the queue, nothing to jump back to
    inc = store.get_incident(store_engine, note.rsplit(" ", 1)[1].rstrip("."), viewer=SYSTEM)
    assert (inc["kode_kelurahan"], inc["rt"], inc["category"]) == ("16.73.01.1001", 5, "perusakan_apk")

    next(t for t in at.text_input if t.label.startswith("Alasan")).input("bukan laporan")
    next(b for b in at.button if b.label == "Buang pesan").click()
    at.run()
    assert "dibuang" in at.success[0].value
    assert review.queue_counts(store_engine, SYSTEM) == {"antri": 1, "diklasifikasi": 1, "dibuang": 1,
                                                        "dicatat_aman": 0}


def test_discard_without_reason_refused_on_the_page(store_engine):
    p = pipeline.preview_chat(store_engine, fixture_bytes("sms.txt"), "sms.txt", PANWASLU)
    pipeline.commit_chat(store_engine, p, PANWASLU)
    at = open_page(PANWASLU)
    next(b for b in at.button if b.label == "Buang pesan").click()
    at.run()
    assert any("Alasan wajib" in e.value for e in at.error)
    assert review.queue_counts(store_engine, SYSTEM)["antri"] == 2


def test_rt_accounts_cannot_open_the_import_page(store_engine):
    at = open_page(RT_AIR_KUTI_3, "screens/impor.py")
    assert any("Akses ditolak" in e.value for e in at.error)
    assert not at.tabs


def test_user_html_in_queue_is_shown_as_text_never_as_markup(store_engine):
    evil = (b"20/06/18 14.32 - Pak X: <img src=x onerror=alert(1)> [klik](http://jahat.invalid) "
            b":material/warning: ada kejadian aneh di kampung\n")
    p = pipeline.preview_chat(store_engine, evil, "x.txt", PANWASLU)
    pipeline.commit_chat(store_engine, p, PANWASLU)
    at = open_page(PANWASLU)
    assert not at.exception
    assert "<img src=x onerror=alert(1)>" in at.text[0].value  # as typed, in a plain-text element
    rendered = [m.value for m in (*at.markdown, *at.caption, *at.error, *at.success, *at.info)]
    assert not any("<img" in v or "](http" in v for v in rendered)
