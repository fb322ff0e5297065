"""`python -m kondusif init --produksi`: real use starts without demo material."""

from __future__ import annotations

import re

from kondusif import accounts, store
from kondusif.__main__ import main
from kondusif.accounts import auth
from kondusif.model import SYSTEM


def test_init_produksi_makes_one_admin_with_a_one_time_password(engine, capsys):
    assert main(["init", "--produksi"]) == 0
    out = capsys.readouterr().out
    password = re.search(r"kata sandi\s+:\s+(\S+)", out).group(1)
    listing = accounts.list_accounts(engine, SYSTEM)
    assert list(listing["username"]) == ["admin"] and list(listing["role"]) == ["admin"]
    assert accounts.active_demo_accounts(engine) == []
    assert store.count_incidents(engine, None, SYSTEM) == 0 and not store.has_simulated(engine)
    result = auth.authenticate(engine, "admin", password)
    assert result.ok and result.must_change  # must be changed at first sign-in
    assert auth.password_problem(password, "admin", "admin") is None

    # Run again: nothing new, and the password is never shown again.
    assert main(["init", "--produksi"]) == 0
    again = capsys.readouterr().out
    assert password not in again and "kata sandi   :" not in again
    assert len(accounts.list_accounts(engine, SYSTEM)) == 1


def test_init_produksi_refuses_a_store_with_simulated_reports(demo_engine, capsys):
    assert main(["init", "--produksi"]) == 2
    assert "SIMULASI" in capsys.readouterr().err
    assert accounts.count_accounts(demo_engine) == 0
