"""`kartu-sms` (the LAPOR format card, A6 PDF) and `smssync ponsel` (the Android gateway phones), issues 15, 27."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from kondusif import registry, store
from kondusif.intake.validate import resolve_kelurahan
from kondusif.model import Role, Viewer
from kondusif.safe import clean_text as safe_text
from kondusif.sms import card, smssync
from kondusif.timeutil import format_wib
from lubuklinggau_geo import gazetteer


def register(sub: argparse._SubParsersAction) -> None:
    k = sub.add_parser("kartu-sms", help="kartu format LAPOR lewat SMS untuk Ketua RT (PDF A6)")
    k.add_argument("--out", required=True, help="berkas PDF yang ditulis")
    k.add_argument("--nomor", action="append", default=[],
                   help="nomor gerbang SMS yang dicetak (boleh diulang); tanpa ini: garis untuk ditulis tangan")
    k.add_argument("--per-rt", action="store_true", help="satu kartu per RT dari daftar RT (contoh memakai RT-nya)")
    k.add_argument("--kelurahan", help="hanya RT kelurahan ini (menyiratkan --per-rt)")
    k.set_defaults(func=cmd_card)

    s = sub.add_parser("smssync", help="gerbang SMS Android (SMSsync): ponsel gerbang dan rahasianya")
    s_sub = s.add_subparsers(dest="smssync_command", required=True, metavar="AKSI")
    p = s_sub.add_parser("ponsel", help="daftar, tambah atau cabut ponsel gerbang (satu rahasia per ponsel)")
    p_sub = p.add_subparsers(dest="ponsel_command", required=True, metavar="AKSI")
    add = p_sub.add_parser("tambah", help="daftarkan ponsel dan cetak rahasianya (hanya sekali ditampilkan)")
    add.add_argument("nama", help="nama ponsel, mis. posko-setda-1")
    rev = p_sub.add_parser("cabut", help="cabut rahasia ponsel (hilang atau diganti); SMS lamanya tetap tercatat")
    rev.add_argument("nama", help="nama ponsel")
    p_sub.add_parser("daftar", help="ponsel terdaftar, aktif dan dicabut")
    for q in p_sub.choices.values():
        q.set_defaults(func=cmd_phone)
        q.add_argument("--as", dest="actor", default="admin", help="nama pengguna admin yang tercatat (bawaan: admin)")
    old = s_sub.add_parser("rahasia", help="(lama) satu rahasia untuk semua ponsel: diganti `smssync ponsel`")
    old.add_argument("--ganti", action="store_true", help=argparse.SUPPRESS)
    old.set_defaults(func=cmd_old_secret)


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


def cmd_phone(args: argparse.Namespace) -> int:
    engine = store.get_engine()
    actor = Viewer(f"cli:{args.actor}", Role.ADMIN, "Baris perintah")
    try:
        if args.ponsel_command == "tambah":
            phone, secret = smssync.register_phone(engine, actor, args.nama)
            print(f"Ponsel «{phone.label}» terdaftar. Rahasia (isi di kolom Secret SMSsync; tidak ditampilkan lagi):")
            print(secret)
        elif args.ponsel_command == "cabut":
            phone = smssync.revoke_phone(engine, actor, args.nama)
            print(f"Rahasia ponsel «{phone.label}» dicabut: permintaannya ditolak mulai sekarang.")
        else:
            rows = smssync.list_phones(engine, actor)
            if not rows:
                print("Belum ada ponsel gerbang terdaftar: `smssync ponsel tambah NAMA`.")
            for r in rows:
                state = f"dicabut {format_wib(r['revoked_at'])}" if r["revoked_at"] else "aktif"
                used = format_wib(r["last_used_at"]) if r["last_used_at"] else "belum pernah"
                print(f"{safe_text(r['label'])}\t{state}\tkontak terakhir: {used}")
    except smssync.PhoneError as exc:
        print(f"Galat: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_old_secret(args: argparse.Namespace) -> int:
    print("Galat: rahasia SMSsync bersama tidak dipakai lagi; setiap ponsel punya rahasianya sendiri. "
          "Daftarkan ponsel dengan `smssync ponsel tambah NAMA` (atau di halaman Gerbang SMS). "
          "Rahasia lama sudah dipindah menjadi ponsel «ponsel-lama», yang dapat dicabut dengan "
          "`smssync ponsel cabut ponsel-lama`.", file=sys.stderr)
    return 2
