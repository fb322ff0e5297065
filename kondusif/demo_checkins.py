"""Simulated check-ins ("laporan aman") for the demo, so the map shows calm, tense and silent.

Every row has channel ``simulasi`` (source_ref ``sim:<seed>:<i>``) and no sender: the
UI labels them as simulated wherever they are listed. Deterministic per seed: during
the campaign an RT sends a check-in on about a third of the days, on voting day at each
round (07:00, 12:00, 18:00 WIB) nine times out of ten; some RT never do, and the RT of
a few whole kelurahan never do, so those kelurahan read "Tidak ada kabar" wherever no
report came from them either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kondusif import checkins, store
from kondusif.config import settings
from kondusif.model import new_id
from kondusif.registry import rt_registry
from kondusif.timeutil import WIB, now

SILENT_KELURAHAN = 6  # whole kelurahan whose RT never check in
SILENT_RT_SHARE = 0.12  # RT elsewhere that never do
DAILY_SHARE = 0.35
ROUND_SHARE = 0.9
ROUND_HOURS = (7, 12, 18)


@dataclass(frozen=True)
class DemoCheckins:
    inserted: int
    skipped: int
    silent_kelurahan: tuple[str, ...]


def simulate_checkins(seed: int = 1, registry: pd.DataFrame | None = None, days: int | None = None,
                      daily_share: float = DAILY_SHARE,
                      silent: tuple[str, ...] | None = None) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """(rows kode_kelurahan, rt, at (UTC), source_ref; the silent kelurahan), deterministic per seed.

    `silent` names the kelurahan whose RT never check in (default: drawn from the seed)."""
    cal = settings().calendar
    reg = rt_registry(None) if registry is None else registry
    rng = np.random.default_rng(seed + 24_000)
    kels = np.array(sorted(set(reg["kode_kelurahan"].astype(str))))
    drawn = tuple(sorted(rng.choice(kels, size=min(SILENT_KELURAHAN, len(kels)), replace=False).tolist()))
    silent_kel = drawn if silent is None else tuple(sorted(silent))
    codes = reg["kode_kelurahan"].astype(str).to_numpy()
    rts = reg["rt"].astype(int).to_numpy()
    active = ~np.isin(codes, silent_kel) & (rng.random(len(codes)) >= SILENT_RT_SHARE)
    first = cal.season_start
    last = cal.voting_day + timedelta(days=10)
    n_days = (last - first).days + 1 if days is None else days
    frames = []
    for d in range(n_days):
        day = first + timedelta(days=d)
        if day == cal.voting_day:
            for hour in ROUND_HOURS:
                sent = active & (rng.random(len(codes)) < ROUND_SHARE)
                minutes = rng.integers(0, 50, sent.sum())
                base = datetime.combine(day, time(hour), tzinfo=WIB)
                frames.append((codes[sent], rts[sent], [base + timedelta(minutes=int(m)) for m in minutes]))
            continue
        sent = active & (rng.random(len(codes)) < daily_share)
        minutes = rng.integers(6 * 60, 21 * 60, sent.sum())
        base = datetime.combine(day, time(0), tzinfo=WIB)
        frames.append((codes[sent], rts[sent], [base + timedelta(minutes=int(m)) for m in minutes]))
    kel = np.concatenate([f[0] for f in frames]) if frames else np.array([], dtype=object)
    rt = np.concatenate([f[1] for f in frames]) if frames else np.array([], dtype=int)
    at = [t.astimezone(UTC) for f in frames for t in f[2]]
    out = pd.DataFrame({"kode_kelurahan": kel, "rt": rt, "at": at})
    out["source_ref"] = [f"sim:{seed}:{i}" for i in range(len(out))]
    return out, silent_kel


def _quietest(engine: Engine) -> tuple[str, ...] | None:
    """The SILENT_KELURAHAN kelurahan with the fewest stored reports in voting week (None: no reports):
    silent there, they read Tidak ada kabar on the voting-day map instead of being made heard by a report."""
    cal = settings().calendar
    end = datetime.combine(cal.voting_day + timedelta(days=1), time(0), tzinfo=WIB)
    c = store.incidents.c
    with engine.connect() as conn:
        counts: dict[str, int] = dict(conn.execute(sa.select(c.kode_kelurahan, sa.func.count())
                                   .where(c.occurred_at >= end - timedelta(days=7), c.occurred_at < end)
                                   .group_by(c.kode_kelurahan)).fetchall())
    if not counts:
        return None
    kels = sorted(set(rt_registry(engine)["kode_kelurahan"].astype(str)))
    return tuple(sorted(kels, key=lambda k: (counts.get(k, 0), k))[:SILENT_KELURAHAN])


def seed_checkins(engine: Engine, seed: int = 1, days: int | None = None,
                  daily_share: float = DAILY_SHARE) -> DemoCheckins:
    """Store the simulated check-ins of `seed` (one transaction; rows already stored are skipped)."""
    rows, silent = simulate_checkins(seed, rt_registry(engine), days, daily_share, _quietest(engine))
    c = store.checkins.c
    with engine.connect() as conn:
        have = set(conn.execute(sa.select(c.source_ref).where(c.channel == "simulasi",
                                                              c.source_ref.like(f"sim:{seed}:%"))).scalars())
    fresh = rows[~rows["source_ref"].isin(have)]
    stamp = now()
    records = [{"id": new_id(), "kode_kecamatan": k[:8], "kode_kelurahan": k, "rt": int(r), "at": a,
                "stored_at": stamp, "channel": "simulasi", "source_ref": ref, "account": None, "phone": None,
                "sender_name": None, "unlisted_rt": False, "created_by": "simulasi"}
               for k, r, a, ref in zip(fresh["kode_kelurahan"], fresh["rt"], fresh["at"], fresh["source_ref"],
                                       strict=True)]
    with store.write(engine) as conn:
        checkins.load_simulated(conn, records, seed)
    return DemoCheckins(len(records), len(rows) - len(fresh), silent)


__all__ = ["DemoCheckins", "seed_checkins", "simulate_checkins"]
