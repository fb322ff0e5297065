"""Issue 16: deploy/postgres-setup.sh gives the app a role that reads and writes rows, nothing more."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]


def setup_database(pg_server, etc: Path, db: str) -> dict[str, str]:
    """Run the set-up script against the test server; returns {file name: KONDUSIF_DB_URL}."""
    _, port = pg_server
    env = {**os.environ, "SIKONDUSIF_ETC": str(etc), "SIKONDUSIF_DB": db, "SIKONDUSIF_PG_PORT": str(port),
           "PSQL": f"psql -h 127.0.0.1 -p {port} -U postgres"}
    proc = subprocess.run(["bash", str(ROOT / "deploy" / "postgres-setup.sh")], env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return {f.name: f.read_text(encoding="utf-8").strip().split("=", 1)[1] for f in etc.glob("*.env")}


def kondusif(url: str, data: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "KONDUSIF_DB_URL": url, "KONDUSIF_DATA_DIR": str(data)}
    return subprocess.run([sys.executable, "-m", "kondusif", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


def test_owner_creates_the_schema_the_app_role_writes_rows_only(pg_server, tmp_path):
    etc = tmp_path / "etc"
    urls = setup_database(pg_server, etc, "sk_setup")
    assert set(urls) == {"db.env", "db-admin.env"}
    assert oct((etc / "db.env").stat().st_mode & 0o777) == "0o640"
    assert "sikondusif_app:" in urls["db.env"] and "sikondusif_pemilik:" in urls["db-admin.env"]
    # Idempotent: a second run keeps the passwords (running services keep working).
    assert setup_database(pg_server, etc, "sk_setup") == urls

    data = tmp_path / "data"
    init = kondusif(urls["db-admin.env"], data, "init")
    assert init.returncode == 0, init.stderr
    demo = kondusif(urls["db.env"], data, "demo", "--n", "30")  # the app role files reports
    assert demo.returncode == 0, demo.stderr
    backup = kondusif(urls["db.env"], data, "backup", "--out", str(tmp_path / "malam.dump"))
    assert backup.returncode == 0, backup.stderr
    assert "30 laporan" in backup.stdout

    app = sa.create_engine(urls["db.env"])
    try:
        with app.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM incidents")).scalar() == 30
        for ddl in ("CREATE TABLE coba (i int)", "DROP TABLE incidents", "TRUNCATE audit_log",
                    "ALTER TABLE users ADD COLUMN x int"):
            with app.connect() as conn:
                try:
                    conn.execute(sa.text(ddl))
                except sa.exc.ProgrammingError as exc:
                    assert "permission denied" in str(exc) or "must be owner" in str(exc), ddl
                else:
                    raise AssertionError(f"the app role could run: {ddl}")
    finally:
        app.dispose()
