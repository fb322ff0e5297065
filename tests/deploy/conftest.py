"""Fixtures for the deployment tests: a throw-away PostgreSQL server of their own (.ci/postgres.sh)."""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def pg_server():
    """A fresh PostgreSQL server on a free loopback port: (superuser URL, port). Stopped afterwards."""
    proc = subprocess.run(
        ["bash", "-c", 'source .ci/postgres.sh >/dev/null && printf "%s\\n%s\\n" "$KONDUSIF_PG_URL" "$PG_STOP"'],
        cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    url, stop = proc.stdout.strip().splitlines()[-2:]
    stop_cmd = shlex.split(stop)[1:]  # "as_pg pg_ctl -D ... stop": as_pg runs as postgres when root
    if os.geteuid() == 0:
        stop_cmd = ["runuser", "-u", "postgres", "--", *stop_cmd]
    port = int(url.rsplit(":", 1)[1].split("/", 1)[0])
    try:
        yield url, port
    finally:
        subprocess.run(stop_cmd, capture_output=True, timeout=120)


