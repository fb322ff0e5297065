"""Backup and restore: a restored copy has the same incidents, audit log and snapshots."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from kondusif import demo, registry, store
from kondusif.timeutil import now

ROOT = Path(__file__).resolve().parent.parent


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kondusif", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def dump(engine) -> dict[str, list[tuple]]:
    out = {}
    with engine.connect() as conn:
        for table, key in ((store.incidents, "id"), (store.audit_log, "id"), (store.snapshots, "id")):
            out[table.name] = [tuple(r) for r in conn.execute(sa.select(table).order_by(table.c[key]))]
    return out


def seed(engine) -> None:
    registry.ensure_rt_registry(engine)
    demo.seed_demo(engine, 400, seed=11)
    pdf = b"%PDF-1.4 contoh"
    with store.write(engine) as conn:
        conn.execute(store.snapshots.insert().values(
            week="2018-W25", version=1, created_at=now(), created_by="admin",
            params=json.dumps({"week": "2018-W25"}), sha256=hashlib.sha256(pdf).hexdigest(), pdf=pdf))
        store.add_audit(conn, "admin", "snapshot", "2018-W25", "generate", note="uji")


def test_backup_then_restore_gives_back_the_same_store(engine, tmp_path):
    seed(engine)
    before = dump(engine)
    assert len(before["incidents"]) == 400 and before["snapshots"] and before["audit_log"]
    out = tmp_path / "cadangan.bak"
    proc = cli("backup", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "400 laporan" in proc.stdout

    # Damage the live store after the backup.
    with store.write(engine) as conn:
        conn.execute(store.snapshots.delete())
        conn.execute(store.incidents.update().values(title="diubah"))
        store.add_audit(conn, "admin", "incident", None, "oops")
    assert dump(engine) != before

    store.dispose_engines()
    proc = cli("restore", str(out), "--yes")
    assert proc.returncode == 0, proc.stderr
    assert dump(store.get_engine()) == before


def test_restore_refuses_a_file_that_is_not_a_backup_and_changes_nothing(engine, tmp_path):
    seed(engine)
    before = dump(engine)
    junk = tmp_path / "bukan.bak"
    junk.write_bytes(b"ini bukan cadangan" * 100)
    proc = cli("restore", str(junk), "--yes")
    assert proc.returncode == 1
    assert "bukan cadangan" in proc.stderr
    truncated = tmp_path / "terpotong.bak"
    good = tmp_path / "utuh.bak"
    assert cli("backup", "--out", str(good)).returncode == 0
    truncated.write_bytes(good.read_bytes()[:2000])
    proc = cli("restore", str(truncated), "--yes")
    assert proc.returncode == 1 and "Galat" in proc.stderr
    store.dispose_engines()
    assert dump(store.get_engine()) == before


def test_restore_without_yes_and_without_terminal_asks_for_it(engine, tmp_path):
    proc = cli("restore", str(tmp_path / "x.bak"))
    assert proc.returncode == 2 and "--yes" in proc.stderr
