"""`serve`: start the app (`make run`) on the configured address, loopback unless told otherwise,
and one background worker beside it (issue 28), stopped with the app.

Streamlit listens on every interface by default, over plain HTTP; passwords and PINs
would cross the network in clear (issue 27 item 9). This command binds the
`server_address` setting (default 127.0.0.1) and says in the console how to put the
shipped nginx TLS site in front when the app must be reached from other machines.

App processes start no background work: `serve` starts `python -m kondusif worker` as a child
(alert delivery, election-day watches, leftover events) unless `--tanpa-pekerja` says systemd
runs it (sikondusif-worker.service); SIGTERM/SIGINT are passed to the app, then the worker stops.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import signal
import subprocess
import sys

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
    worker = subprocess.Popen([sys.executable, "-m", "kondusif", "worker"], env=env)
    try:
        app = subprocess.Popen(command, env=env)
    except OSError:
        _stop(worker)
        raise

    def forward(signum: int, _frame: object) -> None:
        app.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    try:
        code = app.wait()
    finally:
        _stop(worker)
    return 128 - code if code < 0 else code  # stopped by a signal: the shell's 128+N (SIGTERM 143), as systemd expects


def _stop(worker: subprocess.Popen) -> None:
    """SIGTERM: the worker finishes its current event and ends; killed if it does not within a minute."""
    if worker.poll() is None:
        worker.terminate()
    try:
        worker.wait(timeout=60)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
