"""Shared fixtures: every test gets its own database and data folder.

The store is a real SQLite file (WAL) per test by default. When the suite is run
with KONDUSIF_DB_URL pointing at PostgreSQL, every test gets a fresh database on
that server instead, so the same tests prove both backends.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent

# Read once, before any test changes the environment. Boundaries: the extract packaged
# in lubuklinggau_geo (built once per session, like the app does on first use);
# LUBUKLINGGAU_GEO_DIR set when pytest starts overrides it for every test.
BASE_DB_URL = os.environ.get("KONDUSIF_DB_URL", "")
GEO_OVERRIDE = os.environ.get("LUBUKLINGGAU_GEO_DIR", "").strip()


def is_postgres() -> bool:
    return BASE_DB_URL.startswith("postgresql")


@pytest.fixture(scope="session")
def packaged_geo(tmp_path_factory) -> Path:
    """The packaged boundary extract, verified and built once for the session (geo-bawaan)."""
    from lubuklinggau_geo import packaged

    return packaged.ensure_built(tmp_path_factory.mktemp("geo-cache"))


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path, monkeypatch, packaged_geo):
    """No test touches data/ of the checkout or the developer's database.

    Each data dir gets the session's packaged build as its geo-bawaan (a symlink), so
    the app's default lookup (no LUBUKLINGGAU_GEO_DIR, no data/geo) finds it built.
    """
    from kondusif.config import settings

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    monkeypatch.setenv("KONDUSIF_DATA_DIR", str(data_dir))
    monkeypatch.setenv("KONDUSIF_SECRET_KEY", "test-secret-" + "x" * 20)
    if GEO_OVERRIDE:
        monkeypatch.setenv("LUBUKLINGGAU_GEO_DIR", GEO_OVERRIDE)
    else:
        monkeypatch.delenv("LUBUKLINGGAU_GEO_DIR", raising=False)
        (data_dir / "geo-bawaan").symlink_to(packaged_geo, target_is_directory=True)
    monkeypatch.delenv("KONDUSIF_DB_URL", raising=False)
    monkeypatch.delenv("KONDUSIF_CONFIG", raising=False)
    monkeypatch.setenv("KONDUSIF_CONFIG", str(tmp_path / "no-config.toml"))
    settings.cache_clear()
    yield
    settings.cache_clear()


@pytest.fixture(scope="session")
def geo_dir(packaged_geo) -> Path:
    """The boundary folder the tests use: LUBUKLINGGAU_GEO_DIR when given, else the packaged build."""
    if GEO_OVERRIDE:
        d = Path(GEO_OVERRIDE)
        if not (d / "kelurahan.geojson").exists():
            pytest.fail(f"LUBUKLINGGAU_GEO_DIR={GEO_OVERRIDE} holds no kelurahan.geojson")
        return d
    return packaged_geo


def _pg_create(name: str) -> str:
    admin = sa.create_engine(BASE_DB_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return sa.engine.make_url(BASE_DB_URL).set(database=name).render_as_string(hide_password=False)


def _pg_drop(name: str) -> None:
    admin = sa.create_engine(BASE_DB_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture
def db_url(tmp_path, monkeypatch) -> str:
    """URL of a fresh, empty database for this test, exported as KONDUSIF_DB_URL."""
    from kondusif import store
    from kondusif.config import settings

    store.dispose_engines()
    if is_postgres():
        name = f"t_{uuid.uuid4().hex[:16]}"
        url = _pg_create(name)
    else:
        name = None
        url = f"sqlite:///{tmp_path / 'data' / 'kondusif.db'}"
    monkeypatch.setenv("KONDUSIF_DB_URL", url)
    settings.cache_clear()
    yield url
    store.dispose_engines()
    if name:
        _pg_drop(name)


@pytest.fixture
def engine(db_url):
    """The store engine on this test's fresh database (schema created)."""
    from kondusif import store

    return store.get_engine(db_url)


DEMO_N = 3000
DEMO_SEED = 7


@pytest.fixture
def import_worker(engine, monkeypatch):
    """A background worker on a thread (tests/worker_thread.py): takes the import checks the screen queues."""
    from worker_thread import worker_thread

    from kondusif.config import settings

    monkeypatch.setenv("KONDUSIF_WORKER_POLL_SECONDS", "0.1")
    settings.cache_clear()
    with worker_thread(engine) as worker:
        yield worker


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory) -> Path | None:
    """A SQLite file with the RT sample and DEMO_N simulated incidents, built once."""
    if is_postgres():
        return None
    from kondusif import demo, registry, store

    path = tmp_path_factory.mktemp("template") / "demo.db"
    engine = store.make_engine(f"sqlite:///{path}")
    store.init_db(engine)
    registry.ensure_rt_registry(engine)
    demo.seed_demo(engine, DEMO_N, DEMO_SEED)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def demo_engine(db_url, _demo_template):
    """A store holding the RT sample and DEMO_N simulated incidents (seed DEMO_SEED)."""
    from kondusif import demo, registry, store

    if _demo_template is not None:
        target = Path(sa.engine.make_url(db_url).database)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(_demo_template, target)
        return store.get_engine(db_url)
    engine = store.get_engine(db_url)
    registry.ensure_rt_registry(engine)
    demo.seed_demo(engine, DEMO_N, DEMO_SEED)
    return engine


@pytest.fixture(scope="session")
def browser():
    """Debian chromium through Playwright, ONE per test session for every folder (tests/browser,
    tests/deploy): a second sync Playwright in the same process fails while the first is open."""
    import sys

    from playwright.sync_api import sync_playwright

    browser_dir = str(Path(__file__).resolve().parent / "browser")
    if browser_dir not in sys.path:
        sys.path.insert(0, browser_dir)
    from browser_helpers import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(autouse=True)
def _browser_cookies(monkeypatch):
    """AppTest cannot send cookies: answer st.context.cookies from the AppTest's own jar
    (tests/signin.py), so page tests sign in with the real login route and cookie."""
    import signin
    from streamlit.runtime import context

    monkeypatch.setattr(context, "_get_client_context", signin.client_context(context._get_client_context))
