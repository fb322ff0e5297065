"""A full disk is a message, not a traceback (issue 13).

The store lives on a real, tiny tmpfs (mounted for the test, we run as root) that is
then filled to the last byte. The RT form, a file import (CLI, through the import
worker), a workflow action and `backup` each answer in Indonesian that nothing was
saved and why; nothing is stored half-way, no temporary file is left, and the form
still holds what was typed. The store sits on the tmpfs whatever backend the suite
runs on (a PostgreSQL server's own disk cannot be filled from a test); the
PostgreSQL "disk full" error is checked through the same translation below.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime

import pytest
import signin
import sqlalchemy as sa
from fault_helpers import ROOT, incident_count
from streamlit.testing.v1 import AppTest

from kondusif import registry, store, workflow
from kondusif.config import settings
from kondusif.db_unavailable import DISK_FULL, StorageError, as_storage_error, form_message
from kondusif.intake import pipeline
from kondusif.model import Role, Viewer
from kondusif.timeutil import WIB

DASHBOARD = str(ROOT / "dashboard.py")
RT_VIEWER = Viewer("rt-1673011001-003", Role.RT, "Pak Rahman", kelurahan="16.73.01.1001", rt=3)
PANWASLU = Viewer("panwaslu-kota", Role.PANWASLU, "Panwaslu Kota")
TYPED = {"lapor_cat": "politik_uang", "lapor_sev": "berat", "lapor_title": "Amplop dibagikan malam ini",
         "lapor_desc": "Dua orang membagikan amplop berisi uang ke rumah warga RT 03."}
CSV = ("Tanggal;Kelurahan;RT;Jenis;Tingkat;Judul\n"
       "20/06/2018 14.32;Air Kuti;03;APK;ringan;Baliho dirusak\n"
       "21/06/2018 09.00;Air Kuti;03;Politik Uang;berat;Amplop serangan fajar\n")


def _fill(folder) -> None:
    """Write a filler file until the filesystem refuses another byte."""
    with open(folder / "pengisi.bin", "wb", buffering=0) as fh:
        for size in (1 << 16, 4096, 512, 1):
            try:
                while True:
                    fh.write(b"\0" * size)
            except OSError:
                continue


cookies: dict[str, str] = {}  # username -> session cookie obtained by full_disk


@pytest.fixture
def full_disk(tmp_path, monkeypatch):
    """Data dir and SQLite store on a 4 MB tmpfs holding one report, then filled up."""
    mnt = tmp_path / "kecil"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)], check=True)
    try:
        url = f"sqlite:///{mnt / 'kondusif.db'}"
        monkeypatch.setenv("KONDUSIF_DATA_DIR", str(mnt))
        monkeypatch.setenv("KONDUSIF_DB_URL", url)
        settings.cache_clear()
        store.dispose_engines()
        engine = store.get_engine(url)
        registry.ensure_rt_registry(engine)
        first = pipeline.submit_form(engine, RT_VIEWER, {
            "category": "apk", "severity": "ringan", "title": "Baliho dicoret",
            "description": "Baliho paslon dicoret orang tak dikenal.",
            "occurred_at": datetime(2018, 6, 20, 14, 32, tzinfo=WIB)}, "token-pertama")
        assert first.ok, first.errors
        (mnt / "impor").mkdir(exist_ok=True)
        (mnt / "laporan.csv").write_text(CSV, encoding="utf-8")
        cookies[RT_VIEWER.username] = signin.login_cookie(RT_VIEWER)  # signed in before the disk filled up
        # After the sign-in (it writes the account and its audit rows): an empty WAL, so the next write
        # must grow a file. Checkpointing before it left WAL space a later write could reuse.
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        _fill(mnt)
        before = {p.name for p in mnt.rglob("*")}
        yield engine, mnt, url, first, before
    finally:
        store.dispose_engines()
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def _no_new_files(mnt, before) -> None:
    left = {p.name for p in mnt.rglob("*")} - before
    assert not left, f"left behind on the full disk: {left}"


def _cli(args: list[str], url: str, mnt) -> subprocess.CompletedProcess:
    env = {**os.environ, "KONDUSIF_DB_URL": url, "KONDUSIF_DATA_DIR": str(mnt)}
    return subprocess.run([sys.executable, "-m", "kondusif", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_form_on_a_full_disk_says_so_and_keeps_the_typed_report(full_disk):
    engine, mnt, _url, _first, before = full_disk
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    signin.carry_cookie(at, cookies[RT_VIEWER.username])
    at.run()
    at.switch_page("screens/lapor.py")
    at.run()
    assert not at.exception, at.exception
    at.selectbox(key="lapor_cat").select(TYPED["lapor_cat"])
    at.radio(key="lapor_sev").set_value(TYPED["lapor_sev"])
    at.text_input(key="lapor_title").input(TYPED["lapor_title"])
    at.text_area(key="lapor_desc").input(TYPED["lapor_desc"])
    next(b for b in at.button if b.label == "Kirim laporan").click()
    at.run()
    assert not at.exception, at.exception
    shown = [e.value.replace("\\", "") for e in at.error]
    assert any("Penyimpanan server penuh: laporan belum tersimpan" in e for e in shown), shown
    assert not any("Traceback" in e or "sqlite" in e.lower() for e in shown), shown
    assert not at.success
    assert at.text_input(key="lapor_title").value == TYPED["lapor_title"]
    assert at.text_area(key="lapor_desc").value == TYPED["lapor_desc"]
    assert at.selectbox(key="lapor_cat").value == TYPED["lapor_cat"]
    assert incident_count(engine) == 1
    _no_new_files(mnt, before)


def test_import_on_a_full_disk_is_one_line_and_stores_nothing(full_disk):
    engine, mnt, url, _first, before = full_disk
    store.dispose_engines()
    done = _cli(["import", str(mnt / "laporan.csv")], url, mnt)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr, done.stderr
    lines = [x for x in done.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("Galat: penyimpanan server penuh; tidak ada yang disimpan."), \
        done.stderr
    assert incident_count(store.get_engine(url)) == 1
    _no_new_files(mnt, before)


def test_workflow_action_on_a_full_disk_raises_the_indonesian_message(full_disk):
    engine, mnt, _url, first, before = full_disk
    with pytest.raises(StorageError) as caught:
        workflow.verify(engine, PANWASLU, first.incident_id, 1, note="Dicek di lapangan")
    assert str(caught.value).startswith("Penyimpanan server penuh: Data tidak tersimpan.")
    with engine.connect() as conn:
        status = conn.execute(sa.select(store.incidents.c.status)
                              .where(store.incidents.c.id == first.incident_id)).scalar()
    assert status == "baru"
    _no_new_files(mnt, before)


def test_backup_on_a_full_disk_is_one_line_and_leaves_no_temp_file(full_disk):
    _engine, mnt, url, _first, before = full_disk
    store.dispose_engines()
    done = _cli(["backup", "--out", str(mnt / "cadangan.db")], url, mnt)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr, done.stderr
    lines = [x for x in done.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("Galat: Penyimpanan server penuh"), done.stderr
    assert not (mnt / "cadangan.db").exists()
    _no_new_files(mnt, before)


def test_postgres_disk_full_and_read_only_errors_get_the_same_words():
    import psycopg

    pg = sa.exc.OperationalError("INSERT ...", {}, psycopg.errors.DiskFull("could not extend file: No space left"))
    assert as_storage_error(pg).reason == DISK_FULL
    ro = OSError(30, "Read-only file system")
    assert form_message(ro).startswith("Penyimpanan server hanya-baca (read-only): laporan belum tersimpan.")
    assert as_storage_error(ValueError("bukan masalah disk")) is None
