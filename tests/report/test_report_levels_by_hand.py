"""The weekly PDF's Rawan/Waspada counts on a small store built by hand (issue 27 tests).

Expected values are worked out here from docs/levels.md, not read from the report:
2018-W26 ends Monday 2 July 00.00 WIB (1 July 17.00 UTC); the report made on 2 July
assesses the levels at that moment. Every report below happened on 1 July 08.00 WIB,
16 hours earlier: decay 0.5^(16/72) = 0.857. A verified berat report weighs 4 x 1.0,
so 5 of them score 17.1 (>= 14: Rawan), 3 score 10.3 (6..14: Waspada), one verified
ringan 0.86 (Kondusif), and ten rejected berat count 0 (Kondusif).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from report_helpers import pdf_text

from kondusif import store
from kondusif.model import Category, Incident, Severity, Source, Status
from kondusif.report import build

WHEN = datetime(2018, 7, 1, 1, 0, tzinfo=UTC)  # Minggu 1 Juli 2018 08.00 WIB
MADE = datetime(2018, 7, 2, 1, 30, tzinfo=UTC)

# kelurahan -> (how many, severity, status)
HAND_BUILT = {
    "16.73.01.1001": (5, Severity.BERAT, Status.DIVERIFIKASI),  # Air Kuti: Rawan
    "16.73.01.1002": (5, Severity.BERAT, Status.DIVERIFIKASI),  # Majapahit: Rawan
    "16.73.01.1003": (3, Severity.BERAT, Status.DIVERIFIKASI),  # Taba Jemekeh: Waspada
    "16.73.02.1001": (3, Severity.BERAT, Status.DIVERIFIKASI),  # Kayu Ara: Waspada
    "16.73.02.1002": (3, Severity.BERAT, Status.DIVERIFIKASI),  # Lubuk Tanjung: Waspada
    "16.73.02.1003": (1, Severity.RINGAN, Status.DIVERIFIKASI),  # Tanjung Indah: Kondusif
    "16.73.02.1004": (10, Severity.BERAT, Status.DITOLAK),  # Bandung Ujung: Kondusif (rejected)
}


def _fill(engine) -> None:
    incidents = [
        Incident(kode_kelurahan=kode, rt=1, category=Category.INTIMIDASI, severity=sev, title=f"Uji {kode} {i}",
                 occurred_at=WHEN, source=Source.IMPORT, source_ref=f"tangan-{kode}-{i}", status=st)
        for kode, (n, sev, st) in HAND_BUILT.items() for i in range(n)
    ]
    with store.write(engine) as conn:
        store.insert_incidents(conn, incidents, actor="uji")


def test_rawan_and_waspada_counts_of_a_hand_built_week(engine):
    _fill(engine)
    built = build.build_report(engine, build.make_params("2018-W26", "pejabat.kota", generated_at=MADE, version=1))
    text = pdf_text(built.pdf)

    # City row: 2 Rawan, 3 Waspada, the other 67 of 72 kelurahan Kondusif.
    assert re.search(r"Kota Lubuklinggau 2 3 67 \d", text), text[:3000]
    # Per kecamatan: Timur I holds both Rawan and one Waspada (8 kelurahan); Barat I two Waspada (11).
    assert re.search(r"Lubuk Linggau Timur I 2 1 5 \d", text)
    assert re.search(r"Lubuk Linggau Barat I 0 2 9 \d", text)
    assert re.search(r"Lubuk Linggau Utara II 0 0 10 \d", text)
    assert (built.data.n_rawan, built.data.n_waspada) == (2, 3)
