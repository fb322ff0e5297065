"""The real Gammu SMSD for tests: its own PostgreSQL schema, the `dummy` phone, the worker reading it as a process.

Imported as a plain module (`from gammu_helpers import ...`), like tests/faults/fault_helpers.py.

The dummy phone driver keeps the phone in a directory: ``sms/1`` is the SIM inbox
(``sms/3`` the phone inbox), each SMS one file in Gammu's SMS backup format named by
its location number (1..10000). SMSD reads and deletes those files and inserts one
``inbox`` row per part. ``gammu savesms`` writes *Submit* PDUs (an SMS being sent),
which SMSD's SQL service does not store as received, so `DummyPhone.receive` writes
the file itself with ``PDU = Deliver`` (the format Gammu's own SMSD test suite
copies into ``sms/1``), first under a temporary name, then renamed: SMSD never reads
half a file. The dummy driver "sends" an outbox message by accepting it; SMSD then
moves it from ``outbox`` to ``sentitems`` (Status SendingOK): that table is the
dummy phone's outbox we check.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from polling import cli_env, wait_until  # noqa: F401  (one copy for every test folder)

ROOT = Path(__file__).resolve().parents[2]
GAMMU_SCHEMA = Path("/usr/share/doc/gammu-smsd/examples/pgsql.sql")
# Read when the module is imported (before any test changes the environment), like tests/conftest.py.
_SUITE_DB_URL = os.environ.get("KONDUSIF_DB_URL", "")
PG_BIN = sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1] if Path("/usr/lib/postgresql").exists() else None




# --------------------------------------------------------------------------- PostgreSQL for Gammu


def suite_postgres_url() -> str | None:
    """The suite's PostgreSQL server when the suite runs on one (KONDUSIF_DB_URL at start), else None."""
    return _SUITE_DB_URL if _SUITE_DB_URL.startswith("postgresql") else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThrowawayPostgres:
    """A PostgreSQL server in a temporary directory (as user postgres when run as root), like .ci/postgres.sh."""

    def __init__(self) -> None:
        if PG_BIN is None:
            raise RuntimeError("PostgreSQL tidak terpasang (/usr/lib/postgresql/*/bin)")
        self.dir = Path(tempfile.mkdtemp(prefix="sikondusif-gammu-pg."))
        self.port = _free_port()
        root = os.geteuid() == 0
        if root:
            shutil.chown(self.dir, "postgres", "postgres")
        self._as = ["runuser", "-u", "postgres", "--"] if root else []
        subprocess.run([*self._as, str(PG_BIN / "initdb"), "-D", str(self.dir / "db"), "-A", "trust", "-U",
                        "postgres", "--no-locale", "-E", "UTF8"], check=True, capture_output=True)
        subprocess.run([*self._as, str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "db"), "-l",
                        str(self.dir / "server.log"), "-w", "-o",
                        f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100", "start"],
                       check=True, capture_output=True)
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        subprocess.run([*self._as, str(PG_BIN / "pg_ctl"), "-D", str(self.dir / "db"), "-m", "fast", "stop"],
                       capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def create_gammu_db(server_url: str) -> str:
    """A fresh database holding Gammu's own schema (pgsql.sql as shipped); returns its URL."""
    if not GAMMU_SCHEMA.exists():
        raise RuntimeError(f"{GAMMU_SCHEMA} tidak ada: pasang gammu-smsd (Debian) dan jangan kecualikan "
                           "/usr/share/doc lewat dpkg path-exclude")
    name = f"gammu_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    url = sa.engine.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    # As `psql -f pgsql.sql` does on PostgreSQL >= 9: "language plpgsql already exists" is the one
    # statement that fails (Gammu's own test script filters that error out the same way).
    script = re.sub(r"^CREATE LANGUAGE plpgsql;$", "", GAMMU_SCHEMA.read_text(encoding="utf-8"), flags=re.M)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(script)
    engine.dispose()
    return url


def drop_db(server_url: str, url: str) -> None:
    name = sa.engine.make_url(url).database
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


# --------------------------------------------------------------------------- the dummy phone and SMSD


def _ucs2_hex(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


class DummyPhone:
    """The directory Gammu's dummy driver uses as the phone."""

    def __init__(self, root: Path) -> None:
        self.root = root
        for folder in range(1, 6):
            (root / "sms" / str(folder)).mkdir(parents=True, exist_ok=True)
        self._next = 0

    def receive(self, sender: str, text: str, *, udh: str | None = None, at: datetime | None = None,
                folder: int = 1) -> int:
        """An SMS arriving from `sender` (one part; `udh` hex for a part of a concatenated SMS)."""
        self._next += 1
        location = self._next
        stamp = (at or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        hex_text = _ucs2_hex(text)
        chunks = [hex_text[i:i + 200] for i in range(0, len(hex_text), 200)] or [""]
        lines = ["[SMSBackup000]", "SMSC = \"+6281100000\"", "PDU = Deliver", f"DateTime = {stamp}",
                 "State = UnRead", f"Number = \"{sender}\"", "Name = \"\"", "Coding = Default_No_Compression",
                 *(f"Text{i:02d} = {c}" for i, c in enumerate(chunks)), f"Length = {len(text)}",
                 "Class = -1", f"Folder = {folder}"]
        if udh:
            lines.append(f"UDH = {udh}")
        target = self.root / "sms" / str(folder) / str(location)
        tmp = self.root / f".incoming-{location}"
        tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        os.replace(tmp, target)
        return location

    def make_deletes_fail(self) -> None:
        """The SIM inbox becomes read-only for SMSD (run it with `user`): it reads each SMS but cannot delete it,
        so it hands the same SMS over again and again, as a modem whose delete command fails does."""
        inbox = self.root / "sms" / "1"
        shutil.chown(inbox, "root", "root")
        inbox.chmod(0o755)

    def waiting(self) -> int:
        return sum(1 for _ in (self.root / "sms" / "1").iterdir())


class Smsd:
    """`gammu-smsd` on the dummy phone and a Gammu PostgreSQL database, as a child process."""

    def __init__(self, workdir: Path, gammu_url: str, *, loop_sleep: int = 1, receive_every: int = 0,
                 user: str | None = None, tz: str | None = None, comm_timeout: int = 1) -> None:
        self.dir = workdir
        self.tz = tz  # the zone of the machine SMSD runs on (its TZ), when a test sets one
        self.user = user  # run as this user (root only): files it may read but not delete stay on the "phone"
        self.phone = DummyPhone(workdir / "phone")
        u = sa.engine.make_url(gammu_url)
        self.config = workdir / "smsdrc"
        self.log = workdir / "smsd.log"
        self.config.write_text("\n".join([
            "[gammu]", "model = dummy", "connection = none", f"port = {self.phone.root}", "",
            "[smsd]", "service = sql", "driver = native_pgsql", f"host = {u.host}:{u.port}",
            f"user = {u.username}", f"password = {u.password or ''}", f"database = {u.database}",
            f"logfile = {self.log}", "debuglevel = 1", f"commtimeout = {comm_timeout}", f"receivefrequency = {receive_every}",
            "statusfrequency = 5", f"loopsleep = {loop_sleep}", "multiparttimeout = 10", "checksecurity = 0",
            "checkbattery = 0", "checksignal = 0", "checknetwork = 0", "",
        ]), encoding="utf-8")
        self.url = gammu_url
        self.proc: subprocess.Popen | None = None

    def start(self) -> Smsd:
        prefix: list[str] = []
        if self.user:
            for path in [self.dir, *self.dir.rglob("*")]:
                shutil.chown(path, self.user)
            prefix = ["runuser", "-u", self.user, "--"]
        env = {**os.environ, "TZ": self.tz} if self.tz else None
        self.proc = subprocess.Popen([*prefix, "gammu-smsd", "-c", str(self.config), "-p", str(self.dir / "smsd.pid")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        wait_until(lambda: self.log.exists() and "Starting phone communication" in self.log.read_text(),
                   timeout=20, message="gammu-smsd to start")
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


# --------------------------------------------------------------------------- the reader: the worker as a process


reader_env = cli_env  # the reader is `python -m kondusif worker` with KONDUSIF_GAMMU_DB


def start_reader(gammu_url: str, env: dict[str, str]) -> subprocess.Popen:
    """`python -m kondusif worker` reading Gammu at `gammu_url` (KONDUSIF_GAMMU_DB), a round every 0.2 s,
    in its own process group. A thread collects what it prints into `proc.lines` (the pipe never fills up).
    """
    env = {**env, "KONDUSIF_GAMMU_DB": gammu_url, "KONDUSIF_WORKER_POLL_SECONDS": "0.2"}
    proc = subprocess.Popen([sys.executable, "-m", "kondusif", "worker"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    proc.lines = []  # type: ignore[attr-defined]

    def drain() -> None:
        for line in proc.stdout:
            proc.lines.append(line)  # type: ignore[attr-defined]

    proc.drainer = threading.Thread(target=drain, daemon=True)  # type: ignore[attr-defined]
    proc.drainer.start()  # type: ignore[attr-defined]
    return proc


def wait_ready(proc: subprocess.Popen, timeout: float = 60.0) -> None:
    """Until the worker says it runs (imports done, the Gammu reader made)."""
    wait_until(lambda: proc.poll() is not None or any("berjalan" in x for x in proc.lines), timeout=timeout,
               message="the reader to start")
    assert proc.poll() is None, "".join(proc.lines)


def stop_reader(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> str:
    """Stop the worker with `sig` (SIGKILL: no chance to clean up) and return what it printed."""
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    proc.drainer.join(timeout=10)  # type: ignore[attr-defined]
    return "".join(proc.lines)  # type: ignore[attr-defined]


def gammu_rows(gammu_url: str, sql: str, **params) -> list[tuple]:
    engine = sa.create_engine(gammu_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sa.text(sql), params).fetchall()]
    finally:
        engine.dispose()
