"""Chart specifications (Altair, no Streamlit) for the pages: plain data in, a chart out.

Kept here so tests can read the specification (axes, domain, width) without a browser.
"""

from __future__ import annotations

from datetime import timedelta

import altair as alt
import pandas as pd

BAR_SIZE = 22  # px: a day's bar in a short period, whatever the screen's width
SHORT_DAYS = 16  # up to this many days each day has its own labelled slot


def trend_chart(table: pd.DataFrame) -> alt.Chart:
    """Stacked daily bars per category of `overview.trend_from_frame`'s table.

    A short period (up to `SHORT_DAYS` days) gets one labelled slot per day, every day of
    the period, and bars of a fixed width: one busy day among empty ones, or a period of a
    single day, is one narrow bar above its date, never a full-width wall. Longer periods
    use a time axis spanning the whole period (first day to the end of the last).
    """
    days = len(table)
    legend = alt.Legend(orient="bottom" if days <= SHORT_DAYS else "right", title=None, labelLimit=260)
    color = alt.Color("Kategori:N", sort=list(table.columns), legend=legend)
    y = alt.Y("sum(Laporan):Q", title="Laporan", axis=alt.Axis(tickMinStep=1))
    long = table.reset_index().melt(id_vars="Tanggal", var_name="Kategori", value_name="Laporan")
    if days <= SHORT_DAYS:
        long["Hari"] = long["Tanggal"].dt.strftime("%d/%m")
        order = [f"{d:%d/%m}" for d in table.index]
        return alt.Chart(long).mark_bar(size=BAR_SIZE).encode(
            x=alt.X("Hari:O", sort=order, scale=alt.Scale(domain=order),
                    axis=alt.Axis(title="Tanggal (WIB)", labelAngle=0)),
            y=y, color=color,
            tooltip=[alt.Tooltip("Tanggal:T", format="%d/%m/%Y"), "Kategori:N", "Laporan:Q"],
        ).properties(height=320)
    long = long[long["Laporan"] > 0]
    first, last = table.index.min(), table.index.max() + timedelta(days=1)
    ticks = {"interval": "week", "step": 1 if days <= 120 else 2}
    return alt.Chart(long).mark_bar().encode(
        x=alt.X("yearmonthdate(Tanggal):T", scale=alt.Scale(domain=[_day(first), _day(last)]),
                axis=alt.Axis(format="%d/%m", title="Tanggal (WIB)", labelAngle=0, tickCount=ticks)),
        y=y, color=color,
        tooltip=[alt.Tooltip("Tanggal:T", format="%d/%m/%Y"), "Kategori:N", "Laporan:Q"],
    ).properties(height=320)


def _day(value) -> alt.DateTime:
    d = pd.Timestamp(value)
    return alt.DateTime(year=d.year, month=d.month, date=d.day)
