"""`python -m kondusif health`, the admin page's health section and the low-disk warning (issue 13)."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime
from pathlib import Path

import signin
from streamlit.testing.v1 import AppTest

from kondusif import health, registry, store
from kondusif.intake import pipeline
from kondusif.model import Role, Viewer
from kondusif.timeutil import WIB

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD = str(ROOT / "dashboard.py")
RT_VIEWER = Viewer("rt-1673011001-003", Role.RT, "Pak Rahman", kelurahan="16.73.01.1001", rt=3)
ADMIN = Viewer("admin", Role.ADMIN, "Operator")
PANWASLU = Viewer("panwaslu-kota", Role.PANWASLU, "Panwaslu Kota")


def cli(*args: str, **env: str) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, "-m", "kondusif", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**os.environ, **env})


def _one_report(engine) -> None:
    registry.ensure_rt_registry(engine)
    out = pipeline.submit_form(engine, RT_VIEWER, {
        "category": "apk", "severity": "ringan", "title": "Baliho dicoret", "description": "Baliho dicoret.",
        "occurred_at": datetime(2018, 6, 20, 14, 32, tzinfo=WIB)}, "token-sehat")
    assert out.ok, out.errors


def test_health_command_shows_the_figures_and_the_last_backup(engine, tmp_path):
    _one_report(engine)
    with store.write(engine) as conn:
        conn.execute(store.review_queue.insert().values(
            fingerprint="f1", channel="whatsapp", sender="Pak A", text="ada ribut", guess="{}", reason="uji",
            state="antri", created_at=datetime(2018, 6, 20, 8, 0, tzinfo=WIB)))
    before = cli("health")
    assert before.returncode == 0, before.stderr
    assert "Cadangan terakhir: belum pernah dicatat" in before.stdout
    assert "Laporan 1 jam    : 1\n" in before.stdout
    assert "Antrean tinjauan : 1 pesan menunggu" in before.stdout
    assert "Peringatan gagal : 0 pengiriman gagal" in before.stdout
    assert ("Berkas WAL       : " + ("tidak ada (PostgreSQL)" if engine.dialect.name != "sqlite" else "")) \
        in before.stdout

    out = tmp_path / "cadangan.bak"
    assert cli("backup", "--out", str(out)).returncode == 0
    after = cli("health")
    assert f"WIB ({out})" in after.stdout, after.stdout

    low = cli("health", KONDUSIF_MIN_FREE_MB=str(10**9))
    assert low.returncode == 1
    assert "DI BAWAH BATAS" in low.stdout and "Traceback" not in low.stderr


def test_low_disk_is_warned_in_the_app_and_on_the_admin_page(engine, monkeypatch):
    registry.ensure_rt_registry(engine)
    h = health.check(engine)
    assert not h.low_disk and h.free_bytes > 0
    monkeypatch.setenv("KONDUSIF_MIN_FREE_MB", str(10**9))  # a threshold no disk reaches
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    signin.sign_in(at, ADMIN)
    at.run()
    at.switch_page("screens/admin_akun.py")
    at.run()
    assert not at.exception, at.exception
    warnings = [w.value for w in at.warning]
    assert any(w.startswith("Ruang disk server tinggal") for w in warnings), warnings
    code = "\n".join(t.value for t in at.text)
    assert "Ruang disk bebas" in code and "DI BAWAH BATAS" in code

    rt = AppTest.from_file(DASHBOARD, default_timeout=60)
    signin.sign_in(rt, RT_VIEWER)  # nothing an RT can do about it: no warning for them
    rt.run()
    assert not rt.exception
    assert not any(w.value.startswith("Ruang disk server tinggal") for w in rt.warning)

    monkeypatch.setenv("KONDUSIF_MIN_FREE_MB", "1")
    pw = AppTest.from_file(DASHBOARD, default_timeout=60)
    signin.sign_in(pw, PANWASLU)
    pw.run()
    assert not pw.exception
    assert not any(w.value.startswith("Ruang disk server tinggal") for w in pw.warning)


def test_health_shows_when_a_worker_was_last_seen(engine):
    """Issue 28: an operator sees whether the background worker runs (alert delivery depends on it)."""
    from datetime import timedelta

    import sqlalchemy as sa

    from kondusif.store.schema import workers

    assert "Pekerja latar    : belum pernah berjalan" in cli("health").stdout
    once = cli("worker", "--sekali")
    assert once.returncode == 0, once.stderr
    assert once.stdout.strip().endswith("0 peristiwa ditangani, 0 pemeriksaan berkas impor selesai.")
    seen = cli("health").stdout
    assert "Pekerja latar    : terakhir terlihat " in seen and "TIDAK BERJALAN" not in seen
    with store.write(engine) as conn:  # its last heartbeat two hours ago: the worker died
        conn.execute(workers.update().values(seen_at=datetime.now(WIB) - timedelta(hours=2)))
    assert "WIB — TIDAK BERJALAN?" in cli("health").stdout
    assert "Peristiwa        : 0 menunggu, 0 gagal terus" in cli("health").stdout
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(workers)).scalar() == 1


def test_health_counts_waiting_import_checks_and_worker_once_runs_them(engine):
    """An uploaded file waits for the worker's check: `health` says how many wait (and that no worker takes
    them), and `worker --sekali` runs the queued checks to their end instead of leaving them waiting."""
    from kondusif.intake import worker

    registry.ensure_rt_registry(engine)
    csv = (b"Tanggal;Kelurahan;RT;Jenis;Tingkat;Judul\n"
           b"20/06/2018 14.32;Air Kuti;03;APK;ringan;Baliho dirusak\n")
    first = worker.enqueue(engine, "file", csv, "laporan.csv", PANWASLU)
    second = worker.enqueue(engine, "chat", b"20/06/18 14.32 - Pak RT: LAPOR apk ringan RT 3 Air Kuti: baliho\n",
                            "chat.txt", PANWASLU)
    shown = cli("health").stdout
    assert ("Pemeriksaan impor: 2 berkas menunggu, 0 sedang diperiksa — TIDAK ADA PEKERJA YANG MENGAMBILNYA?"
            in shown), shown
    once = cli("worker", "--sekali")
    assert once.returncode == 0, once.stderr
    assert once.stdout.strip().endswith("0 peristiwa ditangani, 2 pemeriksaan berkas impor selesai."), once.stdout
    assert not first.running() and not second.running()
    status, preview = first.outcome()
    assert status == "ok" and (preview.rows_in, preview.good) == (1, 1)
    assert "Pemeriksaan impor: 0 berkas menunggu, 0 sedang diperiksa\n" in cli("health").stdout + "\n"
