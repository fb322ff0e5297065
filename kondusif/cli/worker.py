"""`worker`: the one background worker (issue 28): outbox events, alert delivery, import checks, watches,
and the modem's SMS when ``gammu.db_url`` is set (`worker --sekali`: one pass, the operator's check).

SIGTERM or SIGINT (systemctl stop, Ctrl+C, `serve` ending) lets the current event finish, kills
running import checks and gives their jobs back to the queue, then the worker ends with exit code 0.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys

from kondusif import store
from kondusif.worker import Worker


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("worker", help="jalankan pekerja latar: kirim peringatan, periksa tingkat rawan dan berkas "
                                      "impor, baca SMS modem Gammu, awasi gerbang SMS dan putaran hari pemungutan "
                                      "suara")
    p.add_argument("--sekali", dest="once", action="store_true",
                   help="tangani peristiwa, SMS Gammu dan berkas impor yang menunggu, lalu berhenti (tanpa "
                        "pengawasan berkala); galat basis data Gammu dicetak")
    p.set_defaults(func=cmd_worker)


def cmd_worker(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    worker = Worker(store.get_engine())

    def stop(signum: int, _frame: object) -> None:
        print(f"Pekerja latar berhenti ({signal.Signals(signum).name}) sesudah peristiwa yang sedang ditangani.",
              file=sys.stderr, flush=True)
        worker.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.once:
        done, checks, texts = worker.run_until_idle()
        modem = "" if worker.gammu is None else f", {texts} SMS Gammu diproses"
        print(f"{done} peristiwa ditangani, {checks} pemeriksaan berkas impor selesai{modem}.")
        if worker.gammu is not None and worker.gammu.last_error:
            print(f"Galat gerbang SMS Gammu: {worker.gammu.last_error}. Periksa gammu.db_url (KONDUSIF_GAMMU_DB) "
                  "dan skema Gammu (pgsql.sql dari gammu-smsd).", file=sys.stderr)
            return 3
        return 0
    print(f"Pekerja latar {worker.worker_id} berjalan (berhenti: Ctrl+C atau SIGTERM).", flush=True)
    worker.run()
    print(f"Pekerja latar berhenti; {worker.handled} peristiwa ditangani.", flush=True)
    return 0
