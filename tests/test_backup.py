"""Backup and restore: a restored copy has the same incidents, audit log and snapshots."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from kondusif import demo, registry, store
from kondusif.model import SYSTEM
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
        store.audit.record(conn, "admin", "snapshot", "2018-W25", "generate", note="uji")


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
        store.audit.record(conn, "admin", "incident", None, "oops")
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


# --------------------------------------------------------------------------- safe restore (issue 13)


def _damage(path: Path, backend: str) -> None:
    """Break the incidents table's data in a backup file, leaving the file's header and `meta` readable."""
    if backend == "sqlite":
        import sqlite3

        con = sqlite3.connect(path)
        page_size = con.execute("PRAGMA page_size").fetchone()[0]
        root = con.execute("SELECT rootpage FROM sqlite_master WHERE name='incidents'").fetchone()[0]
        con.close()
        with path.open("r+b") as fh:  # the root page of incidents: keep its type byte, scramble the rest
            fh.seek((root - 1) * page_size + 1)
            fh.write(bytes((i * 37 + 11) % 256 for i in range(page_size - 1)))
    else:
        data = bytearray(path.read_bytes())
        middle = len(data) // 2  # compressed table data of a custom-format dump; the TOC at the start stays
        data[middle:middle + 4096] = bytes((i * 37 + 11) % 256 for i in range(4096))
        path.write_bytes(bytes(data))


def _integrity_ok(engine) -> bool:
    if engine.dialect.name != "sqlite":
        return True  # PostgreSQL: the rows below are the check
    with engine.connect() as conn:
        return conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"


def test_restore_of_a_damaged_backup_is_refused_and_the_live_store_is_untouched(engine, tmp_path):
    from kondusif import backup
    from kondusif.config import settings

    seed(engine)
    out = tmp_path / "cadangan.bak"
    made = backup.backup(settings().db_url, out)
    assert made.incidents == 400
    assert (out.stat().st_mode & 0o777) == 0o600
    _damage(out, made.backend)
    with store.write(engine) as conn:  # the live store differs from the backup: it must stay as it is
        conn.execute(store.incidents.update().where(store.incidents.c.report_no == "LLG-2018-000001")
                     .values(title="diubah setelah cadangan"))
    before = dump(engine)
    store.dispose_engines()

    proc = cli("restore", str(out), "--yes")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "rusak" in proc.stderr or "Uji pemulihan" in proc.stderr, proc.stderr
    assert "tidak diubah" in proc.stderr, proc.stderr
    assert "dipulihkan" not in proc.stdout
    live = store.get_engine()
    assert _integrity_ok(live)
    assert dump(live) == before


def test_restore_that_fails_half_way_puts_the_previous_store_back(engine, tmp_path, monkeypatch):
    from kondusif import backup
    from kondusif.config import settings

    seed(engine)
    out = tmp_path / "cadangan.bak"
    backup.backup(settings().db_url, out)
    with store.write(engine) as conn:
        conn.execute(store.incidents.delete().where(store.incidents.c.report_no > "LLG-2018-000300"))
        conn.execute(store.incidents.update().values(title="isi sekarang"))
    before = dump(engine)
    assert len(before["incidents"]) == 300

    checked = backup.check_backup(settings().db_url, out)
    assert checked.counts["incidents"] == 400 and checked.schema_version == store.SCHEMA_VERSION
    assert "400 laporan" in checked.describe()

    cuts = []

    def cut(real):
        def replaced_then_cut(*args) -> None:  # the backup's content is in place, then the rest is "lost"
            real(*args)
            if not cuts:  # the first replace only; putting the previous store back runs the same step
                cuts.append(store.count_incidents(store.get_engine(), None, SYSTEM))
                raise OSError(5, "Input/output error")
        return replaced_then_cut

    steps = {step: getattr(backup, step) for step in ("_sqlite_restore", "_pg_restore")}  # either backend
    for step, real in steps.items():
        monkeypatch.setattr(backup, step, cut(real))
    try:
        backup.restore(settings().db_url, out, checked)
    except backup.BackupError as exc:
        message = str(exc)
    else:
        raise AssertionError("the half-way failure was not reported")
    assert cuts == [400]  # the cut came after the backup's content was in place
    assert "galat baca/tulis" in message and "Basis data sebelumnya dikembalikan dari" in message, message
    aside = Path(message.rsplit("dikembalikan dari ", 1)[1].rstrip("."))
    assert aside.is_file() and aside.parent == settings().data_dir / "cadangan"
    store.dispose_engines()
    live = store.get_engine()
    assert _integrity_ok(live)
    assert dump(live) == before

    for step, real in steps.items():  # and a clean restore (the real steps) prints counts and the copy
        monkeypatch.setattr(backup, step, real)
    store.dispose_engines()
    proc = cli("restore", str(out), "--yes")
    assert proc.returncode == 0, proc.stderr
    assert "utuh: skema versi" in proc.stdout and "400 laporan" in proc.stdout
    assert "Basis data sebelumnya disalin ke " in proc.stdout
    assert store.count_incidents(store.get_engine(), None, SYSTEM) == 400


def test_restore_refuses_a_backup_of_a_newer_schema(engine, tmp_path):
    from kondusif import backup
    from kondusif.config import settings

    seed(engine)
    with store.write(engine) as conn:
        conn.execute(store.meta.update().where(store.meta.c.key == "schema_version")
                     .values(value=str(store.SCHEMA_VERSION + 1)))
    out = tmp_path / "baru.bak"
    backup.backup(settings().db_url, out)
    with store.write(engine) as conn:
        conn.execute(store.meta.update().where(store.meta.c.key == "schema_version")
                     .values(value=str(store.SCHEMA_VERSION)))
    before = dump(engine)
    store.dispose_engines()
    proc = cli("restore", str(out), "--yes")
    assert proc.returncode == 1
    assert f"skema versi {store.SCHEMA_VERSION + 1}, lebih baru" in proc.stderr, proc.stderr
    assert dump(store.get_engine()) == before
