"""Authentication: argon2id password hashes, login with lockout, sessions.

Account administration (create, deactivate, reset, role changes, bulk RT accounts)
lives in kondusif.accounts.admin; this module holds what every login touches.

- Passwords are stored only as argon2id hashes (argon2-cffi; salted, memory-hard).
- 5 failed attempts lock an account for 15 minutes. Every refusal, whatever the
  reason (unknown user, wrong password, locked, inactive), gives the same message
  and costs the same argon2 verification, so neither text nor timing tells
  whether a username exists.
- Each account has a session epoch; login tokens carry it, and bumping it
  (logout, deactivation, role/scope change, password reset) ends every session.
- The clock is a parameter so tests move time instead of sleeping.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.engine import Connection, Engine

from kondusif import access, store
from kondusif.accounts import writes
from kondusif.model import Role, Viewer
from kondusif.timeutil import as_utc
from kondusif.timeutil import now as utc_now

Clock = Callable[[], datetime]

MAX_FAILED_ATTEMPTS = 5
LOCK_MINUTES = 15
MIN_PASSWORD_LENGTH = 8
PIN_LENGTH = 6

LOGIN_FAILED = "Nama pengguna atau kata sandi salah, atau akun sedang dikunci sementara."

# RFC 9106 "low memory" profile (argon2id, t=3, m=64 MiB, p=4): argon2-cffi's default.
# Tests that hash hundreds of PINs swap in a cheaper argon2id hasher.
HASHER = PasswordHasher()
_dummy_hash: str | None = None


class AuthError(ValueError):
    """A refused account operation; the message is Indonesian and names the field."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# --------------------------------------------------------------------------- hashing


def hash_password(password: str) -> str:
    """An argon2id hash with a fresh random salt (the only form a password is stored in)."""
    return HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """True when `password` matches `stored`; False for a mismatch or a missing/corrupt hash."""
    if not stored:
        _burn(password)
        return False
    try:
        return HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _burn(password: str) -> None:
    """Spend one verification on a dummy hash, so a refusal costs the same as a real check."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = HASHER.hash(secrets.token_urlsafe(16))
    try:
        HASHER.verify(_dummy_hash, password)
    except (VerificationError, InvalidHashError):
        pass


# --------------------------------------------------------------------------- policy

# Words a guesser tries first here, fed to zxcvbn as its own dictionary next to its
# English lists: Indonesian words, the city and its kecamatan/kelurahan, the election,
# the app and its roles (also the demo account names), and the user's own names.
_LOCAL_WORDS = (
    "sandi katasandi kata rahasia kunci masuk sayang cinta bismillah alhamdulillah insyaallah "
    "indonesia merdeka garuda pancasila jakarta palembang sumsel sumatera selatan musirawas "
    "lubuklinggau lubuk linggau linggau llg kota kabupaten kecamatan kelurahan desa kampung "
    "pilkada pemilu pilwako walikota wakil gubernur bupati pemkot setda bawaslu panwaslu panwascam "
    "kpu tps pemilih suara coblos kondusif sikondusif kondusivitas aman damai tertib "
    "admin administrator operator pejabat petugas pengawas ketua rt rw warga demo contoh uji coba "
    "rahasia123 selamat pagi siang malam hari minggu senin selasa rabu kamis jumat sabtu "
    "januari februari maret april mei juni juli agustus september oktober november desember "
    "satu dua tiga empat lima enam tujuh delapan sembilan sepuluh "
    "rumah kantor jalan sekolah masjid pasar sungai bukit gunung "
    "budi siti agus dewi sri rahmat muhammad ahmad nur putri putra indah"
).split()

MIN_PASSWORD_SCORE = 3  # zxcvbn 0-4; 3 = "safely unguessable" (about 10^8 guesses and more)


def _local_dictionary() -> list[str]:
    words = list(_LOCAL_WORDS)
    try:
        from lubuklinggau_geo import gazetteer

        for frame in (gazetteer.kecamatan(), gazetteer.kelurahan()):
            for col in frame.columns:
                if "nama" in col.lower():
                    for name in frame[col].astype(str):
                        words += [name.lower(), name.lower().replace(" ", "")] + name.lower().split()
    except Exception:  # noqa: BLE001 - the dictionary is a help, never a reason to refuse logins
        pass
    return words


_dictionary_cache: list[str] | None = None


def _weak_pin(pin: str) -> bool:
    """All digits equal, a run up or down, or a repeated block (123123, 121212, 112112)."""
    digits = [int(c) for c in pin]
    steps = {b - a for a, b in zip(digits, digits[1:], strict=False)}
    repeated = any(len(pin) % n == 0 and pin == pin[:n] * (len(pin) // n) for n in (1, 2, 3))
    return len(set(digits)) == 1 or steps in ({1}, {-1}) or repeated or len(set(digits)) <= 2


def is_pin(text: str) -> bool:
    return len(text) == PIN_LENGTH and text.isascii() and text.isdigit()


def password_problem(password: str, role: Role | str, username: str = "",
                     names: tuple[str, ...] = ()) -> str | None:
    """Why `password` is not acceptable for an account of `role`, or None when it is.

    Ketua RT may use a 6-digit PIN (they type on a phone) or a password of at least
    8 characters; every other role needs at least 8 characters. Passwords must also
    reach zxcvbn score MIN_PASSWORD_SCORE with Indonesian and local words, the
    username and the user's `names` in its dictionary.
    """
    global _dictionary_cache
    role = Role(role)
    if not password or not password.strip():
        return "Kata sandi tidak boleh kosong."
    if password != password.strip():
        return "Kata sandi tidak boleh diawali atau diakhiri spasi."
    may_pin = access.role_holds(role, "account.pin")
    if may_pin and is_pin(password):
        if _weak_pin(password):
            return "PIN terlalu mudah ditebak (angka sama, berulang, atau berurutan)."
        return None
    if len(password) < MIN_PASSWORD_LENGTH:
        if may_pin:
            return f"PIN harus {PIN_LENGTH} angka, atau kata sandi minimal {MIN_PASSWORD_LENGTH} karakter."
        return f"Kata sandi minimal {MIN_PASSWORD_LENGTH} karakter."
    letters = re.sub(r"[^a-z]", "", password.lower())
    if username and letters and letters == re.sub(r"[^a-z]", "", username.lower()):
        return "Kata sandi tidak boleh sama dengan nama pengguna."
    from zxcvbn import zxcvbn

    if _dictionary_cache is None:
        _dictionary_cache = _local_dictionary()
    personal = [username, *names, *(str(n).replace(" ", "") for n in names),
                *(part for n in names for part in str(n).split())]
    inputs = [w.lower() for w in (*_dictionary_cache, *personal) if w]
    if zxcvbn(password[:100], user_inputs=inputs)["score"] < MIN_PASSWORD_SCORE:
        return ("Kata sandi terlalu mudah ditebak. Pakai minimal tiga kata acak yang tidak berhubungan, "
                "atau campuran huruf, angka dan tanda baca.")
    return None


_PASSWORD_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "Il1O0o")


def generate_password(length: int = 12) -> str:
    """A random password from an alphabet without look-alike characters."""
    while True:
        pw = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(length))
        if any(c.isdigit() for c in pw) and any(c.isalpha() for c in pw):
            return pw


def generate_pin() -> str:
    """A random one-time 6-digit PIN (never an all-same or consecutive run).

    No leading zero: spreadsheet programs would drop it when the PIN list is opened.
    """
    low = 10 ** (PIN_LENGTH - 1)
    while True:
        pin = str(low + secrets.randbelow(9 * low))
        if not _weak_pin(pin):
            return pin


def generate_secret_for(role: Role | str) -> str:
    """A fresh one-time secret: a PIN for Ketua RT, a password for everyone else."""
    return generate_pin() if access.role_holds(role, "account.pin") else generate_password()


_USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")


def normalize_username(username: str | None) -> str:
    """Usernames are case-insensitive: stored lower-case; 3-64 of a-z 0-9 . _ -."""
    name = (username or "").strip().lower()
    if not _USERNAME_RE.match(name):
        raise AuthError(
            "Nama pengguna harus 3-64 karakter: huruf kecil, angka, titik, garis bawah atau "
            "tanda hubung, diawali huruf atau angka.",
            field="username",
        )
    return name


# --------------------------------------------------------------------------- login


@dataclass(frozen=True)
class LoginResult:
    ok: bool
    message: str
    viewer: Viewer | None = None
    must_change: bool = False
    epoch: int = 0


def viewer_from_row(row: sa.RowMapping | dict) -> Viewer:
    """The Viewer of an account row (role and scope as stored now)."""
    return Viewer(
        username=row["username"],
        role=Role(row["role"]),
        display_name=row["display_name"] or row["username"],
        kecamatan=row["kecamatan"],
        kelurahan=row["kelurahan"],
        rt=None if row["rt"] is None else int(row["rt"]),
    )


def _user_row(conn: Connection, username: str) -> sa.RowMapping | None:
    return conn.execute(sa.select(store.users).where(store.users.c.username == username)).mappings().first()


def authenticate(engine: Engine, username: str, password: str, *, clock: Clock = utc_now) -> LoginResult:
    """Check a username/password pair, applying lockout; one message for every refusal.

    Race-free under parallel logins, in one process or many (issue 27 item 1): a guess is
    evaluated only after one conditional UPDATE took one of the account's
    MAX_FAILED_ATTEMPTS slots (refused while locked or full), so at most that many
    guesses are checked per lock period however many arrive at once. A wrong guess keeps
    its slot; the one that fills the slots locks the account. A right guess clears the
    count only while the account is not locked: a lock set meanwhile stays and the
    login is refused.
    """
    name = (username or "").strip().lower()
    password = password or ""
    with engine.connect() as conn:
        row = _user_row(conn, name) if name else None
    if row is None:
        _burn(password)
        return LoginResult(False, LOGIN_FAILED)

    moment = as_utc(clock())
    with store.write(engine) as conn:
        # Slots left full without a lock (a process died mid-check) become a lock that expires.
        taken = writes.take_guess_slot(conn, row["id"], moment, MAX_FAILED_ATTEMPTS)
        if not taken:
            writes.lock_when_full(conn, row["id"], name, moment, MAX_FAILED_ATTEMPTS, LOCK_MINUTES)
    if not taken:
        _burn(password)
        return LoginResult(False, LOGIN_FAILED)

    if not verify_password(row["password_hash"], password):
        with store.write(engine) as conn:
            writes.lock_when_full(conn, row["id"], name, moment, MAX_FAILED_ATTEMPTS, LOCK_MINUTES)
        return LoginResult(False, LOGIN_FAILED)

    new_hash = hash_password(password) if HASHER.check_needs_rehash(row["password_hash"]) else None
    with store.write(engine) as conn:
        signed_in = writes.sign_in(conn, row["id"], name, moment, new_hash)
    if not signed_in:
        return LoginResult(False, LOGIN_FAILED)
    return LoginResult(
        True, "Berhasil masuk.", viewer=viewer_from_row(row),
        must_change=bool(row["must_change"]), epoch=int(row["session_epoch"]),
    )


# --------------------------------------------------------------------------- per-address throttle

ADDRESS_MAX_FAILURES = 10
ADDRESS_WINDOW_MINUTES = 15
THROTTLED = ("Terlalu banyak percobaan masuk yang gagal dari alamat jaringan ini. "
             f"Tunggu {ADDRESS_WINDOW_MINUTES} menit lalu coba lagi.")


class Throttle(Protocol):
    """What `authenticate_from` needs of a per-address throttle (`login_throttle.StoreAddressThrottle`).

    Failed logins per client address in a sliding window, on top of the per-account lock: one
    address walking predictable usernames (admin, rt-<kode>-<nnn>) is stopped after
    ADDRESS_MAX_FAILURES failures and so cannot lock out every account.
    """

    def reserve(self, address: str, *, clock: Clock = ...) -> object | None: ...

    def release(self, token: object) -> None: ...


def authenticate_from(engine: Engine, throttle: Throttle, address: str, username: str,
                      password: str, *, clock: Clock = utc_now) -> LoginResult:
    """`authenticate` behind the per-address throttle: a blocked address touches no account.

    The attempt is counted as a failure before the check and taken back only on success,
    so parallel requests from one address get at most `max_failures` checks (issue 27).
    """
    token = throttle.reserve(address, clock=clock)
    if token is None:
        _burn(password or "")
        return LoginResult(False, THROTTLED)
    result = authenticate(engine, username, password, clock=clock)
    if result.ok:
        throttle.release(token)
    return result


@dataclass(frozen=True)
class Session:
    """A live session rebuilt from the users table (role/scope as they are now)."""

    viewer: Viewer
    epoch: int
    must_change: bool


def restore_session(engine: Engine, username: str, epoch: int) -> Session | None:
    """The session of `username` if the account is active and `epoch` is still current."""
    with engine.connect() as conn:
        row = _user_row(conn, username)
    if row is None or not row["active"] or int(row["session_epoch"]) != int(epoch):
        return None
    return Session(viewer_from_row(row), int(row["session_epoch"]), bool(row["must_change"]))


def end_sessions(engine: Engine, username: str, actor: str | None = None) -> None:
    """Logout: every session and copied cookie of `username` stops working."""
    with store.write(engine) as conn:
        writes.log_out(conn, actor or username, username)


def change_password(
    engine: Engine, username: str, current: str, new: str, confirm: str | None = None
) -> int:
    """The user's own change (also the forced first-login change); returns the new epoch.

    Other sessions of the account end; the caller keeps the current one with the new epoch.
    """
    with engine.connect() as conn:
        row = _user_row(conn, username)
    if row is None or not row["active"]:
        raise AuthError("Akun tidak ditemukan atau tidak aktif.")
    if not verify_password(row["password_hash"], current or ""):
        raise AuthError("Kata sandi lama salah.", field="current")
    if confirm is not None and new != confirm:
        raise AuthError("Ulangan kata sandi baru tidak sama.", field="confirm")
    problem = password_problem(new, row["role"], username, names=(row["display_name"] or "",))
    if problem:
        raise AuthError(problem, field="new")
    if new == current:
        raise AuthError("Kata sandi baru harus berbeda dari yang lama.", field="new")
    pw_hash = hash_password(new)
    with store.write(engine) as conn:
        return writes.change_own_password(conn, row["id"], username, pw_hash)
