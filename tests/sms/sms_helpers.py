"""Shared pieces of the SMS tests: a registered Ketua RT and hand-written expectations."""

from __future__ import annotations

from kondusif import accounts, registry
from kondusif.model import SYSTEM, Role, rt_username
from kondusif.sms import senders

AIR_KUTI = "16.73.01.1001"  # Kel. Air Kuti, Kec. Lubuk Linggau Timur I
TABA_JEMEKEH = "16.73.01.1003"
RT_PHONE = "+6281234567890"
RT_PHONE_TYPED = "0812-3456-7890"
STRANGER = "+6285299990000"


def register_rt(engine, kelurahan: str = AIR_KUTI, rt: int = 3, phone: str | None = RT_PHONE_TYPED,
                name: str = "Pak Rahman") -> str:
    """An active RT account for (kelurahan, rt) with `phone` registered; returns its username."""
    registry.ensure_rt_registry(engine)
    username = rt_username(kelurahan, rt)
    accounts.create_account(engine, SYSTEM, username, Role.RT, "482915", display_name=name,
                            kelurahan=kelurahan, rt=rt, must_change=False)
    if phone:
        senders.set_phone(engine, SYSTEM, username, phone)
    return username
