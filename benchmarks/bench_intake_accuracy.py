"""Prints how well the one message reader reads the hand-labelled corpus (issue 25).

Corpus: tests/fixtures/corpus (simulated, hand-labelled; README there). Two parts:
"tuning" (the rules were tuned on it; tests use it) and "held-out" (written and labelled
before the reader ran on it; the README there records which figures are still clean). For each part and channel a confusion table of labelled (rows) against read
(columns) outcome: laporan / aman / tinjau / bukan; then the figures of the targets:

- incidents made from a message that is not a report (labelled aman or bukan): target 0;
- explicit LAPOR lines with a known code filed (not queued): target all;
- exact (outcome, category, RT): target >= 95%;
- form choice values read as labelled (category/severity, or refused).

Only the tuning part lists its misread messages (--detail); the held-out part prints figures only.

Usage: python benchmarks/bench_intake_accuracy.py [--detail]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "intake")]

import reading_corpus as rc  # noqa: E402


def _table(title: str, confusion) -> None:
    print(f"\n  {title}: dilabeli (baris) x terbaca (kolom)")
    print("  " + " " * 10 + "".join(f"{rc.NAMES[o]:>9}" for o in rc.OUTCOMES) + "   jumlah")
    for want in rc.OUTCOMES:
        cells = [confusion.get((want, got), 0) for got in rc.OUTCOMES]
        print(f"  {rc.NAMES[want]:>10}" + "".join(f"{c:>9}" for c in cells) + f"{sum(cells):>9}")


def _part(part: str, detail: bool) -> tuple[int, int]:
    messages = rc.load_messages(part)
    s = rc.score(messages)
    print(f"\n=== bagian {part}: {s.total} pesan ===")
    for channel in ("wa", "sms"):
        _table("WhatsApp" if channel == "wa" else "SMS", s.confusion.get(channel, {}))
    print(f"\n  insiden dari pesan yang bukan laporan: {len(s.false_incidents)} (target 0)"
          + (f" {s.false_incidents}" if detail and s.false_incidents else ""))
    print(f"  calon tinjauan yang langsung tercatat: {len(s.review_filed)}")
    print(f"  LAPOR eksplisit berkode dikenal tercatat: {s.lapor_filed}/{s.lapor_total} (target semua)")
    print(f"  tepat (hasil, kategori, RT): {s.exact}/{s.total} = {100 * s.share:.1f}% (target >= 95%)")
    forms = rc.load_forms(part)
    right = sum(rc.form_result(r) == r["expected"] for r in forms)
    print(f"  nilai pilihan formulir terbaca sesuai label: {right}/{len(forms)} = {100 * right / len(forms):.1f}%")
    if detail:
        for m, r in s.wrong:
            print(f"    {m.id} dilabeli {m.outcome} {m.category or '-'} RT {m.rt} | terbaca {r.outcome} "
                  f"{r.category or '-'} RT {r.rt} ({r.reason}) | {m.text[:80]!r}")
        for row in forms:
            if rc.form_result(row) != row["expected"]:
                print(f"    {row['id']} {row['field']} {row['value']!r}: dilabeli {row['expected']}, "
                      f"terbaca {rc.form_result(row)}")
    return s.exact, s.total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--detail", action="store_true", help="list the misread messages of the tuning part")
    args = ap.parse_args()
    tuned = _part("tuning", args.detail)
    held = _part("heldout", False)
    right, total = tuned[0] + held[0], tuned[1] + held[1]
    print(f"\n=== seluruh korpus: tepat {right}/{total} = {100 * right / total:.1f}% "
          f"(tuning {100 * tuned[0] / tuned[1]:.1f}%, held-out {100 * held[0] / held[1]:.1f}%) ===")


if __name__ == "__main__":
    main()
