"""`serve`: start the app (`make run`) on the configured address, loopback unless told otherwise,
and one background worker beside it (issue 28), stopped with the app.

Streamlit listens on every interface by default, over plain HTTP; passwords and PINs
would cross the network in clear (issue 27 item 9). This command binds the
`server_address` setting (default 127.0.0.1) and says in the console how to put the
shipped nginx TLS site in front when the app must be reached from other machines.

App processes start no background work: `serve` starts `python -m kondusif worker` as a child
(alert delivery, election-day watches, import checks, leftover events; started again if it dies)
unless `--tanpa-pekerja` says systemd runs it (sikondusif-worker.service); SIGTERM/SIGINT are
passed to the app, then the worker stops.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import signal
import subprocess
import sys
import threading
import time

from kondusif.config import PROJECT_ROOT, child_environment, settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="jalankan aplikasi (dipakai `make run`); mendengarkan di 127.0.0.1 kecuali "
                                     "diatur lain (KONDUSIF_SERVER_ADDRESS)")
    p.add_argument("--port", type=int, default=8501, help="port (bawaan 8501)")
    p.add_argument("--tanpa-pekerja", dest="no_worker", action="store_true",
                   help="jangan jalankan pekerja latar di samping aplikasi (systemd menjalankan sikondusif-worker)")
    p.set_defaults(func=cmd_serve)


def is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return address == "localhost"


def console_lines(address: str, port: int) -> list[str]:
    """What the operator reads before Streamlit starts: where it listens and how to open it up safely."""
    nginx = (f".venv/bin/python deploy/render.py --server-name NAMA-SERVER --ports {port} "
             "--out /etc/nginx/sites-available/sikondusif")
    if is_loopback(address):
        return [
            f"SiKondusif mendengarkan di http://{address}:{port} (hanya komputer ini).",
            "Agar bisa dibuka dari komputer lain, pasang situs nginx HTTPS bawaan di depannya:",
            f"  {nginx}",
            "  lalu ikuti README, bagian «Produksi» (sertifikat TLS, nginx -t, systemctl reload nginx).",
        ]
    return [
        f"PERINGATAN: SiKondusif mendengarkan di {address}:{port} tanpa TLS (KONDUSIF_SERVER_ADDRESS): "
        "kata sandi dan PIN lewat jaringan tanpa sandi.",
        "Kecuali jaringan ini tertutup, kembalikan ke 127.0.0.1 dan pasang situs nginx HTTPS bawaan di depannya:",
        f"  {nginx}",
    ]


def streamlit_command(address: str, port: int) -> list[str]:
    return [sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "app.py"),
            "--server.address", address, "--server.port", str(port), "--server.headless", "true"]


def cmd_serve(args: argparse.Namespace) -> int:
    address = str(settings().server_address or "127.0.0.1").strip()
    for line in console_lines(address, args.port):
        print(line, flush=True)
    command = streamlit_command(address, args.port)
    os.chdir(PROJECT_ROOT)
    if args.no_worker:
        os.execv(command[0], command)  # the app takes over this process (Ctrl+C, signals, exit code)
    env = child_environment()
    worker = SupervisedWorker(env)
    try:
        app = subprocess.Popen(command, env=env)
    except OSError:
        worker.stop()
        raise

    def forward(signum: int, _frame: object) -> None:
        worker.no_restart()
        app.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    try:
        code = app.wait()
    finally:
        worker.stop()
    return 128 - code if code < 0 else code  # stopped by a signal: the shell's 128+N (SIGTERM 143), as systemd expects


class SupervisedWorker:
    """The worker beside the app, started again when it dies while the app runs (SIGKILL, out of memory):
    without it uploads wait in the queue and Rawan alerts stop until someone restarts `serve`.
    A worker that keeps dying is restarted after a doubling pause (at most a minute)."""

    def __init__(self, env: dict[str, str]) -> None:
        self._env = env
        self._lock = threading.Lock()
        self._stopping = False
        self._wake = threading.Event()
        self.proc = self._start()
        self._thread = threading.Thread(target=self._watch, name="pengawas-pekerja", daemon=True)
        self._thread.start()

    def _start(self) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "kondusif", "worker"], env=self._env)

    def _watch(self) -> None:
        pause = 1.0
        while True:
            started = time.monotonic()
            code = self.proc.wait()
            if self._stopping or code == 0:  # 0: stopped on purpose (SIGTERM/SIGINT, Ctrl+C), not died
                return
            pause = 1.0 if time.monotonic() - started > 60 else pause
            how = f"sinyal {_signal_name(-code)}" if code < 0 else f"kode keluar {code}"
            print(f"Pekerja latar berhenti tiba-tiba ({how}); dijalankan lagi dalam {pause:.0f} detik.",
                  file=sys.stderr, flush=True)
            if self._wake.wait(pause):
                return
            with self._lock:
                if self._stopping:
                    return
                self.proc = self._start()
            pause = min(pause * 2, 60.0)

    def no_restart(self) -> None:
        """The app is stopping: a worker ending from now on is not started again."""
        with self._lock:
            self._stopping = True
            self._wake.set()

    def stop(self) -> None:
        """No more restarts; the running worker finishes its current event and ends."""
        self.no_restart()
        _stop(self.proc)
        self._thread.join(timeout=5)


def _signal_name(number: int) -> str:
    """SIGKILL for 9: what an operator searches the logs for (the out-of-memory killer, `kill -9`)."""
    try:
        return signal.Signals(number).name
    except ValueError:
        return str(number)


def _stop(worker: subprocess.Popen) -> None:
    """SIGTERM: the worker finishes its current event and ends; killed if it does not within a minute."""
    if worker.poll() is None:
        worker.terminate()
    try:
        worker.wait(timeout=60)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
