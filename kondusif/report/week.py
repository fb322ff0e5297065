"""ISO weeks as the report's period: Monday 00:00 to Sunday 24:00 WIB.

The weekly snapshot is filed per ISO week ("2018-W25"); its bounds are WIB
calendar days, stored and queried as aware UTC datetimes, [start, end).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import pandas as pd

from kondusif.timeutil import WIB, format_long_date, to_wib, wib_day_range

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from kondusif.model import Viewer

_WEEK_RE = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)
MIN_YEAR = 2000
MAX_YEAR = 2100


class WeekError(ValueError):
    """A week that cannot be read; the message is for the user (Bahasa Indonesia)."""


def weeks_in_year(year: int) -> int:
    """52 or 53: the ISO week of 28 December is always the year's last."""
    return date(year, 12, 28).isocalendar().week


BULAN_PENDEK = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")


@dataclass(frozen=True, order=True)
class IsoWeek:
    year: int
    week: int

    @property
    def key(self) -> str:
        """The canonical spelling, e.g. '2018-W25' (what the archive stores)."""
        return f"{self.year}-W{self.week:02d}"

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def days(self) -> list[date]:
        return [self.monday + timedelta(days=i) for i in range(7)]

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        """[Monday 00:00 WIB, next Monday 00:00 WIB) as aware UTC datetimes."""
        return wib_day_range(self.monday, self.sunday)

    @property
    def start(self) -> datetime:
        return self.bounds[0]

    @property
    def end(self) -> datetime:
        return self.bounds[1]

    def previous(self) -> IsoWeek:
        return week_of_date(self.monday - timedelta(days=7))

    def next(self) -> IsoWeek:
        return week_of_date(self.monday + timedelta(days=7))

    @property
    def label(self) -> str:
        """'Senin, 18 Juni 2018 – Minggu, 24 Juni 2018' for headings."""
        return f"{format_long_date(self.monday)} – {format_long_date(self.sunday)}"

    @property
    def short_label(self) -> str:
        """'Minggu 25 Jun–1 Jul 2018' (issue 30.5): what a reader sees instead of '2018-W26'."""
        mon, sun = self.monday, self.sunday
        first = f"{mon.day}" if mon.month == sun.month else f"{mon.day} {BULAN_PENDEK[mon.month - 1]}"
        if mon.year != sun.year:
            first += f" {mon.year}"
        return f"Minggu {first}–{sun.day} {BULAN_PENDEK[sun.month - 1]} {sun.year}"

    def __str__(self) -> str:
        return self.key


def week_of_date(day: date) -> IsoWeek:
    iso = day.isocalendar()
    return IsoWeek(iso.year, iso.week)


def week_of(moment: datetime) -> IsoWeek:
    """The ISO week a moment falls in, by its WIB calendar day (naive = WIB)."""
    return week_of_date(to_wib(moment).date())


def parse_week(text: str | IsoWeek) -> IsoWeek:
    """'2018-W25' (also '2018W25', '2018-w25') -> IsoWeek; WeekError for anything else."""
    if isinstance(text, IsoWeek):
        return text
    raw = str(text or "").strip()
    if not raw:
        raise WeekError("Minggu belum diisi. Tulis minggu ISO seperti 2018-W25.")
    m = _WEEK_RE.match(raw)
    if not m:
        raise WeekError(
            f"Minggu «{raw}» tidak dikenali. Tulis tahun dan nomor minggu ISO, misalnya 2018-W25."
        )
    year, week = int(m.group(1)), int(m.group(2))
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise WeekError(f"Tahun {year} di luar rentang yang didukung ({MIN_YEAR}–{MAX_YEAR}).")
    last = weeks_in_year(year)
    if not 1 <= week <= last:
        raise WeekError(
            f"Minggu {week} tidak ada pada tahun {year}: tahun itu memiliki minggu 1 sampai {last}."
        )
    return IsoWeek(year, week)




def report_weeks(engine: Engine, viewer: Viewer, extra: Iterable[IsoWeek] = ()) -> list[IsoWeek]:
    """The ISO weeks (WIB) holding at least one report the viewer may see, plus `extra`
    (e.g. weeks already in the archive), newest first.

    The weekly-PDF picker offers these (issue 12.9): a picker that starts at today's week
    while the data are from 2018 offers only empty weeks.
    """
    from kondusif import store  # the store imports report modules; keep this module import-light

    frame = store.query_incidents(engine, None, viewer, columns=["occurred_at"])
    weeks = set(extra)
    if len(frame):
        days = pd.to_datetime(frame["occurred_at"], utc=True).dt.tz_convert(WIB).dt.date.unique()
        weeks.update(week_of_date(day) for day in days)
    return sorted(weeks, reverse=True)
