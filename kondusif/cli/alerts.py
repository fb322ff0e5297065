"""Alert commands: `alerts check` (cron: did a kelurahan turn Rawan?), `alerts deliver`, `alerts list`."""

from __future__ import annotations

import argparse
import sys
from datetime import date, datetime, time

from kondusif import alerts, store
from kondusif.timeutil import WIB, format_wib


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("alerts", help="peringatan: periksa tingkat rawan, kirim ke webhook/e-mail, daftar")
    alert_sub = p.add_subparsers(dest="alerts_command", required=True, metavar="AKSI")

    c = alert_sub.add_parser("check", help="periksa apakah ada kelurahan yang menjadi Rawan (dan gerbang SMS senyap)")
    c.add_argument("--per", dest="as_of", help="tanggal (TTTT-BB-HH, akhir hari WIB) atau waktu ISO; bawaan: sekarang")
    c.set_defaults(func=cmd_check)

    d = alert_sub.add_parser("deliver", help="kirim peringatan yang tertunda ke webhook/e-mail yang diatur")
    d.add_argument("--ulang-gagal", dest="retry_failed", action="store_true",
                   help="antrekan lagi peringatan yang gagal terkirim")
    d.set_defaults(func=cmd_deliver)

    ls = alert_sub.add_parser("list", help="daftar peringatan terbaru dan status pengirimannya")
    ls.add_argument("--n", type=int, default=20)
    ls.set_defaults(func=cmd_list)


def _as_of(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(23, 59, 59), tzinfo=WIB)
        return datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"--per: {text!r} bukan tanggal (TTTT-BB-HH) atau waktu ISO") from exc


def cmd_check(args: argparse.Namespace) -> int:
    try:
        as_of = _as_of(args.as_of)
    except ValueError as exc:
        print(f"Galat: {exc}", file=sys.stderr)
        return 2
    created = alerts.check_levels(store.get_engine(), as_of=as_of)
    from kondusif.sms.gateways import check_silence  # issue 15: no SMS for too long on election day

    silent = check_silence(store.get_engine(), as_of)
    created += [silent] if silent else []
    from kondusif.rounds import check_rounds  # issue 24: low coverage after a voting-day round

    created += check_rounds(store.get_engine(), as_of)
    for a in created:
        print(a["message"])
    print(f"{len(created)} peringatan baru.")
    return 0


def cmd_deliver(args: argparse.Namespace) -> int:
    cfg = alerts.delivery_config()
    if not cfg.enabled:
        print("Pengiriman tidak diatur (webhook_url / alert_email + [alerts] smtp_host); peringatan hanya tampil "
              "sebagai banner di aplikasi.")
        return 0
    counts = alerts.deliver_pending(store.get_engine(), cfg, retry_failed=args.retry_failed)
    print(f"Terkirim: {counts['sent']}, gagal: {counts['failed']} (lihat `alerts list` untuk galatnya).")
    return 0 if counts["failed"] == 0 else 1


def cmd_list(args: argparse.Namespace) -> int:
    df = alerts.list_alerts(store.get_engine(), limit=max(1, args.n))
    if df.empty:
        print("Belum ada peringatan.")
        return 0
    for r in df.itertuples(index=False):
        err = f" — {r.delivery_error}" if r.delivery_error else ""
        print(f"#{r.id} {format_wib(r.created_at)} [{r.kind}] kirim: {r.delivery_state} "
              f"({r.delivery_attempts}x){err}\n    {r.message}")
    return 0
