"""`kartu-sms` (the LAPOR format card, A6 PDF) and `smssync rahasia` (the Android gateway's secret), issue 15."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from kondusif import registry, store
from kondusif.intake.validate import resolve_kelurahan
from kondusif.model import Role, Viewer
from kondusif.sms import card, smssync
from lubuklinggau_geo import gazetteer


def register(sub: argparse._SubParsersAction) -> None:
    k = sub.add_parser("kartu-sms", help="kartu format LAPOR lewat SMS untuk Ketua RT (PDF A6)")
    k.add_argument("--out", required=True, help="berkas PDF yang ditulis")
    k.add_argument("--nomor", action="append", default=[],
                   help="nomor gerbang SMS yang dicetak (boleh diulang); tanpa ini: garis untuk ditulis tangan")
    k.add_argument("--per-rt", action="store_true", help="satu kartu per RT dari daftar RT (contoh memakai RT-nya)")
    k.add_argument("--kelurahan", help="hanya RT kelurahan ini (menyiratkan --per-rt)")
    k.set_defaults(func=cmd_card)

    s = sub.add_parser("smssync", help="gerbang SMS Android (SMSsync): rahasia untuk diisi di ponsel")
    s_sub = s.add_subparsers(dest="smssync_command", required=True, metavar="AKSI")
    r = s_sub.add_parser("rahasia", help="tampilkan rahasia SMSsync instalasi ini (dibuat bila belum ada)")
    r.add_argument("--ganti", action="store_true", help="buat rahasia baru; semua ponsel harus diisi ulang")
    r.add_argument("--as", dest="actor", default="admin", help="nama pengguna admin yang tercatat (bawaan: admin)")
    r.set_defaults(func=cmd_secret)


def _cards(args: argparse.Namespace) -> list[card.CardFor]:
    if not (args.per_rt or args.kelurahan):
        return [card.CardFor()]
    reg = registry.rt_registry(store.get_engine())
    if args.kelurahan:
        kode, problem = resolve_kelurahan(args.kelurahan, None)
        if kode is None:
            raise ValueError(f"--kelurahan: {problem}")
        reg = reg[reg["kode_kelurahan"] == kode]
    return [card.CardFor(int(r.rt), gazetteer.kelurahan_name(r.kode_kelurahan))
            for r in reg.sort_values(["kode_kelurahan", "rt"]).itertuples()]


def cmd_card(args: argparse.Namespace) -> int:
    try:
        cards = _cards(args)
    except ValueError as exc:
        print(f"Galat: {exc}", file=sys.stderr)
        return 2
    data = card.card_pdf(args.nomor, cards)
    out = Path(args.out)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)  # nothing secret on it (the CLI's umask may still narrow it)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    print(f"{len(cards)} kartu (A6) ditulis ke {out}.")
    return 0


def cmd_secret(args: argparse.Namespace) -> int:
    engine = store.get_engine()
    actor = Viewer(f"cli:{args.actor}", Role.ADMIN, "Baris perintah")
    secret = smssync.rotate_secret(engine, actor) if args.ganti else smssync.show_secret(engine, actor)
    print(secret)
    return 0
