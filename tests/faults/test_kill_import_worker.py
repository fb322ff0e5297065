"""SIGKILL the worker while its import check runs: the check dies with it, the next worker runs it again
at once (not after the 10-minute lease: its holder is gone), and the screen gets one outcome (issue 28 item 6).

The app queues the check (`worker.enqueue`); worker 1 (`python -m kondusif worker`, a real process)
claims it and starts the child, which stops at the fault point worker_gate (tests/fault_points) and
writes its pid. The test kills worker 1's process group: the child is in a session of its own, so
only PR_SET_PDEATHSIG can end it, and it must end while the gate is still closed. Worker 2 sees that
worker 1's process is gone and runs the check from a clean folder, long before worker 1's lease ends.
A worker stopped by SIGTERM gives its running check back at once instead.
"""

from __future__ import annotations

import os
import signal

import sqlalchemy as sa
from fault_helpers import LineWatcher, cli_env, fault_env, start_cli, wait_until
from test_import_jobs import CSV, PANWASLU, alive

from kondusif import registry, store
from kondusif.intake import worker
from kondusif.store.schema import import_jobs
from kondusif.timeutil import now


def _row(engine, job_id: int):
    with engine.connect() as conn:
        return conn.execute(sa.select(import_jobs).where(import_jobs.c.id == job_id)).one()


def _child_pid(job) -> int:
    waiting = job.folder / "waiting"
    return int(wait_until(lambda: waiting.exists() and waiting.read_text(encoding="utf-8"), timeout=60,
                          message="the check to start at the gate"))


def _stop(proc) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def test_a_worker_killed_mid_check_takes_its_check_along_and_the_next_worker_runs_it_at_once(
        engine, db_url, tmp_path):
    registry.ensure_rt_registry(engine)
    gate = tmp_path / "buka"
    env = cli_env(db_url, KONDUSIF_WORKER_POLL_SECONDS="0.1", **fault_env(worker_gate=gate))  # lease: 600 s
    job = worker.enqueue(engine, "file", CSV, "laporan.csv", PANWASLU)

    first = start_cli(["worker"], env)
    first_out = LineWatcher(first)
    try:
        pid = _child_pid(job)
        assert first.poll() is None, first_out.text()
        held = _row(engine, job.id)
        assert held.attempts == 1 and held.finished_at is None and held.claimed_by.startswith("pekerja:")
        assert job.running() and job.progress().stage == "mulai"
        os.killpg(first.pid, signal.SIGKILL)  # the worker's group; the check has a session of its own
        first.wait(timeout=30)
        wait_until(lambda: not alive(pid), timeout=30, message="the killed worker's check to die with it")
    finally:
        _stop(first)
    assert first.returncode == -signal.SIGKILL and not gate.exists()
    lease_end = _row(engine, job.id).claimed_until
    assert (lease_end - now()).total_seconds() > 500  # worker 1's lease would hold the job ~10 minutes
    assert job.running()  # no outcome yet: the job waits for the next worker

    gate.touch()
    second = start_cli(["worker"], env)
    second_out = LineWatcher(second)
    try:
        wait_until(lambda: not job.running(), timeout=90, message="the second worker to take the check back")
        status, preview = job.outcome()
        assert status == "ok", preview
        assert (preview.rows_in, preview.good, preview.rejected) == (2, 1, 1)
        done = _row(engine, job.id)
        assert done.outcome == "ok" and done.attempts == 2 and done.claimed_by != held.claimed_by
        assert done.finished_at < lease_end  # taken back without waiting for worker 1's lease
        assert not job.folder.exists()
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=30) == 0, second_out.text()
    finally:
        _stop(second)
    assert job.outcome()[0] == "ok" and _row(engine, job.id).attempts == 2  # one outcome, run to the end once
    store.dispose_engines()


def test_a_worker_stopped_by_sigterm_kills_its_check_and_gives_the_job_back_at_once(engine, db_url, tmp_path):
    registry.ensure_rt_registry(engine)
    gate = tmp_path / "buka"
    env = cli_env(db_url, KONDUSIF_WORKER_POLL_SECONDS="0.1", **fault_env(worker_gate=gate))  # lease: 600 s
    job = worker.enqueue(engine, "file", CSV, "laporan.csv", PANWASLU)
    first = start_cli(["worker"], env)
    first_out = LineWatcher(first)
    try:
        pid = _child_pid(job)
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=30) == 0, first_out.text()
    finally:
        _stop(first)
    assert not alive(pid)
    row = _row(engine, job.id)
    assert row.claimed_by is None and row.claimed_until is None and row.finished_at is None and row.attempts == 0

    gate.touch()
    second = start_cli(["worker"], env)
    try:
        wait_until(lambda: not job.running(), timeout=90, message="the second worker's check")
        assert job.outcome()[0] == "ok"
        assert _row(engine, job.id).attempts == 1  # given back, not counted as a failed attempt
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=30)
        _stop(second)
    store.dispose_engines()
