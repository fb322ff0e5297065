"""Issue 24: a voting-day chat of one kelurahan: calm messages become check-ins, never incidents."""

from __future__ import annotations

import sqlalchemy as sa

from kondusif import coverage, registry, store
from kondusif.__main__ import main
from kondusif.intake import pipeline
from kondusif.model import Role, Viewer

from .test_checkins import DAY_END, DAY_START, PEJABAT

PANWASLU = Viewer("panwaslu-kota", Role.PANWASLU, "Panwaslu Kota")
TABA_JEMEKEH = "16.73.01.1003"  # 10 RT in the sample

CHAT = """27/06/18 06.30 - Pak Lurah membuat grup "RT se-Kel. Taba Jemekeh"
27/06/18 06.31 - Pak Lurah: Bapak/Ibu Ketua RT dimohon membalas AMAN bila lingkungan tenang
27/06/18 07.02 - Pak Rahman RT 03: AMAN
27/06/18 07.04 - Bu Siti RT 05: Situasi aman terkendali
27/06/18 07.05 - Pak Udin RT 1: nihil
27/06/18 07.09 - Pak Hasan: situasi RT 7 aman
27/06/18 07.20 - Pak Rahman RT 03: ok
27/06/18 09.40 - Bu Siti RT 05: LAPOR politik uang berat RT 05 Taba Jemekeh: amplop dibagikan di dekat TPS 4
27/06/18 11.00 - Pak Lurah: RT 02, 04, 06 belum kirim kabar, mohon segera
27/06/18 12.05 - Pak Rahman RT 03: Aman pak
27/06/18 12.30 - Pak Budi: aman
"""


def _counts(engine):
    with engine.connect() as conn:
        inc = conn.execute(sa.select(sa.func.count()).select_from(store.incidents)).scalar()
        chk = conn.execute(sa.select(store.checkins.c.rt).order_by(store.checkins.c.at)).scalars().all()
    return inc, chk


def test_calm_messages_become_checkins_for_the_senders_rt(engine):
    registry.ensure_rt_registry(engine)
    data = CHAT.encode()
    p = pipeline.preview_chat(engine, data, "hari-h.txt", PANWASLU)
    assert p.group_kelurahan == TABA_JEMEKEH
    status = {r.row: r.status for r in p.results}
    # 1 system, 2 instruction, 7 "ok", 9 reminder naming silent RT: neither check-in nor incident
    assert {n for n, s in status.items() if s == "aman"} == {3, 4, 5, 6, 10}
    assert {n for n, s in status.items() if s == "baik"} == {8}
    assert status[11] == "antri"  # "aman" from a sender naming no RT: a person decides
    assert p.rows_in == p.good + p.calm + p.queued + p.rejected + p.existing
    result = pipeline.commit_chat(engine, p, PANWASLU)
    assert (result.imported, result.checkins) == (1, 5)
    assert _counts(engine) == (1, [3, 5, 1, 7, 3])
    cov = coverage.coverage(engine, PEJABAT, DAY_START, DAY_END, kelurahan=TABA_JEMEKEH)
    assert cov.panel_text(TABA_JEMEKEH) == "4 dari 10 RT memberi kabar; senyap: RT 02, 04, 06, 08, 09, 10"

    again = pipeline.preview_chat(engine, data, "hari-h.txt", PANWASLU)
    assert again.calm == 0 and again.good == 0
    second = pipeline.commit_chat(engine, again, PANWASLU)
    assert (second.imported, second.checkins) == (0, 0)
    assert _counts(engine) == (1, [3, 5, 1, 7, 3])


def test_cli_import_chat_counts_checkins(engine, tmp_path, capsys):
    registry.ensure_rt_registry(engine)
    path = tmp_path / "hari-h.txt"
    path.write_text(CHAT, encoding="utf-8")
    assert main(["import-chat", str(path), "--kelurahan", "Taba Jemekeh"]) == 0
    out = capsys.readouterr().out
    assert "Masuk      : 11 = 1 diimpor + 5 laporan aman + 1 ke antrean tinjauan + 4 ditolak + 0 sudah ada" in out
    assert _counts(engine)[1] == [3, 5, 1, 7, 3]


def test_a_queued_chat_aman_is_offered_and_accepted_as_a_checkin(engine):
    """"aman" from a sender naming no RT waits in the queue flagged as a check-in candidate; accepting it
    with the RT a person confirmed records a check-in, not an incident."""
    from kondusif.intake import review

    registry.ensure_rt_registry(engine)
    pipeline.commit_chat(engine, pipeline.preview_chat(engine, CHAT.encode(), "hari-h.txt", PANWASLU), PANWASLU)
    (item,) = review.queue_frame(engine, PANWASLU, "antri").to_dict("records")
    assert item["text"] == "aman" and review.is_checkin_candidate(item["guess"], item["reason"])
    got = review.accept_checkin(engine, item["id"], PANWASLU, rt=8)
    assert (got.kode_kelurahan, got.rt) == (TABA_JEMEKEH, 8)
    assert _counts(engine) == (1, [3, 5, 1, 7, 3, 8])
