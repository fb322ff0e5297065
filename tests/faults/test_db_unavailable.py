"""A database that stays locked or cannot be reached: a clear Indonesian message, the form keeps
what was typed, and nothing is lost or doubled on retry.

- Locked: another connection holds the write lock (SQLite `BEGIN EXCLUSIVE`; PostgreSQL
  `LOCK TABLE incidents IN EXCLUSIVE MODE`) while the RT form is sent. The wait is bounded by
  KONDUSIF_DB_BUSY_TIMEOUT_MS (shortened here), then the form says the report is not saved.
- Unreachable: the store's URL points at a PostgreSQL port nobody listens on — while the form
  is open (the app's engine is already made, its server went away), and at the app's start.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
import signin
import sqlalchemy as sa
from fault_helpers import ROOT, cli_env, incident_count, sqlite_path, unreachable_pg_url
from streamlit.testing.v1 import AppTest

from kondusif import registry, store
from kondusif.config import settings
from kondusif.db_unavailable import FORM_MESSAGE, PAGE_MESSAGE
from kondusif.model import Role, Viewer

DASHBOARD = str(ROOT / "dashboard.py")
RT_VIEWER = Viewer("rt-1673011001-003", Role.RT, "Pak Rahman", kelurahan="16.73.01.1001", rt=3)
PANWASLU = Viewer("panwaslu-kota", Role.PANWASLU, "Panwaslu Kota")
TYPED = {"lapor_cat": "politik_uang", "lapor_sev": "berat", "lapor_title": "Amplop dibagikan malam ini",
         "lapor_desc": "Dua orang membagikan amplop berisi uang ke rumah warga RT 03."}


def plain(text: str) -> str:
    """Message text without the markdown escapes the page adds."""
    return text.replace("\\", "")


@pytest.fixture
def busy_store(db_url, monkeypatch):
    """This test's store, with a write that waits at most 0.3 s for a lock before it fails."""
    monkeypatch.setenv("KONDUSIF_DB_BUSY_TIMEOUT_MS", "300")
    store.dispose_engines()
    engine = store.get_engine(db_url)
    registry.ensure_rt_registry(engine)
    return engine


@contextmanager
def write_lock(db_url: str):
    """Hold the store's write lock from another connection until the block ends."""
    path = sqlite_path(db_url)
    if path is not None:
        con = sqlite3.connect(path, isolation_level=None)
        con.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            con.execute("ROLLBACK")
            con.close()
        return
    other = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    try:
        with other.connect() as conn:
            conn.exec_driver_sql("LOCK TABLE incidents IN EXCLUSIVE MODE")  # reads go on, writes wait
            try:
                yield
            finally:
                conn.rollback()
    finally:
        other.dispose()


def open_form(viewer: Viewer) -> AppTest:
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    signin.sign_in(at, viewer)
    at.run()
    at.switch_page("screens/lapor.py")
    at.run()
    assert not at.exception
    return at


def type_report(at: AppTest) -> None:
    at.selectbox(key="lapor_cat").select(TYPED["lapor_cat"])
    at.radio(key="lapor_sev").set_value(TYPED["lapor_sev"])
    at.text_input(key="lapor_title").input(TYPED["lapor_title"])
    at.text_area(key="lapor_desc").input(TYPED["lapor_desc"])


def send(at: AppTest) -> AppTest:
    next(b for b in at.button if b.label == "Kirim laporan").click()
    at.run()
    assert not at.exception, at.exception
    return at


def errors(at: AppTest) -> list[str]:
    return [plain(e.value) for e in at.error]


def assert_typed_values_kept(at: AppTest) -> None:
    assert at.selectbox(key="lapor_cat").value == TYPED["lapor_cat"]
    assert at.radio(key="lapor_sev").value == TYPED["lapor_sev"]
    assert at.text_input(key="lapor_title").value == TYPED["lapor_title"]
    assert at.text_area(key="lapor_desc").value == TYPED["lapor_desc"]


def stored_titles(engine) -> list[str]:
    with engine.connect() as conn:
        return conn.execute(sa.select(store.incidents.c.title)).scalars().all()


def test_locked_store_keeps_the_form_and_the_retry_files_exactly_one_report(busy_store, db_url):
    at = open_form(RT_VIEWER)
    type_report(at)
    with write_lock(db_url):
        send(at)
        assert any(FORM_MESSAGE in e for e in errors(at)), errors(at)
        assert not at.success
        assert_typed_values_kept(at)
        assert incident_count(busy_store) == 0
        send(at)  # pressed again while still locked: same answer, still nothing stored
        assert any(FORM_MESSAGE in e for e in errors(at))
        assert incident_count(busy_store) == 0
    send(at)  # the lock is gone: the same form, sent once more
    assert "Nomor laporan Anda" in at.success[0].value
    assert stored_titles(busy_store) == [TYPED["lapor_title"]]
    assert not any(FORM_MESSAGE in e for e in errors(at))


@pytest.fixture
def away(db_url, monkeypatch):
    """Point the running app at a PostgreSQL server that is not there (and back again)."""
    good = db_url

    def go() -> str:
        bad = unreachable_pg_url()
        store.get_engine(bad, init=False)  # the app's engine exists already; its server went away
        monkeypatch.setenv("KONDUSIF_DB_URL", bad)
        settings.cache_clear()
        return bad

    def back() -> None:
        monkeypatch.setenv("KONDUSIF_DB_URL", good)
        settings.cache_clear()

    return go, back


def test_unreachable_store_rt_form_says_so_and_keeps_what_was_typed(busy_store, away):
    go, back = away
    at = open_form(RT_VIEWER)
    type_report(at)
    go()
    send(at)
    assert any(FORM_MESSAGE in e for e in errors(at)), errors(at)
    assert_typed_values_kept(at)
    back()
    send(at)
    assert "Nomor laporan Anda" in at.success[0].value
    assert stored_titles(busy_store) == [TYPED["lapor_title"]]


def test_unreachable_store_before_the_form_is_drawn_values_come_back_on_retry(busy_store, away):
    """Panwaslu's form reads the RT list before drawing: the page shows the outage, the typed
    values are kept aside, and «Coba lagi» brings the form back filled in."""
    go, back = away
    at = open_form(PANWASLU)
    at.selectbox(key="lapor_kel").select("16.73.01.1001")
    at.run()
    at.selectbox(key="lapor_rt").select(3)
    type_report(at)
    go()
    send(at)
    assert any(PAGE_MESSAGE in e for e in errors(at)), errors(at)
    assert not [t for t in at.text_input if t.key == "lapor_title"]  # the form could not be drawn
    back()
    at.button(key="_db_unavailable_retry").click()
    at.run()
    assert not at.exception
    assert any(FORM_MESSAGE in e for e in errors(at))  # what happened to the last attempt
    assert_typed_values_kept(at)
    assert at.selectbox(key="lapor_kel").value == "16.73.01.1001"
    assert at.selectbox(key="lapor_rt").value == 3
    send(at)
    assert "Nomor laporan Anda" in at.success[0].value
    assert stored_titles(busy_store) == [TYPED["lapor_title"]]


def test_app_start_with_unreachable_store_shows_a_message_not_a_traceback(engine, monkeypatch):
    # A browser that signed in while the store was up still carries its cookie.
    cookie = signin.login_cookie(Viewer("pejabat", Role.PEJABAT, "Pejabat"))
    monkeypatch.setenv("KONDUSIF_DB_URL", unreachable_pg_url())
    settings.cache_clear()
    store.dispose_engines()
    try:
        at = AppTest.from_file(DASHBOARD, default_timeout=60)
        at.run()
        assert not at.exception, at.exception
        assert PAGE_MESSAGE in errors(at)
        # No login form to a dead store (the form is plain HTML posting to /sesi/masuk).
        assert not [e for e in at.main if type(e).__name__ == "Html" and "/sesi/masuk" in e.proto.body]

        signed_in = AppTest.from_file(DASHBOARD, default_timeout=60)
        signin.carry_cookie(signed_in, cookie)
        signed_in.run()
        assert not signed_in.exception, signed_in.exception
        assert PAGE_MESSAGE in errors(signed_in)
    finally:
        store.dispose_engines()


def test_cli_with_unreachable_store_says_so_in_one_line(tmp_path):
    csv_file = Path(tmp_path / "satu.csv")
    csv_file.write_text("Tanggal;Kelurahan;RT;Jenis;Tingkat;Judul\n20/06/2018 14.32;Air Kuti;03;APK;ringan;x\n",
                        encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "kondusif", "import", str(csv_file)], cwd=ROOT,
                          env=cli_env(unreachable_pg_url()), capture_output=True, text=True, timeout=120)
    assert done.returncode == 3
    assert "Traceback" not in done.stderr
    assert "basis data sedang sibuk atau tidak dapat dihubungi" in done.stderr
