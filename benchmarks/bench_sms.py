"""Prints what one SMS burst costs through the Gammu channel: 5,220 SMS (522 RT x 10) at once.

Real parts: gammu-smsd on its dummy phone with Gammu's own PostgreSQL schema (a
throw-away server), the worker (`python -m kondusif worker`, KONDUSIF_GAMMU_DB) as its own process, the store
on SQLite (or KONDUSIF_DB_URL). Every RT account has its number registered (from the
RT registry's telepon column); all 5,220 files land in the dummy phone's inbox at once.

Checks: all stored, none doubled (one report per message, one receipt per report).
Prints messages/s and the p50/p95 time from a row appearing in Gammu's inbox to its
report being stored. The dummy phone then "sends" the receipts one per SMSD loop
(like a real modem, slowly): the figure is receipts queued in Gammu's outbox.

Then the receipt time (issue 25.4): a second SMSD with the loop, outbox and inbox
frequencies of the shipped deploy/gammu-smsdrc gets `--receipts` single SMS a few
seconds apart (an idle modem, the usual case); for each, the time from its report
being stored to its receipt leaving (the row in `sentitems`). Target: within 10 s.

Usage: python benchmarks/bench_sms.py [--per-rt 10] [--rt 522] [--receipts 10]
Needs Debian gammu-smsd and PostgreSQL (see .ci/run). Figures on a shared machine are indicative.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # polling.wait_until, shared by the test helpers
sys.path.insert(0, str(ROOT / "tests" / "sms"))  # the Gammu harness of the SMS tests

import sqlalchemy as sa  # noqa: E402
from argon2 import PasswordHasher  # noqa: E402
from gammu_helpers import (  # noqa: E402
    Smsd,
    ThrowawayPostgres,
    create_gammu_db,
    reader_env,
    start_reader,
    stop_reader,
)

from kondusif import accounts, registry, store  # noqa: E402
from kondusif.accounts import auth  # noqa: E402
from kondusif.model import SYSTEM, Source  # noqa: E402
from kondusif.sms import senders  # noqa: E402
from lubuklinggau_geo import gazetteer  # noqa: E402

CATEGORIES = ["uang", "intimidasi", "hoaks", "apk", "bentrok", "netralitas", "tps"]
SEVERITIES = ["ringan", "sedang", "berat"]


def phone_for(index: int) -> str:
    return f"0813{index:08d}"


class InboxWatcher(threading.Thread):
    """Notes when each Gammu inbox row first becomes visible (polled every 20 ms)."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.engine = sa.create_engine(url)
        self.seen: dict[int, datetime] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        last = 0
        while not self.stop.is_set():
            with self.engine.connect() as conn:
                ids = [r[0] for r in conn.execute(sa.text('SELECT "ID" FROM inbox WHERE "ID" > :last ORDER BY "ID"'),
                                                  {"last": last})]
            stamp = datetime.now(UTC)
            for i in ids:
                self.seen.setdefault(i, stamp)
            last = max(ids, default=last)
            time.sleep(0.02)


def shipped_frequencies() -> dict[str, int]:
    """loopsleep, commtimeout and receivefrequency as deploy/gammu-smsdrc ships them."""
    text = (ROOT / "deploy" / "gammu-smsdrc").read_text(encoding="utf-8")
    found = dict(re.findall(r"^(loopsleep|commtimeout|receivefrequency)\s*=\s*(\d+)\s*$", text, flags=re.M))
    return {k: int(v) for k, v in found.items()}


def receipt_times(pg_url: str, db_url: str, work: Path, engine, senders_: list[str], gap: float) -> list[float]:
    """Seconds from each report stored to its receipt in sentitems, through SMSD run with the shipped frequencies."""
    freq = shipped_frequencies()
    gammu_url = create_gammu_db(pg_url)
    work.mkdir()
    smsd = Smsd(work, gammu_url, loop_sleep=freq["loopsleep"], receive_every=freq["receivefrequency"],
                comm_timeout=freq["commtimeout"]).start()
    reader = start_reader(gammu_url, reader_env(db_url))
    g = sa.create_engine(gammu_url)
    m = store.sms_messages.c
    times: list[float] = []
    try:
        for k, sender in enumerate(senders_):
            text = f"LAPOR uang berat RT 1: tanda terima ke-{k + 1}"
            smsd.phone.receive(sender, text)
            deadline = time.monotonic() + 60
            stored = None
            while stored is None and time.monotonic() < deadline:
                with engine.connect() as conn:
                    stored = conn.execute(sa.select(m.stored_at).where(m.text == text)).scalar()
                time.sleep(0.02)
            while time.monotonic() < deadline:
                with g.connect() as conn:
                    left = conn.execute(sa.text("SELECT count(*) FROM sentitems WHERE \"CreatorID\" = 'SiKondusif'"
                                                )).scalar()
                if left == k + 1:
                    break
                time.sleep(0.02)
            if stored is None or left != k + 1:
                raise SystemExit(f"tanda terima ke-{k + 1} tidak keluar dalam 60 s")
            times.append((datetime.now(UTC) - stored).total_seconds())
            time.sleep(gap)
    finally:
        stop_reader(reader)
        smsd.stop()
        g.dispose()
    return times


def count(engine, table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-rt", type=int, default=10)
    ap.add_argument("--rt", type=int, default=522, help="how many RT of the registry send")
    ap.add_argument("--receipts", type=int, default=10, help="single SMS for the receipt time (0: skip)")
    args = ap.parse_args()

    pg = ThrowawayPostgres()
    smsd = reader = None
    try:
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["KONDUSIF_DATA_DIR"] = tmp
            db_url = os.environ.get("KONDUSIF_DB_URL") or f"sqlite:///{Path(tmp) / 'bench.db'}"
            engine = store.get_engine(db_url)
            registry.ensure_rt_registry(engine)
            units = registry.rt_registry(engine)[["kode_kelurahan", "rt"]].head(args.rt)
            r = store.rt_units.c
            with store.write(engine) as conn:
                for i, (kel, rt) in enumerate(units.itertuples(index=False)):
                    conn.execute(store.rt_units.update().where(r.kode_kelurahan == kel, r.rt == int(rt))
                                 .values(telepon=phone_for(i)))
            # RT accounts through the real bulk path; argon2id with small parameters (hashing is not measured).
            auth.HASHER = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
            accounts.apply_rt_accounts(engine, SYSTEM, accounts.plan_rt_accounts(engine))
            print(f"nomor dari daftar RT     : {senders.phones_from_registry(engine, SYSTEM).summary()}")

            gammu_url = create_gammu_db(pg.url)
            work = Path(tmp) / "smsd"
            work.mkdir()
            smsd = Smsd(work, gammu_url).start()
            names = gazetteer.kelurahan().set_index("kode")["nama"].to_dict()
            messages = []
            for i, (kel, rt) in enumerate(units.itertuples(index=False)):
                for j in range(args.per_rt):
                    messages.append((f"+62813{i:08d}", f"LAPOR {CATEGORIES[(i + j) % 7]} {SEVERITIES[j % 3]} "
                                                        f"RT {int(rt)} {names[kel]}: uji beban pesan {j + 1}"))
            n = len(messages)
            watcher = InboxWatcher(gammu_url)
            watcher.start()
            reader = start_reader(gammu_url, reader_env(db_url))
            t0 = time.perf_counter()
            for sender, text in messages:  # one burst: every file in the phone's inbox at once
                smsd.phone.receive(sender, text)
            t_inject = time.perf_counter() - t0
            deadline = time.monotonic() + 3600
            while count(engine, store.sms_messages) < n:
                if time.monotonic() > deadline or reader.poll() is not None:
                    raise SystemExit(f"berhenti: {count(engine, store.sms_messages)} dari {n} tersimpan")
                time.sleep(0.5)
            t_all = time.perf_counter() - t0
            g = sa.create_engine(gammu_url)

            def receipts() -> int:
                with g.connect() as conn:
                    return int(conn.execute(sa.text(
                        "SELECT count(*) FROM (SELECT \"ID\" FROM outbox WHERE \"CreatorID\" = 'SiKondusif' UNION "
                        "SELECT \"ID\" FROM sentitems WHERE \"CreatorID\" = 'SiKondusif') r")).scalar())

            while receipts() < n and time.monotonic() < deadline:
                time.sleep(0.2)
            watcher.stop.set()
            watcher.join()
            with engine.connect() as conn:
                m = store.sms_messages.c
                rows = conn.execute(sa.select(m.message_id, m.stored_at, m.status)).fetchall()
                reports = int(conn.execute(sa.select(sa.func.count(sa.distinct(store.incidents.c.source_ref)))
                                           .where(store.incidents.c.source == Source.SMS.value)).scalar())
            with g.connect() as conn:
                sent_now = int(conn.execute(sa.text("SELECT count(*) FROM sentitems")).scalar())
                distinct_texts = int(conn.execute(sa.text(
                    "SELECT count(DISTINCT t) FROM (SELECT \"TextDecoded\" t FROM outbox UNION ALL "
                    "SELECT \"TextDecoded\" FROM sentitems) x")).scalar())
            with g.connect() as conn:  # the message identity is no longer a row ID: match rows by sender and text
                row_of = {(s, t): int(i) for i, s, t in conn.execute(sa.text(
                    'SELECT "ID", "SenderNumber", "TextDecoded" FROM inbox'))}
            with engine.connect() as conn:
                stored_at = conn.execute(sa.select(m.sender, m.text, m.stored_at)).fetchall()
            latencies = [(stored - watcher.seen[row_of[(s, t)]]).total_seconds()
                         for s, t, stored in stored_at if row_of.get((s, t)) in watcher.seen]
            statuses = {s: sum(1 for *_, st in rows if st == s) for s in {st for *_, st in rows}}
            first_seen = min(watcher.seen.values())
            last_stored = max(stored for _, stored, _ in rows)
            span = (last_stored - first_seen).total_seconds()
            ok = len(rows) == n and reports == n and receipts() == n and distinct_texts == n
            print(f"SMS dikirim (burst)      : {n} ({args.rt} RT x {args.per_rt}), berkas ditulis dalam {t_inject:.1f} s")
            print(f"tersimpan                : {len(rows)} pesan, {reports} laporan sumber sms, status {statuses}")
            print(f"balasan di outbox Gammu  : {receipts()} (teks unik {distinct_texts}); "
                  f"sudah dikirim ponsel dummy: {sent_now}")
            print(f"semua tersimpan, tak ada ganda: {'YA' if ok else 'TIDAK'}")
            print(f"laju                     : {n / span:.1f} pesan/s (baris inbox pertama -> laporan terakhir, "
                  f"{span:.1f} s); dari burst {n / t_all:.1f} pesan/s")
            print(f"baris inbox -> tersimpan : p50 {statistics.median(latencies):.2f} s, "
                  f"p95 {statistics.quantiles(latencies, n=20)[-1]:.2f} s, maks {max(latencies):.2f} s "
                  f"({len(latencies)} diukur)")
            quick = True
            if args.receipts > 0:
                stop_reader(reader)
                reader = None
                freq = shipped_frequencies()
                took = receipt_times(pg.url, db_url, Path(tmp) / "smsd-kirim", engine,
                                     [f"+62813{i:08d}" for i in range(args.receipts)], gap=3.0)
                quick = max(took) <= 10.0
                print(f"laporan -> tanda terima  : p50 {statistics.median(took):.2f} s, maks {max(took):.2f} s "
                      f"({len(took)} SMS satu per satu; smsdrc bawaan: loopsleep {freq['loopsleep']}, "
                      f"commtimeout {freq['commtimeout']}, receivefrequency {freq['receivefrequency']}); "
                      f"<= 10 s: {'YA' if quick else 'TIDAK'}")
            print(f"{os.cpu_count()} CPU; mesin dipakai bersama: angka hanya indikatif")
            if not (ok and quick):
                raise SystemExit(1)
    finally:
        if reader is not None:
            stop_reader(reader)
        if smsd is not None:
            smsd.stop()
        pg.stop()


if __name__ == "__main__":
    main()
