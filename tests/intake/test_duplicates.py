"""Possible duplicates: same kelurahan and category, same or neighbouring RT, within the window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd

from kondusif import duplicates, store
from kondusif.config import settings
from kondusif.model import SYSTEM

T0 = datetime(2018, 6, 20, 7, 0, tzinfo=UTC)


def rec(i, rt=3, hours=0.0, kel="16.73.01.1001", cat="politik_uang"):
    return {"id": f"r{i}", "kode_kelurahan": kel, "rt": rt, "category": cat, "occurred_at": T0 + timedelta(hours=hours)}


def pairs_of(records, **kw) -> set[tuple[str, str]]:
    df = duplicates.duplicate_pairs(records, **kw)
    return set(zip(df["id_a"], df["id_b"], strict=True))


def test_rule():
    records = [
        rec(1), rec(2, rt=4, hours=5.9),  # neighbouring RT, within 6 h
        rec(3, rt=5, hours=1),  # two RTs away from r1, neighbour of r2
        rec(4, hours=6.5),  # too late for r1, within 6 h of r2 (RT 4 vs 3)
        rec(5, cat="intimidasi"),  # other category
        rec(6, kel="16.73.01.1002"),  # other kelurahan
        rec(7, rt=None, hours=2),  # no RT: any RT of the kelurahan
    ]
    assert pairs_of(records, window=6) == {
        ("r1", "r2"), ("r3", "r2"), ("r2", "r4"), ("r1", "r7"), ("r7", "r2"), ("r3", "r7"), ("r7", "r4")}


def test_window_and_distance_are_parameters():
    assert pairs_of([rec(1), rec(2, hours=3)], window=2) == set()
    assert pairs_of([rec(1), rec(2, rt=5)], rt_distance=2) == {("r1", "r2")}


def test_window_from_configuration(tmp_path, monkeypatch):
    conf = tmp_path / "k.toml"
    conf.write_text("[intake]\nduplicate_window_hours = 2\n")
    monkeypatch.setenv("KONDUSIF_CONFIG", str(conf))
    settings.cache_clear()
    assert duplicates.window_hours() == 2.0
    assert pairs_of([rec(1), rec(2, hours=3)]) == set()


def test_large_frames_find_exactly_the_planted_pairs():
    """20,000 reports a day apart (no pair among them) plus 20 planted twins and their near misses.

    issue 18 item 8: the old check asserted only ``.empty``, which a sweep that found
    nothing at all would pass. The expected pairs are the planted ones, written out:
    a twin 1 h later in the neighbouring RT is a pair; 7.5 h later (window 6 h),
    three RTs away, another category or another kelurahan is not. Times in microseconds (pandas 3).
    """
    n = 20_000
    base = [{"id": f"x{i}", "kode_kelurahan": "16.73.01.1001", "rt": i % 7 + 1, "category": "politik_uang",
             "occurred_at": T0 + timedelta(days=i)} for i in range(n)]
    planted = range(0, n, 1000)
    extra = []
    for i in planted:
        day = T0 + timedelta(days=i)
        rt = i % 7 + 1
        extra += [
            {"id": f"twin{i}", "kode_kelurahan": "16.73.01.1001", "rt": rt + 1, "category": "politik_uang",
             "occurred_at": day + timedelta(hours=1)},
            {"id": f"late{i}", "kode_kelurahan": "16.73.01.1001", "rt": rt, "category": "politik_uang",
             "occurred_at": day + timedelta(hours=7.5)},
            {"id": f"far{i}", "kode_kelurahan": "16.73.01.1001", "rt": rt + 3, "category": "politik_uang",
             "occurred_at": day + timedelta(minutes=30)},
            {"id": f"cat{i}", "kode_kelurahan": "16.73.01.1001", "rt": rt, "category": "intimidasi",
             "occurred_at": day + timedelta(minutes=50)},
            {"id": f"kel{i}", "kode_kelurahan": "16.73.01.1002", "rt": rt, "category": "politik_uang",
             "occurred_at": day + timedelta(hours=1)},
        ]
    df = pd.DataFrame(base + extra)
    df["occurred_at"] = pd.to_datetime(df["occurred_at"], utc=True).astype("datetime64[us, UTC]")
    pairs = duplicates.duplicate_pairs(df, window=6)
    assert sorted(zip(pairs["id_a"], pairs["id_b"], pairs["hours_apart"], strict=True)) == sorted(
        [(f"x{i}", f"twin{i}", 1.0) for i in planted])
    assert len(pairs) == 20


def test_pairs_with_and_flags():
    new = [rec(1), rec(2, rt=9)]
    old = [rec(10, rt=2, hours=-1)]
    pairs = duplicates.pairs_with(new, old)
    assert pairs[["new_id", "other_id"]].values.tolist() == [["r1", "r10"]]
    assert duplicates.flags(new, pairs).tolist() == [True, False]


def test_candidates_for_a_stored_incident_respect_the_viewer(engine):
    from kondusif.model import Role, Viewer

    rows = [dict(rec(i, rt=rt, hours=h), title=f"t{i}", severity="sedang", source="form", source_ref=f"s{i}",
                 status="baru") for i, rt, h in ((1, 3, 0), (2, 4, 1), (3, 3, 30))]
    for r in rows:
        r.pop("id")
    with store.write(engine) as conn:
        stored = store.insert_incidents(conn, rows)
    first = stored[0]["report_no"]
    cands = duplicates.candidates_for(engine, first, SYSTEM)
    assert cands["report_no"].tolist() == [stored[1]["report_no"]] and cands["hours_apart"].tolist() == [1.0]
    rt3 = Viewer("rt", Role.RT, kelurahan="16.73.01.1001", rt=3)
    assert duplicates.candidates_for(engine, first, viewer=rt3).empty  # RT 4's report is not rt 3's to see
    # a record not yet stored
    draft = {"kode_kelurahan": "16.73.01.1001", "rt": 3, "category": "politik_uang",
             "occurred_at": T0 + timedelta(hours=29)}
    assert duplicates.candidates_for(engine, draft, SYSTEM)["report_no"].tolist() == [stored[2]["report_no"]]
