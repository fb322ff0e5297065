"""Issue 24 item 7: simulated check-ins (labelled), with silent RT: the demo map shows all three states."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from kondusif import demo_checkins, overview, store
from kondusif.filters import Filter
from kondusif.model import SYSTEM
from kondusif.status import Level, level_counts


def test_demo_map_shows_kondusif_waspada_or_rawan_and_tidak_ada_kabar(demo_engine):
    got = demo_checkins.seed_checkins(demo_engine, seed=7)
    assert got.inserted > 10_000 and len(got.silent_kelurahan) == 6
    again = demo_checkins.seed_checkins(demo_engine, seed=7)
    assert (again.inserted, again.skipped) == (0, got.inserted)  # re-seeding adds nothing
    c = store.checkins.c
    with demo_engine.connect() as conn:
        labels = set(conn.execute(sa.select(c.channel, c.created_by, c.phone).distinct()).fetchall())
        silent_rows = conn.execute(sa.select(sa.func.count()).select_from(store.checkins)
                                   .where(c.kode_kelurahan.in_(got.silent_kelurahan))).scalar()
    assert labels == {("simulasi", "simulasi", None)} and silent_rows == 0
    flt, _ = Filter(period="24j", as_of=date(2018, 6, 27)).scoped(SYSTEM)
    data = overview.page_data(demo_engine, SYSTEM, flt, flt.resolve())
    counts = level_counts(data.levels.kelurahan)
    assert counts[Level.KONDUSIF] > 0 and counts[Level.TIDAK_ADA_KABAR] > 0
    assert counts[Level.WASPADA] + counts[Level.RAWAN] > 0
    no_news = set(data.levels.kelurahan.loc[data.levels.kelurahan["level"] == Level.TIDAK_ADA_KABAR,
                                            "kode_kelurahan"])
    assert no_news <= set(got.silent_kelurahan)  # only where nobody checked in
