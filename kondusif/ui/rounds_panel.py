"""The voting-day round panel on the map page (issue 24): coverage now, and the silent list per kelurahan.

Shown on the voting day after the first round's deadline (also when replaying that day). The
silent RT of each kelurahan below the threshold are one click away; roles allowed to see identity
(checkin.read_identity) also get the RT head's name and number, to call.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine

from kondusif import access, rounds
from kondusif.config import settings
from kondusif.coverage import kelurahan_label
from kondusif.model import Viewer
from kondusif.timeutil import format_wib


def silent_frame(view: rounds.RoundView, kode: str) -> pd.DataFrame:
    """The silent RT of one kelurahan as shown: RT (+ Ketua RT, Telepon when the coverage carries them)."""
    rt = view.coverage.rt
    rows = rt[(rt["kode_kelurahan"] == kode) & ~rt["heard"]]
    out = pd.DataFrame({"RT": [f"{int(r):02d}" for r in rows["rt"]]})
    if "telepon" in rows.columns:
        out["Ketua RT"] = [str(v) if pd.notna(v) else "-" for v in rows["nama_ketua"]]
        out["Telepon"] = [str(v) if pd.notna(v) else "-" for v in rows["telepon"]]
    return out


def round_panel(engine: Engine, viewer: Viewer, at: datetime) -> None:
    """Draw the panel when a round is current at `at` (nothing otherwise)."""
    if not access.allows(viewer, "coverage.read"):
        return
    view = rounds.round_view(engine, viewer, at)
    if view is None:
        return
    cov = view.coverage
    below = view.below()
    threshold = settings().rounds.coverage_threshold
    st.info(f"**{view.round.label}** (per {format_wib(view.at)}): {cov.heard} dari {cov.total} RT memberi kabar "
            f"sejak putaran dimulai; {len(below)} kelurahan di bawah {threshold:.0%}.", icon=":material/campaign:")
    if below:
        with st.expander(f"Daftar RT senyap ({len(below)} kelurahan)"):
            for row in below:
                kode = str(row["kode_kelurahan"])
                st.markdown(f"**{kelurahan_label(kode)}** — {int(row['rt_heard'])} dari {int(row['rt_total'])} RT")
                st.dataframe(silent_frame(view, kode), hide_index=True, width="stretch")


__all__ = ["round_panel", "silent_frame"]
