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
    # Issue 31: the owner's password is for root (systemd, the CLI wrapper) only, not the app's group.
    admin_env = (etc / "db-admin.env").stat()
    assert oct(admin_env.st_mode & 0o777) == "0o600" and admin_env.st_uid == os.getuid()
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
        # Issue 31: the app role adds audit rows but never changes or removes one.
        with app.begin() as conn:
            conn.execute(sa.text("INSERT INTO audit_log (at, actor, entity, action) "
                                 "VALUES (now(), 'uji', 'uji', 'tambah')"))
        for dml in ("UPDATE audit_log SET note = 'diubah'", "DELETE FROM audit_log"):
            with app.connect() as conn:
                try:
                    conn.execute(sa.text(dml))
                except sa.exc.ProgrammingError as exc:
                    assert "permission denied" in str(exc), dml
                else:
                    raise AssertionError(f"the app role could run: {dml}")
        # a second run of the set-up (GRANT ... ON ALL TABLES) must not hand UPDATE/DELETE back
        setup_database(pg_server, etc, "sk_setup")
        with app.connect() as conn:
            rights = conn.execute(sa.text(
                "SELECT has_table_privilege('audit_log', 'UPDATE'), has_table_privilege('audit_log', 'DELETE'),"
                " has_table_privilege('audit_log', 'INSERT')")).one()
        assert tuple(rights) == (False, False, True)
    finally:
        app.dispose()


def test_the_cli_wrapper_reads_the_owner_password_only_as_root(tmp_path):
    """`sikondusif-cli.sh --pemilik` names the reason when run by a user who cannot read db-admin.env."""
    import pwd
    import shutil

    if os.geteuid() != 0 or shutil.which("runuser") is None:
        import pytest

        pytest.skip("needs root to run the wrapper as another user")
    nobody = pwd.getpwnam("nobody").pw_name
    # the script goes in on stdin: `nobody` may not be able to enter the folder the repository is cloned in
    proc = subprocess.run(["runuser", "-u", nobody, "--", "bash", "-s", "--", "--pemilik", "info"],
                          input=(ROOT / "deploy" / "sikondusif-cli.sh").read_text(), cwd="/",
                          env={**os.environ, "SIKONDUSIF_ETC": str(tmp_path)},
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "hanya bisa dibaca root" in proc.stderr and "sudo" in proc.stderr


OFFICIAL = (
    "\ufeffDAFTAR KETUA RT KOTA LUBUKLINGGAU\n"
    "No;Kelurahan;No. RT;Nama Ketua RT;No. HP\n"
    "1;Air Kuti;RT 001;Harun Rasyid;0812-3456-7001\n"
    "2;Air Kuti;002;Sari Wulandari;\n"
    "3;Air Kuti;099;Amir Hamzah;0812-3456-7099\n"
)


def _wrapper(etc: Path, *args: str, stdin: str = "", owner: bool = False) -> subprocess.CompletedProcess:
    """deploy/sikondusif-cli.sh as the README has the operator run it (as root, then as the app's user)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KONDUSIF_")}
    env.update(SIKONDUSIF_ETC=str(etc), SIKONDUSIF_USER="root", SIKONDUSIF_PYTHON=sys.executable)
    cmd = ["bash", str(ROOT / "deploy" / "sikondusif-cli.sh"), *(["--pemilik"] if owner else []), *args]
    return subprocess.run(cmd, env=env, input=stdin, capture_output=True, text=True, timeout=300)


def test_an_operators_day_from_roles_to_a_restore_drill(pg_server, tmp_path):
    """Issue 31.4, the README's production steps on PostgreSQL: owner init, the official RT list, the
    command post's accounts (Panwaslu, the wall, every RT of the list with PIN cards), a backup and a
    restore drill into a scratch database that answers with the same contents."""
    if os.geteuid() != 0:
        import pytest

        pytest.skip("the wrapper runs the CLI through runuser as root, as on the server")
    etc = tmp_path / "etc"
    setup_database(pg_server, etc, "sk_posko")
    (etc / "sikondusif.env").write_text(f"KONDUSIF_DATA_DIR={tmp_path / 'data'}\n", encoding="utf-8")
    step = _wrapper(etc, "init", "--produksi", owner=True)
    assert step.returncode == 0 and "Akun admin dibuat" in step.stdout, step.stderr

    daftar = tmp_path / "daftar-rt.csv"
    daftar.write_text(OFFICIAL, encoding="utf-8")
    step = _wrapper(etc, "rt", "impor", str(daftar), "--coba")
    assert step.returncode == 0 and "tidak ada yang disimpan" in step.stdout, step.stderr
    step = _wrapper(etc, "rt", "impor", str(daftar))
    assert step.returncode == 0 and "Daftar RT resmi diterapkan: 3 RT" in step.stdout, step.stderr
    assert _wrapper(etc, "rt", "impor", str(daftar)).stdout.count("Tidak ada perubahan") == 1

    step = _wrapper(etc, "users", "create", "--username", "panwaslu-kota", "--role", "panwaslu",
                    "--name", "Panwaslu Kota", "--must-change", stdin="Sekali-pakai-panwas-1\n")
    assert step.returncode == 0, step.stderr
    step = _wrapper(etc, "users", "create", "--username", "layar-posko", "--role", "pejabat",
                    "--name", "Layar posko", "--must-change", stdin="Sekali-pakai-layar-1\n")
    assert step.returncode == 0, step.stderr
    pins = tmp_path / "pin-rt.csv"
    step = _wrapper(etc, "users", "bulk-rt", "--out", str(pins))
    assert step.returncode == 0 and "3 akun RT dibuat" in step.stdout, step.stderr
    assert "rt-1673011001-099" in pins.read_text(encoding="utf-8-sig")  # RT 99: only in the official list
    assert pins.with_suffix(".pdf").read_bytes().startswith(b"%PDF")
    step = _wrapper(etc, "users", "phones-from-registry")
    assert step.returncode == 0, step.stderr

    dump = tmp_path / "malam.dump"
    step = _wrapper(etc, "backup", "--out", str(dump))
    assert step.returncode == 0, step.stderr
    _, port = pg_server
    subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-c",
                    "CREATE DATABASE sk_latihan OWNER sikondusif_pemilik"], check=True, capture_output=True,
                   timeout=60)
    step = _wrapper(etc, "--basis-data", "sk_latihan", "restore", str(dump), "--yes", owner=True)
    assert step.returncode == 0, step.stderr
    live = [_wrapper(etc, *cmd, owner=True).stdout for cmd in (["users", "list"], ["rt", "status"])]
    drill = [_wrapper(etc, "--basis-data", "sk_latihan", *cmd, owner=True).stdout
             for cmd in (["users", "list"], ["rt", "status"])]
    assert drill == live and "rt-1673011001-099" in live[0] and "resmi, 3 RT" in live[1]
