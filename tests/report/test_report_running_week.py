"""A week still running is assessed at the moment the report is made, not at its (future) end.

Levels decay with time: assessing them at Sunday 24:00 while it is still Wednesday showed a
kelurahan Kondusif in the PDF that the map shows Waspada (found by the issue 8 journeys).
"""

from __future__ import annotations

from datetime import timedelta

from kondusif import store
from kondusif.model import SYSTEM, Incident
from kondusif.report import data as report_data
from kondusif.report.week import week_of
from kondusif.status import Level, compute_levels
from kondusif.timeutil import now

KEL = "16.73.01.1001"


def test_running_week_levels_are_those_of_now(engine):
    moment = now()
    week = week_of(moment)
    start = max(week.start, moment - timedelta(hours=2))
    with store.write(engine) as conn:  # two verified berat reports within the last two hours
        store.insert_incidents(conn, [
            Incident(kode_kelurahan=KEL, rt=1 + i, category="intimidasi", severity="berat", title=f"uji {i}",
                     occurred_at=start + (moment - start) * i / 2, status="diverifikasi")
            for i in range(2)
        ])
    gathered = report_data.gather(engine, week)
    assert moment <= gathered.as_of <= now()
    frame = store.query_incidents(engine, q=None, viewer=SYSTEM)
    expected = compute_levels(frame, gathered.as_of, units=[KEL])["level"].iloc[0]
    row = gathered.kelurahan.set_index("kode").loc[KEL]
    assert Level(row["level"]) == Level(expected)


def test_finished_week_is_assessed_at_its_end(engine):
    week = week_of(now()).previous()
    assert report_data.gather(engine, week).as_of == week.end


def test_running_week_snapshot_still_reproduces_byte_for_byte(engine):
    """The assessment moment is the recorded generation time, so a rebuild later gives the same bytes."""
    from kondusif.report import build

    moment = now()
    with store.write(engine) as conn:
        store.insert_incidents(conn, [Incident(kode_kelurahan=KEL, rt=1, category="intimidasi", severity="berat",
                                               title="uji", occurred_at=moment - timedelta(minutes=5),
                                               status="diverifikasi")])
    info, _ = build.generate_snapshot(engine, week_of(moment), "uji")
    assert build.reproduce(engine, info.week, info.version).identical


def test_assessment_moment_is_the_given_generation_time(engine):
    moment = now()
    earlier = moment - timedelta(hours=1)
    assert report_data.gather(engine, week_of(moment), at=earlier).as_of == earlier
