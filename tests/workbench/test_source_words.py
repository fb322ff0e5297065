"""Issue 30.5: how a report came in, in words. The «Sumber» field of the desk showed a raw key (a
UUID for a form report) and the history said "(sumber: form)". Each channel now reads as words: the
form, the imported file's own name and row, the SMSsync phone's name; the history says "lewat
formulir". Expected texts written by hand."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from wb_helpers import PANWASLU

from kondusif import accounts, registry, store, workbench
from kondusif.intake import pipeline
from kondusif.model import SYSTEM, Role, Viewer, new_id, rt_username
from kondusif.sms import InboundSms, receive_sms, senders

AIR_KUTI = "16.73.01.1001"
CSV = (Path(__file__).resolve().parents[1] / "fixtures" / "intake" / "plain_utf8_comma.csv").read_bytes()
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-")


def sumber(engine, report_no: str) -> str:
    row = store.get_incident(engine, report_no, PANWASLU)
    return dict(workbench.detail_fields(row, PANWASLU, None, workbench.source_text(engine, PANWASLU, row["id"])))["Sumber"]


def create_note(engine, report_no: str) -> str:
    row = store.get_incident(engine, report_no, SYSTEM)
    return store.audit_for(engine, "incident", row["id"])["note"].iloc[0]


def test_a_form_report_says_formulir_not_its_key(engine):
    registry.ensure_rt_registry(engine)
    rt = Viewer(rt_username(AIR_KUTI, 3), Role.RT, kelurahan=AIR_KUTI, rt=3)
    out = pipeline.submit_form(engine, rt, {
        "category": "politik_uang", "severity": "berat", "occurred_at": datetime(2018, 6, 20, 14, 0),
        "title": "Amplop dibagikan", "description": "Dua orang membagikan amplop.",
    }, new_id())
    assert out.ok, out.errors
    assert sumber(engine, out.report_no) == "Formulir di aplikasi"
    # scope: a Panwascam of another kecamatan learns nothing about it
    assert workbench.source_text(engine, Viewer("panwascam", Role.PANWASLU, kecamatan="16.73.05"),
                                 store.get_incident(engine, out.report_no, SYSTEM)["id"]) == "-"
    assert create_note(engine, out.report_no) == f"Laporan {out.report_no} dibuat lewat formulir"


def test_an_imported_row_names_its_file_and_row(engine):
    registry.ensure_rt_registry(engine)
    preview = pipeline.preview_file(engine, CSV, "laporan-posko-juni.csv", PANWASLU)
    result = pipeline.commit_file(engine, preview, PANWASLU)
    rows = [r.row for r in preview.results if r.status == "baik"]
    assert result.imported == len(rows) == 4
    for report_no, line in zip(result.report_nos, rows, strict=True):
        shown = sumber(engine, report_no)
        assert shown == f"Impor berkas «laporan-posko-juni.csv», baris {line}"
        assert not UUID.search(shown)
        assert "lewat impor berkas" in create_note(engine, report_no)
        assert "berkas «laporan-posko-juni.csv»" in create_note(engine, report_no)


def test_an_sms_names_the_phone_that_carried_it(engine):
    registry.ensure_rt_registry(engine)
    username = rt_username(AIR_KUTI, 3)
    accounts.create_account(engine, SYSTEM, username, Role.RT, "482915", display_name="Pak Rahman",
                            kelurahan=AIR_KUTI, rt=3, must_change=False)
    senders.set_phone(engine, SYSTEM, username, "0812-3456-7890")
    out = receive_sms(InboundSms("smssync", "ss:1", "+6281234567890", "LAPOR uang berat RT 3 Air Kuti: amplop",
                                 datetime(2018, 6, 27, 10, 15, tzinfo=ZoneInfo("Asia/Jakarta")),
                                 gateway_phone="ponsel-posko"), engine=engine)
    assert out.status == "laporan"
    assert sumber(engine, out.incident_number) == "SMS langsung lewat ponsel SMSsync «ponsel-posko»"
    assert create_note(engine, out.incident_number) == f"Laporan {out.incident_number} dibuat lewat SMS"
