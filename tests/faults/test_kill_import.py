"""SIGKILL in the middle of a file import leaves a consistent store; running the import again completes it.

`python -m kondusif import FILE` stores all good rows in ONE transaction
(pipeline.commit_file), so a process killed while that transaction is open
leaves nothing of it behind: no incidents, no audit rows, no used-up report
numbers. The kill lands inside that transaction every time (issue 18): with
the fault point pause_before_commit (tests/fault_points) the import stops just before its COMMIT,
after inserting every row, and writes a marker file; the test kills it then,
never after a guessed sleep, so the crash path really runs.
"""

from __future__ import annotations

import os
import signal

import sqlalchemy as sa
from fault_helpers import (
    LineWatcher,
    cli_env,
    consistency_problems,
    fault_env,
    import_in_progress,
    incident_count,
    start_cli,
    wait_until,
    write_import_csv,
)

from kondusif import registry, store

ROWS = 20_000


def test_sigkill_mid_import_leaves_store_consistent_and_rerun_completes(tmp_path, engine, db_url):
    registry.ensure_rt_registry(engine)
    big = tmp_path / "laporan_besar.csv"
    good = write_import_csv(big, ROWS)
    store.dispose_engines()  # the CLI process is the only writer from here on
    env = cli_env(db_url)
    marker = tmp_path / "sebelum-commit"

    proc = start_cli(["import", str(big)], {**env, **fault_env(pause_before_commit=marker)})
    out = LineWatcher(proc)
    try:
        # Every row is inserted, the transaction is open, COMMIT has not run: kill it now.
        wait_until(lambda: marker.exists() or proc.poll() is not None, timeout=300,
                   message="the import's pause before COMMIT")
        assert proc.poll() is None, f"import ended before it could be killed:\n{out.text()}"
        assert out.seen(lambda x: x.startswith("Berkas")), out.text()
        assert import_in_progress(db_url), "the write transaction is not open at the kill"
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert not out.seen(lambda x: x.startswith("Masuk")), "the import reported completion before the kill"

    after_kill = store.get_engine(db_url)
    assert consistency_problems(after_kill) == []
    n = incident_count(after_kill)
    assert n == 0, f"a one-transaction import killed before COMMIT left {n} of {good} rows"
    with after_kill.connect() as conn:
        imports = conn.execute(sa.select(sa.func.count()).select_from(store.audit_log)
                               .where(store.audit_log.c.action == "import_file")).scalar()
    assert imports == 0  # the import's own audit row went with its rows
    store.dispose_engines()

    rerun = start_cli(["import", str(big)], env)
    rerun_out = LineWatcher(rerun)
    assert rerun.wait(timeout=300) == 0, rerun_out.text()
    text = rerun_out.text()
    assert f"{ROWS} = {good} diimpor + {ROWS - good} ditolak + 0 sudah ada" in text, text

    final = store.get_engine(db_url)
    assert incident_count(final) == good
    assert consistency_problems(final) == []
    c = store.incidents.c
    with final.connect() as conn:
        numbers = conn.execute(sa.select(c.report_no).order_by(c.report_no)).scalars().all()
    # Nothing was used up by the killed run: numbers run 1..good without gaps.
    assert numbers[0] == "LLG-2018-000001" and numbers[-1] == f"LLG-2018-{good:06d}"

    # And once more: a complete import imported again adds nothing.
    store.dispose_engines()
    third = start_cli(["import", str(big)], env)
    third_out = LineWatcher(third)
    assert third.wait(timeout=300) == 0, third_out.text()
    assert f"{ROWS} = 0 diimpor + {ROWS - good} ditolak + {good} sudah ada" in third_out.text()
    assert incident_count(store.get_engine(db_url)) == good
