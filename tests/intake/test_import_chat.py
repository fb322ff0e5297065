"""Acceptance: every message of a WhatsApp/SMS export ends imported, queued, rejected with a reason, or already there."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa
from intake_helpers import PANWASLU, fixture_bytes

from kondusif import store
from kondusif.intake import pipeline, review
from kondusif.model import SYSTEM

EXPECTED = {
    # file: (imported, queued, rejected, already there) by message number
    # message 13 names RT 12 of a kelurahan whose sample lists fewer: accepted with a flag (issue 12)
    # the group is "RT se-Kel. Air Kuti": free text naming no kelurahan lands there (issue 12 item 14)
    "wa_android.txt": ({5, 7, 9, 10, 13, 18}, {12}, {1, 2, 3, 4, 6, 8, 11, 14, 15, 16, 17}, set()),  # 11 asks about a meeting
    "wa_iphone.txt": ({3, 5, 7, 11}, set(), {1, 2, 4, 6, 8, 9, 10}, set()),
    "sms.txt": ({1, 2, 3}, {5, 8}, {4, 6, 7}, {9}),
}


def without_subject(data: bytes) -> bytes:
    """The Android fixture as a group whose name says no kelurahan (so free text goes to the queue)."""
    return data.replace(b'membuat grup "RT se-Kel. Air Kuti"', b'membuat grup "Info Warga"')


def n(engine, table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_message_accounted_for_and_reimport_adds_nothing(store_engine, name):
    imported, queued, rejected, existing = EXPECTED[name]
    data = fixture_bytes(name)
    p = pipeline.preview_chat(store_engine, data, name, PANWASLU)
    by = {s: {r.row for r in p.results if r.status == s} for s in ("baik", "antri", "ditolak", "sudah_ada")}
    assert (by["baik"], by["antri"], by["ditolak"], by["sudah_ada"]) == (imported, queued, rejected, existing)
    assert p.rows_in == len(p.chat.messages) == p.good + p.queued + p.rejected + p.existing
    assert all(r.reason() for r in p.results if r.status in ("antri", "ditolak"))

    result = pipeline.commit_chat(store_engine, p, PANWASLU)
    assert (result.imported, result.queued, result.rejected, result.existing) == (
        len(imported), len(queued), len(rejected), len(existing))
    assert n(store_engine, store.incidents) == len(imported)
    assert n(store_engine, store.review_queue) == len(queued)

    again = pipeline.preview_chat(store_engine, data, name, PANWASLU)
    assert (again.good, again.queued, again.rejected) == (0, 0, len(rejected))
    second = pipeline.commit_chat(store_engine, again, PANWASLU)
    assert second.imported == second.queued == 0
    assert n(store_engine, store.incidents) == len(imported) and n(store_engine, store.review_queue) == len(queued)


def test_reports_read_from_chat_are_clean_incidents(store_engine):
    p = pipeline.preview_chat(store_engine, fixture_bytes("wa_android.txt"), "wa.txt", PANWASLU)
    pipeline.commit_chat(store_engine, p, PANWASLU)
    df = store.query_incidents(store_engine, viewer=PANWASLU, newest_first=False, q=None)
    first = df.iloc[0]
    assert (first["kode_kelurahan"], first["rt"], first["category"], first["severity"]) == (
        "16.73.01.1001", 3, "politik_uang", "berat")
    assert first["source"] == "chat" and first["source_ref"].startswith("wa:")
    assert first["occurred_at"].isoformat() == "2018-06-20T07:32:00+00:00"
    assert first["reporter_name"] == "Pak Rahman RT 03"
    phone = df[df["reporter_phone"].notna()].iloc[0]
    assert phone["reporter_phone"] == "+6281234567890" and pd.isna(phone["reporter_name"])


def test_the_same_chat_exported_from_another_phone_adds_nothing_new(store_engine):
    a = pipeline.preview_chat(store_engine, fixture_bytes("wa_android.txt"), "a.txt", PANWASLU)
    pipeline.commit_chat(store_engine, a, PANWASLU)
    i = pipeline.preview_chat(store_engine, fixture_bytes("wa_iphone.txt"), "i.txt", PANWASLU)
    assert {r.row for r in i.results if r.status == "sudah_ada"} == {3, 5}


def test_group_kelurahan_turns_queued_messages_into_reports(store_engine):
    p = pipeline.preview_chat(store_engine, without_subject(fixture_bytes("wa_android.txt")), "a.txt", PANWASLU)
    assert {r.row for r in p.results if r.status == "baik"} == {5, 9, 13, 18}
    p = pipeline.preview_chat(store_engine, without_subject(fixture_bytes("wa_android.txt")), "a.txt", PANWASLU,
                              default_kelurahan="16.73.01.1001")
    assert {r.row for r in p.results if r.status == "baik"} == {5, 7, 9, 10, 13, 18}


def test_queue_items_classified_or_discarded_and_audited(store_engine):
    p = pipeline.preview_chat(store_engine, without_subject(fixture_bytes("wa_android.txt")), "a.txt", PANWASLU)
    pipeline.commit_chat(store_engine, p, PANWASLU)
    items = review.queue_frame(store_engine, SYSTEM)
    assert len(items) == 3  # message 11 asks about a meeting: not a report, not queued
    baliho = items[items["text"].str.contains("baliho")].iloc[0]
    assert baliho["guess"]["kategori"] == ["perusakan_apk"] and baliho["guess"]["rt"] == 5

    bad = review.classify(store_engine, int(baliho["id"]), {"kelurahan": "Air Kuti", "rt": 99,
                                                           "category": "perusakan_apk", "severity": "ringan"},
                          PANWASLU)
    assert not bad.ok and bad.checked.errors[0].field == "rt"
    out = review.classify(store_engine, int(baliho["id"]), {"kelurahan": "Air Kuti", "rt": 5,
                                                           "category": "perusakan_apk", "severity": "ringan",
                                                           "title": "Baliho dirusak"}, PANWASLU)
    assert out.ok
    inc = store.get_incident(store_engine, out.report_no, viewer=SYSTEM)
    assert inc["source"] == "chat" and inc["description"].startswith("Pak, baliho")
    item = review.get_item(store_engine, SYSTEM, int(baliho["id"]))
    assert item["state"] == "diklasifikasi" and item["incident_id"] == inc["id"]
    with pytest.raises(review.ReviewError, match="sudah ditangani"):
        review.classify(store_engine, int(baliho["id"]), {"kelurahan": "Air Kuti", "rt": 5,
                                                         "category": "perusakan_apk", "severity": "ringan"}, PANWASLU)

    other = int(items.iloc[-1]["id"])
    with pytest.raises(review.ReviewError, match="Alasan wajib"):
        review.discard(store_engine, other, "  ", PANWASLU)
    review.discard(store_engine, other, "obrolan biasa", PANWASLU)
    with pytest.raises(review.ReviewError):
        review.discard(store_engine, other, "lagi", PANWASLU)
    assert review.queue_counts(store_engine, SYSTEM) == {"antri": 1, "diklasifikasi": 1, "dibuang": 1,
                                                        "dicatat_aman": 0}
    audit = store.audit_for(store_engine, "review", str(other))
    assert audit["action"].tolist() == ["discard"] and audit["note"].tolist() == ["obrolan biasa"]
    assert store.audit_for(store_engine, "review", str(baliho["id"]))["action"].tolist() == ["classify"]

    # re-importing the export adds nothing, whatever happened to the queued messages
    again = pipeline.preview_chat(store_engine, without_subject(fixture_bytes("wa_android.txt")), "a.txt", PANWASLU)
    assert again.good == 0 and again.queued == 0


def test_html_in_a_message_is_stored_as_typed(store_engine):
    p = pipeline.preview_chat(store_engine, fixture_bytes("wa_iphone.txt"), "i.txt", PANWASLU)
    pipeline.commit_chat(store_engine, p, PANWASLU)
    df = store.query_incidents(store_engine, q=None, viewer=SYSTEM)
    assert df["description"].str.contains("<script>alert(1)</script>", regex=False).any()
