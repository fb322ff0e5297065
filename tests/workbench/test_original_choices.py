"""Issue 30.4, without Streamlit: the originals offered when a report is marked as a duplicate.
Suspected twins first (as `duplicate_candidates` ranks them), then the other reports of the same
kelurahan nearest in time; never the report itself, never a duplikat, never outside the viewer's scope."""

from __future__ import annotations

from datetime import timedelta

from wb_helpers import KEL_A, PANWASLU, WHEN, scoped_panwaslu

from kondusif import workbench


def test_originals_offered_twins_first_within_scope(engine, add_incident):
    opened = add_incident(rt=2, when=WHEN + timedelta(hours=2), title="Amplop dibagikan kepada warga")
    twin = add_incident(rt=1, title="Amplop dibagikan ke warga")
    day_before = add_incident(rt=5, when=WHEN - timedelta(days=1), category="intimidasi", title="Ancaman")
    week_before = add_incident(rt=6, when=WHEN - timedelta(days=7), title="Baliho")
    add_incident(rt=2, when=WHEN + timedelta(hours=1), status="duplikat", duplicate_of=twin["id"], title="Dobel")
    add_incident(kel="16.73.05.1001", rt=2, when=WHEN + timedelta(hours=2), title="Kecamatan lain")
    scoped = scoped_panwaslu("16.73.01")
    twins = workbench.duplicate_candidates(engine, opened, scoped)
    assert twins["report_no"].tolist() == [twin["report_no"]]
    got = workbench.original_choices(engine, scoped, opened, twins)
    assert got["report_no"].tolist() == [twin["report_no"], day_before["report_no"], week_before["report_no"]]
    assert got["twin"].tolist() == [True, False, False]
    # a Panwascam of another kecamatan is offered none of them
    other = workbench.original_choices(engine, scoped_panwaslu("16.73.05"), opened, twins.iloc[0:0])
    assert other.empty
    assert workbench.original_choices(engine, PANWASLU, opened, twins)["kode_kelurahan"].eq(KEL_A).all()


def test_a_label_names_number_time_place_category_and_first_words():
    label = workbench.choice_label({
        "report_no": "LLG-2018-000123", "occurred_at": WHEN, "kode_kelurahan": KEL_A, "rt": 3,
        "category": "politik_uang", "title": "Amplop\u202e dibagikan\n ke   warga RT 03 menjelang pencoblosan besok pagi",
        "twin": True})
    assert label == ("kembar? · LLG-2018-000123 · 20/06/2018 14:00 WIB · Air Kuti RT 03 · Politik uang · "
                     "Amplop dibagikan ke warga RT 03…")
