"""Account administration: create, list, deactivate, reset, change role/scope, bulk RT, demo.

Every change is one transaction that decides here and writes through
`kondusif.accounts.writes` (the change and its audit row, entity "user").
Changes that alter what a person may do (deactivation, role/scope change,
password reset) bump the account's session epoch, so open sessions and copied
login cookies stop working at once. Secrets are generated here and returned to
the caller exactly once; only their argon2id hashes are stored.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from kondusif import access, registry, safe, store
from kondusif.accounts import writes
from kondusif.accounts.auth import (
    AuthError,
    generate_password,
    generate_pin,
    generate_secret_for,
    hash_password,
    normalize_username,
    password_problem,
)
from kondusif.model import SYSTEM, Role, Viewer, rt_username
from lubuklinggau_geo import gazetteer, names
from lubuklinggau_geo.errors import GeoNameError

DEMO_SETTING = "demo_accounts"

PUBLIC_COLUMNS = [
    "username", "display_name", "role", "kecamatan", "kelurahan", "rt", "active", "must_change",
    "last_login", "failed_attempts", "locked_until", "oidc_subject", "created_at",
]


# --------------------------------------------------------------------------- scope


@dataclass(frozen=True)
class Scope:
    kecamatan: str | None = None
    kelurahan: str | None = None
    rt: int | None = None


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, float) and value != value
    )


def normalize_scope(
    engine: Engine,
    role: Role | str,
    kecamatan: str | None = None,
    kelurahan: str | None = None,
    rt: int | str | None = None,
) -> Scope:
    """Check and normalise the scope of an account of `role` (names or codes accepted).

    panwaslu: optional kecamatan (one of the 8 official codes); rt: kelurahan + RT that
    exist in the RT registry; admin/pejabat: no scope.
    """
    try:
        role = Role(role)
    except ValueError:
        raise AuthError(
            f"Peran «{role}» tidak dikenal; pilih salah satu: {', '.join(r.value for r in Role)}.",
            field="role",
        ) from None
    kind = access.scope_kind(role)
    if kind == access.SCOPE_CITY:
        if not (_blank(kecamatan) and _blank(kelurahan) and _blank(rt)):
            raise AuthError(f"Peran {role.value} tidak memakai lingkup kecamatan/kelurahan/RT.", field="scope")
        return Scope()
    if kind == access.SCOPE_KECAMATAN:
        if not (_blank(kelurahan) and _blank(rt)):
            raise AuthError("Akun panwaslu hanya bisa dibatasi per kecamatan, bukan kelurahan/RT.", field="scope")
        if _blank(kecamatan):
            return Scope()
        try:
            return Scope(kecamatan=names.find_kecamatan(str(kecamatan)))
        except GeoNameError as exc:
            raise AuthError(str(exc), field="kecamatan") from None
    # access.SCOPE_RT
    if not _blank(kecamatan):
        raise AuthError("Akun Ketua RT dibatasi dengan kelurahan dan RT, bukan kecamatan.", field="kecamatan")
    if _blank(kelurahan) or _blank(rt):
        raise AuthError("Akun Ketua RT wajib punya kelurahan dan nomor RT.", field="kelurahan")
    try:
        kode = names.find_kelurahan(str(kelurahan))
    except GeoNameError as exc:
        raise AuthError(str(exc), field="kelurahan") from None
    try:
        number = int(str(rt).strip().upper().removeprefix("RT").strip())
    except ValueError:
        raise AuthError(f"Nomor RT «{rt}» bukan angka.", field="rt") from None
    reg = registry.rt_registry(engine)
    known = set(zip(reg["kode_kelurahan"].astype(str), reg["rt"].astype(int), strict=True))
    if (kode, number) not in known:
        raise AuthError(
            f"RT {number:03d} di Kelurahan {gazetteer.kelurahan_name(kode)} tidak ada di daftar RT.",
            field="rt",
        )
    return Scope(kelurahan=kode, rt=number)


def scope_label(role: Role | str, kecamatan: str | None, kelurahan: str | None, rt: int | None) -> str:
    """Human wording of a scope, e.g. 'Kec. Lubuk Linggau Timur I' or 'RT 003, Kel. Air Kuti'."""
    kind = access.scope_kind(role)
    if kind == access.SCOPE_KECAMATAN and not _blank(kecamatan):
        return f"Kec. {gazetteer.kecamatan_name(kecamatan)}"
    if kind == access.SCOPE_RT and rt is not None and not _blank(kelurahan) and not _blank(rt):
        return f"RT {int(rt):03d}, Kel. {gazetteer.kelurahan_name(kelurahan)}"
    return "Seluruh kota"


# --------------------------------------------------------------------------- reads


def list_accounts(engine: Engine, viewer: Viewer, role: Role | str | None = None) -> pd.DataFrame:
    """Accounts without any secret column (never the hash), sorted by role then name."""
    access.require(viewer, "account.manage")
    cols = [store.users.c[c] for c in PUBLIC_COLUMNS]
    stmt = sa.select(*cols).order_by(store.users.c.role, store.users.c.username)
    if role is not None:
        stmt = stmt.where(store.users.c.role == str(Role(role)))
    with engine.connect() as conn:
        result = conn.execute(stmt)
        df = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    if len(df):
        df["scope"] = [
            scope_label(r, k, kel, n) for r, k, kel, n in zip(df["role"], df["kecamatan"], df["kelurahan"],
                                                                df["rt"], strict=True)
        ]
    else:
        df["scope"] = pd.Series(dtype=str)
    return df


def get_account(engine: Engine, viewer: Viewer, username: str) -> dict | None:
    """One account without its hash, or None (your own account, or any with account.manage)."""
    if access.require_viewer(viewer).username != username:
        access.require(viewer, "account.manage")
    cols = [store.users.c[c] for c in PUBLIC_COLUMNS] + [store.users.c.session_epoch]
    with engine.connect() as conn:
        row = conn.execute(sa.select(*cols).where(store.users.c.username == username)).mappings().first()
    return dict(row) if row else None


def history(engine: Engine, viewer: Viewer, username: str) -> pd.DataFrame:
    """The audit rows of one account (oldest first), for the account admin page."""
    access.require(viewer, "account.manage")
    return store.audit_for(engine, "user", username)


def count_accounts(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(store.users)).scalar_one())


# --------------------------------------------------------------------------- writes


def _require(conn: Connection, username: str) -> sa.RowMapping:
    row = conn.execute(sa.select(store.users).where(store.users.c.username == username)).mappings().first()
    if row is None:
        raise AuthError(f"Akun «{username}» tidak ditemukan.", field="username")
    return row


def _manages_accounts(role: Role | str) -> bool:
    return access.role_holds(role, "account.manage")


def _active_admins(conn: Connection) -> int:
    """Active accounts that can manage accounts (the last one must not lose that)."""
    u = store.users.c
    managers = sorted(r.value for r in access.roles_for("account.manage"))
    return int(conn.execute(
        sa.select(sa.func.count()).select_from(store.users).where(u.role.in_(managers), u.active.is_(True))
    ).scalar_one())


def create_account(
    engine: Engine,
    viewer: Viewer,
    username: str,
    role: Role | str,
    password: str,
    *,
    display_name: str = "",
    kecamatan: str | None = None,
    kelurahan: str | None = None,
    rt: int | str | None = None,
    must_change: bool = True,
    note: str | None = None,
) -> dict:
    """Create one account; refuses a duplicate username, a bad scope or a weak password."""
    actor = access.require(viewer, "account.manage").username
    name = normalize_username(username)
    scope = normalize_scope(engine, role, kecamatan, kelurahan, rt)
    role = Role(role)
    problem = password_problem(password, role, name, names=(display_name or "",))
    if problem:
        raise AuthError(problem, field="password")
    display = (safe.clean_text(display_name) or "").strip()[:120]
    note = safe.clean_text(note)
    pw_hash = hash_password(password)
    with store.write(engine) as conn:
        if conn.execute(sa.select(store.users.c.id).where(store.users.c.username == name)).first():
            raise AuthError(f"Nama pengguna «{name}» sudah dipakai.", field="username")
        writes.add_account(conn, actor, {
            "username": name, "display_name": display, "role": role.value, **_scope_details(scope),
            "password_hash": pw_hash, "must_change": must_change,
        }, note=note, details={"role": role.value, **_scope_details(scope), "display_name": display})
    return get_account(engine, viewer, name)  # type: ignore[return-value]


def _scope_details(scope: Scope) -> dict:
    return {"kecamatan": scope.kecamatan, "kelurahan": scope.kelurahan, "rt": scope.rt}


def set_active(engine: Engine, viewer: Viewer, username: str, active: bool) -> None:
    """Deactivate (ends all sessions at once) or reactivate an account."""
    actor = access.require(viewer, "account.manage").username
    with store.write(engine) as conn:
        row = _require(conn, username)
        if not active and username == actor:
            raise AuthError("Anda tidak dapat menonaktifkan akun Anda sendiri.")
        if not active and _manages_accounts(row["role"]) and row["active"] and _active_admins(conn) <= 1:
            raise AuthError("Ini admin aktif terakhir; buat admin lain dulu sebelum menonaktifkannya.")
        if bool(row["active"]) != active:
            writes.set_active(conn, actor, username, active)


def reset_password(engine: Engine, viewer: Viewer, username: str) -> str:
    """A new one-time secret (PIN for RT): returned once, must be changed at next login."""
    access.require(viewer, "account.manage")
    with engine.connect() as conn:
        role = _require(conn, username)["role"]
    secret = generate_secret_for(role)
    set_password(engine, viewer, username, secret, must_change=True, action="reset_password")
    return secret


def set_password(
    engine: Engine, viewer: Viewer, username: str, password: str, *, must_change: bool = False,
    action: str = "set_password",
) -> None:
    """Set a password chosen by an operator (CLI recovery); clears any lock, ends sessions."""
    actor = access.require(viewer, "account.manage").username
    with engine.connect() as conn:
        row = _require(conn, username)
    problem = password_problem(password, row["role"], username, names=(row["display_name"] or "",))
    if problem:
        raise AuthError(problem, field="password")
    pw_hash = hash_password(password)
    with store.write(engine) as conn:
        writes.set_password(conn, actor, username, pw_hash, must_change=must_change, action=action)


def update_account(
    engine: Engine,
    viewer: Viewer,
    username: str,
    role: Role | str,
    *,
    kecamatan: str | None = None,
    kelurahan: str | None = None,
    rt: int | str | None = None,
    display_name: str | None = None,
) -> bool:
    """Change role, scope and/or display name; returns False when nothing changed.

    A role or scope change ends the account's sessions, so the new rights apply at once.
    """
    actor = access.require(viewer, "account.manage").username
    scope = normalize_scope(engine, role, kecamatan, kelurahan, rt)
    role = Role(role)
    with store.write(engine) as conn:
        row = _require(conn, username)
        before = {"role": row["role"], "kecamatan": row["kecamatan"], "kelurahan": row["kelurahan"],
                  "rt": row["rt"]}
        after = {"role": role.value, **_scope_details(scope)}
        losing = _manages_accounts(row["role"]) and not _manages_accounts(role)
        if username == actor and losing:
            raise AuthError("Anda tidak dapat mencabut peran admin dari akun Anda sendiri.", field="role")
        if losing and row["active"] and _active_admins(conn) <= 1:
            raise AuthError("Ini admin aktif terakhir; buat admin lain dulu.", field="role")
        values: dict = dict(after)
        display = None if display_name is None else (safe.clean_text(display_name) or "").strip()[:120]
        if display is not None and display != (row["display_name"] or ""):
            values["display_name"] = display
        elif before == after:
            return False
        writes.change_account(conn, actor, username, values, before=before, after=after)
    return True


def link_oidc(engine: Engine, viewer: Viewer, username: str, subject: str | None) -> None:
    """Link an account to an SSO subject ('sub' claim) or unlink it (None)."""
    actor = access.require(viewer, "account.manage").username
    subject = (subject or "").strip() or None
    with store.write(engine) as conn:
        _require(conn, username)
        if subject:
            other = conn.execute(sa.select(store.users.c.username).where(
                store.users.c.oidc_subject == subject, store.users.c.username != username)).scalar()
            if other:
                raise AuthError(f"Subjek SSO itu sudah tertaut ke akun «{other}».", field="oidc_subject")
        writes.link_sso(conn, actor, username, subject)


# --------------------------------------------------------------------------- bulk RT


@dataclass(frozen=True)
class RtCredential:
    """One RT account with its one-time PIN, as printed on a login card."""

    username: str
    kode_kelurahan: str
    kelurahan: str
    kecamatan: str
    rt: int
    pin: str
    reset: bool = False  # True: an existing account whose PIN is replaced


@dataclass(frozen=True)
class RtPlan:
    credentials: list[RtCredential]
    skipped: list[str]  # existing accounts left untouched
    sample_registry: bool


def plan_rt_accounts(engine: Engine, reset_pins: bool = False) -> RtPlan:
    """One credential per RT of the registry; nothing is written yet.

    Existing RT accounts are skipped, or get a new PIN when `reset_pins` is set.
    """
    reg = registry.rt_registry(engine)
    kel_names = gazetteer.kelurahan().set_index("kode")
    with engine.connect() as conn:
        existing = {r.username: r.role for r in conn.execute(sa.select(store.users.c.username,
                                                                         store.users.c.role))}
    creds: list[RtCredential] = []
    skipped: list[str] = []
    for kode, rt in zip(reg["kode_kelurahan"].astype(str), reg["rt"].astype(int), strict=True):
        name = rt_username(kode, rt)
        if name in existing:
            if access.scope_kind(existing[name]) != access.SCOPE_RT:
                raise AuthError(f"Nama pengguna «{name}» sudah dipakai akun berperan {existing[name]}.")
            if not reset_pins:
                skipped.append(name)
                continue
        creds.append(RtCredential(
            username=name, kode_kelurahan=kode, kelurahan=str(kel_names.at[kode, "nama"]),
            kecamatan=str(kel_names.at[kode, "kecamatan"]), rt=int(rt), pin=generate_pin(),
            reset=name in existing,
        ))
    return RtPlan(creds, skipped, registry.registry_is_sample(reg))


def _hash_all(secrets_: list[str]) -> list[str]:
    # argon2 releases the GIL; a few threads shorten the wait for 522 hashes.
    workers = max(1, min(4, os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(hash_password, secrets_))


def apply_rt_accounts(engine: Engine, viewer: Viewer, plan: RtPlan) -> int:
    """Write the planned RT accounts in one transaction (all or nothing); returns how many."""
    actor = access.require(viewer, "registry.manage").username
    hashes = _hash_all([c.pin for c in plan.credentials])
    with store.write(engine) as conn:
        writes.add_rt_accounts(conn, actor, list(zip(plan.credentials, hashes, strict=True)))
    return len(plan.credentials)


# --------------------------------------------------------------------------- demo


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    display_name: str
    scope: str
    password: str


def ensure_demo_accounts(engine: Engine) -> list[DemoAccount]:
    """On a store without any account, create one demo account per role (+ a scoped panwaslu).

    Returns them with their random passwords (to print once); returns [] when any
    account already exists, so re-running never recreates or reveals anything.
    """
    if count_accounts(engine):
        return []
    reg = registry.rt_registry(engine)
    first = reg.iloc[0]
    kec = "16.73.01"
    specs: list[tuple[str, Role, str, dict[str, Any]]] = [
        ("admin", Role.ADMIN, "Operator Setda (DEMO)", {}),
        ("pejabat", Role.PEJABAT, "Pejabat Pemkot (DEMO)", {}),
        ("panwaslu", Role.PANWASLU, "Panwaslu Kota (DEMO)", {}),
        ("panwascam-timur1", Role.PANWASLU, f"Panwascam {gazetteer.kecamatan_name(kec)} (DEMO)",
         {"kecamatan": kec}),
        (rt_username(str(first["kode_kelurahan"]), int(first["rt"])), Role.RT,
         f"Ketua RT {int(first['rt']):03d} {gazetteer.kelurahan_name(str(first['kode_kelurahan']))} (DEMO)",
         {"kelurahan": str(first["kode_kelurahan"]), "rt": int(first["rt"])}),
    ]
    made: list[DemoAccount] = []
    for username, role, display, scope in specs:
        secret = generate_secret_for(role)
        acc = create_account(engine, SYSTEM, username, role, secret, display_name=display,
                             must_change=False, note="Akun DEMO (hanya untuk demo)", **scope)
        made.append(DemoAccount(username, role, display,
                                scope_label(role, acc["kecamatan"], acc["kelurahan"], acc["rt"]), secret))
    with store.write(engine) as conn:
        store.set_setting(conn, DEMO_SETTING, [a.username for a in made], "sistem")
    return made


def active_demo_accounts(engine: Engine) -> list[str]:
    """Demo accounts that are still active (the admin page warns about them)."""
    names_ = store.get_setting(engine, DEMO_SETTING, []) or []
    if not names_:
        return []
    u = store.users.c
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(
            sa.select(u.username).where(u.username.in_(names_), u.active.is_(True)).order_by(u.username))]


__all__ = [
    "AuthError", "DemoAccount", "RtCredential", "RtPlan", "Scope", "active_demo_accounts",
    "apply_rt_accounts", "count_accounts", "create_account", "ensure_demo_accounts", "generate_password",
    "get_account", "history", "link_oidc", "list_accounts", "normalize_scope", "plan_rt_accounts", "reset_password",
    "scope_label", "set_active", "set_password", "update_account",
]
