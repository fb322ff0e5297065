"""Import checks as jobs of the one worker (issue 28 item 6): the app queues, the worker runs the child.

A real `Worker` runs on a thread (tests/worker_thread.py) and starts real child processes; the
test plays the screen through `enqueue` and the returned job (running / progress / outcome / cancel).
"""

from __future__ import annotations

import os
import signal
import threading
import time

import sqlalchemy as sa
from fault_helpers import fault_env, incident_count, wait_until
from worker_thread import worker_thread

from kondusif import registry
from kondusif.intake import worker
from kondusif.model import Role, Viewer
from kondusif.store import outbox
from kondusif.store.schema import import_jobs

PANWASLU = Viewer("panwaslu-kota", Role.PANWASLU, "Panwaslu Kota")
CSV = (b"Tanggal;Kelurahan;RT;Jenis;Tingkat;Judul\n"
       b"20/06/2018 14.32;Air Kuti;03;APK;ringan;Baliho dirusak\n"
       b"21/06/2018 09.00;Air Kuti;99;Politik Uang;berat;Amplop serangan fajar\n")
CANCELLED = "Pemeriksaan dibatalkan. Hapus berkas lalu unggah lagi untuk memeriksa ulang."


def _row(engine, job_id: int):
    with engine.connect() as conn:
        return conn.execute(sa.select(import_jobs).where(import_jobs.c.id == job_id)).one()


def _finished(job) -> bool:
    return not job.running()


def alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_queued_check_is_run_by_the_worker_and_read_once_by_the_screen(engine, import_worker):
    registry.ensure_rt_registry(engine)
    job = worker.enqueue(engine, "file", CSV, "laporan.csv", PANWASLU)
    assert (job.folder / "task.json").exists() and oct(job.folder.parent.stat().st_mode & 0o777) == "0o700"
    wait_until(lambda: _finished(job), timeout=90, message="the worker's check")
    status, preview = job.outcome()
    assert status == "ok"
    assert (preview.rows_in, preview.good, preview.rejected, preview.existing) == (2, 1, 1, 0)
    row = _row(engine, job.id)
    assert (row.outcome, row.attempts, row.created_by) == ("ok", 1, "panwaslu-kota")
    assert row.claimed_by.startswith("pekerja:") and row.finished_at is not None
    assert not job.folder.exists()  # read once, then removed
    assert job.outcome()[0] == "ok"  # asked again (a rerun): the same answer, nothing run again
    assert _row(engine, job.id).attempts == 1
    assert incident_count(engine) == 0  # a check stores nothing; the import button does


def test_a_refusal_comes_back_with_its_message_and_the_folder_goes(engine, import_worker):
    registry.ensure_rt_registry(engine)
    job = worker.enqueue(engine, "file", b"PK\x03\x04 bukan xlsx utuh", "laporan.xlsx", PANWASLU)
    wait_until(lambda: _finished(job), timeout=90, message="the worker's check")
    status, message = job.outcome()
    assert status == "refused" and "XLSX" in message, message
    assert _row(engine, job.id).message == message
    assert not job.folder.exists()


def test_cancelling_a_running_queued_check_makes_the_worker_kill_its_child(engine, import_worker, tmp_path,
                                                                            monkeypatch):
    registry.ensure_rt_registry(engine)
    for name, value in fault_env(worker_gate=tmp_path / "tidak-pernah").items():
        monkeypatch.setenv(name, value)
    job = worker.enqueue(engine, "file", CSV, "laporan.csv", PANWASLU)
    waiting = job.folder / "waiting"
    pid = int(wait_until(lambda: waiting.exists() and waiting.read_text(encoding="utf-8"), timeout=60,
                         message="the check to start"))
    assert alive(pid) and job.running() and job.progress().stage == "mulai"
    job.cancel()
    assert job.outcome() == ("refused", CANCELLED)  # the screen says so at once
    wait_until(lambda: not alive(pid), timeout=30, message="the worker to kill the check")
    wait_until(lambda: _row(engine, job.id).finished_at is not None, timeout=30, message="the end recorded")
    assert _row(engine, job.id).outcome == "cancelled"
    wait_until(lambda: not job.folder.exists(), timeout=30, message="the folder removed by the worker")
    assert not import_worker.imports.running


def test_with_no_worker_the_job_waits_and_the_screen_is_told_then_a_worker_takes_it(engine, monkeypatch):
    registry.ensure_rt_registry(engine)
    monkeypatch.setenv("KONDUSIF_WORKER_POLL_SECONDS", "0.1")
    job = worker.enqueue(engine, "file", CSV, "laporan.csv", PANWASLU)
    assert not job.unattended()  # not at once: a worker normally takes it within its poll
    wait_until(job.unattended, timeout=30, message="the screen to be told no worker runs")
    assert "Pemeriksa latar belum berjalan" in worker.UNATTENDED and "admin" in worker.UNATTENDED
    row = _row(engine, job.id)
    assert row.claimed_by is None and row.finished_at is None  # still queued
    with worker_thread(engine):
        wait_until(lambda: _finished(job), timeout=90, message="the late worker's check")
        assert not job.unattended()
    assert job.outcome()[1].good == 1


def test_a_cancel_with_no_worker_ends_the_job_here(engine):
    registry.ensure_rt_registry(engine)
    job = worker.enqueue(engine, "chat", b"waktu;nomor;pesan\n", "chat.txt", PANWASLU)
    job.cancel()
    assert not job.folder.exists() and _row(engine, job.id).outcome == "cancelled"
    with worker_thread(engine) as w:  # a worker started later finds nothing to run
        time.sleep(0.5)
        assert not w.imports.running
    assert _row(engine, job.id).attempts == 0


def test_two_workers_claiming_at_the_same_moment_never_take_the_same_job(engine):
    registry.ensure_rt_registry(engine)
    ids = [worker.enqueue(engine, "file", CSV, f"laporan-{i}.csv", PANWASLU).id for i in range(3)]
    barrier = threading.Barrier(2)
    taken: dict[str, list[int]] = {}

    def claim(name: str) -> None:
        barrier.wait()
        taken[name] = [c.id for c in outbox.claim_imports(engine, name, limit=3)]

    threads = [threading.Thread(target=claim, args=(n,)) for n in ("pekerja:a", "pekerja:b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(taken["pekerja:a"] + taken["pekerja:b"]) == ids  # each job once, none lost
    assert not set(taken["pekerja:a"]) & set(taken["pekerja:b"])
    for job_id in ids:
        assert _row(engine, job_id).attempts == 1


def test_the_check_dies_with_the_thread_that_started_it(engine, tmp_path, monkeypatch):
    """PR_SET_PDEATHSIG: a check never outlives its worker (here the starting thread ends, nobody kills it)."""
    registry.ensure_rt_registry(engine)
    for name, value in fault_env(worker_gate=tmp_path / "tidak-pernah").items():
        monkeypatch.setenv(name, value)
    limits = worker.Limits.from_env()
    folder = worker.jobs_dir() / "job-uji"
    folder.mkdir()
    (folder / "task.json").write_text("{}", encoding="utf-8")
    started: list = []
    thread = threading.Thread(target=lambda: started.append(worker.spawn(folder, limits, str(engine.url))))
    thread.start()
    thread.join(30)
    proc = started[0]
    try:
        assert proc.wait(timeout=60) == -signal.SIGKILL  # killed when its thread ended, long before the gate
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def test_a_schema_8_store_gets_the_import_jobs_table_in_place(engine):
    from kondusif import store

    with store.write(engine) as conn:
        conn.exec_driver_sql("DROP TABLE import_jobs")
        conn.execute(store.meta.update().where(store.meta.c.key == "schema_version").values(value="8"))
    store.init_db(engine)
    assert store.schema_version(engine) == 9
    assert "ix_import_jobs_open" in {ix["name"] for ix in sa.inspect(engine).get_indexes("import_jobs")}
    job = worker.enqueue(engine, "file", CSV, "laporan.csv", PANWASLU)
    assert _row(engine, job.id).finished_at is None


def test_ended_jobs_are_forgotten_after_a_day_and_open_ones_kept(engine):
    from datetime import timedelta

    from kondusif.timeutil import now

    registry.ensure_rt_registry(engine)
    ended = worker.enqueue(engine, "file", CSV, "lama.csv", PANWASLU)
    ended.cancel()  # ends here: no worker holds it
    waiting = worker.enqueue(engine, "file", CSV, "baru.csv", PANWASLU)
    assert outbox.prune_imports(engine, now() - timedelta(days=1)) == 0  # ended a moment ago: kept
    assert outbox.prune_imports(engine, now() + timedelta(seconds=1)) == 1
    with engine.connect() as conn:
        assert conn.execute(sa.select(import_jobs.c.id)).scalars().all() == [waiting.id]


def test_a_check_queued_while_the_worker_idles_does_not_wait_for_its_next_round(engine, monkeypatch):
    """Someone watches the progress bar: an idle worker (here a 10-minute round) takes a queued check at once."""
    registry.ensure_rt_registry(engine)
    monkeypatch.setenv("KONDUSIF_WORKER_POLL_SECONDS", "600")
    with worker_thread(engine) as w:
        wait_until(lambda: outbox.last_seen(engine) is not None, timeout=30, message="the worker's first round")
        time.sleep(0.5)  # the round is over; the worker is in its wait
        job = worker.enqueue(engine, "file", CSV, "laporan.csv", PANWASLU)
        wait_until(lambda: _finished(job), timeout=120, message="the idle worker to take the check")
        assert job.outcome()[1].good == 1
        assert w.handled == 0  # no outbox event involved: the import queue woke it


def test_a_job_row_naming_a_path_outside_the_job_folders_is_refused_and_nothing_is_touched(engine, tmp_path):
    registry.ensure_rt_registry(engine)
    outside = tmp_path / "jangan-dihapus"
    outside.mkdir()
    (outside / "task.json").write_text("{}", encoding="utf-8")
    job_id = outbox.enqueue_import(engine, "../../jangan-dihapus", "penyusup")
    runner = worker.ImportRunner(engine, "pekerja:uji")
    assert runner.step() == 1 and not runner.running
    row = _row(engine, job_id)
    assert row.outcome == "refused" and row.message == worker.LOST
    assert (outside / "task.json").exists()


def _heartbeat_at(engine, worker_id: str, seen_at) -> None:
    from kondusif.store.schema import workers

    with engine.begin() as conn:
        conn.execute(workers.delete().where(workers.c.worker_id == worker_id))
        conn.execute(workers.insert().values(worker_id=worker_id, started_at=seen_at, seen_at=seen_at, handled=0))


def test_a_job_whose_holder_went_silent_is_taken_back_and_the_holder_lets_go(engine, tmp_path, monkeypatch):
    """A worker on another machine (its pid cannot be looked at) that gave no heartbeat for a minute is
    gone: its job is taken at once, not after the 10-minute lease; one that beat lately keeps it. If the
    silent one wakes up, it kills its check and records nothing (the job is the other worker's now)."""
    from datetime import timedelta

    from kondusif.timeutil import now

    registry.ensure_rt_registry(engine)
    for name, value in fault_env(worker_gate=tmp_path / "tidak-pernah").items():
        monkeypatch.setenv(name, value)
    job = worker.enqueue(engine, "file", CSV, "laporan.csv", PANWASLU)
    silent = worker.ImportRunner(engine, "pekerja:mesin-lain:4242")
    assert silent.step() == 0 and list(silent.running) == [job.id]
    pid = _child_pid(job)
    try:
        _heartbeat_at(engine, "pekerja:mesin-lain:4242", now() - timedelta(seconds=20))  # beat lately
        assert outbox.claim_imports(engine, "pekerja:mesin-baru:1", 1) == []
        _heartbeat_at(engine, "pekerja:mesin-lain:4242", now() - timedelta(seconds=90))  # silent 90 s > 60 s
        assert outbox.state(engine).imports_running == 1
        (taken,) = outbox.claim_imports(engine, "pekerja:mesin-baru:1", 1)
        assert (taken.id, taken.attempts) == (job.id, 2)
        assert silent.step() == 0 and not silent.running  # it let go: no end recorded by it
        wait_until(lambda: not alive(pid), timeout=30, message="the silent worker to kill its check")
        row = _row(engine, job.id)
        assert row.claimed_by == "pekerja:mesin-baru:1" and row.finished_at is None
    finally:
        silent.stop()


def test_a_job_held_by_a_dead_process_of_this_machine_is_taken_back_at_once(engine):
    import socket
    import subprocess
    import sys

    registry.ensure_rt_registry(engine)
    job = worker.enqueue(engine, "file", CSV, "laporan.csv", PANWASLU)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    from datetime import timedelta

    from kondusif.timeutil import now

    mine = f"pekerja:{socket.gethostname()}:{os.getpid()}"  # a live process of this machine
    assert [c.id for c in outbox.claim_imports(engine, mine, 1)] == [job.id]
    _heartbeat_at(engine, mine, now())
    assert outbox.claim_imports(engine, "pekerja:mesin-baru:1", 1) == []  # a live holder keeps its job
    outbox.release_imports(engine, mine, [job.id])

    holder = f"pekerja:{socket.gethostname()}:{int(dead.stdout)}"  # a process of this machine that has ended
    assert [c.id for c in outbox.claim_imports(engine, holder, 1)] == [job.id]
    _heartbeat_at(engine, holder, now() - timedelta(seconds=3))  # a live worker beats every 2 s
    assert outbox.claim_imports(engine, "pekerja:mesin-baru:1", 1) == []  # not yet: maybe another PID namespace
    _heartbeat_at(engine, holder, now() - timedelta(seconds=12))  # 12 s > 10 s: the missing process is gone
    (taken,) = outbox.claim_imports(engine, "pekerja:mesin-baru:1", 1)
    assert (taken.id, taken.attempts) == (job.id, 2)
    outbox.release_imports(engine, "pekerja:mesin-baru:1", [job.id])

    # A worker killed under a parent that has not reaped it yet (a zombie) has ended too.
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    wait_until(lambda: open(f"/proc/{zombie.pid}/stat", encoding="utf-8").read().rsplit(")", 1)[1].split()[0] == "Z",
               timeout=30, message="the child to end unreaped")
    try:
        killed = f"pekerja:{socket.gethostname()}:{zombie.pid}"
        assert [c.id for c in outbox.claim_imports(engine, killed, 1)] == [job.id]
        _heartbeat_at(engine, killed, now() - timedelta(seconds=12))
        (taken,) = outbox.claim_imports(engine, "pekerja:mesin-baru:1", 1)
        assert taken.id == job.id
    finally:
        zombie.wait()


def _child_pid(job) -> int:
    waiting = job.folder / "waiting"
    return int(wait_until(lambda: waiting.exists() and waiting.read_text(encoding="utf-8"), timeout=60,
                          message="the check to start at the gate"))


def test_a_worker_held_up_by_a_slow_delivery_still_beats_so_its_check_is_not_taken(engine, monkeypatch):
    """A webhook that is down holds the worker's round for minutes (timeouts and backoff). Its heartbeat
    must go on meanwhile: a silent heartbeat says the worker is gone (health «TIDAK BERJALAN?») and lets
    another worker take its import checks (outbox.claim_imports)."""
    import sqlalchemy as sa

    from kondusif import worker as worker_module
    from kondusif.store.outbox import ReportsChanged
    from kondusif.store.schema import workers

    release = threading.Event()
    held = threading.Event()

    def slow(engine, claimed, sleep) -> None:
        held.set()
        release.wait(30)

    monkeypatch.setitem(worker_module.HANDLERS, ReportsChanged.KIND, slow)
    with engine.begin() as conn:
        outbox.record(conn, ReportsChanged(("16.73.01.1001",)))

    def seen(worker_id: str):
        with engine.connect() as conn:
            return conn.execute(sa.select(workers.c.seen_at).where(workers.c.worker_id == worker_id)).scalar()

    try:
        with worker_thread(engine) as w:
            assert held.wait(30), "the worker never took the event"
            first = wait_until(lambda: seen(w.worker_id), timeout=30, message="a heartbeat")
            time.sleep(5)  # the round is held up in the handler the whole time
            assert held.is_set() and not release.is_set()
            assert (seen(w.worker_id) - first).total_seconds() >= 2
            release.set()
    finally:
        release.set()
