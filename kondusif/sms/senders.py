"""Registered senders: the Ketua RT's mobile number on the RT account.

An SMS from a registered number files for that account's kelurahan and RT (the
RT written in the text cannot move it, as with the form); any other number goes
to the review queue. Numbers are stored normalised (+62…, kondusif.phone), one
account per number, and are reporter identity: only roles holding
``incident.read_identity`` read them (the admin registers them with ``account.manage``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kondusif import access, store
from kondusif.accounts import writes as account_writes
from kondusif.accounts.auth import AuthError
from kondusif.intake.validate import check_phone
from kondusif.model import Role, Viewer, rt_username
from kondusif.phone import normalise_phone


@dataclass(frozen=True)
class Sender:
    """The active RT account a number belongs to."""

    username: str
    display_name: str
    kelurahan: str
    rt: int

    def viewer(self) -> Viewer:
        return Viewer(self.username, Role.RT, self.display_name, kelurahan=self.kelurahan, rt=self.rt)


def clean_phone(text: object) -> str:
    """The normalised number, or AuthError (field phone) naming what is wrong, in Indonesian."""
    raw = str(text or "").strip()
    problem = check_phone(raw) if raw else "nomor kosong"
    number = normalise_phone(raw) if problem is None else None
    if number is None or not number.startswith("+") or len(number) > 24:
        raise AuthError(f"Nomor HP «{raw}»: {problem or 'bukan nomor telepon'}.", field="phone")
    if not INDONESIAN_MOBILE.fullmatch(number):
        raise AuthError(f"Nomor HP «{raw}»: bukan nomor HP Indonesia (08…, 10 sampai 13 angka).", field="phone")
    return number


# An Ketua RT's SMS number: an Indonesian mobile, 08 + 8 to 11 digits (+62 8xx… once normalised).
INDONESIAN_MOBILE = re.compile(r"\+628\d{8,11}")


def find_sender(conn_or_engine: Engine | Connection, phone: str | None) -> Sender | None:
    """The active RT account registered for `phone` (any written form), or None. System use: no viewer."""
    number = normalise_phone(phone) if phone else None
    if not number:
        return None
    u = store.users.c
    stmt = sa.select(u.username, u.display_name, u.kelurahan, u.rt).where(
        u.phone == number, u.role.in_(sorted(r.value for r in access.roles_for("sms.file"))), u.active.is_(True), u.kelurahan.is_not(None), u.rt.is_not(None))
    if isinstance(conn_or_engine, Engine):
        with conn_or_engine.connect() as conn:
            row = conn.execute(stmt).first()
    else:
        row = conn_or_engine.execute(stmt).first()
    return Sender(row[0], row[1] or "", str(row[2]), int(row[3])) if row else None


def _set(conn: Connection, actor: str, username: str, number: str | None) -> None:
    u = store.users.c
    row = conn.execute(sa.select(u.role, u.phone).where(u.username == username)).first()
    if row is None:
        raise AuthError(f"Akun «{username}» tidak ditemukan.", field="username")
    if number is not None and not access.role_holds(row[0], "sms.file"):
        raise AuthError(f"Akun «{username}» bukan akun Ketua RT; nomor HP SMS hanya untuk akun RT.", field="phone")
    if number is not None:
        other = conn.execute(sa.select(u.username).where(u.phone == number, u.username != username)).scalar()
        if other:
            raise AuthError(f"Nomor {number} sudah terdaftar untuk akun «{other}».", field="phone")
    if row[1] == number:
        return
    account_writes.set_phone(conn, actor, username, number)


def set_phone(engine: Engine, viewer: Viewer, username: str, phone: str | None) -> str | None:
    """Register (or with None/'' clear) the SMS number of an RT account; returns the stored number."""
    actor = access.require(viewer, "account.manage").username
    number = clean_phone(phone) if str(phone or "").strip() else None
    with store.write(engine) as conn:
        _set(conn, actor, username.strip().lower(), number)
    return number


@dataclass
class RegistryPhones:
    """What `phones_from_registry` did: numbers set, and rows it left, each with the reason."""

    registered: int = 0
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.registered} nomor didaftarkan, {self.unchanged} sudah sama, "
                f"{len(self.skipped)} dilewati")


def phones_from_registry(engine: Engine, viewer: Viewer) -> RegistryPhones:
    """Bulk: the `telepon` of each RT registry row onto its RT account (rt-<kode>-<rt>), one transaction.

    A row without an account, with a number that is not one, or with a number another
    account already holds is skipped and named; every other row is applied.
    """
    actor = access.require(viewer, "account.manage").username
    r = store.rt_units.c
    u = store.users.c
    out = RegistryPhones()
    with store.write(engine) as conn:
        # an RT the official list removed keeps its row for history, not its place as a sender
        rows = conn.execute(sa.select(r.kode_kelurahan, r.rt, r.telepon)
                            .where(r.telepon.is_not(None), r.removed_at.is_(None))
                            .order_by(r.kode_kelurahan, r.rt)).fetchall()
        accounts = {name: (role, phone) for name, role, phone in conn.execute(sa.select(u.username, u.role, u.phone))}
        holders = {phone: name for name, (_, phone) in accounts.items() if phone}
        for kel, rt, telepon in rows:
            name = rt_username(str(kel), int(rt))
            where = f"RT {int(rt):03d} {kel}"
            if not str(telepon).strip():
                continue
            try:
                number = clean_phone(telepon)
            except AuthError as exc:
                out.skipped.append(f"{where}: {exc}")
                continue
            if name not in accounts or not access.role_holds(accounts[name][0], "sms.file"):
                out.skipped.append(f"{where}: akun «{name}» belum ada (buat dulu dengan users bulk-rt)")
                continue
            if accounts[name][1] == number:
                out.unchanged += 1
                continue
            if holders.get(number) not in (None, name):
                out.skipped.append(f"{where}: nomor {number} sudah terdaftar untuk akun «{holders[number]}»")
                continue
            _set(conn, actor, name, number)
            holders.pop(accounts[name][1], None)
            holders[number] = name
            accounts[name] = (Role.RT.value, number)
            out.registered += 1
    return out


def registered_phones(engine: Engine, viewer: Viewer) -> pd.DataFrame:
    """username, kelurahan, rt, phone of RT accounts with a number (identity: admin and panwaslu only)."""
    access.require(viewer, "incident.read_identity")
    u = store.users.c
    stmt = (sa.select(u.username, u.kelurahan, u.rt, u.phone, u.active)
            .where(u.phone.is_not(None)).order_by(u.kelurahan, u.rt, u.username))
    scope = access.scope_clause(viewer, sa.func.substr(u.kelurahan, 1, 8), u.kelurahan, u.rt)
    if scope is not None:
        stmt = stmt.where(scope)
    with engine.connect() as conn:
        rows = conn.execute(stmt).fetchall()
    return pd.DataFrame(rows, columns=["username", "kelurahan", "rt", "phone", "active"])


__all__ = ["RegistryPhones", "Sender", "clean_phone", "find_sender", "phones_from_registry", "registered_phones",
           "set_phone"]
