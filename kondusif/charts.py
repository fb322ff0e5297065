"""Chart specifications (Altair, no Streamlit) for the pages: plain data in, a chart out.

Kept here so tests can read the specification (axes, domain, width) without a browser.
"""

from __future__ import annotations

from datetime import timedelta

import altair as alt
import pandas as pd

DAY_WIDTH = 56  # px per day when a short period is drawn at its own width
SHORT_DAYS = 10  # up to this many days the chart is as wide as its days, not the whole page
LEGEND_WIDTH = 230


def _day(value) -> alt.DateTime:
    d = pd.Timestamp(value)
    return alt.DateTime(year=d.year, month=d.month, date=d.day)


def trend_chart(table: pd.DataFrame) -> tuple[alt.Chart, bool]:
    """Stacked daily bars per category of `overview.daily_trend`'s table; (chart, stretch).

    The x axis always spans every day of the period (first day to the end of the
    last), so one busy day among empty ones is one narrow bar, not the whole width;
    a period of a few days is drawn `DAY_WIDTH` px a day instead of stretched
    (stretch is False then).
    """
    long = table.reset_index().melt(id_vars="Tanggal", var_name="Kategori", value_name="Laporan")
    long = long[long["Laporan"] > 0]
    days = len(table)
    first, last = table.index.min(), table.index.max() + timedelta(days=1)
    ticks = {"interval": "day", "step": 1} if days <= 16 else {"interval": "week", "step": 1 if days <= 120 else 2}
    chart = alt.Chart(long).mark_bar().encode(
        x=alt.X("yearmonthdate(Tanggal):T",
                scale=alt.Scale(domain=[_day(first), _day(last)]),
                axis=alt.Axis(format="%d/%m", title="Tanggal (WIB)", labelAngle=0, tickCount=ticks)),
        y=alt.Y("sum(Laporan):Q", title="Laporan", axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("Kategori:N", sort=list(table.columns), legend=alt.Legend(orient="right", title=None,
                                                                                  labelLimit=260)),
        tooltip=[alt.Tooltip("Tanggal:T", format="%d/%m/%Y"), "Kategori:N", "Laporan:Q"],
    ).properties(height=320)
    if days <= SHORT_DAYS:
        return chart.properties(width=max(2, days) * DAY_WIDTH), False
    return chart, True
