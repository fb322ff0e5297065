"""Plain helpers of the fault tests: big import files, subprocess runs of the CLI, store checks.

Imported as a plain module (`from fault_helpers import ...`), like tests/browser/browser_helpers.py.
"""

from __future__ import annotations

import csv
import random
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from polling import cli_env, fault_env, wait_until  # noqa: F401  (one copy for every test folder)

from kondusif import store
from lubuklinggau_geo import gazetteer, rt

ROOT = Path(__file__).resolve().parents[2]
HEADER = ["Tanggal", "Kelurahan", "RT", "Jenis", "Tingkat", "Judul", "Uraian", "Nama Pelapor", "No HP"]
CATEGORIES = ["Politik Uang", "intimidasi", "hoaks", "APK", "bentrok", "netralitas ASN", "gangguan TPS"]


def write_import_csv(path: Path, rows: int, bad_every: int = 50, seed: int = 8) -> int:
    """A ';' CSV of `rows` reports on the sample RT registry; every `bad_every`-th row has an unknown RT.

    Returns the number of good rows (the ones an import must store).
    """
    rng = random.Random(seed)
    names = gazetteer.kelurahan().set_index("kode")["nama"].to_dict()
    units = list(rt.sample_registry()[["kode_kelurahan", "rt"]].itertuples(index=False, name=None))
    start = datetime(2018, 2, 15, 8, 0)
    good = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(HEADER)
        for i in range(rows):
            kel, rt_no = units[rng.randrange(len(units))]
            when = start + timedelta(minutes=rng.randrange(0, 130 * 24 * 60))
            bad = bad_every and i % bad_every == bad_every - 1
            good += 0 if bad else 1
            w.writerow([when.strftime("%d/%m/%Y %H.%M"), names[kel], "999" if bad else f"{rt_no:02d}",
                        rng.choice(CATEGORIES), rng.choice(["ringan", "sedang", "berat"]),
                        f"Laporan uji {i}", f"Uraian laporan uji nomor {i}", f"Pelapor {i % 300}",
                        f"0812{i:08d}"])
    return good






def start_cli(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    """`python -m kondusif ARGS` in its own process group, stdout and stderr merged into one pipe."""
    return subprocess.Popen([sys.executable, "-m", "kondusif", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


class LineWatcher:
    """Reads a process's output on a thread, so the test can wait for a line without blocking on the pipe."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.lines: list[str] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self._thread.start()

    def _read(self, proc: subprocess.Popen) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            with self._lock:
                self.lines.append(line.rstrip("\n"))

    def seen(self, predicate: Callable[[str], bool]) -> bool:
        with self._lock:
            return any(predicate(x) for x in self.lines)

    def text(self) -> str:
        self._thread.join(timeout=10)
        with self._lock:
            return "\n".join(self.lines)


def sqlite_path(db_url: str) -> Path | None:
    url = sa.engine.make_url(db_url)
    return Path(url.database) if url.get_backend_name() == "sqlite" else None


def import_in_progress(db_url: str) -> bool:
    """True while another process holds an open write transaction that writes incidents.

    SQLite: the write lock is taken (BEGIN IMMEDIATE fails at once); PostgreSQL: another
    backend holds RowExclusiveLock on `incidents` or `counters` (taken by INSERT/UPDATE and
    kept until its transaction ends).
    """
    path = sqlite_path(db_url)
    if path is not None:
        con = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            con.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            return "locked" in str(exc) or "busy" in str(exc)
        else:
            con.execute("ROLLBACK")
            return False
        finally:
            con.close()
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return bool(conn.execute(sa.text(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE c.relname IN ('incidents', 'counters') AND l.mode = 'RowExclusiveLock' "
                "AND l.pid <> pg_backend_pid()")).scalar())
    finally:
        engine.dispose()


def consistency_problems(engine: sa.Engine) -> list[str]:
    """What is wrong with the store's bookkeeping (empty list: consistent).

    - SQLite's own integrity check passes;
    - every incident has its one 'create' audit row and no audit row points at nothing;
    - report numbers are unique, and each year's counter is at least its highest number;
    - (source, source_ref) is unique.
    """
    problems: list[str] = []
    c = store.incidents.c
    a = store.audit_log.c
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            check = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check").fetchall()]
            if check != ["ok"]:
                problems.append(f"integrity_check: {check[:5]}")
        n = conn.execute(sa.select(sa.func.count()).select_from(store.incidents)).scalar()
        created = conn.execute(sa.select(sa.func.count()).select_from(store.audit_log)
                               .where(a.entity == "incident", a.action == "create")).scalar()
        if created != n:
            problems.append(f"{n} incidents but {created} 'create' audit rows")
        orphans = conn.execute(
            sa.select(sa.func.count()).select_from(store.audit_log)
            .where(a.entity == "incident", a.entity_id.not_in(sa.select(c.id)))).scalar()
        if orphans:
            problems.append(f"{orphans} audit rows of incidents that do not exist")
        distinct_no = conn.execute(sa.select(sa.func.count(sa.distinct(c.report_no)))).scalar()
        if distinct_no != n:
            problems.append(f"{n - distinct_no} repeated report numbers")
        refs = conn.execute(sa.select(c.source, c.source_ref, sa.func.count().label("k"))
                            .group_by(c.source, c.source_ref).having(sa.func.count() > 1)).fetchall()
        if refs:
            problems.append(f"{len(refs)} repeated (source, source_ref)")
        counters = dict(conn.execute(sa.select(store.counters.c.name, store.counters.c.value)).fetchall())
        numbers = conn.execute(sa.select(c.report_no)).scalars().all()
    highest: dict[int, int] = {}
    for no in numbers:
        _, year, seq = no.rsplit("-", 2)
        highest[int(year)] = max(highest.get(int(year), 0), int(seq))
    for year, top in highest.items():
        if counters.get(f"report_no:{year}", 0) < top:
            problems.append(f"counter report_no:{year}={counters.get(f'report_no:{year}')} below {top}")
    return problems


def incident_count(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(store.incidents)).scalar())


def closed_port() -> int:
    """A local TCP port nobody listens on (the OS hands out a free one, which is then closed again)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def unreachable_pg_url() -> str:
    return f"postgresql+psycopg://x@127.0.0.1:{closed_port()}/x"
