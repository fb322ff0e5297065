"""Possible duplicates: two reports that may describe the same event.

Rule (configurable window): same kelurahan, same category, occurred within
``window_hours`` of each other (default 6 h, ``[intake] duplicate_window_hours``
in kondusif.toml), and RT numbers at most ``rt_distance`` apart (default 1:
the same or a neighbouring RT); a report without an RT matches any RT of its
kelurahan. Possible duplicates are flagged (``incidents.possible_duplicate``)
and shown, never merged: only Panwaslu decide that a report is a duplikat.

Plain functions on DataFrames (`duplicate_pairs`, `pairs_with`) do the work;
`store_neighbours` / `candidates_for` fetch what to compare from the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kondusif import store
from kondusif.config import SPECS, settings
from kondusif.model import SYSTEM, Viewer
from kondusif.timeutil import as_utc

DEFAULT_RT_DISTANCE = 1
KEY_COLUMNS = ["id", "kode_kelurahan", "rt", "category", "occurred_at"]
PAIR_COLUMNS = ["id_a", "id_b", "hours_apart"]


def window_hours() -> float:
    """The configured duplicate window in hours (kondusif.toml [intake] duplicate_window_hours)."""
    value = settings().intake.duplicate_window_hours
    return value if value > 0 else SPECS["intake.duplicate_window_hours"].default


def _frame(records: pd.DataFrame | Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    if isinstance(records, pd.DataFrame):
        df = records
        missing = [c for c in KEY_COLUMNS if c not in df.columns]
        if missing:
            raise ValueError(f"records lack columns {missing}")
    else:
        rows = list(records)
        missing = [c for c in KEY_COLUMNS if rows and c not in rows[0]]
        if missing:
            raise ValueError(f"records lack columns {missing}")
        df = pd.DataFrame({c: [r.get(c) for r in rows] for c in KEY_COLUMNS if c != "occurred_at"})
        times = [r.get("occurred_at") for r in rows]
        if times and all(isinstance(t, datetime) and t.tzinfo is not None for t in times):
            # aware datetimes (what validation produces): epoch seconds directly, much faster than to_datetime
            df["occurred_at"] = pd.to_datetime(np.array([t.timestamp() for t in times]), unit="s", utc=True)
        else:
            df["occurred_at"] = times
    if df.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in KEY_COLUMNS})
    out = df[KEY_COLUMNS].copy()
    out["occurred_at"] = pd.to_datetime(out["occurred_at"], utc=True)
    out["rt"] = pd.to_numeric(out["rt"], errors="coerce")
    out["category"] = out["category"].astype(str)
    out["kode_kelurahan"] = out["kode_kelurahan"].astype(str)
    return out.reset_index(drop=True)


def _pair_positions(df: pd.DataFrame, hours: float, rt_distance: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row positions (a, b) of candidate pairs in ``df`` (a earlier or equal) and their gap in hours."""
    empty = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0, dtype=float))
    if len(df) < 2:
        return empty
    # whole seconds since the epoch, whatever the datetime unit (pandas 3 may use us)
    secs = ((df["occurred_at"] - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(seconds=1)).to_numpy(dtype=np.int64)
    secs = secs - secs.min()
    group, _ = pd.factorize(df["kode_kelurahan"].to_numpy(dtype=object) + "|" + df["category"].to_numpy(dtype=object))
    w = int(hours * 3600)
    span = int(secs.max()) + w + 1
    comp = group.astype(np.int64) * span + secs
    order = np.argsort(comp, kind="stable")
    comp_sorted = comp[order]
    end = np.searchsorted(comp_sorted, comp_sorted + w, side="right")
    idx = np.arange(len(comp_sorted))
    counts = end - idx - 1
    total = int(counts.sum())
    if total == 0:
        return empty
    left = np.repeat(idx, counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    right = left + 1 + (np.arange(total) - starts)
    a, b = order[left], order[right]
    rt = df["rt"].to_numpy(dtype=float)
    ra, rb = rt[a], rt[b]
    keep = np.isnan(ra) | np.isnan(rb) | (np.abs(ra - rb) <= rt_distance)
    a, b = a[keep], b[keep]
    return a, b, np.abs(secs[b] - secs[a]) / 3600.0


def _empty_pairs(columns: Sequence[str], kinds: Sequence[Any]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in zip(columns, kinds, strict=True)})


def duplicate_pairs(
    records: pd.DataFrame | Iterable[Mapping[str, Any]],
    window: float | None = None,
    rt_distance: int = DEFAULT_RT_DISTANCE,
) -> pd.DataFrame:
    """All pairs of records that may be the same event: columns id_a, id_b, hours_apart.

    ``records`` need id, kode_kelurahan, rt, category, occurred_at. id_a is the
    earlier report of each pair. Sort-and-sweep, so 100,000 records take well
    under a second.
    """
    df = _frame(records)
    hours = window_hours() if window is None else float(window)
    a, b, gap = _pair_positions(df, hours, rt_distance)
    if not len(a):
        return _empty_pairs(PAIR_COLUMNS, (object, object, float))
    ids = df["id"].to_numpy(dtype=object)
    return pd.DataFrame({"id_a": ids[a], "id_b": ids[b], "hours_apart": gap})


def pairs_with(
    new: pd.DataFrame | Iterable[Mapping[str, Any]],
    existing: pd.DataFrame | Iterable[Mapping[str, Any]] | None = None,
    window: float | None = None,
    rt_distance: int = DEFAULT_RT_DISTANCE,
) -> pd.DataFrame:
    """Pairs involving at least one record of ``new`` (against ``existing`` and each other).

    Columns: new_id, other_id, hours_apart, other_is_new. A pair of two new
    records appears once for each side.
    """
    columns = ["new_id", "other_id", "hours_apart", "other_is_new"]
    new_df = _frame(new)
    old_df = _frame(existing) if existing is not None else _frame([])
    if len(old_df):
        new_ids = set(new_df["id"].tolist())
        old_df = old_df[[i not in new_ids for i in old_df["id"].tolist()]]
    both = pd.concat([new_df, old_df], ignore_index=True) if len(old_df) else new_df
    hours = window_hours() if window is None else float(window)
    a, b, gap = _pair_positions(both, hours, rt_distance)
    if not len(a):
        return _empty_pairs(columns, (object, object, float, bool))
    n_new = len(new_df)
    ids = both["id"].to_numpy(dtype=object)
    a_new, b_new = a < n_new, b < n_new
    first = np.concatenate([a[a_new], b[b_new]])
    second = np.concatenate([b[a_new], a[b_new]])
    out = pd.DataFrame({"new_id": ids[first], "other_id": ids[second],
                        "hours_apart": np.concatenate([gap[a_new], gap[b_new]]), "other_is_new": second < n_new})
    return out.sort_values(["new_id", "hours_apart", "other_id"], ignore_index=True)


def flags(new: pd.DataFrame | Iterable[Mapping[str, Any]], pairs: pd.DataFrame) -> pd.Series:
    """True for each record of ``new`` (by position) that has at least one pair."""
    df = _frame(new)
    flagged = set(pairs["new_id"].tolist())
    return pd.Series([i in flagged for i in df["id"].tolist()], name="possible_duplicate")


# --------------------------------------------------------------------------- store queries

NEIGHBOUR_COLUMNS = ["id", "report_no", "kode_kelurahan", "rt", "category", "severity", "occurred_at",
                     "status", "title", "source"]


def store_neighbours(
    engine: Engine,
    records: pd.DataFrame | Iterable[Mapping[str, Any]],
    viewer: Viewer,
    window: float | None = None,
    conn: sa.Connection | None = None,
) -> pd.DataFrame:
    """Stored incidents that could pair with ``records`` (same kelurahan and category, time in range).

    Scoped to ``viewer`` (detection passes SYSTEM; never pass an rt viewer when *detecting*:
    a neighbouring RT's report must still count). Columns: NEIGHBOUR_COLUMNS.
    """
    df = _frame(records)
    if df.empty:
        return pd.DataFrame(columns=NEIGHBOUR_COLUMNS)
    hours = window_hours() if window is None else float(window)
    pad = timedelta(hours=hours)
    lo = df["occurred_at"].min().to_pydatetime(warn=False) - pad
    hi = df["occurred_at"].max().to_pydatetime(warn=False) + pad
    c = store.incidents.c
    stmt = sa.select(*[c[name] for name in NEIGHBOUR_COLUMNS]).where(
        c.kode_kelurahan.in_(sorted(set(df["kode_kelurahan"]))),
        c.category.in_(sorted(set(df["category"]))),
        c.occurred_at >= lo,
        c.occurred_at <= hi,
    )
    scope = store.scope_clause(viewer)
    if scope is not None:
        stmt = stmt.where(scope)
    if conn is not None:
        result = conn.execute(stmt)
        rows = result.fetchall()
    else:
        with engine.connect() as own:
            rows = own.execute(stmt).fetchall()
    out = pd.DataFrame(rows, columns=NEIGHBOUR_COLUMNS)
    if not out.empty:
        out["occurred_at"] = pd.to_datetime(out["occurred_at"], utc=True)
    return out


SMALL_BATCH = 50  # up to this many records, pairs are found in plain Python (the form's path)


def _neighbour_rows(
    records: Sequence[Mapping[str, Any]],
    hours: float,
    viewer: Viewer,
    conn: sa.Connection,
) -> list[dict[str, Any]]:
    times = [as_utc(r["occurred_at"]) for r in records]
    pad = timedelta(hours=hours)
    c = store.incidents.c
    stmt = sa.select(*[c[name] for name in NEIGHBOUR_COLUMNS]).where(
        c.kode_kelurahan.in_(sorted({str(r["kode_kelurahan"]) for r in records})),
        c.category.in_(sorted({str(r["category"]) for r in records})),
        c.occurred_at >= min(times) - pad,
        c.occurred_at <= max(times) + pad,
    )
    scope = store.scope_clause(viewer)
    if scope is not None:
        stmt = stmt.where(scope)
    return [dict(row) for row in conn.execute(stmt).mappings()]


def _rt_close(a: Any, b: Any, rt_distance: int) -> bool:
    if a is None or b is None or a != a or b != b:  # unknown RT matches any RT of the kelurahan
        return True
    return abs(int(a) - int(b)) <= rt_distance


def _small_pairs(
    records: Sequence[Mapping[str, Any]],
    others: Sequence[Mapping[str, Any]],
    hours: float,
    rt_distance: int,
) -> list[tuple[str, str, float, bool]]:
    """The rule of `pairs_with` for a handful of records, without DataFrames."""
    new_ids = {r["id"] for r in records}
    pool = [*records, *(o for o in others if o["id"] not in new_ids)]
    out = []
    for rec in records:
        t = as_utc(rec["occurred_at"])
        for other in pool:
            if other["id"] == rec["id"]:
                continue
            if str(other["kode_kelurahan"]) != str(rec["kode_kelurahan"]):
                continue
            if str(other["category"]) != str(rec["category"]):
                continue
            gap = abs((as_utc(other["occurred_at"]) - t).total_seconds()) / 3600.0
            if gap <= hours and _rt_close(rec.get("rt"), other.get("rt"), rt_distance):
                out.append((rec["id"], other["id"], gap, other["id"] in new_ids))
    out.sort(key=lambda p: (p[0], p[2], p[1]))
    return out


def find_for_records(
    engine: Engine,
    records: pd.DataFrame | Sequence[Mapping[str, Any]],
    window: float | None = None,
    conn: sa.Connection | None = None,
) -> pd.DataFrame:
    """Pairs (new_id, other_id, hours_apart, other_is_new) for records about to be stored."""
    if not isinstance(records, pd.DataFrame) and 0 < len(records) <= SMALL_BATCH:
        hours = window_hours() if window is None else float(window)
        if conn is None:
            with engine.connect() as own:
                others = _neighbour_rows(records, hours, SYSTEM, own)
        else:
            others = _neighbour_rows(records, hours, SYSTEM, conn)
        pairs = _small_pairs(records, others, hours, DEFAULT_RT_DISTANCE)
        return pd.DataFrame(pairs, columns=["new_id", "other_id", "hours_apart", "other_is_new"])
    existing = store_neighbours(engine, records, SYSTEM, window, conn)
    return pairs_with(records, existing, window)


def candidates_for(
    engine: Engine,
    incident: str | Mapping[str, Any],
    viewer: Viewer,
    window: float | None = None,
    rt_distance: int = DEFAULT_RT_DISTANCE,
) -> pd.DataFrame:
    """Stored incidents that may duplicate one incident (an id, report number or record).

    The result is limited to what ``viewer`` may see and excludes the incident
    itself; columns NEIGHBOUR_COLUMNS + hours_apart, nearest in time first.
    This is what the Panwaslu workbench offers when marking a duplikat.
    """
    if isinstance(incident, str):
        rec = store.get_incident(engine, incident, viewer)
        if rec is None:
            return pd.DataFrame(columns=[*NEIGHBOUR_COLUMNS, "hours_apart"])
    else:
        rec = dict(incident)
        rec.setdefault("id", "__candidate__")
    rec["occurred_at"] = as_utc(pd.Timestamp(rec["occurred_at"]).to_pydatetime(warn=False))
    hours = window_hours() if window is None else float(window)
    with engine.connect() as conn:
        others = [o for o in _neighbour_rows([rec], hours, viewer, conn) if o["id"] != rec["id"]]
    gaps = {other: gap for _, other, gap, _ in _small_pairs([rec], others, hours, rt_distance)}
    out = pd.DataFrame([o for o in others if o["id"] in gaps], columns=NEIGHBOUR_COLUMNS)
    out["hours_apart"] = out["id"].map(gaps).astype(float)
    out["occurred_at"] = pd.to_datetime(out["occurred_at"], utc=True)
    return out.sort_values(["hours_apart", "report_no"], ignore_index=True)


# --------------------------------------------------------------------------- text similarity (issue 6)

_STOPWORDS = frozenset({
    "di", "ke", "dari", "dan", "yang", "ini", "itu", "untuk", "dengan", "pada", "oleh", "ada", "akan",
    "para", "rt", "rw", "kel", "kelurahan", "kec", "kecamatan", "warga", "the", "a", "of",
})


def _words(text: str | None) -> list[str]:
    import re

    return [w for w in re.findall(r"[a-z0-9]+", (text or "").lower()) if w not in _STOPWORDS and len(w) > 1]


def text_similarity(a: str | None, b: str | None) -> float:
    """How alike two report texts read, 0..1: the mean of word-set overlap (Jaccard) and
    the character similarity of the normalised texts. The Panwaslu workbench ranks
    duplicate candidates by it; it never decides anything on its own."""
    from difflib import SequenceMatcher

    wa, wb = _words(a), _words(b)
    if not wa or not wb:
        return 0.0
    sa_, sb_ = set(wa), set(wb)
    jaccard = len(sa_ & sb_) / len(sa_ | sb_)
    ratio = SequenceMatcher(None, " ".join(wa), " ".join(wb), autojunk=False).ratio()
    return round((jaccard + ratio) / 2, 3)
