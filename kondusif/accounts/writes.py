"""The accounts' write module: every change to `users` and `login_failures`, with its audit row.

Each function is one change inside the caller's `store.write` transaction; `admin`, `auth`,
`auth_oidc` and `login_throttle` decide when. A change that alters what a person may do moves
the session epoch in the same UPDATE, so open sessions and copied cookies stop at once. The
login throttle's checks stay single conditional UPDATEs (issue 27): never read-then-write.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from kondusif.model import Role
from kondusif.store import audit
from kondusif.store.schema import login_failures, users
from kondusif.timeutil import now

if TYPE_CHECKING:
    from kondusif.accounts.admin import RtCredential

_NEXT_EPOCH = {"session_epoch": users.c.session_epoch + 1}  # ends every session and login cookie


# --------------------------------------------------------------------------- the account's record


def _new(values: dict[str, Any], stamp: datetime) -> dict[str, Any]:
    """A new account's row: active, no failed guesses, epoch 0."""
    return {"active": True, "failed_attempts": 0, "session_epoch": 0, "created_at": stamp, **values}


def _new_secret(conn: Connection, username: str, password_hash: str, must_change: bool) -> None:
    """A new password or PIN: clears any lock, ends sessions."""
    conn.execute(users.update().where(users.c.username == username).values(
        password_hash=password_hash, must_change=must_change, failed_attempts=0, locked_until=None, **_NEXT_EPOCH))


def add_account(conn: Connection, actor: str, values: dict[str, Any], *, note: str | None = None,
                details: dict[str, Any] | None = None) -> None:
    """Insert one account; audited as 'create'."""
    conn.execute(users.insert().values(**_new(values, now())))
    audit.record(conn, actor, "user", values["username"], "create", to_status=values["role"], note=note,
                 details=details)


def set_active(conn: Connection, actor: str, username: str, active: bool) -> None:
    """Deactivate or reactivate (a clean slate of guesses); sessions end either way."""
    values: dict[str, Any] = {"active": active, **_NEXT_EPOCH}
    if active:
        values.update(failed_attempts=0, locked_until=None)
    conn.execute(users.update().where(users.c.username == username).values(**values))
    audit.record(conn, actor, "user", username, "reactivate" if active else "deactivate")


def set_password(conn: Connection, actor: str, username: str, password_hash: str, *, must_change: bool,
                 action: str) -> None:
    """An operator's new password (or reset secret): clears any lock, ends sessions."""
    _new_secret(conn, username, password_hash, must_change)
    audit.record(conn, actor, "user", username, action)


def change_account(conn: Connection, actor: str, username: str, values: dict[str, Any], *,
                   before: dict[str, Any], after: dict[str, Any]) -> None:
    """New role/scope (`after` differs from `before`: sessions end) and/or display name."""
    rights_changed = before != after
    conn.execute(users.update().where(users.c.username == username).values(
        **values, **(_NEXT_EPOCH if rights_changed else {})))
    audit.record(conn, actor, "user", username, "change_role" if rights_changed else "rename",
                 from_status=before["role"], to_status=after["role"],
                 details={"sebelum": before, "sesudah": after, "display_name": values.get("display_name")})


def set_phone(conn: Connection, actor: str, username: str, number: str | None) -> None:
    """The SMS number of an RT account (checked by `sms.senders.set_phone`), or None to clear it."""
    conn.execute(users.update().where(users.c.username == username).values(phone=number))
    audit.record(conn, actor, "user", username, "set_phone",
                 note="Nomor HP SMS dihapus" if number is None else "Nomor HP SMS didaftarkan")


def link_sso(conn: Connection, actor: str, username: str, subject: str | None) -> None:
    """Link the account to an SSO subject, or unlink it (None); sessions end."""
    conn.execute(users.update().where(users.c.username == username).values(oidc_subject=subject, **_NEXT_EPOCH))
    audit.record(conn, actor, "user", username, "link_sso" if subject else "unlink_sso")


def add_rt_accounts(conn: Connection, actor: str, planned: Sequence[tuple[RtCredential, str]]) -> None:
    """Bulk RT accounts with their PIN hashes: new ones created, existing ones (`reset`) re-keyed."""
    stamp = now()
    new_rows = [_new({
        "username": c.username, "display_name": f"Ketua RT {c.rt:03d} {c.kelurahan}", "role": Role.RT.value,
        "kecamatan": None, "kelurahan": c.kode_kelurahan, "rt": c.rt, "password_hash": pw_hash, "must_change": True,
    }, stamp) for c, pw_hash in planned if not c.reset]
    if new_rows:
        conn.execute(users.insert(), new_rows)
    for cred, pw_hash in planned:
        if cred.reset:
            _new_secret(conn, cred.username, pw_hash, must_change=True)
    if planned:
        audit.record_rows(conn, [
            {"actor": actor, "entity": "user", "entity_id": c.username,
             "action": "reset_password" if c.reset else "create", "to_status": Role.RT.value,
             "note": "Akun RT massal (PIN sekali pakai, kartu masuk)",
             "details": {"kelurahan": c.kode_kelurahan, "rt": c.rt}}
            for c, _ in planned
        ])


# --------------------------------------------------------------------------- sign-in state


def _not_locked(moment: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(users.c.locked_until.is_(None), users.c.locked_until <= moment)


def take_guess_slot(conn: Connection, user_id: int, moment: datetime, slots: int) -> bool:
    """Count one guess against an active, unlocked account with a free slot; False = none taken.

    Check and count are one conditional UPDATE (SQLite: under the write lock; PostgreSQL:
    the row lock re-checks the condition), so parallel requests cannot all see a free slot.
    """
    return bool(conn.execute(
        users.update()
        .where(users.c.id == user_id, users.c.active, _not_locked(moment), users.c.failed_attempts < slots)
        .values(failed_attempts=users.c.failed_attempts + 1)
    ).rowcount)


def lock_when_full(conn: Connection, user_id: int, username: str, moment: datetime, slots: int,
                   minutes: int) -> None:
    """Lock the account for `minutes` once its `slots` are used up (once: not while locked); audited."""
    locked = conn.execute(
        users.update()
        .where(users.c.id == user_id, users.c.failed_attempts >= slots, _not_locked(moment))
        .values(failed_attempts=0, locked_until=moment + timedelta(minutes=minutes))
    ).rowcount
    if locked:
        audit.record(conn, username, "user", username, "lock",
                     note=f"Dikunci {minutes} menit setelah {slots} kali gagal masuk")


def sign_in(conn: Connection, user_id: int, username: str, moment: datetime, new_hash: str | None) -> bool:
    """A right guess clears the count, unless the account is inactive or locked meanwhile; audited."""
    values: dict[str, Any] = {"failed_attempts": 0, "locked_until": None, "last_login": moment}
    if new_hash is not None:
        values["password_hash"] = new_hash
    signed_in = conn.execute(
        users.update().where(users.c.id == user_id, users.c.active, _not_locked(moment)).values(**values)
    ).rowcount
    if signed_in:
        audit.record(conn, username, "user", username, "login")
    return bool(signed_in)


def sign_in_sso(conn: Connection, user_id: int, username: str) -> None:
    """A linked account signed in through SSO; audited."""
    conn.execute(users.update().where(users.c.id == user_id).values(last_login=now()))
    audit.record(conn, username, "user", username, "login", note="SSO")


def log_out(conn: Connection, actor: str, username: str) -> None:
    """Every session and copied cookie of `username` stops working; audited."""
    conn.execute(users.update().where(users.c.username == username).values(**_NEXT_EPOCH))
    audit.record(conn, actor, "user", username, "logout")


def change_own_password(conn: Connection, user_id: int, username: str, password_hash: str) -> int:
    """The user's own new password; other sessions end. Returns the new epoch."""
    epoch = conn.execute(
        users.update().where(users.c.id == user_id)
        .values(password_hash=password_hash, must_change=False, **_NEXT_EPOCH)
        .returning(users.c.session_epoch)
    ).scalar_one()
    audit.record(conn, username, "user", username, "change_password")
    return int(epoch)


# --------------------------------------------------------------------------- per-address failures


def forget_failures(conn: Connection, before: datetime) -> None:
    """Drop failures that left the sliding window."""
    conn.execute(login_failures.delete().where(login_failures.c.at <= before))


def add_failure(conn: Connection, key: str, at: datetime) -> int:
    """Count one failure of an address (a door's key); returns its id."""
    return int(conn.execute(
        login_failures.insert().values(address=key, at=at).returning(login_failures.c.id)).scalar_one())


def take_back_failure(conn: Connection, failure_id: int) -> None:
    """Remove one counted attempt: it turned out to be a successful login."""
    conn.execute(login_failures.delete().where(login_failures.c.id == failure_id))
