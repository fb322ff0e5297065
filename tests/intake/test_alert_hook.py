"""Every intake path raises alerts: a berat report filed through the form shows up for Panwaslu."""

from __future__ import annotations

import uuid

from kondusif import alerts, registry
from kondusif.intake.pipeline import submit_form
from kondusif.model import Role, Viewer, rt_username
from kondusif.timeutil import now

KEL = "16.73.01.1001"


def test_berat_form_report_raises_an_alert_for_panwaslu_in_scope(engine):
    registry.ensure_rt_registry(engine)
    rt = Viewer(rt_username(KEL, 1), Role.RT, kelurahan=KEL, rt=1)
    values = {"category": "bentrokan", "severity": "berat", "occurred_at": now(),
              "title": "Bentrok pendukung di simpang", "description": "Dua kelompok saling lempar batu."}
    outcome = submit_form(engine, rt, values, str(uuid.uuid4()))
    assert outcome.ok, outcome.errors
    in_scope = Viewer("pw-timur1", Role.PANWASLU, kecamatan=KEL[:8])
    other = Viewer("pw-barat1", Role.PANWASLU, kecamatan="16.73.02")
    seen = alerts.visible_alerts(engine, in_scope)
    assert len(seen) == 1 and outcome.report_no in str(seen)
    assert alerts.visible_alerts(engine, other) == []
    # A ringan report raises nothing.
    values.update(severity="ringan", title="Spanduk sobek")
    assert submit_form(engine, rt, values, str(uuid.uuid4())).ok
    assert len(alerts.visible_alerts(engine, in_scope)) == 1


def test_form_reports_that_turn_a_kelurahan_rawan_raise_a_rawan_alert(engine):
    registry.ensure_rt_registry(engine)
    rt = Viewer(rt_username(KEL, 2), Role.RT, kelurahan=KEL, rt=2)
    pejabat = Viewer("walikota", Role.PEJABAT)
    for i in range(8):  # unverified berat reports count 4 × 0.5 = 2 each; Rawan from 14
        values = {"category": "bentrokan", "severity": "berat", "occurred_at": now(),
                  "title": f"Keributan ke-{i + 1}", "description": "Massa saling dorong."}
        assert submit_form(engine, rt, values, str(uuid.uuid4())).ok
    from kondusif.worker import Worker

    Worker(engine, "pekerja-uji").run_once()  # the level re-check is the worker's (issue 28.6)
    kinds = [a["kind"] for a in alerts.visible_alerts(engine, pejabat, limit=None)]
    assert kinds.count("rawan") == 1
    assert kinds.count("berat") == 8
