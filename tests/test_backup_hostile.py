"""Issue 27 item 3: a backup with schema objects this version does not create is refused, naming them.

Each hostile backup is made the way an attacker would: the objects are added to a store,
a backup is taken, and the store is put back clean. The restore must refuse the file and
change nothing (the objects never reach the live store).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from kondusif import accounts, registry, store
from kondusif.model import Role, Viewer

ROOT = Path(__file__).resolve().parent.parent

# The trigger the audit planted: a Ketua RT becomes admin on their next login.
PROMOTE = {
    "sqlite": ["CREATE TRIGGER naikkan_admin AFTER UPDATE OF last_login ON users WHEN NEW.role = 'rt' "
               "BEGIN UPDATE users SET role = 'admin' WHERE id = NEW.id; END"],
    "postgresql": [
        "CREATE FUNCTION jadikan_admin() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN IF NEW.role = 'rt' THEN NEW.role := 'admin'; END IF; RETURN NEW; END $$",
        "CREATE TRIGGER naikkan_admin BEFORE UPDATE OF last_login ON users "
        "FOR EACH ROW EXECUTE FUNCTION jadikan_admin()",
    ],
}
# The second one: reporter identity copied into the title, which pejabat can read.
LEAK = {
    "sqlite": ["CREATE TRIGGER bocorkan_pelapor AFTER INSERT ON incidents BEGIN UPDATE incidents "
               "SET title = title || ' / ' || coalesce(NEW.reporter_name, '') || ' ' || "
               "coalesce(NEW.reporter_phone, '') WHERE id = NEW.id; END"],
    "postgresql": [
        "CREATE FUNCTION salin_pelapor() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN NEW.title := NEW.title || ' / ' || coalesce(NEW.reporter_name, '') || ' ' || "
        "coalesce(NEW.reporter_phone, ''); RETURN NEW; END $$",
        "CREATE TRIGGER bocorkan_pelapor BEFORE INSERT ON incidents FOR EACH ROW EXECUTE FUNCTION salin_pelapor()",
    ],
}
UNDO = {
    "naikkan_admin": {"sqlite": ["DROP TRIGGER naikkan_admin"],
                      "postgresql": ["DROP TRIGGER naikkan_admin ON users", "DROP FUNCTION jadikan_admin()"]},
    "bocorkan_pelapor": {"sqlite": ["DROP TRIGGER bocorkan_pelapor"],
                         "postgresql": ["DROP TRIGGER bocorkan_pelapor ON incidents", "DROP FUNCTION salin_pelapor()"]},
}


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kondusif", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def _exec(engine, statements: list[str]) -> None:
    with store.write(engine) as conn:
        for sql in statements:
            conn.exec_driver_sql(sql)


def _snapshot(engine) -> dict[str, list[tuple]]:
    out = {}
    with engine.connect() as conn:
        for table in (store.users, store.incidents, store.audit_log):
            out[table.name] = [tuple(r) for r in conn.execute(sa.select(table).order_by(table.c.id))]
    return out


def _triggers(engine) -> list[str]:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return list(conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars())
        return list(conn.exec_driver_sql("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal").scalars())


def _hostile_backup(engine, tmp_path, name: str, statements: list[str], undo: list[str]) -> Path:
    _exec(engine, statements)
    out = tmp_path / f"{name}.bak"
    proc = cli("backup", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    _exec(engine, undo)
    return out


@pytest.fixture
def live(engine):
    registry.ensure_rt_registry(engine)
    accounts.create_account(engine, Viewer("t", Role.ADMIN), "rt-1673011001-001", Role.RT, "482913",
                            kelurahan="16.73.01.1001", rt=1, must_change=False)
    return engine


@pytest.mark.parametrize(("name", "statements"), [("naikkan_admin", PROMOTE), ("bocorkan_pelapor", LEAK)])
def test_a_backup_carrying_a_trigger_is_refused_naming_it_and_nothing_changes(live, tmp_path, name, statements):
    backend = live.dialect.name
    out = _hostile_backup(live, tmp_path, name, statements[backend], UNDO[name][backend])
    before = _snapshot(live)
    store.dispose_engines()

    proc = cli("restore", str(out), "--yes")

    assert proc.returncode == 1, proc.stdout
    assert "ditolak" in proc.stderr and f"«{name}»" in proc.stderr, proc.stderr
    assert "pemicu (trigger)" in proc.stderr and "Traceback" not in proc.stderr
    engine = store.get_engine()
    assert _triggers(engine) == []
    assert _snapshot(engine) == before


@pytest.mark.parametrize(("kind", "create", "drop", "named"), [
    ("view", "CREATE VIEW identitas_pelapor AS SELECT reporter_name, reporter_phone FROM incidents",
     "DROP VIEW identitas_pelapor", "view «"),
    ("table", "CREATE TABLE catatan_lain (isi TEXT)", "DROP TABLE catatan_lain", "tabel «"),
    ("index", "CREATE INDEX ix_rahasia ON incidents (reporter_phone)", "DROP INDEX ix_rahasia", "indeks «"),
])
def test_a_backup_with_an_extra_view_table_or_index_is_refused(live, tmp_path, kind, create, drop, named):
    out = _hostile_backup(live, tmp_path, kind, [create], [drop])
    before = _snapshot(live)
    store.dispose_engines()
    proc = cli("restore", str(out), "--yes")
    assert proc.returncode == 1 and named in proc.stderr and "tidak dibuat oleh SiKondusif" in proc.stderr, \
        proc.stderr
    assert _snapshot(store.get_engine()) == before


def test_a_clean_backup_of_an_upgraded_store_is_still_accepted(live, tmp_path):
    """The indexes an upgrade step creates by name are part of this version's objects."""
    store.build_reference_schema(live)  # the store now also holds what the upgrade steps create
    out = tmp_path / "bersih.bak"
    assert cli("backup", "--out", str(out)).returncode == 0
    store.dispose_engines()
    proc = cli("restore", str(out), "--yes")
    assert proc.returncode == 0, proc.stderr


def test_a_backup_whose_table_lacks_columns_is_refused_and_the_store_put_back(live, tmp_path):
    """attack: a backup whose `users` table lost its columns was restored; afterwards every login and page failed
    with a traceback (no such column). The restored store must have every column this version reads."""
    if live.dialect.name != "sqlite":
        pytest.skip("the backup file is edited with sqlite3")
    import sqlite3

    out = tmp_path / "kolom-hilang.bak"
    assert cli("backup", "--out", str(out)).returncode == 0
    conn = sqlite3.connect(out)
    conn.executescript("CREATE TABLE users_x AS SELECT id, username, role, password_hash FROM users; "
                       "DROP TABLE users; ALTER TABLE users_x RENAME TO users;")
    conn.close()
    before = _snapshot(live)
    store.dispose_engines()
    proc = cli("restore", str(out), "--yes")
    assert proc.returncode == 1, proc.stderr
    assert "users" in proc.stderr and "display_name" in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
    assert _snapshot(store.get_engine()) == before
