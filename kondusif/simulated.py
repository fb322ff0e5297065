"""What a view must say about simulated reports: only when some are in view, and how many.

A store may hold the simulated 2018 season (`demo`) beside real reports. A banner saying
"Data SIMULASI" over a view of real reports is as misleading as no banner over simulated
ones, so views count what they show (issue 16): all simulated, a mix, or real reports
whose kelurahan levels still count simulated ones from the days before.
"""

from __future__ import annotations

from sqlalchemy.engine import Engine

from kondusif import store
from kondusif.model import Source, Viewer

SIMULATED = Source.SIMULASI.value


def count_in_view(engine: Engine, q: store.IncidentQuery, viewer: Viewer) -> int:
    """Simulated reports among those `q` selects for `viewer` (0 when `q` leaves them out).

    Counted per source over `q` (one GROUP BY along the time index): a plain count with
    `source = 'simulasi'` lets SQLite walk the source index through a whole simulated
    season instead (2 s at 100,000 reports, against a fraction of that).
    """
    if q.source and SIMULATED not in q.source:
        return 0
    counts = store.counts_by(engine, q, viewer, ["source"])
    return int(counts.loc[counts["source"] == SIMULATED, "n"].sum())


def notice(n_reports: int, n_simulated: int, n_simulated_window: int = 0) -> str | None:
    """The sentence a view shows, or None when every report in it is real.

    `n_reports`/`n_simulated`: the reports the view lists or counts and the simulated
    ones among them; `n_simulated_window`: simulated reports its levels are computed from.
    """
    sim, total, window = _thousands(n_simulated), _thousands(n_reports), _thousands(n_simulated_window)
    if n_simulated and n_simulated >= n_reports:
        return f"Data SIMULASI: semua {sim} laporan yang tampil dibuat oleh program untuk demo, bukan kejadian nyata."
    if n_simulated:
        return (f"Campuran data: {sim} dari {total} laporan yang tampil adalah SIMULASI "
                "(dibuat program, bukan kejadian nyata); sisanya laporan nyata.")
    if n_simulated_window:
        return (f"Laporan yang tampil semuanya nyata, tetapi tingkat kelurahan ikut menghitung "
                f"{window} laporan SIMULASI dari hari-hari sebelumnya.")
    return None


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")
