"""Charts of the weekly report: the daily trend and the breakdown by category.

Plain matplotlib (Agg) to PNG bytes with fixed metadata, so the same numbers
always give the same bytes.
"""

from __future__ import annotations

import io
from typing import cast

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from kondusif.timeutil import HARI  # noqa: E402

PNG_METADATA = {"Software": None}
SEVERITY_COLORS = {"ringan": "#fdd49e", "sedang": "#f16913", "berat": "#a50f15"}
SEVERITY_LABELS = {"ringan": "Ringan", "sedang": "Sedang", "berat": "Berat"}
PREV_COLOR = "#3b5b92"


def _png(fig: Figure, dpi: int) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata=PNG_METADATA)
    return buf.getvalue()


def _style(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=7.5)
    ax.grid(axis="y", color="#dddddd", lw=0.6)
    ax.set_axisbelow(True)


def daily_trend_png(daily: pd.DataFrame, width_mm: float = 180, height_mm: float = 78, dpi: int = 200) -> bytes:
    """Stacked bars per WIB day by severity, with last week's same weekday as a line.

    `daily` has columns day (date), ringan, sedang, berat, total, prev_total.
    """
    fig = Figure(figsize=(width_mm / 25.4, height_mm / 25.4), dpi=dpi)
    ax = fig.add_axes((0.07, 0.2, 0.9, 0.72))
    x = np.arange(len(daily))
    bottom = np.zeros(len(daily))
    for sev in ("ringan", "sedang", "berat"):
        values = daily[sev].to_numpy(float)
        ax.bar(x, values, bottom=bottom, color=SEVERITY_COLORS[sev], width=0.62,
               label=SEVERITY_LABELS[sev], edgecolor="white", linewidth=0.4)
        bottom += values
    ax.plot(x, daily["prev_total"].to_numpy(float), color=PREV_COLOR, marker="o", ms=3.5, lw=1.3,
            ls="--", label="Jumlah minggu lalu (hari yang sama)")
    top = max(float(bottom.max(initial=0)), float(daily["prev_total"].max() if len(daily) else 0), 1.0)
    for xi, total in zip(x, daily["total"], strict=True):
        ax.text(cast(float, xi), total + top * 0.02, str(int(total)), ha="center", va="bottom", fontsize=7.5,
                fontweight="bold")
    ax.set_ylim(0, top * 1.18)
    ax.set_xticks(x, [f"{HARI[d.weekday()]}\n{d.day}/{d.month}" for d in daily["day"]])
    ax.set_ylabel("Laporan", fontsize=8)
    _style(ax)
    ax.legend(fontsize=7, ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.16), frameon=False)
    return _png(fig, dpi)


def category_png(categories: pd.DataFrame, width_mm: float = 180, height_mm: float = 82,
                 dpi: int = 200) -> bytes:
    """Horizontal bars per category this week, last week as a thinner bar beside it.

    `categories` has columns label, n, prev_n (in display order).
    """
    fig = Figure(figsize=(width_mm / 25.4, height_mm / 25.4), dpi=dpi)
    ax = fig.add_axes((0.33, 0.1, 0.62, 0.86))
    cats = categories.iloc[::-1]
    y = np.arange(len(cats))
    ax.barh(y + 0.18, cats["n"].to_numpy(float), height=0.38, color="#c0392b", label="Minggu ini")
    ax.barh(y - 0.2, cats["prev_n"].to_numpy(float), height=0.3, color="#b8c4d9", label="Minggu lalu")
    top = max(float(cats["n"].max() if len(cats) else 0), float(cats["prev_n"].max() if len(cats) else 0), 1.0)
    for yi, n in zip(y, cats["n"], strict=True):
        ax.text(n + top * 0.01, yi + 0.18, str(int(n)), va="center", fontsize=7, fontweight="bold")
    ax.set_xlim(0, top * 1.12)
    ax.set_yticks(y, list(cats["label"]))
    ax.tick_params(labelsize=7.5)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.grid(axis="x", color="#dddddd", lw=0.6)
    ax.set_axisbelow(True)
    ax.legend(fontsize=7, loc="lower right", frameon=False)
    return _png(fig, dpi)
