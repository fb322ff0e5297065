"""End to end through the real `gammu-smsd` (dummy phone) and the one worker (`python -m kondusif worker`
with KONDUSIF_GAMMU_DB set).

An SMS is dropped into the dummy phone's inbox; SMSD stores it in its own
PostgreSQL tables; the worker's round files it and writes the reply into Gammu's outbox;
SMSD "sends" it through the dummy phone (row moves to sentitems).
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from gammu_helpers import (
    Smsd,
    ThrowawayPostgres,
    create_gammu_db,
    drop_db,
    gammu_rows,
    reader_env,
    start_reader,
    stop_reader,
    suite_postgres_url,
    wait_ready,
    wait_until,
)
from polling import fault_env
from sms_helpers import AIR_KUTI, RT_PHONE, register_rt

from kondusif import overview, store
from kondusif.filters import Filter
from kondusif.intake import review
from kondusif.model import SYSTEM, Role, Viewer
from kondusif.sms import replies
from kondusif.worker import Worker

WIB = ZoneInfo("Asia/Jakarta")
VOTING_DAY = datetime(2018, 6, 27, 10, 15, tzinfo=WIB)
PANWASLU = Viewer("panwas", Role.PANWASLU, "Panwaslu Kota")
RECEIPT_1 = "Laporan LLG-2018-000001 diterima (Politik uang, berat, RT 03 Air Kuti). Terima kasih."
STRANGER = "+6285299990000"


@pytest.fixture(scope="session")
def gammu_pg():
    """The PostgreSQL server Gammu's databases live on: the suite's own, else a throw-away one."""
    if suite_postgres_url():
        yield suite_postgres_url()
        return
    server = ThrowawayPostgres()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def gammu(gammu_pg, tmp_path):
    """Gammu's schema in a fresh database and gammu-smsd running on the dummy phone."""
    url = create_gammu_db(gammu_pg)
    (tmp_path / "smsd").mkdir()
    smsd = Smsd(tmp_path / "smsd", url).start()
    yield smsd
    smsd.stop()
    drop_db(gammu_pg, url)


@pytest.fixture
def reader(gammu, db_url):
    """Starts worker processes reading this Gammu into this test's store; stops whatever still runs at the end."""
    procs = []

    def start(**env: str):
        proc = start_reader(gammu.url, reader_env(db_url, **env))
        procs.append(proc)
        return proc

    yield start
    for p in procs:
        stop_reader(p)


def sent(gammu, number: str | None = None) -> list[tuple[str, str]]:
    """(number, text) of the replies the dummy phone sent, oldest first."""
    rows = gammu_rows(gammu.url, 'SELECT "DestinationNumber", "TextDecoded" FROM sentitems '
                                 "WHERE \"CreatorID\" = 'SiKondusif' ORDER BY \"ID\"")
    return [r for r in rows if number is None or r[0] == number]


def reader_replies(gammu) -> list[tuple[int, str]]:
    """(outbox ID, text) of every reply the reader wrote: still in outbox or already sent.

    SMSD moves a sent message by inserting it into sentitems (same ID) and then deleting it from
    outbox, in two steps: the UNION (not UNION ALL) counts such a message once while it moves.
    """
    return gammu_rows(gammu.url, "SELECT \"ID\", \"TextDecoded\" FROM outbox WHERE \"CreatorID\" = 'SiKondusif' "
                                 "UNION SELECT \"ID\", \"TextDecoded\" FROM sentitems "
                                 "WHERE \"CreatorID\" = 'SiKondusif'")


def replies_queued(gammu) -> int:
    return len(reader_replies(gammu))


def on_the_map(engine) -> list[str]:
    """Report numbers the city map shows for voting day (the page's query, replayed as of 27/06/2018)."""
    flt = Filter(as_of=date(2018, 6, 27))
    period = flt.resolve()
    frame = overview.page_data(engine, PANWASLU, flt, period).map.frame
    return frame["report_no"].tolist() if "report_no" in frame.columns else []


def test_registered_lapor_is_on_the_map_within_seconds_and_gets_its_receipt(engine, gammu, reader):
    register_rt(engine)
    wait_ready(reader())  # the gateway is running; the 10 s count from the SMS reaching the phone
    gammu.phone.receive(RT_PHONE, "LAPOR uang berat RT 3 Air Kuti: amplop dibagikan di pos ronda", at=VOTING_DAY)
    assert wait_until(lambda: on_the_map(engine), timeout=10, message="the report on the map") == ["LLG-2018-000001"]
    row = store.query_incidents(engine, None, SYSTEM).iloc[0]
    assert (row["source"], row["kode_kelurahan"], int(row["rt"]), row["reporter_phone"]) == (
        "sms", AIR_KUTI, 3, RT_PHONE)
    assert wait_until(lambda: sent(gammu), timeout=20, message="the receipt") == [(RT_PHONE, RECEIPT_1)]


def test_unknown_number_free_text_is_queued_and_told_so_once(engine, gammu, reader):
    reader()
    gammu.phone.receive(STRANGER, "Tolong pak ada ribut-ribut di dekat TPS tadi malam, banyak orang datang",
                        at=VOTING_DAY)
    wait_until(lambda: len(review.queue_frame(engine, SYSTEM)) == 1, timeout=20, message="the queue item")
    gammu.phone.receive(STRANGER, "Pak tolong dicek lagi ya kejadian yang tadi itu di tempat kami", at=VOTING_DAY)
    wait_until(lambda: len(review.queue_frame(engine, SYSTEM)) == 2, timeout=20, message="the second item")
    assert wait_until(lambda: sent(gammu), timeout=20, message="the reply") == [
        (STRANGER, replies.UNREGISTERED_REPLY)]
    wait_until(lambda: gammu_rows(gammu.url, "SELECT count(*) FROM inbox WHERE NOT \"Processed\"")[0][0] == 0,
               timeout=20, message="both rows processed")
    assert replies_queued(gammu) == 1
    assert store.count_incidents(engine, None, SYSTEM) == 0


def test_a_two_part_sms_becomes_one_report(engine, gammu, reader):
    register_rt(engine)
    first = "LAPOR uang berat RT 3 Air Kuti: tim sukses membagikan amplop berisi uang lima puluh ribu "
    second = "rupiah kepada warga di pos ronda dekat masjid, disaksikan banyak orang."
    gammu.phone.receive(RT_PHONE, second, udh="050003A70202", at=VOTING_DAY)  # the second part first
    gammu.phone.receive(RT_PHONE, first, udh="050003A70201", at=VOTING_DAY)
    wait_until(lambda: gammu_rows(gammu.url, "SELECT count(*) FROM inbox")[0][0] == 2, timeout=20,
               message="both parts in Gammu's inbox")
    reader()
    wait_until(lambda: store.count_incidents(engine, None, SYSTEM) == 1, timeout=20, message="one report")
    row = store.query_incidents(engine, None, SYSTEM).iloc[0]
    assert row["description"] == ("tim sukses membagikan amplop berisi uang lima puluh ribu rupiah kepada warga "
                                  "di pos ronda dekat masjid, disaksikan banyak orang.")
    assert wait_until(lambda: sent(gammu), timeout=20, message="one receipt") == [(RT_PHONE, RECEIPT_1)]


N_BATCH = 24


def _inject_batch(gammu, n: int = N_BATCH) -> list[str]:
    texts = [f"LAPOR uang berat RT 3 Air Kuti: amplop dibagikan ke rumah nomor {i}" for i in range(1, n + 1)]
    for text in texts:
        gammu.phone.receive(RT_PHONE, text, at=VOTING_DAY)
    wait_until(lambda: gammu_rows(gammu.url, "SELECT count(*) FROM inbox")[0][0] == n, timeout=30,
               message=f"{n} rows in Gammu's inbox")
    return texts


def _everything_once(engine, gammu, texts: list[str]) -> None:
    """Every message stored exactly once, every row processed, exactly one receipt per report."""
    df = store.query_incidents(engine, None, SYSTEM)
    assert sorted(df["description"]) == sorted(t.split(": ", 1)[1] for t in texts)
    assert sorted(df["report_no"]) == [f"LLG-2018-{i:06d}" for i in range(1, len(texts) + 1)]
    assert gammu_rows(gammu.url, "SELECT count(*) FROM inbox WHERE NOT \"Processed\"")[0][0] == 0
    receipts = reader_replies(gammu)
    assert sorted(text[8:23] for _, text in receipts) == sorted(df["report_no"])


def test_a_worker_stopped_mid_batch_loses_and_doubles_nothing(engine, gammu, reader):
    """SIGTERM (systemctl stop, an upgrade) while a batch is read: the worker ends cleanly after its
    round and the next worker finds the rest."""
    register_rt(engine)
    texts = _inject_batch(gammu)
    first = reader()
    wait_until(lambda: store.count_incidents(engine, None, SYSTEM) >= 7, timeout=60, message="7 stored")
    stop_reader(first)
    assert first.returncode == 0
    reader()
    wait_until(lambda: store.count_incidents(engine, None, SYSTEM) == N_BATCH, timeout=60, message="the rest")
    wait_until(lambda: replies_queued(gammu) == N_BATCH, timeout=30, message="every receipt")
    _everything_once(engine, gammu, texts)


@pytest.mark.parametrize("where", ["after_store", "inside_store_commit"])
def test_kill_9_of_the_worker_loses_and_doubles_nothing(engine, gammu, reader, tmp_path, where):
    """SIGKILL after the store committed a report and before Gammu's transaction (or inside the store's
    commit): the next worker marks the rows and queues each receipt exactly once."""
    register_rt(engine)
    texts = _inject_batch(gammu)
    marker = tmp_path / "paused"
    point = "sms_pause_after_store" if where == "after_store" else "pause_before_commit"
    victim = reader(**fault_env(**{point: marker}))
    wait_until(marker.exists, timeout=60, message="the worker to pause at the kill point")
    stop_reader(victim, signal.SIGKILL)
    stored = store.count_incidents(engine, None, SYSTEM)
    assert stored == (1 if where == "after_store" else 0)  # committed, or rolled back with the process
    assert replies_queued(gammu) == 0  # Gammu's transaction never ran
    reader()
    wait_until(lambda: store.count_incidents(engine, None, SYSTEM) == N_BATCH, timeout=60, message="the rest")
    wait_until(lambda: replies_queued(gammu) == N_BATCH, timeout=30, message="every receipt")
    _everything_once(engine, gammu, texts)


def test_two_workers_racing_on_one_inbox_store_each_sms_once_and_queue_one_receipt(engine, gammu_pg, monkeypatch):
    """Two workers' modem rounds meet at a barrier once both have read the same unprocessed rows, then both
    handle all of them: each SMS becomes one report and gets one receipt in Gammu's outbox (no gammu-smsd
    here: nothing moves to sentitems)."""
    register_rt(engine)
    url = create_gammu_db(gammu_pg)
    try:
        local = VOTING_DAY.astimezone().replace(tzinfo=None)  # Gammu's clock: this machine's local time
        texts = [f"LAPOR uang berat RT 3 Air Kuti: amplop dibagikan ke rumah nomor {i}" for i in range(1, 13)]
        gammu_engine = sa.create_engine(url)
        with gammu_engine.begin() as conn:
            for i, text in enumerate(texts):
                conn.execute(sa.text('INSERT INTO inbox ("ReceivingDateTime", "Text", "SenderNumber", "UDH", '
                                     '"TextDecoded", "RecipientID") VALUES (:at, \'\', :sender, \'\', :text, \'\')'),
                             {"at": local + timedelta(seconds=i), "sender": RT_PHONE, "text": text})
        gammu_engine.dispose()
        monkeypatch.setenv("KONDUSIF_GAMMU_DB", url)
        workers = [Worker(engine, f"pekerja-{n}") for n in (1, 2)]
        barrier = threading.Barrier(2)
        handled: list[int] = []

        def read_then_meet(read):
            def unprocessed(*args, **kwargs):
                rows = read(*args, **kwargs)
                barrier.wait(timeout=60)
                return rows
            return unprocessed

        for w in workers:
            w.gammu.unprocessed = read_then_meet(w.gammu.unprocessed)

        def run(w: Worker) -> None:
            handled.append(w.sms())

        threads = [threading.Thread(target=run, args=(w,)) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert sorted(handled) == [12, 12]  # both read all twelve: each was handed to the store twice
        _everything_once(engine, SimpleNamespace(url=url), texts)
        assert len(reader_replies(SimpleNamespace(url=url))) == 12
        with engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(store.sms_messages)).scalar() == 12
        for w in workers:
            w.gammu.gammu.dispose()
    finally:
        drop_db(gammu_pg, url)


def test_the_worker_keeps_its_reader_so_a_part_that_never_comes_stops_waiting(engine, gammu_pg, monkeypatch):
    """The multipart wait counts from the first round that saw the part: a reader made anew each round
    would wait forever. Here the wait is cut to 0.3 s; the lone first part goes as it is."""
    register_rt(engine)
    url = create_gammu_db(gammu_pg)
    try:
        gammu_engine = sa.create_engine(url)
        with gammu_engine.begin() as conn:
            conn.execute(sa.text('INSERT INTO inbox ("ReceivingDateTime", "Text", "SenderNumber", "UDH", '
                                 '"TextDecoded", "RecipientID") VALUES (:at, \'\', :sender, :udh, :text, \'\')'),
                         {"at": VOTING_DAY.astimezone().replace(tzinfo=None), "sender": RT_PHONE,
                          "udh": "050003A70201", "text": "LAPOR uang berat RT 3 Air Kuti: amplop dibagikan"})
        gammu_engine.dispose()
        monkeypatch.setenv("KONDUSIF_GAMMU_DB", url)
        worker = Worker(engine, "pekerja-uji")
        worker.gammu.multipart_wait = 0.3
        assert worker.sms() == 0  # part 1 of 2: waits for part 2
        wait_until(lambda: worker.sms() == 1, timeout=10, message="the lone part handled after the wait")
        assert store.query_incidents(engine, None, SYSTEM)["description"].tolist() == ["amplop dibagikan"]
        worker.gammu.gammu.dispose()
    finally:
        drop_db(gammu_pg, url)


def test_an_alert_delivery_held_up_does_not_leave_the_rts_sms_unread(engine, gammu_pg, monkeypatch):
    """The modem's rounds run beside the worker's events: while an alert's delivery hangs (a webhook
    down: minutes of timeouts and backoff), an SMS that comes in is still stored and answered."""
    import threading

    from kondusif import worker as worker_mod
    from kondusif.store import outbox
    from kondusif.store.outbox import AlertsCreated

    register_rt(engine)
    url = create_gammu_db(gammu_pg)
    delivering, release = threading.Event(), threading.Event()

    def hanging_delivery(_engine, _claimed, _sleep) -> None:
        delivering.set()
        release.wait(60)

    monkeypatch.setitem(worker_mod.HANDLERS, AlertsCreated.KIND, hanging_delivery)
    monkeypatch.setenv("KONDUSIF_GAMMU_DB", url)
    with store.write(engine) as conn:
        outbox.record(conn, AlertsCreated((1,)))
    worker = Worker(engine, "pekerja-uji")
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        assert delivering.wait(30), "the worker never took the alert event"
        gammu_engine = sa.create_engine(url)
        with gammu_engine.begin() as conn:
            conn.execute(sa.text('INSERT INTO inbox ("ReceivingDateTime", "Text", "SenderNumber", "UDH", '
                                 '"TextDecoded", "RecipientID") VALUES (:at, \'\', :sender, \'\', :text, \'\')'),
                         {"at": VOTING_DAY.astimezone().replace(tzinfo=None), "sender": RT_PHONE,
                          "text": "LAPOR uang berat RT 3 Air Kuti: amplop dibagikan"})
        gammu_engine.dispose()
        wait_until(lambda: len(store.query_incidents(engine, None, SYSTEM)) == 1, timeout=20,
                   message="the SMS stored while the delivery still hangs")
        assert not release.is_set() and thread.is_alive()
        wait_until(lambda: gammu_rows(url, 'SELECT count(*) FROM outbox WHERE "CreatorID" = \'SiKondusif\'')[0][0] == 1,
                   timeout=10, message="its receipt queued")
    finally:
        release.set()
        worker.stop()
        thread.join(timeout=60)
        worker.gammu.gammu.dispose()
        drop_db(gammu_pg, url)


# --------------------------------------------------------------------------- issue 25.4: Gammu never doubles

LAPOR = "LAPOR uang berat RT 3 Air Kuti: amplop dibagikan di pos ronda"


def processed(gammu) -> int:
    return gammu_rows(gammu.url, 'SELECT count(*) FROM inbox WHERE "Processed"')[0][0]


def test_the_same_sms_handed_over_again_adds_no_report_and_no_receipt(engine, gammu, reader):
    register_rt(engine)
    wait_ready(reader())
    gammu.phone.receive(RT_PHONE, LAPOR, at=VOTING_DAY)
    gammu.phone.receive(RT_PHONE, LAPOR, at=VOTING_DAY)  # the identical SMS again at once: a second inbox row
    wait_until(lambda: processed(gammu) == 2, timeout=20, message="both rows processed")
    assert wait_until(lambda: sent(gammu), timeout=20, message="the receipt") == [(RT_PHONE, RECEIPT_1)]
    gammu.phone.receive(RT_PHONE, LAPOR, at=VOTING_DAY)  # and again after its receipt left
    wait_until(lambda: processed(gammu) == 3, timeout=20, message="the third row processed")
    assert store.count_incidents(engine, None, SYSTEM) == 1
    assert [text for _, text in reader_replies(gammu)] == [RECEIPT_1]  # marked in the same transaction
    # The same words sent again a minute later are another SMS (another SMSC time): a second report.
    gammu.phone.receive(RT_PHONE, LAPOR, at=VOTING_DAY + timedelta(minutes=1))
    wait_until(lambda: store.count_incidents(engine, None, SYSTEM) == 2, timeout=20, message="a second report")


@pytest.fixture
def stuck_gammu(gammu_pg):
    """gammu-smsd as user nobody on a dummy phone whose SIM inbox it may read but not delete from."""
    if os.geteuid() != 0:
        pytest.skip("runs gammu-smsd as another user: needs root")
    url = create_gammu_db(gammu_pg)
    work = Path(tempfile.mkdtemp(prefix="sikondusif-smsd."))
    work.chmod(0o755)  # pytest's tmp_path is private to root; nobody must reach its files
    smsd = Smsd(work / "smsd", url, user="nobody")
    smsd.phone.root.parent.mkdir(parents=True, exist_ok=True)
    smsd.start()
    smsd.phone.make_deletes_fail()
    yield smsd
    smsd.stop()
    drop_db(gammu_pg, url)
    shutil.rmtree(work, ignore_errors=True)


def test_a_modem_whose_delete_fails_hands_the_sms_over_again_and_again_one_report_one_receipt(
        engine, stuck_gammu, db_url):
    register_rt(engine)
    proc = start_reader(stuck_gammu.url, reader_env(db_url))
    try:
        wait_ready(proc)
        stuck_gammu.phone.receive(RT_PHONE, LAPOR, at=VOTING_DAY)
        wait_until(lambda: processed(stuck_gammu) >= 6, timeout=40, message="SMSD handing the SMS over 6 times")
        assert "Error deleting SMS" in stuck_gammu.log.read_text()  # the delete really failed
        assert store.count_incidents(engine, None, SYSTEM) == 1
        assert [text for _, text in reader_replies(stuck_gammu)] == [RECEIPT_1]
        with engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(store.sms_messages)).scalar() == 1
    finally:
        stop_reader(proc)


# --------------------------------------------------------------------------- issue 25.4: which clock Gammu writes


@pytest.mark.parametrize("zone", ["UTC", "Asia/Jakarta"])
def test_the_report_time_is_the_sms_time_whatever_zone_the_server_runs_in(engine, gammu_pg, db_url, tmp_path, zone):
    """gammu-smsd writes ReceivingDateTime in its machine's local time; the reader on that machine reads it so."""
    register_rt(engine)
    url = create_gammu_db(gammu_pg)
    (tmp_path / "smsd").mkdir()
    smsd = Smsd(tmp_path / "smsd", url, tz=zone).start()
    proc = start_reader(url, reader_env(db_url, TZ=zone))
    try:
        wait_ready(proc)
        smsd.phone.receive(RT_PHONE, LAPOR, at=VOTING_DAY)  # 10:15 WIB = 03:15 UTC on the SMSC clock
        wait_until(lambda: store.count_incidents(engine, None, SYSTEM) == 1, timeout=20, message="the report")
        stored = gammu_rows(url, 'SELECT "ReceivingDateTime" FROM inbox')[0][0]
        assert stored == (datetime(2018, 6, 27, 3, 15) if zone == "UTC" else datetime(2018, 6, 27, 10, 15))
        row = store.query_incidents(engine, None, SYSTEM).iloc[0]
        assert row["occurred_at"].to_pydatetime() == datetime(2018, 6, 27, 3, 15, tzinfo=UTC)
    finally:
        stop_reader(proc)
        smsd.stop()
        drop_db(gammu_pg, url)
