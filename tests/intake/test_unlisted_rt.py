"""Issue 12 item 13: an RT missing from the registry is never silently lost, never silently accepted.

While the registry is the shipped sample (RT 1-8 a kelurahan or so) a real RT 11
is accepted with a visible flag and counted; with the city's official registry
loaded, the row goes to the review queue with the reason.
"""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa
from intake_helpers import PANWASLU

from kondusif import registry, store
from kondusif.intake import pipeline, review
from kondusif.model import SYSTEM

HEADER = ["_uuid", "kelurahan", "rt", "kategori", "tingkat", "judul", "waktu_kejadian"]
ROWS = [["u-1", "Jogoboyo", "11", "politik_uang", "berat", "Amplop di RT 11", "2018-06-20T14:30:00+07:00"],
        ["u-2", "Jogoboyo", "2", "intimidasi", "sedang", "Ancaman di RT 2", "2018-06-20T15:00:00+07:00"]]


def kobo_bytes() -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";")
    w.writerow(HEADER)
    w.writerows(ROWS)
    return buf.getvalue().encode()


def incidents(engine) -> list[tuple]:
    c = store.incidents.c
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(c.rt, c.title, c.source_ref).order_by(c.rt))]


def test_sample_registry_accepts_an_unknown_rt_with_a_flag_and_counts_it(store_engine):
    p = pipeline.preview_file(store_engine, kobo_bytes(), "kobo.csv", PANWASLU)
    assert (p.good, p.rejected, p.queued, p.unlisted_rt) == (2, 0, 0, 1)
    assert "1 baris baik dengan RT yang tidak ada di daftar contoh" in p.summary()
    flagged = next(r for r in p.results if r.row == 2)
    assert any("RT 11 tidak ada di daftar contoh Kelurahan Jogoboyo" in w.message for w in flagged.warnings)
    result = pipeline.commit_file(store_engine, p, PANWASLU)
    assert result.unlisted_rt == 1 and "1 dengan RT yang tidak ada di daftar contoh" in result.summary()
    assert incidents(store_engine) == [(2, "Ancaman di RT 2", "kobo:u-2"), (11, "Amplop di RT 11", "kobo:u-1")]
    audit = store.audit_for(store_engine, "import", result.batch_id)
    assert '"rt_di_luar_daftar_contoh": 1' in audit["details"].iloc[0]


def official_registry(engine) -> None:
    rows = "".join(f"16.73.08.1007;{rt}\n" for rt in range(1, 6))
    registry.apply_official(engine, SYSTEM, registry.read_official(f"Kelurahan;RT\n{rows}".encode(), "rt.csv"))


def test_official_registry_sends_an_unknown_rt_to_the_review_queue_with_the_reason(store_engine):
    official_registry(store_engine)
    p = pipeline.preview_file(store_engine, kobo_bytes(), "kobo.csv", PANWASLU)
    assert (p.good, p.rejected, p.queued, p.existing) == (1, 0, 1, 0)
    queued = next(r for r in p.results if r.status == "antri")
    assert queued.row == 2 and queued.note == "RT: RT 11 tidak ada di daftar RT Kelurahan Jogoboyo (RT 1–5)"
    result = pipeline.commit_file(store_engine, p, PANWASLU)
    assert (result.imported, result.queued, result.rejected) == (1, 1, 0)
    assert incidents(store_engine) == [(2, "Ancaman di RT 2", "kobo:u-2")]
    items = review.queue_frame(store_engine, SYSTEM)
    assert len(items) == 1
    item = items.iloc[0]
    assert item["channel"] == "impor"
    assert item["reason"] == "RT: RT 11 tidak ada di daftar RT Kelurahan Jogoboyo (RT 1–5)"
    assert item["text"] == "Amplop di RT 11"
    assert (item["guess"]["kelurahan"], item["guess"]["rt"], item["guess"]["kategori"], item["guess"]["tingkat"]) == (
        "16.73.08.1007", 11, ["politik_uang"], "berat")

    # re-importing the file adds nothing: the row is already waiting in the queue
    again = pipeline.preview_file(store_engine, kobo_bytes(), "kobo.csv", PANWASLU)
    assert (again.good, again.queued, again.existing) == (0, 0, 2)
    second = pipeline.commit_file(store_engine, again, PANWASLU)
    assert (second.imported, second.queued) == (0, 0)
    assert len(review.queue_frame(store_engine, SYSTEM)) == 1

    # Panwaslu confirms RT 11 (the registry is wrong): the report is the file's row, so a re-import finds it
    out = review.classify(store_engine, int(item["id"]), {
        "kelurahan": "16.73.08.1007", "rt": 11, "category": "politik_uang", "severity": "berat",
        "title": "Amplop di RT 11", "occurred_at": "20/06/2018 14:30"}, PANWASLU)
    assert out.ok, out.checked.errors
    assert incidents(store_engine) == [(2, "Ancaman di RT 2", "kobo:u-2"), (11, "Amplop di RT 11", "kobo:u-1")]
    third = pipeline.preview_file(store_engine, kobo_bytes(), "kobo.csv", PANWASLU)
    assert (third.good, third.queued, third.existing) == (0, 0, 2)
