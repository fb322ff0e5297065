"""Fixture `gateway` (module): the app (`streamlit run app.py`) on its own store; see smssync_helpers.py."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "browser"))
from browser_helpers import app_env, run_app  # noqa: E402
from smssync_helpers import BASE_DB_URL, RATE_PER_MINUTE, Gateway, _pg_url, is_postgres  # noqa: E402


@pytest.fixture(scope="module")
def gateway(tmp_path_factory, geo_dir):
    """The app running on its own store; yields a Gateway."""
    from kondusif import registry, store

    root = tmp_path_factory.mktemp("smssync")
    data = root / "data"
    data.mkdir()
    config = root / "kondusif.toml"
    config.write_text(f"[smssync]\nrequests_per_minute = {RATE_PER_MINUTE}\n", encoding="utf-8")
    pg_name = None
    if is_postgres():
        pg_name = f"t_smssync_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(BASE_DB_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{pg_name}"')
        admin.dispose()
        db_url = _pg_url(BASE_DB_URL, pg_name)
    else:
        db_url = f"sqlite:///{data / 'kondusif.db'}"
    engine = store.get_engine(db_url)
    registry.ensure_rt_registry(engine)
    env = app_env(db_url, KONDUSIF_DATA_DIR=str(data), KONDUSIF_CONFIG=str(config),
                  KONDUSIF_TRUSTED_PROXIES="127.0.0.1", LUBUKLINGGAU_GEO_DIR=str(geo_dir))
    try:
        with run_app(env) as running:
            yield Gateway(running.url, db_url, data)
    finally:
        store.dispose_engines()
        if pg_name:
            admin = sa.create_engine(BASE_DB_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
            admin.dispose()
