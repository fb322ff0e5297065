"""Prints what accounts cost: one argon2id hash/verify, one login, the session re-check, and
`users bulk-rt` (522 RT accounts + CSV + PDF cards) with the production hash parameters.

Usage: python benchmarks/bench_auth.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kondusif import accounts, registry, store  # noqa: E402
from kondusif.accounts import auth, cards  # noqa: E402
from kondusif.model import SYSTEM, Role, Viewer  # noqa: E402


def timed(fn, n: int) -> float:
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["KONDUSIF_DATA_DIR"] = tmp
        engine = store.make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        store.init_db(engine)
        registry.ensure_rt_registry(engine)
        h = auth.hash_password("Rahasia-kota-9")
        print(f"argon2id hash            : {timed(lambda: auth.hash_password('Rahasia-kota-9'), 10) * 1000:7.1f} ms"
              f"  ({h.split('$')[3]})")
        print(f"argon2id verify          : {timed(lambda: auth.verify_password(h, 'Rahasia-kota-9'), 10) * 1000:7.1f} ms")
        accounts.create_account(engine, Viewer("bench", Role.ADMIN), "budi", Role.PEJABAT, "Rahasia-kota-9", must_change=False)
        print(f"login (right password)   : {timed(lambda: auth.authenticate(engine, 'budi', 'Rahasia-kota-9'), 10) * 1000:7.1f} ms")
        print(f"login (unknown user)     : {timed(lambda: auth.authenticate(engine, 'tak-ada', 'x' * 10), 10) * 1000:7.1f} ms")
        epoch = accounts.get_account(engine, SYSTEM, "budi")["session_epoch"]
        print(f"session re-check per run : {timed(lambda: auth.restore_session(engine, 'budi', epoch), 200) * 1000:7.2f} ms")

        parallel_guesses(engine)

        t0 = time.perf_counter()
        plan = accounts.plan_rt_accounts(engine)
        out = Path(tmp) / "kartu.csv"
        cards.write_csv(out, plan.credentials)
        t_pdf = time.perf_counter()
        cards.write_pdf(out.with_suffix(".pdf"), plan.credentials, sample=plan.sample_registry)
        t_pdf = time.perf_counter() - t_pdf
        n = accounts.apply_rt_accounts(engine, Viewer("bench", Role.ADMIN), plan)
        total = time.perf_counter() - t0
        size = out.with_suffix(".pdf").stat().st_size / 1024
        print(f"bulk-rt                  : {n} accounts in {total:5.1f} s (PDF {t_pdf:4.1f} s, {size:.0f} KiB), "
              f"{os.cpu_count()} CPU")


def parallel_guesses(engine, n: int = 40) -> None:
    """Issue 27: n wrong passwords at one account at once, each from its own address (no address
    limit in the way): how many were really checked, and how long the burst took."""
    from kondusif.login_throttle import StoreAddressThrottle

    accounts.create_account(engine, Viewer("bench", Role.ADMIN), "sasaran", Role.PEJABAT, "Rahasia-kota-9",
                            must_change=False)
    checked: list[bool] = []
    real_verify = auth.verify_password

    def counting(stored, password):
        checked.append(True)
        return real_verify(stored, password)

    auth.verify_password = counting  # benchmark only: count the checks of a stored hash
    barrier = threading.Barrier(n)
    throttle = StoreAddressThrottle(engine)

    def guess(i: int) -> None:
        barrier.wait()
        auth.authenticate_from(engine, throttle, f"198.51.100.{i + 1}", "sasaran", f"salah-{i:03d}")

    t0 = time.perf_counter()
    threads = [threading.Thread(target=guess, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    auth.verify_password = real_verify
    print(f"{n} parallel wrong logins : {len(checked)} passwords checked (limit {auth.MAX_FAILED_ATTEMPTS}), "
          f"burst {time.perf_counter() - t0:5.1f} s")


if __name__ == "__main__":
    main()
