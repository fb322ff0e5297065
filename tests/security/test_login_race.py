"""Issue 27 item 1: parallel logins cannot get around the account lock or the address throttle.

Two app processes (uvicorn, the real routes) on one store; a hundred POST /sesi/masuk
released together by a barrier. The app processes write a line for every password they
really checked, so the tests count evaluated guesses, not answers.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher

from kondusif import accounts, registry, store
from kondusif.accounts import auth
from kondusif.model import Role, Viewer
from kondusif.timeutil import now as utc_now

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from polling import wait_until  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RT_USER = "rt-1673011001-001"
RIGHT_PIN = "482913"


@pytest.fixture
def cheap_hasher(monkeypatch):
    monkeypatch.setattr(auth, "HASHER", PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def two_apps(db_url, engine, tmp_path, cheap_hasher) -> Iterator[tuple[list[int], Path]]:
    """Two app processes on this test's store; yields their ports and the evaluated-guess file."""
    registry.ensure_rt_registry(engine)
    count_file = tmp_path / "dinilai.txt"
    env = {**os.environ, "KONDUSIF_DB_URL": db_url, "KONDUSIF_TRUSTED_PROXIES": "127.0.0.1",
           "PYTHONPATH": str(ROOT)}
    ports = [_free_port(), _free_port()]
    procs = [subprocess.Popen([sys.executable, str(HERE / "login_server.py"), str(p), str(count_file)],
                              cwd=ROOT, env=env, stderr=subprocess.PIPE) for p in ports]
    try:
        for port in ports:
            wait_until(lambda port=port: _listening(port), timeout=60, message=f"app on port {port}")
        yield ports, count_file
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        return True
    except OSError:
        return False


def _post_login(port: int, username: str, password: str, address: str) -> str:
    """POST the login form as the browser does (from `address` via the trusted proxy); the Location."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    body = urlencode({"username": username, "password": password, "next": "/"})
    conn.request("POST", "/sesi/masuk", body=body, headers={
        "Host": f"127.0.0.1:{port}", "Origin": f"http://127.0.0.1:{port}",
        "Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": address})
    response = conn.getresponse()
    response.read()
    conn.close()
    assert response.status == 303, response.status
    return response.getheader("Location") or ""


def _race(ports: list[int], attempts: list[tuple[str, str, str]]) -> list[str]:
    """Send every (username, password, address) at once, alternating between the app processes."""
    barrier = threading.Barrier(len(attempts))
    answers: list[str] = [""] * len(attempts)

    def one(i: int) -> None:
        username, password, address = attempts[i]
        barrier.wait()
        answers[i] = _post_login(ports[i % len(ports)], username, password, address)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(attempts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    return answers


def _evaluated(count_file: Path) -> list[str]:
    return count_file.read_text().split("\n")[:-1] if count_file.exists() else []


def _make_rt(engine, username: str = RT_USER, pin: str = RIGHT_PIN, kelurahan: str = "16.73.01.1001",
             rt: int = 1) -> None:
    accounts.create_account(engine, Viewer("tester", Role.ADMIN), username, Role.RT, pin,
                            kelurahan=kelurahan, rt=rt, must_change=False)


def _wrong_pins(n: int) -> list[str]:
    return [f"{700000 + 1357 * i:06d}" for i in range(n)]


def test_a_hundred_parallel_guesses_at_one_account_get_five_checks(engine, two_apps):
    ports, count_file = two_apps
    _make_rt(engine)
    # 100 addresses, so only the account lock stands in the way; the right PIN is the 62nd.
    pins = _wrong_pins(100)
    pins[61] = RIGHT_PIN
    attempts = [(RT_USER, pin, f"198.51.100.{i + 1}") for i, pin in enumerate(pins)]
    answers = _race(ports, attempts)

    evaluated = _evaluated(count_file)
    signed_in = [a for a in answers if "masuk=" not in a]
    assert 1 <= len(evaluated) <= 5, evaluated
    if signed_in:  # only when the right PIN was one of the five checked
        assert len(signed_in) == 1 and any(line.endswith("benar") for line in evaluated)
    else:
        row = _user(engine, RT_USER)
        assert row["locked_until"] is not None and row["locked_until"] > utc_now()
        # Locked: the right PIN from a fresh address is refused without a check.
        assert "masuk=gagal" in _post_login(ports[0], RT_USER, RIGHT_PIN, "192.0.2.200")
        assert len(_evaluated(count_file)) == len(evaluated)


def test_a_hundred_parallel_guesses_from_one_address_get_ten_checks(engine, two_apps):
    ports, count_file = two_apps
    # 20 accounts x 5 = 100 guesses the account locks alone would allow.
    sample = registry.rt_registry(engine).head(20)
    names = [f"rt-{str(kode).replace('.', '')}-{int(rt):03d}" for kode, rt in zip(sample["kode_kelurahan"], sample["rt"],
                                                                                  strict=True)]
    for name, kode, rt in zip(names, sample["kode_kelurahan"], sample["rt"], strict=True):
        _make_rt(engine, name, kelurahan=str(kode), rt=int(rt))
    attempts = [(names[i % 20], pin, "203.0.113.66") for i, pin in enumerate(_wrong_pins(100))]
    answers = _race(ports, attempts)

    assert 1 <= len(_evaluated(count_file)) <= 10, _evaluated(count_file)
    assert all("masuk=" in a for a in answers)
    assert sum("masuk=dibatasi" in a for a in answers) >= 90
    with engine.connect() as conn:
        counted = conn.execute(sa.select(sa.func.count()).select_from(store.login_failures)).scalar()
    assert counted == 10


def _user(engine, username: str) -> sa.RowMapping:
    with engine.connect() as conn:
        return conn.execute(sa.select(store.users).where(store.users.c.username == username)).mappings().one()


def test_a_right_pin_in_flight_does_not_clear_a_lock_set_meanwhile(engine, cheap_hasher, monkeypatch):
    """The right PIN is being checked while five wrong ones lock the account: it is refused, the lock stays."""
    registry.ensure_rt_registry(engine)
    _make_rt(engine)
    real_verify = auth.verify_password
    checking = threading.Event()
    locked = threading.Event()

    def slow_right_pin(stored, password):
        ok = real_verify(stored, password)
        if password == RIGHT_PIN:
            checking.set()
            assert locked.wait(60)
        return ok

    monkeypatch.setattr(auth, "verify_password", slow_right_pin)
    outcome: list[auth.LoginResult] = []
    right = threading.Thread(target=lambda: outcome.append(auth.authenticate(engine, RT_USER, RIGHT_PIN)))
    right.start()
    assert checking.wait(60)
    refused = [auth.authenticate(engine, RT_USER, pin) for pin in _wrong_pins(5)]
    locked.set()
    right.join(60)

    assert not any(r.ok for r in refused)
    assert outcome and not outcome[0].ok and outcome[0].message == auth.LOGIN_FAILED
    row = _user(engine, RT_USER)
    assert row["locked_until"] is not None and row["locked_until"] > utc_now() + timedelta(minutes=14)
    assert not auth.authenticate(engine, RT_USER, RIGHT_PIN).ok
