"""Ruang pantau, plain data (kondusif/wall.py, kondusif/wall_map.py): URL, period, counts, scope,
identity, the honest simulated notice and what is highlighted as new. Expected values by hand."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
from wall_fixtures import NAME, OTHER, PHONE, TIMUR1

from kondusif import simulated, wall, wall_map
from kondusif.errors import NotPermitted
from kondusif.model import Role, Viewer

PEJABAT = Viewer("uji-pejabat", Role.PEJABAT, "Pejabat Uji")
ADMIN = Viewer("uji-admin", Role.ADMIN, "Admin Uji")
PANWASLU = Viewer("uji-panwaslu", Role.PANWASLU, "Panwaslu Uji")
PANWASCAM = Viewer("uji-panwascam", Role.PANWASLU, "Panwascam Uji", kecamatan="16.73.01")
RT = Viewer("uji-rt", Role.RT, "RT Uji", kelurahan="16.73.01.1001", rt=1)
NOW = datetime(2018, 6, 27, 5, 0, tzinfo=UTC)  # Rabu 27/06/2018 12:00 WIB, voting day


# --------------------------------------------------------------------------- the URL


def test_defaults_and_good_values():
    assert wall.parse_params({}, NOW) == (wall.WallParams(30, "hari-ini", None), [])
    params, notices = wall.parse_params({"segar": "15", "periode": "24j", "per": "2018-06-26"}, NOW)
    assert params == wall.WallParams(15, "24j", date(2018, 6, 26)) and notices == []
    assert params.to_params() == {"segar": "15", "periode": "24j", "per": "2018-06-26"}
    # Today given as 'per' is simply live.
    assert wall.parse_params({"per": "2018-06-27"}, NOW) == (wall.WallParams(), [])


@pytest.mark.parametrize(("params", "message"), [
    ({"segar": "abc"}, "Nilai «segar» (abc) bukan jumlah detik; dipakai bawaan 30 detik."),
    ({"segar": "-5"}, "Nilai «segar» (-5) bukan jumlah detik; dipakai bawaan 30 detik."),
    ({"segar": "2"}, "Nilai «segar» (2) harus antara 5 dan 3600 detik; dipakai bawaan 30 detik."),
    ({"segar": "86400"}, "Nilai «segar» (86400) harus antara 5 dan 3600 detik; dipakai bawaan 30 detik."),
    ({"periode": "minggu"}, "Periode «minggu» tidak dikenal; dipakai bawaan «Hari ini» (pilihan: hari-ini, 24j, 7h)."),
    ({"per": "2018-13-45"}, "Tanggal «per» (2018-13-45) tidak terbaca (contoh: 2018-06-27); dipakai hari ini."),
    ({"per": "2018-06-28"}, "Tanggal «per» (2018-06-28) belum tiba; dipakai hari ini."),
])
def test_a_bad_value_gives_an_indonesian_notice_and_the_default(params, message):
    got, notices = wall.parse_params(params, NOW)
    assert got == wall.WallParams()
    assert notices == [message]


def test_hostile_url_text_is_shown_flat_and_short():
    got, notices = wall.parse_params({"periode": "<script>x</script>\n`rm`" + "a" * 100}, NOW)
    assert got.period == "hari-ini"
    assert len(notices) == 1 and "\n" not in notices[0] and "`" not in notices[0]
    assert len(notices[0]) < 200


def test_periods_in_wib():
    live = wall.resolve_period(wall.WallParams(), NOW)
    assert (live.start, live.end) == (datetime(2018, 6, 26, 17, 0, tzinfo=UTC), NOW)  # 00:00 WIB to now
    assert live.label == "Hari ini, Rabu, 27 Juni 2018" and not live.replay
    replay = wall.resolve_period(wall.WallParams(period="hari-ini", as_of=date(2018, 6, 26)), NOW)
    assert (replay.start, replay.end) == (datetime(2018, 6, 25, 17, 0, tzinfo=UTC),
                                          datetime(2018, 6, 26, 17, 0, tzinfo=UTC))
    assert replay.replay and replay.label == "Selasa, 26 Juni 2018"
    week = wall.resolve_period(wall.WallParams(period="7h"), NOW)
    assert (week.start, week.end) == (datetime(2018, 6, 20, 5, 0, tzinfo=UTC), NOW)


# --------------------------------------------------------------------------- the snapshot


REPLAY = wall.WallParams(period="hari-ini", as_of=date(2018, 6, 27))


def test_snapshot_counts_only_what_the_viewer_may_see(wall_store):
    city = wall.snapshot(wall_store, PEJABAT, REPLAY, NOW + timedelta(days=3))
    # 27/06 WIB: rows 0-3; berat still 'baru': rows 0 and 3; simulated: row 2.
    assert (city.n_reports, city.n_berat_unverified, city.n_simulated) == (4, 2, 1)
    assert city.n_simulated_window == 1
    assert len(city.units) == 72 and len(city.levels) == 72
    assert list(city.reports["kode_kelurahan"]) == [TIMUR1, TIMUR1, TIMUR1, OTHER]  # newest first
    scoped = wall.snapshot(wall_store, PANWASCAM, REPLAY, NOW + timedelta(days=3))
    assert (scoped.n_reports, scoped.n_berat_unverified, scoped.n_simulated) == (3, 1, 1)
    assert set(scoped.reports["kode_kelurahan"]) == {TIMUR1}
    assert all(u.startswith("16.73.01.") for u in scoped.units) and len(scoped.levels) == len(scoped.units)
    with pytest.raises(NotPermitted):
        wall.snapshot(wall_store, RT, REPLAY, NOW)


@pytest.mark.parametrize("viewer", [ADMIN, PANWASLU, PEJABAT], ids=["admin", "panwaslu", "pejabat"])
def test_no_reporter_identity_whatever_the_role(wall_store, viewer):
    snap = wall.snapshot(wall_store, viewer, REPLAY, NOW + timedelta(days=3))
    assert not set(wall.IDENTITY_COLUMNS) & set(snap.reports.columns)
    data = json.dumps(wall_map.live_data(snap, {}), ensure_ascii=False)
    text = data + snap.reports.to_csv()
    assert "Amplop 0" in snap.reports.to_csv()  # the titles are there (proves the check reads the rows)
    for secret in (NAME, PHONE, "rt-rahasia-akun"):
        assert secret not in text


def test_live_data_for_the_map(wall_store):
    snap = wall.snapshot(wall_store, PEJABAT, REPLAY, NOW + timedelta(days=3))
    no = snap.reports["report_no"].iloc[0]
    data = wall_map.live_data(snap, {f"lap:{no}": 42.04, f"kel:{TIMUR1}": 10.0}, version=(7, 9))
    assert data["v"] == "(7, 9)"
    assert len(data["kel"]) == 72
    level_index, tooltip, left = data["kel"][TIMUR1]
    assert left == 1 and level_index in (0, 1, 2) and "<b>" in tooltip  # a flag: the browser times the minute
    assert data["kel"][OTHER][2] == 0
    assert no == "LLG-2018-000003"  # Amplop 2, ringan, 11:00 WIB: the newest report of the day
    # Issue 30.8: drawn ringan, then sedang, then berat, oldest first within each: the last drawn is on
    # top, so the newer ringan (11:00) lies under the berat of 08:00, 09:00 and 10:00, the newest on top.
    assert [(r[3], r[2]) for r in data["inc"]] == [
        ("LLG-2018-000003", "ringan"), ("LLG-2018-000004", "berat"), ("LLG-2018-000001", "berat"),
        ("LLG-2018-000002", "berat")]
    assert data["inc"][0][4] == 1 and [r[4] for r in data["inc"][1:]] == [0, 0, 0]  # the ringan flagged new
    # No coordinates were given: the dots sit at a point inside their kelurahan (a number, not null).
    assert all(isinstance(r[0], float) and isinstance(r[1], float) for r in data["inc"])
    element = wall_map.data_element(data)
    assert element.startswith('<div hidden class="sk-wall-data" data-sk-wall="')
    assert "<b>" not in element and "&lt;b&gt;" in element  # attribute-escaped JSON


def test_wall_tooltips_promise_no_side_panel(wall_store):
    """Issue 30.8: the wall has no panel beside the map: its tooltips say only what is there."""
    snap = wall.snapshot(wall_store, PEJABAT, REPLAY, NOW + timedelta(days=3))
    tips = [v[1] for v in wall_map.live_data(snap, {})["kel"].values()]
    assert len(tips) == 72 and all("Kec. " in t for t in tips)
    assert not any("Klik" in t or "samping" in t for t in tips)


def test_duplicates_are_neither_counted_nor_drawn(wall_store):
    """Issue 30.8: a report marked duplikat of another (the desk's one merge path) is one event already."""
    from kondusif import store, workflow

    twin = store.get_incident(wall_store, "LLG-2018-000002", ADMIN)
    workflow.mark_duplicate(wall_store, ADMIN, twin["id"], int(twin["version"]), "LLG-2018-000001",
                            "Kejadian yang sama dengan LLG-2018-000001")
    snap = wall.snapshot(wall_store, PEJABAT, REPLAY, NOW + timedelta(days=3))
    assert snap.n_reports == 3  # 27/06: four reports, one of them now a duplicate
    assert "LLG-2018-000002" not in set(snap.reports["report_no"])
    assert [r[3] for r in wall_map.live_data(snap, {})["inc"]] == [
        "LLG-2018-000003", "LLG-2018-000004", "LLG-2018-000001"]
    scoped = wall.snapshot(wall_store, PANWASCAM, REPLAY, NOW + timedelta(days=3))
    assert scoped.n_reports == 2  # Timur I: Amplop 0 and 2 (Amplop 1 is the duplicate)


def test_data_version_moves_with_every_write_the_wall_shows_and_not_with_reads(wall_store):
    """Issue 29.3: the cheap check the open walls ask every few seconds."""
    from kondusif import alerts, checkins, registry, store, workflow
    from kondusif.model import Incident

    first = wall.data_version(wall_store)
    wall.snapshot(wall_store, PEJABAT, REPLAY, NOW)
    store.query_incidents(wall_store, None, ADMIN)
    assert wall.data_version(wall_store) == first  # reading changes nothing
    row = store.get_incident(wall_store, "LLG-2018-000001", ADMIN)
    workflow.verify(wall_store, ADMIN, row["id"], int(row["version"]), "Dicek di lapangan")
    after_status = wall.data_version(wall_store)
    assert after_status[0] > first[0] and after_status[1] == first[1]
    with store.write(wall_store) as conn:  # a new berat report: its audit row and its alert
        rows = store.insert_incidents(conn, [Incident(
            kode_kelurahan=TIMUR1, rt=3, category="intimidasi", severity="berat", status="baru", title="Ancaman",
            occurred_at=NOW)], actor="uji")
        assert alerts.check_new_incidents(conn, rows, as_of=NOW)  # the berat alert
    after_insert = wall.data_version(wall_store)
    assert after_insert[0] > after_status[0] and after_insert[1] > after_status[1]
    registry.ensure_rt_registry(wall_store)
    checkins.record_checkin(wall_store, ADMIN, kelurahan=TIMUR1, rt=3, at=NOW, clock=NOW, channel="cli",
                            source_ref="uji-aman-3")  # "aman": coverage on the wall changes
    assert wall.data_version(wall_store)[0] > after_insert[0]


# --------------------------------------------------------------------------- honest notice


def test_simulated_notice_says_what_is_in_view():
    assert simulated.notice(0, 0, 0) is None
    assert simulated.notice(5, 0, 0) is None
    assert simulated.notice(3, 3, 9) == ("Data SIMULASI: semua 3 laporan yang tampil dibuat oleh program "
                                             "untuk demo, bukan kejadian nyata.")
    assert simulated.notice(4, 1, 1) == ("Campuran data: 1 dari 4 laporan yang tampil adalah SIMULASI "
                                             "(dibuat program, bukan kejadian nyata); sisanya laporan nyata.")
    assert simulated.notice(12000, 1500, 0) == ("Campuran data: 1.500 dari 12.000 laporan yang tampil adalah "
                                                "SIMULASI (dibuat program, bukan kejadian nyata); sisanya laporan nyata.")
    assert simulated.notice(2, 0, 7) == ("Laporan yang tampil semuanya nyata, tetapi tingkat kelurahan ikut "
                                             "menghitung 7 laporan SIMULASI dari hari-hari sebelumnya.")


# --------------------------------------------------------------------------- highlights


def _snap(reports: list[tuple[str, str, datetime]], levels: dict[str, str]) -> wall.WallSnapshot:
    frame = pd.DataFrame([{"report_no": no, "severity": sev, "status": "baru", "reported_at": pd.Timestamp(at)}
                          for no, sev, at in reports], columns=["report_no", "severity", "status", "reported_at"])
    lv = pd.DataFrame({"kode_kelurahan": list(levels), "level": list(levels.values()),
                       "score": [0.0] * len(levels), "reasons": [[] for _ in levels]})
    period = wall.resolve_period(wall.WallParams(), NOW)
    return wall.WallSnapshot(period, len(frame), 0, 0, 0, 0, 0, lv, frame)


def test_first_refresh_highlights_only_berat_reports_that_just_arrived():
    snap = _snap([("A", "berat", NOW - timedelta(seconds=20)), ("B", "berat", NOW - timedelta(minutes=5)),
                  ("C", "sedang", NOW - timedelta(seconds=5))], {TIMUR1: "rawan"})
    marks = wall.track(None, snap, NOW)
    assert marks.active(NOW) == {"lap:A": 40.0}  # arrived 20 s ago: 40 s of its minute left
    assert marks.active(NOW + timedelta(seconds=41)) == {}


def test_a_new_berat_report_and_a_kelurahan_turning_rawan_are_highlighted_for_a_minute():
    first = wall.track(None, _snap([("A", "berat", NOW - timedelta(hours=2))],
                                   {TIMUR1: "waspada", OTHER: "kondusif"}), NOW)
    assert first.active(NOW) == {}
    later = NOW + timedelta(seconds=30)
    snap = _snap([("D", "berat", NOW - timedelta(hours=1)), ("E", "ringan", later),
                  ("A", "berat", NOW - timedelta(hours=2))], {TIMUR1: "rawan", OTHER: "waspada"})
    second = wall.track(first, snap, later)
    # D reached the screen now (an import can carry an old time): highlighted; E is not berat.
    assert second.active(later) == {"lap:D": 60.0, f"kel:{TIMUR1}": 60.0}
    # The next refreshes keep the moment it was first seen; after a minute it is over.
    third = wall.track(second, snap, later + timedelta(seconds=30))
    assert third.active(later + timedelta(seconds=30)) == {"lap:D": 30.0, f"kel:{TIMUR1}": 30.0}
    fourth = wall.track(third, snap, later + timedelta(seconds=61))
    assert fourth.active(later + timedelta(seconds=61)) == {}
    # Staying Rawan is not news.
    fifth = wall.track(fourth, snap, later + timedelta(seconds=90))
    assert fifth.active(later + timedelta(seconds=90)) == {}


def test_the_wall_title_names_the_area_the_viewer_sees():
    assert wall.place_title(PANWASCAM) == "Kecamatan Lubuk Linggau Timur I"
    assert wall.place_title(Viewer("uji-pejabat", Role.PEJABAT, "Pejabat Uji")) == "Kota Lubuklinggau"
