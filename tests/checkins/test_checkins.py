"""Issue 24: the check-in record, coverage counted by hand on a small store, and the CLI.

Voting day 27 June 2018; the period is that WIB day: [26 Jun 17:00 UTC, 27 Jun 17:00 UTC).
Registry: the shipped sample (Air Kuti RT 1-7, Majapahit RT 1-5, kecamatan Lubuk Linggau
Timur I 45 RT, the city 522 RT).
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from kondusif import checkins, coverage, registry, store
from kondusif.__main__ import main
from kondusif.errors import NotPermitted
from kondusif.model import SYSTEM, Role, Viewer
from kondusif.timeutil import WIB

AIR_KUTI, MAJAPAHIT, KAYU_ARA = "16.73.01.1001", "16.73.01.1002", "16.73.02.1001"
CLOCK = datetime(2018, 6, 27, 20, 0, tzinfo=WIB)  # evening of voting day
DAY_START = datetime(2018, 6, 27, 0, 0, tzinfo=WIB)
DAY_END = datetime(2018, 6, 28, 0, 0, tzinfo=WIB)

PEJABAT = Viewer("uji-pejabat", Role.PEJABAT, "Pejabat Uji")
PANWASLU = Viewer("uji-panwaslu", Role.PANWASLU, "Panwaslu Uji")
PANWASCAM_02 = Viewer("uji-panwascam", Role.PANWASLU, "Panwascam Uji", kecamatan="16.73.02")
RT3 = Viewer("rt-1673011001-003", Role.RT, "Ketua RT 3", kelurahan=AIR_KUTI, rt=3)


def wib(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2018, 6, day, hour, minute, tzinfo=WIB)


def aman(engine, kel, rt, at, ref, viewer=SYSTEM, channel="cli", **kw):
    return checkins.record_checkin(engine, viewer, kelurahan=kel, rt=rt, at=at, channel=channel, source_ref=ref,
                                   clock=kw.pop("clock", CLOCK), **kw)


def report(engine, kel, rt, at, severity="sedang", status="baru"):
    with store.write(engine) as conn:
        store.insert_incidents(conn, [{"kode_kelurahan": kel, "rt": rt, "category": "politik_uang",
                                       "severity": severity, "title": "uji", "occurred_at": at,
                                       "source": "form", "status": status}], actor="uji")


@pytest.fixture
def small(engine):
    """The hand-counted store (see each line)."""
    registry.ensure_rt_registry(engine)
    aman(engine, AIR_KUTI, 1, wib(27, 7, 5), "a1", phone="+6281100000001", account="rt-1673011001-001")
    aman(engine, AIR_KUTI, 1, wib(27, 12, 10), "a2")
    aman(engine, AIR_KUTI, 3, wib(27, 8, 0), "a3")
    report(engine, AIR_KUTI, 3, wib(27, 9, 30))  # RT 3: a check-in and a later report
    aman(engine, AIR_KUTI, 5, wib(26, 23, 50), "a5")  # the day before: not in the period
    report(engine, AIR_KUTI, 7, wib(28, 0, 10))  # the day after: not in the period
    aman(engine, MAJAPAHIT, 2, wib(27, 18, 0), "m2")
    aman(engine, AIR_KUTI, 40, wib(27, 9, 0), "a40")  # not in the sample: accepted, flagged, not counted
    return engine


def test_coverage_counted_by_hand(small):
    cov = coverage.coverage(small, SYSTEM, DAY_START, DAY_END)
    assert (cov.heard, cov.total) == (3, 522)
    ak = cov.of_kelurahan(AIR_KUTI)
    assert (ak["rt_heard"], ak["rt_total"], ak["senyap"]) == (2, 7, [2, 4, 5, 6, 7])
    assert cov.panel_text(AIR_KUTI) == "2 dari 7 RT memberi kabar; senyap: RT 02, 04, 05, 06, 07"
    assert cov.panel_text(MAJAPAHIT) == "1 dari 5 RT memberi kabar; senyap: RT 01, 03, 04, 05"
    assert cov.of_kelurahan(KAYU_ARA)["rt_heard"] == 0
    kec = cov.kecamatan.set_index("kode_kecamatan")
    assert (kec.loc["16.73.01", "rt_heard"], kec.loc["16.73.01", "rt_total"]) == (3, 45)
    assert kec.loc["16.73.01", "kelurahan_senyap"] == 6  # 8 kelurahan, two heard from
    rt = cov.rt.set_index(["kode_kelurahan", "rt"])
    assert (rt.loc[(AIR_KUTI, 1), "jumlah_aman"], rt.loc[(AIR_KUTI, 1), "jumlah_laporan"]) == (2, 0)
    assert rt.loc[(AIR_KUTI, 1), "kabar_terakhir"] == datetime(2018, 6, 27, 5, 10, tzinfo=UTC)
    assert (rt.loc[(AIR_KUTI, 3), "jumlah_aman"], rt.loc[(AIR_KUTI, 3), "jumlah_laporan"]) == (1, 1)
    assert rt.loc[(AIR_KUTI, 3), "kabar_terakhir"] == datetime(2018, 6, 27, 2, 30, tzinfo=UTC)  # the report
    assert not rt.loc[(AIR_KUTI, 5), "heard"] and not rt.loc[(AIR_KUTI, 7), "heard"]


def test_a_checkin_never_creates_an_incident(small):
    with small.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(store.incidents)).scalar() == 2
        audit = conn.execute(sa.select(sa.func.count()).select_from(store.audit_log)
                             .where(store.audit_log.c.entity == "checkin")).scalar()
    assert audit == 6  # one per stored check-in


def test_resending_adds_nothing_and_unlisted_rt_is_flagged(small):
    again = aman(small, AIR_KUTI, 1, wib(27, 7, 5), "a1")
    assert not again.created
    with small.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(store.checkins)).scalar() == 6
        flagged = conn.execute(sa.select(store.checkins.c.rt).where(store.checkins.c.unlisted_rt)).scalars().all()
    assert flagged == [40]


def test_bad_times_and_places_are_refused_in_indonesian(small):
    with pytest.raises(checkins.CheckinRefused, match="di masa depan"):
        aman(small, AIR_KUTI, 2, CLOCK + timedelta(minutes=6), "f1")
    aman(small, AIR_KUTI, 2, CLOCK + timedelta(minutes=4), "f2")  # clock drift tolerated
    # sent on 27 June: the earliest allowed is 26 June 00:00 WIB
    aman(small, AIR_KUTI, 2, wib(26, 0, 0), "o1")
    with pytest.raises(checkins.CheckinRefused, match="terlalu lama"):
        aman(small, AIR_KUTI, 2, wib(25, 23, 59), "o2")
    with pytest.raises(checkins.CheckinRefused, match="RT 99 tidak ada di daftar RT Kelurahan Air Kuti"):
        aman(small, AIR_KUTI, 99, wib(27, 9), "r99")  # beyond what the sample takes on trust
    with pytest.raises(checkins.CheckinRefused, match="tidak dikenal"):
        aman(small, "16.73.09.9999", 1, wib(27, 9), "k")


def test_an_rt_account_checks_in_only_for_its_own_rt(small):
    got = aman(small, AIR_KUTI, 3, wib(27, 12), "rt3-own", viewer=RT3, channel="form")
    assert got.created and got.place_label == "RT 03 Air Kuti"
    with pytest.raises(NotPermitted):
        aman(small, AIR_KUTI, 4, wib(27, 12), "rt3-other", viewer=RT3, channel="form")
    with pytest.raises(NotPermitted):
        checkins.record_checkin(small, RT3, kelurahan=MAJAPAHIT, rt=3, at=wib(27, 12), channel="form",
                                source_ref="rt3-elsewhere", clock=CLOCK)
    with store.write(small) as conn, pytest.raises(NotPermitted):
        checkins.insert_checkin(conn, small, RT3, kelurahan=AIR_KUTI, rt=5, at=wib(27, 12), channel="form",
                                source_ref="rt3-in-tx", clock=CLOCK)
    assert checkins.last_checkin(small, RT3, AIR_KUTI, 3) == datetime(2018, 6, 27, 5, 0, tzinfo=UTC)


def test_identity_never_reaches_pejabat(small):
    seen = checkins.list_checkins(small, PEJABAT, DAY_START, DAY_END)
    assert seen and not any(k in row for row in seen for k in ("phone", "account", "sender_name"))
    assert "+6281100000001" in {r["phone"] for r in checkins.list_checkins(small, PANWASLU, DAY_START, DAY_END)}
    assert "telepon" not in coverage.coverage(small, PEJABAT, DAY_START, DAY_END).rt.columns
    assert "telepon" in coverage.coverage(small, PANWASLU, DAY_START, DAY_END).rt.columns
    with pytest.raises(NotPermitted):
        coverage.coverage(small, RT3, DAY_START, DAY_END)


def test_kecamatan_panwaslu_sees_only_its_kecamatan(small):
    cov = coverage.coverage(small, PANWASCAM_02, DAY_START, DAY_END)
    assert set(cov.rt["kode_kecamatan"]) == {"16.73.02"} and cov.heard == 0
    with pytest.raises(NotPermitted):
        coverage.coverage(small, PANWASCAM_02, DAY_START, DAY_END, kelurahan=AIR_KUTI)
    assert not checkins.list_checkins(small, PANWASCAM_02, DAY_START, DAY_END)


def test_reply_is_the_one_sms_of_the_issue(small):
    got = aman(small, AIR_KUTI, 3, wib(27, 7, 5), "r")
    assert checkins.reply_text(got) == "Terima kasih. Laporan AMAN RT 03 Air Kuti pukul 07.05 WIB tercatat."


def test_cli_cakupan_csv(small, capsys):
    assert main(["cakupan", "--tanggal", "2018-06-27", "--kelurahan", "Air Kuti", "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["kode_kelurahan", "rt", "kabar_terakhir", "jumlah_aman", "jumlah_laporan"]
    assert rows[1:] == [
        [AIR_KUTI, "1", "2018-06-27T12:10:00+07:00", "2", "0"],
        [AIR_KUTI, "2", "", "0", "0"],
        [AIR_KUTI, "3", "2018-06-27T09:30:00+07:00", "1", "1"],
        [AIR_KUTI, "4", "", "0", "0"],
        [AIR_KUTI, "5", "", "0", "0"],
        [AIR_KUTI, "6", "", "0", "0"],
        [AIR_KUTI, "7", "", "0", "0"],
    ]


def test_cli_cakupan_table_and_kecamatan(small, capsys):
    assert main(["cakupan", "--tanggal", "2018-06-27", "--kecamatan", "Lubuk Linggau Timur I"]) == 0
    out = capsys.readouterr().out
    assert "3 dari 45 RT memberi kabar" in out
    assert "2 dari 7 RT memberi kabar; senyap: RT 02, 04, 05, 06, 07" in out
    assert "Kayu Ara" not in out and "TIDAK ADA KABAR" in out


def test_cli_aman_records_once_and_refuses_bad_input(engine, capsys):
    at = (datetime.now(WIB) - timedelta(minutes=30)).replace(second=0, microsecond=0, tzinfo=None)
    args = ["aman", "--kelurahan", "air kuti", "--rt", "3", "--waktu", at.isoformat()]
    assert main(args) == 0
    assert "Laporan aman RT 03 Air Kuti" in capsys.readouterr().out
    assert main(args) == 0
    assert "sudah tercatat sebelumnya" in capsys.readouterr().out
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(store.checkins)).scalar() == 1
    assert main(["aman", "--kelurahan", "Air Kuti", "--rt", "3", "--waktu", "2018-06-27T07:05"]) == 2
    assert "terlalu lama" in capsys.readouterr().err
    assert main(["aman", "--kelurahan", "Air Kuti", "--rt", "3", "--waktu", "besok"]) == 2
    assert "bukan waktu ISO 8601" in capsys.readouterr().err
    assert main(["aman", "--kelurahan", "Kuti Air Raya", "--rt", "3"]) == 2


def test_a_schema_3_store_gains_the_checkins_table(db_url):
    """Upgrade in place: a store made before issue 24 (no checkins table) gets it, rows kept."""
    old = sa.MetaData()
    for table in store.metadata.sorted_tables:
        if table.name != "checkins":
            table.to_metadata(old)
    engine = store.make_engine(db_url)
    with engine.begin() as conn:
        old.create_all(conn)
        conn.execute(old.tables["meta"].insert().values(key="schema_version", value="3"))
    store.init_db(engine)
    assert store.schema_version(engine) == store.SCHEMA_VERSION
    assert {ix["name"] for ix in sa.inspect(engine).get_indexes("checkins")} >= {"ix_checkins_at", "ix_checkins_kel_at"}
    registry.ensure_rt_registry(engine)
    assert aman(engine, AIR_KUTI, 3, wib(27, 7, 5), "u1").created
    store.init_db(engine)  # idempotent
    engine.dispose()


def test_cli_never_echoes_terminal_escapes_from_a_hostile_argument(engine, capsys):
    """attack: a --kelurahan carrying ESC sequences must not repaint the operator's terminal."""
    assert main(["aman", "--kelurahan", "Air\x1b[2J\x1b[31mKuti", "--rt", "3"]) == 2
    err = capsys.readouterr().err
    assert "tidak dikenal" in err
    assert "\x1b" not in err
    assert main(["cakupan", "--tanggal", "2018-06-27", "--kecamatan", "Timur\x1b]0;pwned\x07"]) == 2
    err = capsys.readouterr().err
    assert "tidak dikenal" in err
    assert "\x1b" not in err and "\x07" not in err


def test_cli_cakupan_refuses_a_day_that_has_not_come(small, capsys):
    """A future day would list every RT as silent; the operator is told the date is wrong instead."""
    assert main(["cakupan", "--tanggal", "2999-01-01"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "--tanggal 01/01/2999 belum tiba" in captured.err and "Traceback" not in captured.err
