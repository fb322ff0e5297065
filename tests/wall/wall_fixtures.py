"""Hand-made reports around 27/06/2018 (WIB) for the wall display tests."""

from __future__ import annotations

from datetime import datetime

from kondusif import store
from kondusif.model import Incident
from kondusif.timeutil import WIB

NAME, PHONE, ACCOUNT = "Budi Rahasiawan", "081299887766", "rt-rahasia-akun"
TIMUR1 = "16.73.01.1001"  # a kelurahan of Lubuk Linggau Timur I (16.73.01)
OTHER = "16.73.08.1003"  # Kenanga, Lubuk Linggau Utara II


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2018, 6, day, hour, minute, tzinfo=WIB)


def make_wall_store(engine):
    """Reports around 27/06/2018 (WIB), each with reporter identity that must never show.

    27/06 WIB: rows 0-3 (berat still baru: 0 and 3; simulated: 2); row 4 the day before; row 5 after.
    """
    rows = [
        # kelurahan, severity, status, occurred (WIB), source
        (TIMUR1, "berat", "baru", _at(27, 9), "form"),
        (TIMUR1, "berat", "diverifikasi", _at(27, 10), "form"),
        (TIMUR1, "ringan", "baru", _at(27, 11), "simulasi"),
        (OTHER, "berat", "baru", _at(27, 8), "form"),
        (OTHER, "sedang", "diverifikasi", _at(26, 23, 30), "form"),  # the day before: levels only
        (OTHER, "ringan", "baru", _at(28, 0, 10), "form"),  # after the period
    ]
    with store.write(engine) as conn:
        store.insert_incidents(conn, [Incident(
            kode_kelurahan=k, rt=3, category="politik_uang", severity=sev, status=st, occurred_at=t,
            title=f"Amplop {i} <b>tebal</b>", source=src, reporter_name=NAME, reporter_phone=PHONE,
            created_by=ACCOUNT) for i, (k, sev, st, t, src) in enumerate(rows)])
    return engine

