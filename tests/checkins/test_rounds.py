"""Issue 24 item 5: voting-day rounds and the low-coverage alert, on a store at fixed times.

Defaults: rounds 07:00, 12:00, 18:00 WIB on 27 June 2018, grace 60 minutes, threshold 75 %.
Air Kuti has 7 RT, Majapahit 5 (sample registry); the city 72 kelurahan.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from kondusif import alerts, registry, rounds, store
from kondusif.config import settings
from kondusif.model import Role, Viewer

from .test_checkins import AIR_KUTI, MAJAPAHIT, PANWASLU, PEJABAT, aman, report, wib

PANWASCAM_02 = Viewer("uji-panwascam", Role.PANWASLU, kecamatan="16.73.02")


@pytest.fixture
def voting_morning(engine):
    registry.ensure_rt_registry(engine)
    clock = wib(27, 9, 0)
    aman(engine, AIR_KUTI, 1, wib(27, 6, 50), "ak1", clock=clock)  # before the round began: does not count
    aman(engine, AIR_KUTI, 2, wib(27, 7, 10), "ak2", clock=clock)
    aman(engine, AIR_KUTI, 3, wib(27, 7, 30), "ak3", clock=clock)
    aman(engine, AIR_KUTI, 4, wib(27, 7, 55), "ak4", clock=clock)
    report(engine, AIR_KUTI, 5, wib(27, 7, 20))  # a report is contact too
    aman(engine, AIR_KUTI, 6, wib(27, 8, 30), "ak6", clock=clock)  # after the deadline
    for rt in (1, 2, 3, 4):
        aman(engine, MAJAPAHIT, rt, wib(27, 7, 5), f"mj{rt}", clock=clock)
    return engine


def test_rounds_from_settings():
    got = rounds.voting_day_rounds()
    assert [r.label for r in got] == ["Putaran 1 (07.00 WIB)", "Putaran 2 (12.00 WIB)", "Putaran 3 (18.00 WIB)"]
    assert got[0].starts == datetime(2018, 6, 27, 0, 0, tzinfo=UTC)
    assert got[0].deadline == datetime(2018, 6, 27, 1, 0, tzinfo=UTC)
    assert rounds.current_round(wib(27, 7, 59)) is None  # grace not over
    assert rounds.current_round(wib(27, 8, 0)).number == 1
    assert rounds.current_round(wib(27, 12, 59)).number == 1
    assert rounds.current_round(wib(27, 23, 0)).number == 3
    assert rounds.current_round(wib(26, 23, 0)) is None  # not the voting day


def test_rounds_read_from_kondusif_toml(tmp_path, monkeypatch):
    conf = tmp_path / "kondusif.toml"
    conf.write_text('[rounds]\ntimes = ["06:30", "13:00"]\ngrace_minutes = 30\n', encoding="utf-8")
    monkeypatch.setenv("KONDUSIF_CONFIG", str(conf))
    settings.cache_clear()
    got = rounds.voting_day_rounds()
    assert [(r.label, r.deadline) for r in got] == [
        ("Putaran 1 (06.30 WIB)", datetime(2018, 6, 27, 0, 0, tzinfo=UTC)),
        ("Putaran 2 (13.00 WIB)", datetime(2018, 6, 27, 6, 30, tzinfo=UTC)),
    ]
    settings.cache_clear()


def test_silent_list_after_the_first_round(voting_morning):
    view = rounds.round_view(voting_morning, PANWASLU, wib(27, 8, 0))
    assert view.round.number == 1
    ak = view.coverage.of_kelurahan(AIR_KUTI)
    assert (ak["rt_heard"], ak["senyap"]) == (4, [1, 6, 7])
    mj = view.coverage.of_kelurahan(MAJAPAHIT)
    assert (mj["rt_heard"], mj["senyap"]) == (4, [5])
    below = [r["kode_kelurahan"] for r in view.below()]
    assert AIR_KUTI in below and MAJAPAHIT not in below and len(below) == 71
    silent = view.coverage.rt[(view.coverage.rt["kode_kelurahan"] == AIR_KUTI) & ~view.coverage.rt["heard"]]
    assert {"nama_ketua", "telepon"} <= set(silent.columns)  # Panwaslu may call them
    seen_by_pejabat = rounds.round_view(voting_morning, PEJABAT, wib(27, 8, 0)).coverage.rt
    assert "telepon" not in seen_by_pejabat.columns and "nama_ketua" not in seen_by_pejabat.columns
    assert rounds.round_view(voting_morning, PANWASLU, wib(27, 7, 30)) is None


def test_low_coverage_alert_once_per_round_and_kelurahan(voting_morning):
    made = rounds.check_rounds(voting_morning, wib(27, 8, 0))
    assert len(made) == 71
    (ak,) = [a for a in made if a["kode_kelurahan"] == AIR_KUTI]
    assert ak["message"] == ("Cakupan kabar RT Kel. Air Kuti sesudah Putaran 1 (07.00 WIB): 4 dari 7 RT memberi "
                             "kabar; senyap: RT 01, 06, 07 (57%)")
    assert rounds.check_rounds(voting_morning, wib(27, 8, 30)) == []  # same round: nothing new
    assert len(rounds.check_rounds(voting_morning, wib(27, 13, 0))) == 72  # round 2: nobody since 12:00
    with voting_morning.connect() as conn:
        n = conn.execute(sa.select(sa.func.count()).select_from(store.alerts)
                         .where(store.alerts.c.kind == "cakupan")).scalar()
    assert n == 143
    pejabat = [a for a in alerts.visible_alerts(voting_morning, PEJABAT, limit=None) if a["kind"] == "cakupan"]
    assert len(pejabat) == 143 and not any("+62" in a["message"] for a in pejabat)
    scoped = alerts.visible_alerts(voting_morning, PANWASCAM_02, limit=None)
    assert scoped and {a["kode_kecamatan"] for a in scoped} == {"16.73.02"}


def test_no_alert_outside_the_voting_day(voting_morning):
    assert rounds.check_rounds(voting_morning, wib(26, 9, 0)) == []
    assert rounds.check_rounds(voting_morning, datetime(2018, 6, 28, 1, 0, tzinfo=UTC)) == []
