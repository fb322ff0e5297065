"""Prints the size of a fresh .venv with the runtime requirements only (what `make run` installs) and with
the runtime + dev requirements (what `make test` installs), and how long each install takes from a warm
pip cache / local wheel directory (issue 14).

Builds throw-away venvs in a temporary folder with `python3 -m venv` and `pip install -r` the
requirements of this checkout, exactly as the Makefile does; the project's own .venv is not touched.
The first (unmeasured, --warm) install fills pip's cache, so the timed ones measure a warm cache.

Usage: python benchmarks/bench_install.py [--python python3] [--no-warm]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def du(path: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            p = Path(dirpath) / name
            if not p.is_symlink():
                total += p.stat().st_size
    return total


def pip(venv: Path, *args: str) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", *args], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"pip install {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return time.perf_counter() - t0


def fresh_venv(python: str, where: Path) -> tuple[Path, float]:
    t0 = time.perf_counter()
    subprocess.run([python, "-m", "venv", "--clear", str(where)], check=True)
    return where, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--python", default="python3")
    ap.add_argument("--no-warm", action="store_true", help="skip the unmeasured install that fills pip's cache")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-install-"))
    try:
        if not args.no_warm:
            venv, _ = fresh_venv(args.python, tmp / "warm")
            pip(venv, "-r", "requirements.txt", "-r", "requirements-dev.txt")
            shutil.rmtree(venv)
        venv, t_venv = fresh_venv(args.python, tmp / "venv")
        t_run = pip(venv, "-r", "requirements.txt")
        size_run = du(venv)
        t_dev = pip(venv, "-r", "requirements-dev.txt")
        size_dev = du(venv)
        print(f"install from a warm pip cache ({args.python}, load average {os.getloadavg()[0]:.1f} on "
              f"{os.cpu_count()} cores: indicative)")
        print(f"  runtime only (make run):        .venv {size_run / 2**20:6.0f} MiB, "
              f"venv {t_venv:4.1f} s + pip install -r requirements.txt {t_run:5.1f} s")
        print(f"  runtime + dev (make test):      .venv {size_dev / 2**20:6.0f} MiB, "
              f"+ pip install -r requirements-dev.txt {t_dev:5.1f} s")
        print(f"  dev tools add {(size_dev - size_run) / 2**20:.0f} MiB (Playwright, pytest, hypothesis, ruff, pypdf)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
