"""Time helpers: everything is stored in UTC and shown in WIB (Asia/Jakarta)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")

HARI = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]
BULAN = [
    "Januari", "Februari", "Maret", "April", "Mei", "Juni",
    "Juli", "Agustus", "September", "Oktober", "November", "Desember",
]


def now() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """Aware datetime in UTC; a naive value is taken to be WIB (what users type)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=WIB)
    return value.astimezone(UTC)


def to_wib(value: datetime) -> datetime:
    return as_utc(value).astimezone(WIB)


def wib_day_start(day: date) -> datetime:
    """00:00 WIB of `day`, as an aware UTC datetime."""
    return datetime.combine(day, time(0), tzinfo=WIB).astimezone(UTC)


def wib_day_range(first: date, last: date) -> tuple[datetime, datetime]:
    """[first 00:00 WIB, last+1 00:00 WIB) as aware UTC datetimes."""
    return wib_day_start(first), wib_day_start(last + timedelta(days=1))


def format_wib(value: datetime | None, with_time: bool = True) -> str:
    """'20/06/2018 14:32 WIB' — compact form for tables and popups."""
    if value is None:
        return "-"
    w = to_wib(value)
    return w.strftime("%d/%m/%Y %H:%M WIB") if with_time else w.strftime("%d/%m/%Y")


def format_long_date(day: date | datetime) -> str:
    """'Senin, 18 Juni 2018' — the written-out form for reports."""
    if isinstance(day, datetime):
        day = to_wib(day).date()
    return f"{HARI[day.weekday()]}, {day.day} {BULAN[day.month - 1]} {day.year}"
