"""Benchmark: name matching, the hot path of every chat/SMS import.

Prints how long ``find_kelurahan_in_text`` takes on a long message with no
kelurahan name in it (its worst case: every window is tried), on a message that
names one, and ``match_kelurahan`` on misspelt names. The target in the brief is
under 5 ms a message; tests never time things, this script does.

Run: ``python benchmarks/bench_names.py [N]`` (N calls per case, default 2000).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lubuklinggau_geo.names import find_kelurahan_in_text, match_kelurahan  # noqa: E402

NO_NAME = ("LAPOR politik uang berat RT 3 dekat masjid, kejadian tadi malam ada bagi-bagi amplop "
           "oleh tim sukses salah satu pasangan calon, mohon ditindaklanjuti segera oleh panwas")
WITH_NAME = "ada amplop beredar di RT 3 Kel. Air Kuti tadi malam, mohon dicek"
MISSPELT = ["Ceremeh Tabah", "WATERFANG", "Kel. Air Kuti", "Jawa Kanan S.S.", "Belalau 1", "lubuk linggau ilir"]


def _time(fn: Callable[[], object], n: int) -> tuple[float, float]:
    """(median, 95th percentile) of one call in milliseconds, after one warm-up call."""
    fn()
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]


def main(n: int = 2000) -> int:
    cases = {
        "find_kelurahan_in_text, pesan tanpa nama kelurahan": lambda: find_kelurahan_in_text(NO_NAME),
        "find_kelurahan_in_text, pesan menyebut Air Kuti": lambda: find_kelurahan_in_text(WITH_NAME),
        "match_kelurahan, 6 nama salah eja (per nama)": lambda: [match_kelurahan(x) for x in MISSPELT],
    }
    for label, fn in cases.items():
        med, p95 = _time(fn, n)
        if "6 nama" in label:
            med, p95 = med / len(MISSPELT), p95 / len(MISSPELT)
        print(f"{label}: median {med:.3f} ms, p95 {p95:.3f} ms ({n:,} panggilan; sasaran < 5 ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000))
