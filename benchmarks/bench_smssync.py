"""Prints what SMS cost through the SMSsync endpoint (issue 15): N phones posting a burst to the running app.

Real parts: the app (`streamlit run app.py`) on a fresh store (SQLite, or KONDUSIF_DB_URL),
522 RT accounts with their numbers from the RT registry, each gateway phone a thread posting
its SMS one after another (as SMSsync does: the next after the answer), form-encoded like
the client. Checks: every SMS stored once as a report, every answer carried its receipt,
a second pass of the same message_ids stores nothing. Prints messages/s and p50/p95 of the
answer time. Rate limit raised for the run (the limit is per phone; a real phone's burst
is its own backlog).

Usage: python benchmarks/bench_smssync.py [--per-rt 2] [--rt 522] [--phones 4]
Figures on a shared machine are indicative.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # polling.wait_until, shared by the test helpers
sys.path.insert(0, str(ROOT / "tests" / "browser"))  # run_app

import sqlalchemy as sa  # noqa: E402
from argon2 import PasswordHasher  # noqa: E402
from browser_helpers import app_env, run_app  # noqa: E402

from kondusif import accounts, registry, store  # noqa: E402
from kondusif.accounts import auth  # noqa: E402
from kondusif.model import SYSTEM  # noqa: E402
from kondusif.sms import senders, smssync  # noqa: E402
from lubuklinggau_geo import gazetteer  # noqa: E402

CODES = ["uang", "intimidasi", "hoaks", "apk", "bentrok", "tps"]
SEVERITIES = ["ringan", "sedang", "berat"]


def post(url: str, fields: dict[str, str]) -> tuple[int, bytes, float]:
    parts = urlsplit(url)
    body = urlencode(fields).encode()
    start = time.perf_counter()
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    try:
        conn.request("POST", smssync.SYNC_PATH, body, {"Content-Type": "application/x-www-form-urlencoded"})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, data, time.perf_counter() - start
    finally:
        conn.close()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-rt", type=int, default=2)
    ap.add_argument("--rt", type=int, default=522)
    ap.add_argument("--phones", type=int, default=4)
    args = ap.parse_args()
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
                             .values(telepon=f"0813{i:08d}"))
        auth.HASHER = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)  # hashing is not measured
        accounts.apply_rt_accounts(engine, SYSTEM, accounts.plan_rt_accounts(engine))
        print(f"nomor dari daftar RT     : {senders.phones_from_registry(engine, SYSTEM).summary()}")
        phone_secrets = [smssync.register_phone(engine, SYSTEM, f"bench-hp-{p}")[1] for p in range(args.phones)]
        names = gazetteer.kelurahan().set_index("kode")["nama"].to_dict()
        messages = []
        for k in range(args.per_rt):
            for i, (kel, rt) in enumerate(units.itertuples(index=False)):
                messages.append({"from": f"+62813{i:08d}", "sent_timestamp": "1530068400000",
                                 "message": f"LAPOR {CODES[(i + k) % len(CODES)]} {SEVERITIES[(i + k) % 3]} RT {int(rt)} "
                                            f"{names[kel]}: kejadian ke-{k + 1} di RT ini",
                                 "message_id": str(uuid.uuid4())})
        config = Path(tmp) / "kondusif.toml"
        config.write_text("[smssync]\nrequests_per_minute = 1000000\n", encoding="utf-8")
        env = app_env(db_url, KONDUSIF_DATA_DIR=tmp, KONDUSIF_CONFIG=str(config))
        with run_app(env, log_dir=Path(tmp)) as app:
            lanes = [messages[p::args.phones] for p in range(args.phones)]
            times: list[float] = []
            failures: list[str] = []
            lock = threading.Lock()

            def phone(p: int) -> None:
                for m in lanes[p]:
                    status, body, took = post(app.url, {**m, "secret": phone_secrets[p], "device_id": f"hp-{p}"})
                    with lock:
                        times.append(took)
                        if status != 200 or b"diterima" not in body:
                            failures.append(f"{status} {body[:120]!r}")

            threads = [threading.Thread(target=phone, args=(p,)) for p in range(args.phones)]
            start = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - start
            again = [post(app.url, {**m, "secret": phone_secrets[i % args.phones], "device_id": f"hp-{i % args.phones}"})[0]
                     for i, m in enumerate(messages[:50])]  # each phone re-sending what it carried
        with engine.connect() as conn:
            reports = conn.execute(sa.select(sa.func.count()).select_from(store.incidents)
                                   .where(store.incidents.c.source == "sms")).scalar()
            distinct = conn.execute(sa.select(sa.func.count(sa.distinct(store.incidents.c.source_ref)))
                                    .where(store.incidents.c.source == "sms")).scalar()
        q = statistics.quantiles(times, n=20)
        print(f"SMS dikirim              : {len(messages)} lewat {args.phones} ponsel")
        print(f"laporan tersimpan        : {reports} (berbeda: {distinct}); gagal/tanpa tanda terima: {len(failures)}")
        print(f"kirim ulang 50 message_id: status {sorted(set(again))}, laporan tetap {reports}")
        print(f"laju                     : {len(messages) / elapsed:.1f} SMS/detik ({elapsed:.1f} detik)")
        print(f"waktu jawab p50 / p95    : {statistics.median(times) * 1000:.0f} / {q[18] * 1000:.0f} ms")
        ok = reports == distinct == len(messages) and not failures and set(again) == {200}
        print("HASIL                    :", "semua tersimpan sekali, semua dengan tanda terima" if ok else "GAGAL")
        for f in failures[:5]:
            print("  ", f)
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
