"""The RT registry in the store: the shipped sample until the admin loads the official list."""

from __future__ import annotations

import threading

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kondusif import access, store
from kondusif.model import Viewer
from lubuklinggau_geo import rt as geo_rt

COLUMNS = ["kode_kelurahan", "rt", "nama_ketua", "telepon", "lat", "lon", "contoh"]


def sample_frame() -> pd.DataFrame:
    """The shipped 522-RT sample (every row marked contoh)."""
    df = geo_rt.sample_registry().copy()
    df["contoh"] = True
    return df[COLUMNS]


# The registry changes a few times a season but is read on every form submission: keep it
# per database, checked against a fingerprint read from the store on each use (the newest
# rt_registry audit row and the row count: every change writes one), so a list imported on
# one app process is used at once by every other process (issue 16).
_cache: dict[str, tuple[tuple[int, int], pd.DataFrame]] = {}
_cache_lock = threading.Lock()


def invalidate_cache() -> None:
    with _cache_lock:
        _cache.clear()


def _fingerprint(conn) -> tuple[int, int]:
    a = store.audit_log
    last = conn.execute(sa.select(sa.func.max(a.c.id)).where(a.c.entity == "rt_registry")).scalar()
    n = conn.execute(sa.select(sa.func.count()).select_from(store.rt_units)).scalar()
    return int(last or 0), int(n or 0)


def rt_registry(engine: Engine | None = None) -> pd.DataFrame:
    """The registry in use: the store's table when filled, else the shipped sample."""
    if engine is None:
        return sample_frame()
    key = engine.url.render_as_string(hide_password=False)
    with engine.connect() as conn:
        version = _fingerprint(conn)
        with _cache_lock:
            hit = _cache.get(key)
        if hit is not None and hit[0] == version:
            return hit[1].copy()
        rows = conn.execute(sa.select(*[store.rt_units.c[c] for c in COLUMNS])).fetchall()
    if rows:
        frame = pd.DataFrame(rows, columns=COLUMNS).sort_values(["kode_kelurahan", "rt"], ignore_index=True)
    else:
        frame = sample_frame()
    with _cache_lock:
        _cache[key] = (version, frame)
    return frame.copy()


def registry_is_sample(registry: pd.DataFrame) -> bool:
    return bool(len(registry)) and bool(registry["contoh"].astype(bool).any())


def ensure_rt_registry(engine: Engine) -> int:
    """Fill an empty registry table with the sample; returns rows added (0 if already filled)."""
    with store.write(engine) as conn:
        if conn.execute(sa.select(sa.func.count()).select_from(store.rt_units)).scalar():
            return 0
        frame = sample_frame()
        conn.execute(store.rt_units.insert(), _rows(frame))
        store.add_audit(conn, "sistem", "rt_registry", None, "seed_sample",
                        note=f"Daftar RT contoh ({len(frame)} RT) dipasang")
    invalidate_cache()
    return len(frame)


def replace_rt_registry(engine: Engine, viewer: Viewer, frame: pd.DataFrame, sample: bool = False) -> int:
    """Replace the whole registry in one transaction (the official list from Setda); needs registry.manage."""
    actor = access.require(viewer, "registry.manage").username
    frame = frame.copy()
    frame["contoh"] = sample
    for col in COLUMNS:
        if col not in frame.columns:
            frame[col] = None
    with store.write(engine) as conn:
        conn.execute(store.rt_units.delete())
        conn.execute(store.rt_units.insert(), _rows(frame[COLUMNS]))
        store.add_audit(conn, actor, "rt_registry", None, "replace",
                        note=f"Daftar RT diganti ({len(frame)} RT, {'contoh' if sample else 'resmi'})")
    invalidate_cache()
    return len(frame)


def _rows(frame: pd.DataFrame) -> list[dict]:
    out = []
    for rec in frame.to_dict("records"):
        out.append({
            "kode_kelurahan": str(rec["kode_kelurahan"]),
            "rt": int(rec["rt"]),
            "nama_ketua": None if pd.isna(rec.get("nama_ketua")) else str(rec["nama_ketua"]),
            "telepon": None if pd.isna(rec.get("telepon")) else str(rec["telepon"]),
            "lat": None if pd.isna(rec.get("lat")) else float(rec["lat"]),
            "lon": None if pd.isna(rec.get("lon")) else float(rec["lon"]),
            "contoh": bool(rec["contoh"]),
        })
    return out
