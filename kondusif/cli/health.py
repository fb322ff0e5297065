"""`health`: the store's and the disk's figures an operator watches (issue 13)."""

from __future__ import annotations

import argparse

from kondusif import health, store


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("health", help="kesehatan sistem: ukuran basis data, ruang disk, cadangan, antrean")
    p.set_defaults(func=cmd_health)


def cmd_health(args: argparse.Namespace) -> int:
    h = health.check(store.get_engine())
    for line in health.lines(h):
        print(line)
    return 1 if h.low_disk else 0
