"""What the workbench reads: overdue follow-ups first and counted, scoped listings, candidates, history."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from wb_helpers import ADMIN, KEL_A, KEL_B, PANWASLU, PEJABAT, WHEN, scoped_panwaslu

from kondusif import duplicates, store, workbench, workflow
from kondusif.model import SYSTEM, Category, Severity

AS_OF = datetime(2018, 6, 26, 12, 0, tzinfo=UTC)


@pytest.fixture
def followups(engine, add_incident):
    """Two follow-ups past due at AS_OF, one not yet due, and some plain reports."""
    rows = {}
    for name, due in (("late_1", date(2018, 6, 22)), ("late_2", date(2018, 6, 25)), ("not_yet", date(2018, 6, 28))):
        inc = add_incident(rt=len(rows) + 1, status="diverifikasi", when=WHEN + timedelta(hours=len(rows)))
        rows[name] = workflow.follow_up(engine, PANWASLU, inc["id"], 1, "Diserahkan", "Polres", due)
    # Newer reports that would sort first by time.
    rows["new_1"] = add_incident(rt=7, when=WHEN + timedelta(days=3))
    rows["new_2"] = add_incident(kel=KEL_B, rt=7, when=WHEN + timedelta(days=4), severity=Severity.BERAT)
    # Closed after a follow-up: no longer overdue even though its due date passed.
    closed = add_incident(rt=9, status="diverifikasi")
    workflow.follow_up(engine, PANWASLU, closed["id"], 1, "x", "Lurah", date(2018, 6, 21))
    rows["closed"] = workflow.close(engine, PANWASLU, closed["id"], 2, "Sudah ditegur")
    return rows


def test_overdue_follow_ups_come_first_then_the_chosen_sort(engine, followups):
    page = workbench.page_rows(engine, None, PANWASLU, sort="terbaru", as_of=AS_OF)
    numbers = page["report_no"].tolist()
    late = {followups["late_1"]["report_no"], followups["late_2"]["report_no"]}
    assert set(numbers[:2]) == late and page["overdue"].tolist()[:2] == [True, True]
    assert not page["overdue"].iloc[2:].any()
    assert numbers[2:4] == [followups["new_2"]["report_no"], followups["new_1"]["report_no"]]
    by_severity = workbench.page_rows(engine, None, PANWASLU, sort="tingkat", as_of=AS_OF)
    assert set(by_severity["report_no"].tolist()[:2]) == late
    assert by_severity["report_no"].iloc[2] == followups["new_2"]["report_no"]  # the berat one
    # Server-side pagination: pages are disjoint and cover the view.
    p1 = workbench.page_rows(engine, None, PANWASLU, limit=3, offset=0, as_of=AS_OF)["report_no"].tolist()
    p2 = workbench.page_rows(engine, None, PANWASLU, limit=3, offset=3, as_of=AS_OF)["report_no"].tolist()
    assert p1 + p2 == numbers and not set(p1) & set(p2)


def test_headline_counts_overdue_in_the_same_view(engine, followups):
    head = workbench.headline(engine, None, PANWASLU, as_of=AS_OF)
    assert head.total == 6 and head.overdue == 2 and head.unverified == 2 and head.by_status["ditindaklanjuti"] == 3
    assert head.berat_open == 1
    # A filter and a scope apply to the figures too.
    scoped = workbench.headline(engine, None, scoped_panwaslu("16.73.05"), as_of=AS_OF)
    assert (scoped.total, scoped.overdue, scoped.berat_open) == (1, 0, 1)
    later = workbench.headline(engine, None, PANWASLU, as_of=AS_OF + timedelta(days=3))
    assert later.overdue == 3


def test_scoped_listing_and_history(engine, add_incident):
    here = add_incident(kel=KEL_A)
    there = add_incident(kel=KEL_B)
    workflow.verify(engine, ADMIN, there["id"], 1, "dicek")
    viewer = scoped_panwaslu("16.73.01")
    assert workbench.page_rows(engine, None, viewer)["report_no"].tolist() == [here["report_no"]]
    assert workbench.history(engine, viewer, there["id"]).empty
    assert workbench.attachments_for(engine, viewer, there["id"]) == []
    full = workbench.history(engine, PANWASLU, there["report_no"])
    assert full["Tindakan"].tolist() == ["Dibuat", "Diverifikasi"]
    assert full["Oleh"].tolist()[-1] == ADMIN.username and full["Catatan"].tolist()[-1] == "dicek"


def test_duplicate_candidates_rank_by_text_and_respect_scope(engine, add_incident):
    me = add_incident(rt=3, title="Amplop dibagikan ke warga RT 03 menjelang pencoblosan")
    near_same = add_incident(rt=4, when=WHEN + timedelta(hours=2), title="Amplop dibagikan kepada warga menjelang coblosan")
    near_other = add_incident(rt=3, when=WHEN + timedelta(hours=1), title="Spanduk sobek")
    add_incident(rt=9, when=WHEN + timedelta(hours=1), title="Amplop dibagikan ke warga")  # RT too far
    add_incident(rt=3, when=WHEN + timedelta(hours=1), category=Category.PERUSAKAN_APK, title="Amplop")  # category
    merged = add_incident(rt=3, when=WHEN + timedelta(hours=3), title="Amplop dibagikan ke warga RT 03")
    workflow.mark_duplicate(engine, PANWASLU, merged["id"], 1, me["report_no"], "sama")
    cands = workbench.duplicate_candidates(engine, store.get_incident(engine, me["id"], viewer=SYSTEM), PANWASLU, window_hours=6)
    assert cands["report_no"].tolist() == [near_same["report_no"], near_other["report_no"]]
    assert cands["similarity"].iloc[0] > cands["similarity"].iloc[1]
    assert cands["version"].tolist() == [1, 1]
    assert workbench.duplicates_of(engine, PANWASLU, me["id"])["report_no"].tolist() == [merged["report_no"]]
    other_scope = workbench.duplicate_candidates(engine, store.get_incident(engine, me["id"], viewer=SYSTEM),
                                                 scoped_panwaslu("16.73.05"), window_hours=6)
    assert other_scope.empty


def test_text_similarity_is_symmetric_and_bounded():
    a, b = "Amplop dibagikan ke warga RT 03", "amplop DIBAGIKAN kepada warga"
    assert duplicates.text_similarity(a, b) == duplicates.text_similarity(b, a)
    assert 0.5 < duplicates.text_similarity(a, b) < 1.0
    assert duplicates.text_similarity(a, a) == 1.0
    assert duplicates.text_similarity(a, "Spanduk sobek di simpang") < 0.3
    assert duplicates.text_similarity("", a) == 0.0 and duplicates.text_similarity(None, None) == 0.0


def test_detail_fields_and_location_note(engine, add_incident):
    inc = add_incident(kel=KEL_A, lat=-3.29, lon=102.87)  # a point in Kecamatan 16.73.05, not in Air Kuti
    row = store.get_incident(engine, inc["id"], PANWASLU)
    labels = dict(workbench.detail_fields(row, PANWASLU))
    assert labels["Nama pelapor"] == "Pak Rahman" and labels["Status"] == "Baru"
    hidden = dict(workbench.detail_fields(store.get_incident(engine, inc["id"], PEJABAT), PEJABAT))
    assert "Nama pelapor" not in hidden and "Telepon pelapor" not in hidden
    note = workbench.location_note(row)
    assert note and "di luar kelurahan laporan" in note
    assert "tanpa titik" in workbench.location_note({**row, "lat": None, "lon": None})
    html = workbench.detail_map({**row, "title": "<script>x</script>"}).get_root().render()
    assert "/app/static/vendor/leaflet/leaflet.js" in html and "cdn.jsdelivr" not in html
