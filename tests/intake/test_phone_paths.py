"""Issue 17: one phone form (+62…) on every intake path, so the same Ketua RT matches everywhere."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
import sqlalchemy as sa
from intake_helpers import PANWASLU

from kondusif import store
from kondusif.intake import pipeline
from kondusif.phone import normalise_phone

SAME = "+6281234567890"


@pytest.mark.parametrize("typed", ["0812-3456-7890", "0812 3456 7890", "(0812) 3456-7890", "62 812 3456 7890",
                                   "+62 812-3456-7890", "+62 (812) 3456 7890", "812-3456-7890", "+62812 3456 7890",
                                   "6281234567890", "+620812-3456-7890"])
def test_every_way_of_writing_one_number_is_one_form(typed):
    assert normalise_phone(typed) == SAME


def test_numbers_that_are_not_indonesian_mobiles():
    assert normalise_phone("+65 6123 4567") == "+6561234567"  # a foreign number keeps its country code
    assert normalise_phone("(0733) 321456") == "+62733321456"  # Lubuklinggau landline (area code 0733)
    assert normalise_phone("") is None
    assert normalise_phone("   ") is None
    assert normalise_phone("bukan nomor") is None


def phones(engine) -> list[str]:
    c = store.incidents.c
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(sa.select(c.reporter_phone).order_by(c.source))]


def test_form_file_chat_and_sms_store_the_same_number(store_engine):
    out = pipeline.submit_form(store_engine, PANWASLU, {
        "kelurahan": "16.73.01.1001", "rt": 3, "category": "politik_uang", "severity": "sedang",
        "title": "Amplop", "occurred_at": "20/06/2018 14:00", "reporter_phone": "0812-3456-7890"},
        uuid.uuid4().hex)
    assert out.ok, out.errors
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["Kelurahan", "RT", "Kategori", "Tingkat", "Judul", "Waktu", "No HP"])
    w.writerow(["Air Kuti", "3", "politik uang", "sedang", "Amplop lagi", "20/06/2018 15:00", "62 812-3456-7890"])
    p = pipeline.preview_file(store_engine, buf.getvalue().encode(), "f.csv", PANWASLU)
    assert p.good == 1, p.rejected_frame()
    pipeline.commit_file(store_engine, p, PANWASLU)
    wa = "20/06/18 16.00 - 0812-3456-7890: LAPOR politik uang sedang RT 3 Air Kuti: amplop di warung\n"
    pc = pipeline.preview_chat(store_engine, wa.encode(), "wa.txt", PANWASLU)
    assert pc.good == 1, pc.frame("antri")
    pipeline.commit_chat(store_engine, pc, PANWASLU)
    sms = "2018-06-20 17:00;+62 812 3456 7890;LAPOR politik uang sedang RT 3 Air Kuti: amplop di pasar\n"
    ps = pipeline.preview_chat(store_engine, sms.encode(), "sms.txt", PANWASLU)
    assert ps.good == 1, ps.frame("antri")
    pipeline.commit_chat(store_engine, ps, PANWASLU)
    assert phones(store_engine) == [SAME] * 4


def test_queued_sms_keeps_the_normalised_sender(store_engine):
    sms = "2018-06-20 17:00;0812 3456 7890;ada ribut ribut di dekat pasar tapi belum jelas di mana tempatnya\n"
    ps = pipeline.preview_chat(store_engine, sms.encode(), "sms.txt", PANWASLU)
    assert ps.queued == 1
    assert next(iter(ps.queue_rows.values()))["sender"] == SAME
