"""`python -m kondusif … | head`: the reader leaving early is not an error the operator should see as a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_output_into_a_closed_pipe_ends_quietly(engine, db_url):
    proc = subprocess.Popen([sys.executable, "-m", "kondusif", "--db-url", db_url, "cakupan", "--tanggal", "2018-06-27"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # like `head` that has read what it wanted before the first line is written
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
