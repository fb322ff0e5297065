"""Issue 12 #6 / 18 #12: the review queue keeps to a scoped panwaslu's kecamatan.

A panwaslu scoped to Lubuk Linggau Timur I (16.73.01) sees the items parsed to its
kecamatan and the unplaced ones, never an item parsed to Utara II (16.73.08), and
can place or discard only inside its own kecamatan.
"""

from __future__ import annotations

from datetime import datetime

import pytest
import sqlalchemy as sa
from test_page_impor import open_page

from kondusif import store
from kondusif.errors import NotPermitted
from kondusif.intake import pipeline, review
from kondusif.model import SYSTEM, Role, Viewer
from kondusif.timeutil import WIB

CITY = Viewer("panwaslu-kota", Role.PANWASLU, "Panwaslu Kota")
TIMUR1 = Viewer("panwascam-timur1", Role.PANWASLU, "Panwascam Timur I", kecamatan="16.73.01")
UTARA2 = Viewer("panwascam-utara2", Role.PANWASLU, "Panwascam Utara II", kecamatan="16.73.08")
PEJABAT = Viewer("pejabat", Role.PEJABAT, "Pejabat")
RT = Viewer("rt-1673011001-003", Role.RT, "RT 3 Air Kuti", kelurahan="16.73.01.1001", rt=3)

# Three messages the parser cannot turn into reports (unknown category "gempa", no place).
SMS = (
    b"waktu;nomor;pesan\n"
    b"2018-06-20 14:32;081200000011;LAPOR gempa sedang RT 2 Air Kuti: kejadian di Timur I\n"
    b"2018-06-20 14:40;081200000012;LAPOR gempa sedang RT 2 Kenanga: kejadian di Utara II\n"
    b"2018-06-20 15:00;081200000013;ada intimidasi di kampung kami, mohon segera ditindak\n"
)


@pytest.fixture
def queued(store_engine):
    p = pipeline.preview_chat(store_engine, SMS, "sms.txt", CITY)
    assert p.queued == 3
    pipeline.commit_chat(store_engine, p, CITY)
    items = review.queue_frame(store_engine, SYSTEM).set_index("text")
    return {
        "timur1": int(items.loc["LAPOR gempa sedang RT 2 Air Kuti: kejadian di Timur I", "id"]),
        "utara2": int(items.loc["LAPOR gempa sedang RT 2 Kenanga: kejadian di Utara II", "id"]),
        "unplaced": int(items.loc["ada intimidasi di kampung kami, mohon segera ditindak", "id"]),
    }


def test_queue_items_carry_the_place_they_were_parsed_to(store_engine, queued):
    items = {key: review.get_item(store_engine, SYSTEM, item_id) for key, item_id in queued.items()}
    rows = {item["id"]: (item["kode_kelurahan"], item["kode_kecamatan"]) for item in items.values()}
    assert rows[queued["timur1"]] == ("16.73.01.1001", "16.73.01")
    assert rows[queued["utara2"]] == ("16.73.08.1003", "16.73.08")
    assert rows[queued["unplaced"]] == (None, None)


def test_a_scoped_panwaslu_sees_its_kecamatan_and_the_unplaced_items_only(store_engine, queued):
    def seen(viewer):
        return set(review.queue_frame(store_engine, viewer)["id"])

    assert seen(CITY) == seen(SYSTEM) == set(queued.values())
    assert seen(TIMUR1) == {queued["timur1"], queued["unplaced"]}
    assert seen(UTARA2) == {queued["utara2"], queued["unplaced"]}
    assert review.queue_counts(store_engine, TIMUR1) == {"antri": 2, "diklasifikasi": 0, "dibuang": 0,
                                                          "dicatat_aman": 0}
    assert review.queue_counts(store_engine, CITY)["antri"] == 3
    assert review.get_item(store_engine, TIMUR1, queued["utara2"]) is None
    assert review.get_item(store_engine, TIMUR1, queued["unplaced"])["id"] == queued["unplaced"]


@pytest.mark.parametrize("viewer", [PEJABAT, RT], ids=["pejabat", "rt"])
def test_roles_without_the_queue_are_refused(store_engine, queued, viewer):
    with pytest.raises(NotPermitted, match="tidak berhak"):
        review.queue_frame(store_engine, viewer)
    with pytest.raises(NotPermitted):
        review.queue_counts(store_engine, viewer)
    with pytest.raises(NotPermitted):
        review.discard(store_engine, queued["unplaced"], "obrolan", viewer)


def test_a_scoped_panwaslu_cannot_discard_another_kecamatans_item(store_engine, queued):
    with pytest.raises(review.ReviewError):
        review.discard(store_engine, queued["utara2"], "bukan laporan", TIMUR1)
    assert review.get_item(store_engine, SYSTEM, queued["utara2"])["state"] == "antri"
    assert store.audit_for(store_engine, "review", str(queued["utara2"])).empty
    review.discard(store_engine, queued["timur1"], "bukan laporan", TIMUR1)
    assert review.get_item(store_engine, SYSTEM, queued["timur1"])["state"] == "dibuang"


def _values(kelurahan: str) -> dict:
    return {"kelurahan": kelurahan, "rt": 2, "category": "lainnya", "severity": "sedang",
            "occurred_at": datetime(2018, 6, 20, 15, 0, tzinfo=WIB)}


def test_a_scoped_panwaslu_places_unplaced_items_only_inside_its_kecamatan(store_engine, queued):
    outside = review.classify(store_engine, queued["unplaced"], _values("16.73.08.1003"), TIMUR1)
    assert not outside.ok and outside.checked.errors
    assert review.get_item(store_engine, SYSTEM, queued["unplaced"])["state"] == "antri"
    with pytest.raises(review.ReviewError, match="tidak ditemukan"):
        review.classify(store_engine, queued["utara2"], _values("16.73.08.1003"), TIMUR1)
    inside = review.classify(store_engine, queued["unplaced"], _values("16.73.01.1002"), TIMUR1)
    assert inside.ok
    item = review.get_item(store_engine, SYSTEM, queued["unplaced"])
    assert (item["state"], item["kode_kelurahan"], item["kode_kecamatan"]) == (
        "diklasifikasi", "16.73.01.1002", "16.73.01")
    assert store.get_incident(store_engine, inside.report_no, TIMUR1)["kode_kecamatan"] == "16.73.01"


def test_the_import_page_lists_only_the_scoped_panwaslus_items(store_engine, queued):
    impor = open_page(TIMUR1, "screens/impor.py")
    assert not impor.exception
    assert [t.label for t in impor.tabs][-1] == "Antrean tinjauan (2)"
    at = open_page(TIMUR1)  # the queue's own screen (issue 30.1)
    assert not at.exception
    pick = next(s for s in at.selectbox if s.label == "Pesan")
    assert set(pick.options) == {f"#{queued['timur1']} · 20/06/2018 14:32 WIB · +6281200000011 · "
                                 "LAPOR gempa sedang RT 2 Air Kuti: kejadian di Timur I",
                                 f"#{queued['unplaced']} · 20/06/2018 15:00 WIB · +6281200000013 · "
                                 "ada intimidasi di kampung kami, mohon segera ditindak"}


def test_an_old_store_gains_the_place_columns_filled_from_the_guess(engine):
    """Schema 1 -> 2: the columns are added and filled from each item's stored guess."""
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP INDEX ix_review_queue_kec_state")
        conn.exec_driver_sql("ALTER TABLE review_queue DROP COLUMN kode_kecamatan")
        conn.exec_driver_sql("ALTER TABLE review_queue DROP COLUMN kode_kelurahan")
        conn.exec_driver_sql("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
        for fp, guess in (("a", '{"kelurahan": "16.73.08.1003"}'), ("b", '{"kelurahan": null}')):
            conn.execute(sa.text(
                "INSERT INTO review_queue (fingerprint, channel, text, guess, reason, state, created_at) "
                "VALUES (:fp, 'sms', 'teks', :guess, 'alasan', 'antri', CURRENT_TIMESTAMP)"), {"fp": fp, "guess": guess})
    store.init_db(engine)
    assert store.schema_version(engine) == store.SCHEMA_VERSION
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT fingerprint, kode_kelurahan, kode_kecamatan FROM review_queue "
                                    "ORDER BY fingerprint")).fetchall()
    assert [tuple(r) for r in rows] == [("a", "16.73.08.1003", "16.73.08"), ("b", None, None)]
