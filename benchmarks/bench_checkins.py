"""Prints what check-ins cost (issue 24).

  cakupan : coverage of the whole city for one day (voting day) on a store of 100,000 simulated
            reports and about 200,000 simulated check-ins (target <= 0.2 s).
  smssync : a burst of 522 RT x 3 "AMAN" SMS through the SMSsync endpoint of the running app
            (4 phones posting one after another): every SMS counted once, every answer carries
            the reply "Terima kasih. Laporan AMAN ... tercatat.".
  gammu   : the same burst through gammu-smsd's dummy phone and the worker (KONDUSIF_GAMMU_DB set):
            every SMS counted once, every reply in Gammu's outbox/sentitems.

Usage: python benchmarks/bench_checkins.py cakupan|smssync|gammu [--rt 522] [--per-rt 3]
Store: SQLite in a temporary folder, or KONDUSIF_DB_URL. Figures on a shared machine are indicative.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # polling.wait_until, shared by the test helpers
sys.path.insert(0, str(ROOT / "tests" / "browser"))  # run_app
sys.path.insert(0, str(ROOT / "tests" / "sms"))  # the Gammu harness of the SMS tests

import sqlalchemy as sa  # noqa: E402
from argon2 import PasswordHasher  # noqa: E402

from kondusif import accounts, coverage, demo, demo_checkins, registry, store  # noqa: E402
from kondusif.accounts import auth  # noqa: E402
from kondusif.model import SYSTEM  # noqa: E402
from kondusif.sms import senders  # noqa: E402

VOTING_DAY = date(2018, 6, 27)
CALM = ["AMAN", "aman terkendali", "Situasi aman"]


def count(engine, table, *where) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar())


def bench_cakupan(args: argparse.Namespace, db_url: str) -> int:
    engine = store.get_engine(db_url)
    registry.ensure_rt_registry(engine)
    t0 = time.perf_counter()
    if count(engine, store.incidents) < args.reports:  # a kept store (KONDUSIF_DB_URL) is filled once
        demo.seed_demo(engine, args.reports, seed=1)
    seed = 1
    while count(engine, store.checkins) < args.checkins:
        demo_checkins.seed_checkins(engine, seed=seed, daily_share=1.0)
        seed += 1
    print(f"isi                      : {count(engine, store.incidents):,} laporan, "
          f"{count(engine, store.checkins):,} laporan aman ({time.perf_counter() - t0:.0f} s mengisi)")
    start, end = coverage.day_period(VOTING_DAY)
    coverage.coverage(engine, SYSTEM, start, end)  # warm: registry cache, connection pool
    times = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        cov = coverage.coverage(engine, SYSTEM, start, end)
        times.append(time.perf_counter() - t)
    silent_kel = int((cov.kelurahan["rt_heard"] == 0).sum())
    print(f"cakupan kota 27/06/2018  : {cov.heard} dari {cov.total} RT memberi kabar; {silent_kel} kelurahan tanpa kabar")
    print(f"waktu (median dari {args.repeat})    : {statistics.median(times) * 1000:.0f} ms "
          f"(min {min(times) * 1000:.0f}, maks {max(times) * 1000:.0f}); sasaran <= 200 ms")
    return 0


def _rt_accounts(engine, n_rt: int):
    registry.ensure_rt_registry(engine)
    units = registry.rt_registry(engine)[["kode_kelurahan", "rt"]].head(n_rt)
    r = store.rt_units.c
    with store.write(engine) as conn:
        for i, (kel, rt) in enumerate(units.itertuples(index=False)):
            conn.execute(store.rt_units.update().where(r.kode_kelurahan == kel, r.rt == int(rt))
                         .values(telepon=f"0813{i:08d}"))
    auth.HASHER = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)  # hashing is not measured
    accounts.apply_rt_accounts(engine, SYSTEM, accounts.plan_rt_accounts(engine))
    print(f"nomor dari daftar RT     : {senders.phones_from_registry(engine, SYSTEM).summary()}")
    return units


def _verdict(engine, n: int, replies_ok: int, channel: str, elapsed: float) -> int:
    c = store.checkins.c
    stored = count(engine, store.checkins, c.channel == channel)
    distinct = count(engine, store.sms_messages, store.sms_messages.c.status == "aman")
    incidents = count(engine, store.incidents)
    print(f"SMS AMAN dikirim         : {n}")
    print(f"laporan aman tersimpan   : {stored} (pesan berstatus aman: {distinct}); laporan kejadian: {incidents}")
    print(f"balasan AMAN terkirim    : {replies_ok}")
    print(f"laju                     : {n / elapsed:.1f} SMS/detik ({elapsed:.1f} detik)")
    ok = stored == distinct == n and replies_ok == n and incidents == 0
    print("HASIL                    :", "semua dihitung sekali, semua dibalas" if ok else "GAGAL")
    return 0 if ok else 1


def bench_smssync(args: argparse.Namespace, db_url: str, tmp: str) -> int:
    from bench_smssync import post  # the endpoint client of the SMSsync benchmark
    from browser_helpers import app_env, run_app

    from kondusif.sms import smssync

    engine = store.get_engine(db_url)
    units = _rt_accounts(engine, args.rt)
    secret = smssync.ensure_secret(engine)
    messages = [{"secret": secret, "from": f"+62813{i:08d}", "sent_timestamp": "1530068400000",
                 "message": CALM[k % len(CALM)], "message_id": str(uuid.uuid4())}
                for k in range(args.per_rt) for i in range(len(units))]
    config = Path(tmp) / "kondusif.toml"
    config.write_text("[smssync]\nrequests_per_minute = 1000000\n", encoding="utf-8")
    env = app_env(db_url, KONDUSIF_DATA_DIR=tmp, KONDUSIF_CONFIG=str(config))
    with run_app(env, log_dir=Path(tmp)) as app:
        lanes = [messages[p::args.phones] for p in range(args.phones)]
        replied: list[int] = []
        lock = threading.Lock()

        def phone(p: int) -> None:
            for m in lanes[p]:
                status, body, _ = post(app.url, {**m, "device_id": f"hp-{p}"})
                with lock:
                    replied.append(int(status == 200 and b"Laporan AMAN" in body and b"tercatat" in body))

        threads = [threading.Thread(target=phone, args=(p,)) for p in range(args.phones)]
        start = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - start
    return _verdict(engine, len(messages), sum(replied), "smssync", elapsed)


def bench_gammu(args: argparse.Namespace, db_url: str, tmp: str) -> int:
    from gammu_helpers import Smsd, ThrowawayPostgres, create_gammu_db, reader_env, start_reader, stop_reader

    pg = ThrowawayPostgres()
    smsd = reader = None
    try:
        engine = store.get_engine(db_url)
        units = _rt_accounts(engine, args.rt)
        gammu_url = create_gammu_db(pg.url)
        work = Path(tmp) / "smsd"
        work.mkdir()
        smsd = Smsd(work, gammu_url).start()
        messages = [(f"+62813{i:08d}", CALM[k % len(CALM)]) for k in range(args.per_rt) for i in range(len(units))]
        reader = start_reader(gammu_url, reader_env(db_url))
        start = time.perf_counter()
        for sender, text in messages:
            smsd.phone.receive(sender, text)
        deadline = time.monotonic() + 3600
        while count(engine, store.sms_messages) < len(messages):
            if time.monotonic() > deadline or reader.poll() is not None:
                raise SystemExit(f"berhenti: {count(engine, store.sms_messages)} dari {len(messages)} tersimpan")
            time.sleep(0.5)
        elapsed = time.perf_counter() - start
        g = sa.create_engine(gammu_url)
        with g.connect() as conn:
            replies = int(conn.execute(sa.text(
                "SELECT count(*) FROM (SELECT \"TextDecoded\" t FROM outbox WHERE \"CreatorID\" = 'SiKondusif' "
                "UNION ALL SELECT \"TextDecoded\" FROM sentitems WHERE \"CreatorID\" = 'SiKondusif') r "
                "WHERE t LIKE 'Terima kasih. Laporan AMAN%'")).scalar())
        g.dispose()
        return _verdict(engine, len(messages), replies, "sms-gammu", elapsed)
    finally:
        if reader is not None:
            stop_reader(reader)
        if smsd is not None:
            smsd.stop()
        pg.stop()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["cakupan", "smssync", "gammu"])
    ap.add_argument("--reports", type=int, default=100_000)
    ap.add_argument("--checkins", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--rt", type=int, default=522)
    ap.add_argument("--per-rt", type=int, default=3)
    ap.add_argument("--phones", type=int, default=4)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["KONDUSIF_DATA_DIR"] = tmp
        db_url = os.environ.get("KONDUSIF_DB_URL") or f"sqlite:///{Path(tmp) / 'bench.db'}"
        if args.what == "cakupan":
            code = bench_cakupan(args, db_url)
        elif args.what == "smssync":
            code = bench_smssync(args, db_url, tmp)
        else:
            code = bench_gammu(args, db_url, tmp)
        print(f"{os.cpu_count()} CPU; mesin dipakai bersama: angka hanya indikatif")
        return code


if __name__ == "__main__":
    sys.exit(main())
