"""Issue 27 item 9: `make run` (PRODUKSI=1 too) listens on 127.0.0.1 unless told otherwise, as `ss -ltn` shows."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from kondusif.cli import serve

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from polling import wait_until  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _listeners(port: int) -> list[str]:
    """Local addresses listening on `port`, from `ss -ltn` (what the audit checked)."""
    out = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True, check=True).stdout
    return [cols[3] for cols in (line.split() for line in out.splitlines())
            if len(cols) >= 4 and cols[3].rsplit(":", 1)[-1] == str(port)]


def test_make_run_goes_through_serve_in_both_modes():
    for extra in ([], ["PRODUKSI=1"]):
        # `make test` runs this inside make: without MAKEFLAGS/MAKELEVEL the plan has no directory lines
        env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
        plan = subprocess.run(["make", "--no-print-directory", "-n", "run", *extra], cwd=ROOT, env=env,
                              capture_output=True, text=True).stdout
        last = [line for line in plan.splitlines() if line.strip()][-1]
        assert "-m kondusif serve" in last and "streamlit run" not in last, plan


@pytest.mark.skipif(shutil.which("ss") is None, reason="ss (iproute2) tidak terpasang")
def test_serve_listens_on_loopback_only_and_says_how_to_put_nginx_in_front(db_url, tmp_path):
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("KONDUSIF_SERVER_ADDRESS", None)
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "kondusif", "serve", "--port", str(port)], cwd=ROOT,
                                env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        found = wait_until(lambda: _listeners(port) or proc.poll() is not None, timeout=90,
                           message=f"a listener on port {port}")
        assert proc.poll() is None, log.read_text()
        assert found == [f"127.0.0.1:{port}"], found
        text = log.read_text()
        assert f"http://127.0.0.1:{port} (hanya komputer ini)" in text
        assert "deploy/render.py" in text and "nginx" in text
        # Issue 28: one worker runs beside the app (its heartbeat names its pid) and stops with it.
        seen = wait_until(lambda: _worker_ids(db_url), timeout=60, message="the worker's heartbeat")
        worker_pid = int(seen[0].rsplit(":", 1)[1])
        assert worker_pid != proc.pid and _alive(worker_pid)
        # A worker that dies (SIGKILL, out of memory) is started again: uploads and alerts do not wait forever.
        os.kill(worker_pid, signal.SIGKILL)
        again = wait_until(lambda: [p for p in _worker_pids(db_url) if p != worker_pid and _alive(p)], timeout=90,
                           message="serve to start the killed worker again")
        assert "Pekerja latar berhenti tiba-tiba (sinyal SIGKILL)" in log.read_text()
        assert not _alive(worker_pid)
        worker_pid = again[0]
        proc.send_signal(signal.SIGTERM)  # the serve process only, as systemd or Ctrl+C would
        assert proc.wait(timeout=90) == 143  # a stop by SIGTERM in the shell's words (was 241: a negative code)
        wait_until(lambda: not _alive(worker_pid), timeout=30, message="the worker stopping with the app")
        assert "Pekerja latar berhenti" in log.read_text()
        # The operator's console speaks Indonesian: Streamlit's English welcome ("You can now view your
        # Streamlit app in your browser. URL: …") is switched off (logger.hideWelcomeMessage).
        assert "You can now view" not in log.read_text() and "URL:" not in log.read_text(), log.read_text()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)


def _worker_ids(db_url: str) -> list[str]:
    import sqlalchemy as sa

    from kondusif import store
    from kondusif.store.schema import workers

    with store.get_engine(db_url).connect() as conn:
        return list(conn.execute(sa.select(workers.c.worker_id)).scalars())


def _worker_pids(db_url: str) -> list[int]:
    return [int(w.rsplit(":", 1)[1]) for w in _worker_ids(db_url)]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat", encoding="utf-8") as fh:  # a zombie has ended too
        return fh.read().rsplit(")", 1)[1].split()[0] != "Z"


def test_an_address_for_every_interface_is_a_warning_in_the_console():
    lines = serve.console_lines("0.0.0.0", 8501)
    assert lines[0].startswith("PERINGATAN") and "tanpa TLS" in lines[0]
    assert serve.is_loopback("127.0.0.1") and serve.is_loopback("::1") and not serve.is_loopback("0.0.0.0")
    assert serve.streamlit_command("127.0.0.1", 8501)[-6:] == [
        "--server.address", "127.0.0.1", "--server.port", "8501", "--server.headless", "true"]
