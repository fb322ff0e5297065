"""Joining the parts of a concatenated SMS from Gammu's inbox rows (UDH as Gammu stores it, hex), and the
worker's modem round when Gammu's database is down or misnamed."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import datetime

import pytest
import sqlalchemy as sa
from polling import cli_env, wait_until

from kondusif import store
from kondusif.sms.gammu import Gateway, Part, concat_info, group_parts, message_id
from kondusif.store import outbox
from kondusif.store.outbox import ReportsChanged
from kondusif.worker import Worker

AT = datetime(2018, 6, 27, 10, 15)


@pytest.mark.parametrize(("udh", "expected"), [
    ("050003A70201", (0xA7, 2, 1)),  # 8-bit reference
    ("06080412340302", (0x1234, 3, 2)),  # 16-bit reference
    ("0B0504158200000003A70202", (0xA7, 2, 2)),  # after a port-addressing element
    ("", None),
    ("zz", None),
    ("0500", None),
    ("050003A701", None),  # cut short
])
def test_concat_info(udh, expected):
    assert concat_info(udh) == expected


def part(i: int, text: str, udh: str = "", sender: str = "+6281234567890") -> Part:
    return Part(i, sender, text, AT, udh)


def test_parts_join_in_sequence_order_whatever_order_they_arrived():
    groups = group_parts([part(10, " dua", "050003070202"), part(11, "lain"), part(12, "satu", "050003070201")])
    assert [(g.ids(), g.text(), g.complete) for g in groups] == [([10, 12], "satu dua", True), ([11], "lain", True)]


def test_same_reference_from_two_senders_stays_two_messages():
    groups = group_parts([part(1, "a", "050003070201", "+62811"), part(2, "b", "050003070201", "+62812")])
    assert [g.ids() for g in groups] == [[1], [2]]
    assert not any(g.complete for g in groups)


def test_an_incomplete_message_waits_then_goes_as_it_is():
    gw = Gateway(gammu=None, engine=None, multipart_wait=60)
    waiting = group_parts([part(5, "awal pesan ", "050003090301"), part(6, "tengah", "050003090302")])
    assert gw.ready(waiting, clock=100.0) == []
    assert gw.ready(waiting, clock=159.0) == []
    late = gw.ready(waiting, clock=160.0)
    assert [(g.ids(), g.text()) for g in late] == [([5, 6], "awal pesan tengah")]


def test_the_message_id_is_the_sms_not_gammus_row():
    """Issue 25.4: the same SMS in a new inbox row (a failed delete on the modem) is the same message."""
    one = message_id(group_parts([part(7, "halo pak")])[0])
    assert message_id(group_parts([part(8, "halo pak")])[0]) == one  # redelivered: new row ID, same SMS
    assert message_id(group_parts([part(7, "halo bu")])[0]) != one  # a recreated Gammu DB reuses ID 7
    assert message_id(group_parts([part(9, "halo pak", sender="+6281234567891")])[0]) != one
    later = Part(10, "+6281234567890", "halo pak", datetime(2018, 6, 27, 10, 16), "")
    assert message_id(group_parts([later])[0]) != one  # sent again a minute later: another SMS


def test_a_two_part_sms_redelivered_is_the_same_message_and_a_part_twice_is_marked_with_its_group():
    first = group_parts([part(1, "satu ", "050003A70201"), part(2, "dua", "050003A70202")])
    again = group_parts([part(5, "dua", "050003A70202"), part(6, "satu ", "050003A70201")])
    assert [message_id(g) for g in first] == [message_id(g) for g in again]
    other_ref = group_parts([part(7, "satu ", "050003A80201"), part(8, "dua", "050003A80202")])
    assert message_id(other_ref[0]) != message_id(first[0])
    (doubled,) = group_parts([part(1, "satu ", "050003A70201"), part(2, "dua", "050003A70202"),
                              part(3, "dua", "050003A70202")])
    assert (doubled.text(), doubled.ids()) == ("satu dua", [1, 2, 3])


DOWN = "postgresql://smsd@127.0.0.1:1/smsd"  # nothing listens on port 1: connection refused at once


def worker_once(db_url: str, gammu_db: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kondusif", "worker", "--sekali"], capture_output=True, text=True,
                          timeout=120, env=cli_env(db_url, KONDUSIF_GAMMU_DB=gammu_db))


def test_worker_once_names_an_unreachable_or_malformed_gammu_database(engine, db_url):
    """`worker --sekali` is the operator's check of the Gammu setting: a clear message, never a traceback."""
    down = worker_once(db_url, DOWN)
    assert down.returncode == 3, down.stderr
    assert down.stdout.strip().endswith("0 peristiwa ditangani, 0 pemeriksaan berkas impor selesai, "
                                        "0 SMS Gammu diproses.")
    assert "Galat gerbang SMS Gammu: Basis data tidak terjangkau: OperationalError." in down.stderr
    bad = worker_once(db_url, "bukan url")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "Galat: Pengaturan «gammu.db_url» (KONDUSIF_GAMMU_DB) bukan URL basis data" in bad.stderr


def gammu_errors(engine) -> list[tuple]:
    c = store.sms_gateways.c
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(c.channel, c.last_error, c.last_error_at))]


def test_a_gammu_database_that_is_down_is_recorded_retried_later_and_stops_no_other_kind(engine, monkeypatch):
    monkeypatch.setenv("KONDUSIF_GAMMU_DB", DOWN)
    worker = Worker(engine, "pekerja-uji")
    assert worker.sms() == 0
    ((channel, error, first_at),) = gammu_errors(engine)  # what the Gerbang SMS screen shows
    assert (channel, error) == ("gammu", "Basis data tidak terjangkau: OperationalError")
    assert worker.sms() == 0  # within the pause (1 s): Gammu is not asked again
    assert gammu_errors(engine)[0][2] == first_at
    pauses = []
    for _ in range(6):  # each failed try doubles the pause, up to 30 s
        worker._sms_next = 0.0
        worker.sms()
        pauses.append(worker._sms_pause)
    assert pauses == [2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert gammu_errors(engine)[0][2] > first_at

    # The running worker, Gammu still down: an event written now is handled all the same.
    with store.write(engine) as conn:
        outbox.record(conn, ReportsChanged(("16.73.01.1001",)))
    running = Worker(engine, "pekerja-uji-2")
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: not outbox.work_waiting(engine), timeout=30, message="the event handled")
    finally:
        running.stop()
        thread.join(60)
    assert not thread.is_alive()
