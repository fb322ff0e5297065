"""submit_form: the server side of the RT form."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from intake_helpers import ADMIN, HTML, PANWASLU_UTARA2, RT_AIR_KUTI_3
from PIL import ExifTags, Image

from kondusif import store
from kondusif.intake.pipeline import submit_form
from kondusif.model import SYSTEM, new_id

WHEN = datetime(2018, 6, 20, 7, 32, tzinfo=UTC)
VALUES = {"category": "politik_uang", "severity": "berat", "occurred_at": WHEN, "title": "Amplop",
          "description": HTML}


def n(engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(store.incidents)).scalar())


def test_rt_account_files_for_its_own_rt_whatever_is_sent(store_engine):
    crafted = {**VALUES, "kelurahan": "16.73.08.1003", "rt": 4, "source": "simulasi", "status": "selesai",
               "created_by": "someone"}
    out = submit_form(store_engine, RT_AIR_KUTI_3, crafted, new_id())
    assert out.ok and out.created and out.report_no.startswith("LLG-2018-")
    row = store.get_incident(store_engine, out.report_no, viewer=SYSTEM)
    assert (row["kode_kelurahan"], row["rt"], row["source"], row["status"], row["created_by"]) == (
        "16.73.01.1001", 3, "form", "baru", RT_AIR_KUTI_3.username)
    assert row["description"] == HTML  # stored as typed
    audit = store.audit_for(store_engine, "incident", row["id"])
    assert audit["action"].tolist() == ["create"] and audit["actor"].tolist() == [RT_AIR_KUTI_3.username]


def test_same_token_files_one_report(store_engine):
    token = new_id()
    first = submit_form(store_engine, RT_AIR_KUTI_3, VALUES, token)
    second = submit_form(store_engine, RT_AIR_KUTI_3, {**VALUES, "title": "resend"}, token)
    assert first.created and not second.created and second.report_no == first.report_no
    assert n(store_engine) == 1
    # the token of another account is not a way to read its report number
    assert not submit_form(store_engine, ADMIN, {**VALUES, "kelurahan": "Air Kuti", "rt": 3}, token).ok


def test_field_errors_and_nothing_stored(store_engine):
    out = submit_form(store_engine, RT_AIR_KUTI_3,
                      {"occurred_at": datetime.now(UTC) + timedelta(days=2), "title": ""}, new_id())
    assert not out.ok
    assert {e.field for e in out.errors} == {"category", "severity", "title", "occurred_at"}
    assert n(store_engine) == 0


def test_panwaslu_files_for_an_rt_within_its_kecamatan_only(store_engine):
    ok = submit_form(store_engine, PANWASLU_UTARA2, {**VALUES, "kelurahan": "16.73.08.1003", "rt": 2}, new_id())
    assert ok.ok
    out = submit_form(store_engine, PANWASLU_UTARA2, {**VALUES, "kelurahan": "16.73.01.1001", "rt": 3}, new_id())
    assert not out.ok and out.errors[0].field == "kelurahan"
    out = submit_form(store_engine, ADMIN, {**VALUES, "kelurahan": "16.73.01.1001", "rt": 75}, new_id())
    assert not out.ok and "RT 1–7" in out.errors[0].message  # beyond any sane RT number: refused


def test_photo_stored_without_location(store_engine):
    img = Image.new("RGB", (40, 30), "blue")
    exif = Image.Exif()
    exif[ExifTags.Base.GPSInfo] = {1: "S", 2: (3.0, 17.0, 0.0)}
    buf = io.BytesIO()
    img.save(buf, format="JPEG", exif=exif)
    out = submit_form(store_engine, RT_AIR_KUTI_3, VALUES, new_id(), photo=(buf.getvalue(), "foto.jpg"))
    assert out.ok
    with store_engine.connect() as conn:
        att = conn.execute(sa.select(store.attachments)).mappings().one()
    assert att["mime"] == "image/jpeg" and att["incident_id"] == out.incident_id
    with Image.open(io.BytesIO(att["data"])) as stored:
        assert len(stored.getexif()) == 0


def test_bad_photo_is_a_field_error(store_engine):
    out = submit_form(store_engine, RT_AIR_KUTI_3, VALUES, new_id(), photo=(b"<html>", "x.jpg"))
    assert [e.field for e in out.errors] == ["photo"] and n(store_engine) == 0


def test_possible_duplicates_shown_and_flagged(store_engine):
    first = submit_form(store_engine, RT_AIR_KUTI_3, VALUES, new_id())
    later = submit_form(store_engine, ADMIN, {**VALUES, "kelurahan": "Air Kuti", "rt": 4,
                                              "occurred_at": WHEN + timedelta(hours=2)}, new_id())
    assert later.duplicates["report_no"].tolist() == [first.report_no]
    assert store.get_incident(store_engine, later.report_no, viewer=SYSTEM)["possible_duplicate"] is True
    assert store.get_incident(store_engine, first.report_no, viewer=SYSTEM)["possible_duplicate"] is False
    assert first.duplicates.empty
