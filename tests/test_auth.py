"""Accounts and authentication: hashing, lockout, no enumeration, tokens, scope, admin changes, SSO mapping."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from kondusif import access, accounts, registry, store
from kondusif.accounts import auth, auth_tokens
from kondusif.accounts.auth import LOGIN_FAILED, AuthError
from kondusif.accounts.auth_oidc import NOT_REGISTERED, RoleClaim, resolve_sso, role_from_claim
from kondusif.errors import NotPermitted
from kondusif.login_throttle import StoreAddressThrottle
from kondusif.model import SYSTEM, Role, Viewer

T0 = datetime(2018, 6, 20, 8, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, start: datetime = T0) -> None:
        self.t = start

    def __call__(self) -> datetime:
        return self.t

    def advance(self, **kw) -> None:
        self.t += timedelta(**kw)


def make(engine, username="budi", role=Role.PEJABAT, password="Rahasia-kota-9", **kw):
    kw.setdefault("must_change", False)
    return accounts.create_account(engine, Viewer("tester", Role.ADMIN), username, role, password, **kw)


def user_row(engine, username):
    with engine.connect() as conn:
        return conn.execute(sa.select(store.users).where(store.users.c.username == username)).mappings().one()


# --------------------------------------------------------------------------- hashing


def test_passwords_are_stored_only_as_salted_argon2id_hashes(engine):
    secret = "Sama-sama-rahasia-77"
    make(engine, "ani", password=secret)
    make(engine, "budi", password=secret)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(store.users.c.username, store.users.c.password_hash)).all()
    hashes = [h for _, h in rows]
    assert all(h.startswith("$argon2id$v=19$") for h in hashes)
    # Memory-hard parameters (m in KiB), not a bare or fast hash.
    assert all("m=65536,t=3,p=4" in h for h in hashes)
    assert hashes[0] != hashes[1], "same password must give different hashes (salt)"
    assert all(secret not in h for h in hashes)
    # The plaintext appears nowhere in the database, including the audit log.
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        raw = Path(engine.url.database).read_bytes()
        assert secret.encode() not in raw
    with engine.connect() as conn:
        audit = conn.execute(sa.select(store.audit_log)).mappings().all()
    assert audit and all(secret not in json.dumps(dict(r), default=str) for r in audit)
    assert auth.verify_password(hashes[0], secret)
    assert not auth.verify_password(hashes[0], secret + "x")


def test_listing_never_exposes_hashes_and_names_scopes(engine):
    make(engine)
    make(engine, "kota", Role.PANWASLU)
    make(engine, "barat", Role.PANWASLU, kecamatan="16.73.02")
    make(engine, "rt1", Role.RT, password="482913", kelurahan="16.73.01.1001", rt=3)
    df = accounts.list_accounts(engine, SYSTEM)
    assert "password_hash" not in df.columns
    assert dict(zip(df["username"], df["scope"], strict=True)) == {
        "budi": "Seluruh kota", "kota": "Seluruh kota", "barat": "Kec. Lubuk Linggau Barat I",
        "rt1": "RT 003, Kel. Air Kuti",
    }
    assert not df.astype(str).apply(lambda col: col.str.contains("argon2")).any().any()
    assert "password_hash" not in accounts.get_account(engine, SYSTEM, "budi")


# --------------------------------------------------------------------------- login, lockout, enumeration


def test_login_success_returns_viewer_from_the_table(engine):
    make(engine, "siti", Role.PANWASLU, kecamatan="Lubuk Linggau Barat I", display_name="Siti")
    res = auth.authenticate(engine, "  SITI ", "Rahasia-kota-9", clock=FakeClock())
    assert res.ok and not res.must_change
    assert res.viewer == Viewer("siti", Role.PANWASLU, "Siti", kecamatan="16.73.02")
    assert user_row(engine, "siti")["last_login"] == T0


def test_lockout_after_five_failures_and_release_after_fifteen_minutes(engine):
    make(engine, "budi")
    clock = FakeClock()
    for i in range(auth.MAX_FAILED_ATTEMPTS - 1):
        assert not auth.authenticate(engine, "budi", f"salah-{i}", clock=clock).ok
    assert user_row(engine, "budi")["locked_until"] is None
    # Fifth failure locks.
    assert not auth.authenticate(engine, "budi", "salah-lagi", clock=clock).ok
    assert user_row(engine, "budi")["locked_until"] == T0 + timedelta(minutes=15)
    # While locked even the right password is refused, with the same message.
    clock.advance(minutes=14, seconds=59)
    res = auth.authenticate(engine, "budi", "Rahasia-kota-9", clock=clock)
    assert not res.ok and res.message == LOGIN_FAILED
    clock.advance(seconds=2)
    res = auth.authenticate(engine, "budi", "Rahasia-kota-9", clock=clock)
    assert res.ok
    row = user_row(engine, "budi")
    assert row["failed_attempts"] == 0 and row["locked_until"] is None
    with engine.connect() as conn:
        actions = [r.action for r in conn.execute(sa.select(store.audit_log.c.action)
                                                  .where(store.audit_log.c.entity_id == "budi"))]
    assert "lock" in actions and actions[-1] == "login"


def test_a_success_resets_the_failure_count(engine):
    make(engine, "budi")
    clock = FakeClock()
    for _ in range(4):
        auth.authenticate(engine, "budi", "salah", clock=clock)
    assert auth.authenticate(engine, "budi", "Rahasia-kota-9", clock=clock).ok
    for _ in range(4):
        auth.authenticate(engine, "budi", "salah", clock=clock)
    assert auth.authenticate(engine, "budi", "Rahasia-kota-9", clock=clock).ok


def test_no_user_enumeration_same_message_for_every_refusal(engine, monkeypatch):
    make(engine, "aktif")
    make(engine, "nonaktif")
    make(engine, "terkunci")
    make(engine, "admin1", Role.ADMIN)
    accounts.set_active(engine, Viewer("admin1", Role.ADMIN), "nonaktif", False)
    clock = FakeClock()
    for _ in range(5):
        auth.authenticate(engine, "terkunci", "salah", clock=clock)

    verifications: list[str] = []

    class CountingHasher(PasswordHasher):
        def verify(self, hash, password):  # noqa: A002 - argon2's own parameter name
            verifications.append(hash)
            return super().verify(hash, password)

    monkeypatch.setattr(auth, "HASHER", CountingHasher())
    cases = {
        "unknown user": ("tidak-ada", "Rahasia-kota-9"),
        "wrong password": ("aktif", "salah-sekali"),
        "locked (right password)": ("terkunci", "Rahasia-kota-9"),
        "inactive (right password)": ("nonaktif", "Rahasia-kota-9"),
        "empty": ("", ""),
    }
    results = {}
    for label, (u, p) in cases.items():
        before = len(verifications)
        results[label] = auth.authenticate(engine, u, p, clock=clock)
        # Every refusal costs exactly one argon2 verification (timing does not tell either).
        assert len(verifications) - before == 1, label
    assert {r.message for r in results.values()} == {LOGIN_FAILED}
    assert not any(r.ok or r.viewer for r in results.values())
    assert "tidak-ada" not in LOGIN_FAILED


# --------------------------------------------------------------------------- password policy


@pytest.mark.parametrize(("password", "role", "ok"), [
    ("", Role.PEJABAT, False),
    ("pendek7", Role.PEJABAT, False),
    ("12345678", Role.PEJABAT, False),
    ("Cukup-panjang", Role.PEJABAT, True),
    ("482913", Role.PEJABAT, False),  # a PIN is only for Ketua RT
    ("482913", Role.RT, True),
    ("123456", Role.RT, False),
    ("777777", Role.RT, False),
    ("48291", Role.RT, False),
    ("kata-sandi-rt", Role.RT, True),
    (" spasi-di-depan", Role.ADMIN, False),
])
def test_password_policy(password, role, ok):
    assert (auth.password_problem(password, role) is None) is ok


@pytest.mark.parametrize("role", [Role.ADMIN, Role.PANWASLU, Role.PEJABAT])
@pytest.mark.parametrize("password", [
    "aaaaaaaa", "password1", "lubuklinggau2018", "Lubuklinggau2018", "bismillah123", "pilkada2018",
    "panwaslu2018", "sikondusif1", "katasandi123", "rahasia123", "12345678", "qwertyuiop",
])
def test_guessable_passwords_are_refused_for_every_office_role(password, role):
    assert auth.password_problem(password, role, "petugas-kota") is not None


@pytest.mark.parametrize(("username", "password"), [
    ("admin", "admin"), ("admin", "Admin2018"), ("panwascam-timur1", "panwascam-timur1"),
    ("pejabat", "pejabat123!"),
])
def test_the_username_is_refused_as_a_password(username, password):
    assert auth.password_problem(password, Role.ADMIN, username) is not None


def test_the_users_own_name_is_in_the_dictionary():
    # Strong enough for a stranger, weak for Siti Rahmawati herself.
    assert auth.password_problem("sitirahmawati77", Role.PANWASLU, "panwas-1") is None
    assert auth.password_problem("sitirahmawati77", Role.PANWASLU, "panwas-1",
                                 names=("Siti Rahmawati",)) is not None


def test_the_demo_account_names_and_passwords_are_refused():
    for made in ("admin", "pejabat", "panwaslu", "panwascam-timur1"):
        assert auth.password_problem(made, Role.ADMIN, made) is not None
        assert auth.password_problem(made + "123", Role.ADMIN, made) is not None


@pytest.mark.parametrize("pin", ["123123", "111111", "123456", "654321", "121212", "112112", "989898"])
def test_repeated_or_sequential_pins_are_refused(pin):
    assert auth.password_problem(pin, Role.RT, "rt-1673011001-001") is not None


@pytest.mark.parametrize("password", ["Kx7pQ2mv9Lwe", "kuda-sungai-payung-71", "Rahasia-kota-9"])
def test_strong_passwords_pass(password):
    assert auth.password_problem(password, Role.ADMIN, "admin") is None


def test_the_address_throttle_stops_one_address_walking_usernames(engine):
    clock = FakeClock(datetime(2018, 6, 27, 8, 0, tzinfo=UTC))
    for n in range(1, 4):
        make(engine, f"rt-1673011001-{n:03d}", Role.RT, password="482913", kelurahan="16.73.01.1001", rt=n)
    throttle = StoreAddressThrottle(engine, max_failures=3)
    attacker, neighbour = "10.0.0.66", "10.0.0.7"
    for n in range(1, 4):
        res = auth.authenticate_from(engine, throttle, attacker, f"rt-1673011001-{n:03d}", "000000", clock=clock)
        assert res.message == LOGIN_FAILED
    # The 4th try from that address touches no account, even with the right PIN.
    blocked = auth.authenticate_from(engine, throttle, attacker, "rt-1673011001-001", "482913", clock=clock)
    assert not blocked.ok and blocked.message == auth.THROTTLED
    assert user_row(engine, "rt-1673011001-001")["failed_attempts"] == 1  # the blocked try did not count
    # Another address signs in; the attacker may try again once the window has passed.
    assert auth.authenticate_from(engine, throttle, neighbour, "rt-1673011001-002", "482913", clock=clock).ok
    clock.advance(minutes=auth.ADDRESS_WINDOW_MINUTES, seconds=1)
    assert auth.authenticate_from(engine, throttle, attacker, "rt-1673011001-001", "482913", clock=clock).ok


def test_generated_pins_and_passwords_pass_the_policy():
    for _ in range(200):
        pin = auth.generate_pin()
        assert auth.is_pin(pin) and pin[0] != "0" and auth.password_problem(pin, Role.RT) is None
    assert auth.password_problem(auth.generate_password(), Role.ADMIN) is None


def test_change_password_clears_must_change_and_ends_other_sessions(engine):
    make(engine, "rt1", Role.RT, password="482913", kelurahan="16.73.01.1001", rt=1, must_change=True)
    res = auth.authenticate(engine, "rt1", "482913")
    assert res.ok and res.must_change
    with pytest.raises(AuthError, match="lama salah"):
        auth.change_password(engine, "rt1", "000000", "739164", "739164")
    with pytest.raises(AuthError, match="tidak sama"):
        auth.change_password(engine, "rt1", "482913", "739164", "739165")
    with pytest.raises(AuthError, match="berurutan"):
        auth.change_password(engine, "rt1", "482913", "123456", "123456")
    epoch = auth.change_password(engine, "rt1", "482913", "739164", "739164")
    assert epoch == res.epoch + 1
    assert auth.restore_session(engine, "rt1", res.epoch) is None
    sess = auth.restore_session(engine, "rt1", epoch)
    assert sess is not None and not sess.must_change
    assert not auth.authenticate(engine, "rt1", "482913").ok
    assert auth.authenticate(engine, "rt1", "739164").ok


# --------------------------------------------------------------------------- tokens and sessions


def test_token_roundtrip_expiry_and_forgery():
    now = [1_600_000_000.0]
    token = auth_tokens.issue("budi", 3, secret="s" * 32, clock=lambda: now[0])
    assert auth_tokens.read(token, secret="s" * 32, max_age=3600, clock=lambda: now[0]) == \
        auth_tokens.TokenClaims("budi", 3, issued_at=1_600_000_000.0)
    now[0] += 3601
    assert auth_tokens.read(token, secret="s" * 32, max_age=3600, clock=lambda: now[0]) is None
    now[0] -= 3601
    assert auth_tokens.read(token, secret="t" * 32, max_age=3600, clock=lambda: now[0]) is None
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    assert auth_tokens.read(tampered, secret="s" * 32, max_age=3600, clock=lambda: now[0]) is None
    assert auth_tokens.read("", secret="s" * 32) is None
    assert auth_tokens.read("x" * 5000, secret="s" * 32) is None


def test_token_uses_configured_secret(monkeypatch):
    from kondusif.config import settings

    token = auth_tokens.issue("budi", 0)
    assert auth_tokens.read(token) is not None
    monkeypatch.setenv("KONDUSIF_SECRET_KEY", "lain-" + "y" * 30)
    settings.cache_clear()
    assert auth_tokens.read(token) is None  # another process with another secret rejects it


def test_logout_deactivation_and_role_change_end_sessions(engine):
    make(engine, "admin1", Role.ADMIN)
    make(engine, "siti", Role.PANWASLU)
    for change in (
        lambda: auth.end_sessions(engine, "siti"),
        lambda: accounts.update_account(engine, Viewer("admin1", Role.ADMIN), "siti", Role.PANWASLU, kecamatan="16.73.03"),
        lambda: accounts.reset_password(engine, Viewer("admin1", Role.ADMIN), "siti"),
        lambda: accounts.set_active(engine, Viewer("admin1", Role.ADMIN), "siti", False),
    ):
        epoch = user_row(engine, "siti")["session_epoch"]
        assert auth.restore_session(engine, "siti", epoch) is not None
        change()
        assert auth.restore_session(engine, "siti", epoch) is None
    # Inactive: no session at any epoch.
    assert auth.restore_session(engine, "siti", user_row(engine, "siti")["session_epoch"]) is None


def test_restore_rebuilds_viewer_with_current_role_and_scope(engine):
    make(engine, "admin1", Role.ADMIN)
    make(engine, "siti", Role.PANWASLU)
    accounts.update_account(engine, Viewer("admin1", Role.ADMIN), "siti", Role.PANWASLU, kecamatan="16.73.05")
    epoch = user_row(engine, "siti")["session_epoch"]
    sess = auth.restore_session(engine, "siti", epoch)
    assert sess.viewer.kecamatan == "16.73.05"


# --------------------------------------------------------------------------- scope validation


def test_scope_validation_accepts_names_and_refuses_unknown(engine):
    assert accounts.normalize_scope(engine, "panwaslu", kecamatan="Lubuklinggau Timur II").kecamatan == "16.73.05"
    assert accounts.normalize_scope(engine, "panwaslu", kecamatan="16.73.08").kecamatan == "16.73.08"
    assert accounts.normalize_scope(engine, "panwaslu") == accounts.Scope()
    with pytest.raises(AuthError, match="tidak dikenal") as exc:
        accounts.normalize_scope(engine, "panwaslu", kecamatan="Kecamatan Antah")
    assert exc.value.field == "kecamatan"
    scope = accounts.normalize_scope(engine, "rt", kelurahan="Air Kuti", rt="RT 3")
    assert scope == accounts.Scope(kelurahan="16.73.01.1001", rt=3)
    with pytest.raises(AuthError, match="tidak ada di daftar RT"):
        accounts.normalize_scope(engine, "rt", kelurahan="Air Kuti", rt=250)
    with pytest.raises(AuthError, match="wajib"):
        accounts.normalize_scope(engine, "rt", kelurahan="Air Kuti")
    with pytest.raises(AuthError, match="tidak memakai lingkup"):
        accounts.normalize_scope(engine, "pejabat", kecamatan="16.73.01")
    with pytest.raises(AuthError, match="tidak dikenal"):
        accounts.normalize_scope(engine, "walikota")


def test_rt_may_file_only_for_own_rt():
    def may_file_for(viewer: Viewer, kode_kelurahan: str, rt: int | None) -> bool:
        return access.allows(viewer, "form.submit", access.Place(kode_kelurahan, rt=rt))

    rt = Viewer("rt-x", Role.RT, kelurahan="16.73.01.1001", rt=3)
    assert may_file_for(rt, "16.73.01.1001", 3)
    assert not may_file_for(rt, "16.73.01.1001", 4)
    assert not may_file_for(rt, "16.73.01.1002", 3)
    assert not may_file_for(rt, "16.73.01.1001", None)
    scoped = Viewer("p", Role.PANWASLU, kecamatan="16.73.01")
    assert may_file_for(scoped, "16.73.01.1005", None)
    assert not may_file_for(scoped, "16.73.02.1001", 1)
    assert not may_file_for(Viewer("w", Role.PEJABAT), "16.73.01.1001", 1)
    assert may_file_for(Viewer("a", Role.ADMIN), "16.73.02.1001", 1)


# --------------------------------------------------------------------------- administration


def test_create_refuses_duplicates_and_bad_usernames(engine):
    make(engine, "budi")
    with pytest.raises(AuthError, match="sudah dipakai"):
        make(engine, "BUDI")
    with pytest.raises(AuthError, match="Nama pengguna"):
        make(engine, "a b")
    with pytest.raises(AuthError, match="minimal 8"):
        make(engine, "citra", password="pendek")
    assert accounts.count_accounts(engine) == 1


def test_admin_changes_are_audited_in_the_same_transaction(engine):
    make(engine, "admin1", Role.ADMIN)
    make(engine, "siti", Role.PEJABAT)
    accounts.update_account(engine, Viewer("admin1", Role.ADMIN), "siti", Role.PANWASLU, kecamatan="16.73.02")
    secret = accounts.reset_password(engine, Viewer("admin1", Role.ADMIN), "siti")
    accounts.set_active(engine, Viewer("admin1", Role.ADMIN), "siti", False)
    accounts.set_active(engine, Viewer("admin1", Role.ADMIN), "siti", True)
    accounts.link_oidc(engine, Viewer("admin1", Role.ADMIN), "siti", "kc-123")
    hist = store.audit_for(engine, "user", "siti")
    assert list(hist["action"]) == ["create", "change_role", "reset_password", "deactivate", "reactivate",
                                    "link_sso"]
    assert set(hist["actor"][1:]) == {"admin1"}
    assert secret not in hist.astype(str).to_string()
    row = user_row(engine, "siti")
    assert row["must_change"] and row["role"] == "panwaslu" and row["kecamatan"] == "16.73.02"
    assert auth.password_problem(secret, Role.PANWASLU) is None


def test_a_failed_change_writes_nothing(engine, monkeypatch):
    make(engine, "admin1", Role.ADMIN)
    make(engine, "siti", Role.PEJABAT)
    before = store.audit_for(engine, "user", "siti")

    def boom(*a, **k):
        raise RuntimeError("audit gagal")

    monkeypatch.setattr(store.audit, "record", boom)
    with pytest.raises(RuntimeError):
        accounts.update_account(engine, Viewer("admin1", Role.ADMIN), "siti", Role.PANWASLU)
    monkeypatch.undo()
    assert user_row(engine, "siti")["role"] == "pejabat"
    assert len(store.audit_for(engine, "user", "siti")) == len(before)


def test_last_admin_and_self_protection(engine):
    make(engine, "admin1", Role.ADMIN)
    with pytest.raises(AuthError, match="sendiri"):
        accounts.set_active(engine, Viewer("admin1", Role.ADMIN), "admin1", False)
    with pytest.raises(AuthError, match="sendiri"):
        accounts.update_account(engine, Viewer("admin1", Role.ADMIN), "admin1", Role.PEJABAT)
    make(engine, "admin2", Role.ADMIN)
    accounts.set_active(engine, Viewer("admin2", Role.ADMIN), "admin1", False)
    with pytest.raises(AuthError, match="terakhir"):
        accounts.update_account(engine, Viewer("sistem", Role.ADMIN), "admin2", Role.PEJABAT)


def test_reset_gives_rt_a_pin(engine):
    make(engine, "admin1", Role.ADMIN)
    make(engine, "rt1", Role.RT, password="482913", kelurahan="16.73.01.1001", rt=1)
    pin = accounts.reset_password(engine, Viewer("admin1", Role.ADMIN), "rt1")
    assert auth.is_pin(pin)
    res = auth.authenticate(engine, "rt1", pin)
    assert res.ok and res.must_change


# --------------------------------------------------------------------------- demo accounts


def test_demo_accounts_once_per_role(engine):
    made = accounts.ensure_demo_accounts(engine)
    roles = [a.role for a in made]
    assert set(roles) == set(Role) and roles.count(Role.PANWASLU) == 2
    scoped = next(a for a in made if a.username == "panwascam-timur1")
    for a in made:
        res = auth.authenticate(engine, a.username, a.password)
        assert res.ok and not res.must_change, a.username
    assert auth.authenticate(engine, scoped.username, scoped.password).viewer.kecamatan == "16.73.01"
    assert accounts.ensure_demo_accounts(engine) == []
    assert accounts.count_accounts(engine) == len(made)
    assert set(accounts.active_demo_accounts(engine)) == {a.username for a in made}


# --------------------------------------------------------------------------- SSO claim mapping


@pytest.mark.parametrize(("claim", "expected"), [
    ("admin", RoleClaim(Role.ADMIN)),
    ("Pejabat", RoleClaim(Role.PEJABAT)),
    ("panwaslu", RoleClaim(Role.PANWASLU)),
    ("panwaslu:16.73.04", RoleClaim(Role.PANWASLU, "16.73.04")),
    ("panwaslu:Lubuk Linggau Selatan II", RoleClaim(Role.PANWASLU, "16.73.07")),
    (["offline_access", "pejabat", "uma_authorization"], RoleClaim(Role.PEJABAT)),
    (["pejabat", "pejabat"], RoleClaim(Role.PEJABAT)),
    (["pejabat", "admin"], None),  # disagreeing roles: refused, not guessed
    ("rt", None),  # Ketua RT accounts never come from SSO
    ("panwaslu:Antah Berantah", None),
    ("pejabat:16.73.01", None),
    ("walikota", None),
    ("", None),
    (None, None),
    (42, None),
])
def test_role_from_claim(claim, expected):
    assert role_from_claim(claim) == expected


def test_sso_links_provisions_or_refuses(engine):
    claim = "sikondusif_role"
    with pytest.raises(AuthError, match="belum terdaftar"):
        resolve_sso(engine, {"sub": "kc-1", "preferred_username": "rudi"}, claim)
    sess = resolve_sso(engine, {"sub": "kc-1", "preferred_username": "Rudi", claim: "panwaslu:16.73.02"}, claim)
    assert sess.viewer == Viewer("rudi", Role.PANWASLU, "rudi", kecamatan="16.73.02")
    # Same subject again: the stored account is used (role managed in SiKondusif, not the claim).
    again = resolve_sso(engine, {"sub": "kc-1", "preferred_username": "rudi", claim: "admin"}, claim)
    assert again.viewer.role == Role.PANWASLU and again.viewer.username == "rudi"
    # A second person with the same preferred name gets a distinct username.
    other = resolve_sso(engine, {"sub": "kc-2", "preferred_username": "rudi", claim: "pejabat"}, claim)
    assert other.viewer.username == "rudi-2"
    # Deactivated: refused with the same message.
    make(engine, "admin1", Role.ADMIN)
    accounts.set_active(engine, Viewer("admin1", Role.ADMIN), "rudi", False)
    with pytest.raises(AuthError) as exc:
        resolve_sso(engine, {"sub": "kc-1", claim: "panwaslu"}, claim)
    assert str(exc.value) == NOT_REGISTERED
    # An SSO-only account has no password to log in with.
    assert not auth.authenticate(engine, "rudi-2", "").ok


def test_account_changes_need_account_manage(engine):
    """Every account and registry change asks access for account.manage / registry.manage (admin only)."""
    make(engine, "siti", Role.PANWASLU)
    admin = Viewer("admin1", Role.ADMIN)
    for who in (Viewer("p", Role.PANWASLU), Viewer("j", Role.PEJABAT),
                Viewer("r", Role.RT, kelurahan="16.73.01.1001", rt=1)):
        for change in (
            lambda v: accounts.create_account(engine, v, "baru", Role.PEJABAT, "Rahasia-kota-9"),
            lambda v: accounts.set_active(engine, v, "siti", False),
            lambda v: accounts.reset_password(engine, v, "siti"),
            lambda v: accounts.set_password(engine, v, "siti", "Rahasia-kota-10"),
            lambda v: accounts.update_account(engine, v, "siti", Role.PEJABAT),
            lambda v: accounts.link_oidc(engine, v, "siti", "kc-1"),
            lambda v: accounts.apply_rt_accounts(engine, v, accounts.plan_rt_accounts(engine)),
            lambda v: registry.apply_official(engine, v, registry.read_official(b"Kelurahan;RT\nAir Kuti;1\n", "rt.csv")),
            lambda v: accounts.history(engine, v, "siti"),
        ):
            with pytest.raises(NotPermitted, match="tidak berhak"):
                change(who)
    assert accounts.get_account(engine, admin, "baru") is None
    siti = accounts.get_account(engine, admin, "siti")
    assert (siti["role"], siti["active"], siti["oidc_subject"]) == ("panwaslu", True, None)
    assert accounts.count_accounts(engine) == 1
    assert list(accounts.history(engine, admin, "siti")["action"]) == ["create"]
    accounts.set_active(engine, admin, "siti", False)
    assert not accounts.get_account(engine, admin, "siti")["active"]
