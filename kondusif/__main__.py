"""CLI: python -m kondusif <command>. Each command module registers its own sub-parser."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from kondusif.config import overrides
from kondusif.errors import KondusifError

# One line per command module; each defines register(subparsers).
COMMAND_MODULES = [
    "kondusif.cli.core",
    "kondusif.cli.backup",
    "kondusif.cli.users",
    "kondusif.cli.report",  # issue 7: weekly PDF snapshot
    "kondusif.cli.intake",  # issue 5: import, import-chat
    "kondusif.cli.alerts",  # issue 6: alerts check / deliver / list
    "kondusif.cli.health",  # issue 13: health figures
    "kondusif.cli.smscard",  # issue 15: kartu-sms (A6 LAPOR card), smssync rahasia
    "kondusif.cli.checkin",  # issue 24: aman (check-in by phone), cakupan (coverage)
    "kondusif.cli.rt",  # issue 31: rt impor (official RT list), rt status
    "kondusif.cli.serve",  # issue 27: serve (make run) on 127.0.0.1 unless told otherwise
    "kondusif.cli.worker",  # issue 28: worker (outbox events, alert delivery, election-day watches)
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m kondusif", description="SiKondusif Lubuklinggau")
    parser.add_argument("--db-url", help="URL basis data (bawaan: KONDUSIF_DB_URL atau data/kondusif.db)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="PERINTAH")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with overrides(db_url=args.db_url):  # the option wins for this command; os.environ stays as it was
            return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("Dibatalkan.", file=sys.stderr)
        return 130
    except KondusifError as exc:  # e.g. config.ConfigError: a setting named, in Indonesian
        print(f"Galat: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # issue 8: a busy/unreachable database is a message, not a traceback
        from kondusif.db_unavailable import cli_message, is_unavailable

        if not is_unavailable(exc):
            raise
        print(f"Galat: {cli_message(exc)} ({type(exc).__name__})", file=sys.stderr)
        return 3


if __name__ == "__main__":
    # Files the CLI writes (store, WAL/SHM, key, backups, exports) hold password hashes
    # and reporter identity: readable by the owner only.
    os.umask(0o077)
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # `... | head`: the reader left; no traceback, and none again when Python flushes at exit
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 141  # what a shell reports for a writer stopped by SIGPIPE
    sys.exit(code)
