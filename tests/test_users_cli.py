"""`python -m kondusif users ...`, `prepare` demo accounts, login cards (CSV + PDF)."""

from __future__ import annotations

import csv
import io
import re
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from pypdf import PdfReader

from kondusif import accounts, registry, store
from kondusif.__main__ import main
from kondusif.accounts import auth, cards
from kondusif.model import SYSTEM, Role, Viewer, rt_username


def run(args: list[str], stdin: str = "") -> int:
    import sys

    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        return main(args)
    finally:
        sys.stdin = old


@pytest.fixture
def cheap_hasher(monkeypatch):
    """Still argon2id, with small parameters: 522 default hashes would take a minute here."""
    monkeypatch.setattr(auth, "HASHER", PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1))
    monkeypatch.setattr(auth, "_dummy_hash", None)


# --------------------------------------------------------------------------- create / list


def test_create_reads_password_from_stdin_and_validates(engine, capsys):
    assert run(["users", "create", "--username", "Siti", "--role", "panwaslu", "--kecamatan",
                "Lubuklinggau Barat II", "--name", "Siti Aminah"], "Panwas-Barat-2\n") == 0
    out = capsys.readouterr().out
    assert "«siti»" in out and "Lubuk Linggau Barat II" in out
    res = auth.authenticate(engine, "siti", "Panwas-Barat-2")
    assert res.ok and res.viewer.kecamatan == "16.73.06"

    assert run(["users", "create", "--username", "kosong", "--role", "pejabat"], "\n") == 2
    assert "tidak boleh kosong" in capsys.readouterr().err
    assert run(["users", "create", "--username", "pendek", "--role", "admin"], "abc123\n") == 2
    assert "minimal 8" in capsys.readouterr().err
    assert run(["users", "create", "--username", "rt-a", "--role", "rt", "--kelurahan", "Air Kuti",
                "--rt", "2"], "12345\n") == 2
    assert "PIN harus 6 angka" in capsys.readouterr().err
    assert run(["users", "create", "--username", "rt-b", "--role", "rt", "--kelurahan", "Air Kuti",
                "--rt", "999"], "482913\n") == 2
    assert "tidak ada di daftar RT" in capsys.readouterr().err
    assert run(["users", "create", "--username", "siti", "--role", "pejabat"], "Lain-lagi-99\n") == 2
    assert "sudah dipakai" in capsys.readouterr().err
    assert run(["users", "create", "--username", "rt-c", "--role", "rt", "--kelurahan", "Air Kuti",
                "--rt", "2"], "482913\n") == 0
    assert accounts.count_accounts(engine) == 2


def test_list_shows_accounts_without_secrets(engine, capsys):
    accounts.create_account(engine, Viewer("t", Role.ADMIN), "budi", Role.PEJABAT, "Rahasia-kota-9")
    assert run(["users", "list"]) == 0
    out = capsys.readouterr().out
    assert "budi" in out and "pejabat" in out and "1 akun." in out
    assert "argon2" not in out and "Rahasia" not in out


def test_set_password_recovers_a_locked_admin(engine, capsys):
    accounts.create_account(engine, Viewer("t", Role.ADMIN), "admin1", Role.ADMIN, "Rahasia-kota-9", must_change=False)
    for _ in range(5):
        auth.authenticate(engine, "admin1", "salah")
    assert not auth.authenticate(engine, "admin1", "Rahasia-kota-9").ok
    assert run(["users", "set-password", "--username", "admin1"], "Pulih-kembali-1\n") == 0
    assert auth.authenticate(engine, "admin1", "Pulih-kembali-1").ok


# --------------------------------------------------------------------------- bulk-rt


def _db_bytes(engine) -> bytes:
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return Path(engine.url.database).read_bytes()


def _all_cells(engine) -> list[str]:
    cells = []
    with engine.connect() as conn:
        for table in store.metadata.sorted_tables:
            for row in conn.execute(sa.select(table)):
                cells += [v for v in row if isinstance(v, str)]  # times and numbers hold no PIN
    return cells


def test_bulk_rt_on_the_sample_makes_522_accounts_with_one_time_pins(engine, tmp_path, capsys, cheap_hasher):
    registry.ensure_rt_registry(engine)
    out = tmp_path / "pin_rt.csv"
    assert run(["users", "bulk-rt", "--out", str(out), "--url", "https://sikondusif.example"]) == 0
    said = capsys.readouterr().out
    assert "522 akun RT dibuat" in said and "CONTOH" in said

    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 522
    assert list(rows[0]) == cards.CSV_COLUMNS
    reg = registry.rt_registry(engine)
    expected = {rt_username(k, r) for k, r in zip(reg["kode_kelurahan"], reg["rt"], strict=True)}
    assert {r["username"] for r in rows} == expected
    assert all(auth.is_pin(r["pin"]) for r in rows)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600

    users = accounts.list_accounts(engine, SYSTEM, role="rt")
    assert len(users) == 522 and users["must_change"].all() and users["active"].all()

    # A sample of PINs: each logs in once, must then be changed, and works only until it is.
    for r in rows[::60]:
        res = auth.authenticate(engine, r["username"], r["pin"])
        assert res.ok and res.must_change, r["username"]
        assert res.viewer.kelurahan == r["kode_kelurahan"] and res.viewer.rt == int(r["rt"])
        auth.change_password(engine, r["username"], r["pin"], "739164", "739164")
        assert not auth.authenticate(engine, r["username"], r["pin"]).ok
        assert not auth.authenticate(engine, r["username"], "739164").must_change

    # The PDF: readable, every username, A4 pages of 10 cards.
    pdf_path = out.with_suffix(".pdf")
    reader = PdfReader(str(pdf_path))
    assert len(reader.pages) == 53
    assert abs(float(reader.pages[0].mediabox.width) - 595.28) < 1
    text = "\n".join(p.extract_text() for p in reader.pages)
    missing = [u for u in expected if u not in text]
    assert not missing, missing[:5]
    assert "DAFTAR RT CONTOH" in text
    assert stat.S_IMODE(pdf_path.stat().st_mode) == 0o600

    # No PIN in clear anywhere in the store: no cell holds it, and the raw file does not
    # contain it as a stand-alone number (digits inside base64 hashes do not count).
    pins = {r["pin"] for r in rows}
    cells = _all_cells(engine)
    assert not any(c in pins for c in cells)
    # As a token: not part of a longer number, a hex id, a base64 hash or a time fraction.
    token = re.compile(r"(?<![0-9A-Za-z.:+/-])(" + "|".join(sorted(pins)) + r")(?![0-9A-Za-z])")
    assert not [c for c in cells if token.search(c)]
    if engine.dialect.name == "sqlite":
        raw = _db_bytes(engine)
        leaks = [p for p in pins if re.search(rb"(?<![0-9A-Za-z+/])" + p.encode() + rb"(?![0-9A-Za-z+/])", raw)]
        assert not leaks


def test_bulk_rt_again_skips_existing_accounts_and_keeps_the_pin_files(engine, tmp_path, capsys, cheap_hasher):
    registry.ensure_rt_registry(engine)
    accounts.create_account(engine, Viewer("t", Role.ADMIN), rt_username("16.73.01.1001", 1), Role.RT, "482913",
                            kelurahan="16.73.01.1001", rt=1)
    out = tmp_path / "pin.csv"
    assert run(["users", "bulk-rt", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "1 akun RT sudah ada dan dilewati" in said and "521 akun RT dibuat" in said
    first = out.read_text(encoding="utf-8-sig")

    # Same output name again: refused, the only copy of the handed-out PINs is kept.
    assert run(["users", "bulk-rt", "--out", str(out)]) == 2
    assert "sudah ada" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8-sig") == first

    again = tmp_path / "pin2.csv"
    assert run(["users", "bulk-rt", "--out", str(again)]) == 0
    assert "Tidak ada akun RT baru" in capsys.readouterr().out
    assert not again.exists()
    assert accounts.count_accounts(engine) == 522

    # --reset-pins: new PINs for all, old ones dead, still 522 accounts.
    old_pin = next(r for r in csv.DictReader(io.StringIO(first)))
    assert run(["users", "bulk-rt", "--out", str(again), "--reset-pins"]) == 0
    assert "522 PIN diganti" in capsys.readouterr().out
    assert accounts.count_accounts(engine) == 522
    assert not auth.authenticate(engine, old_pin["username"], old_pin["pin"]).ok
    new_pin = next(r for r in csv.DictReader(again.open(encoding="utf-8-sig"))
                   if r["username"] == old_pin["username"])
    assert auth.authenticate(engine, new_pin["username"], new_pin["pin"]).must_change


def test_bulk_rt_failure_writes_neither_accounts_nor_files(engine, tmp_path, capsys, cheap_hasher, monkeypatch):
    registry.ensure_rt_registry(engine)

    def broken(*a, **k):
        raise OSError("disk penuh")

    monkeypatch.setattr(cards, "write_pdf", broken)
    out = tmp_path / "pin.csv"
    assert run(["users", "bulk-rt", "--out", str(out)]) == 1
    assert "tidak ada akun yang dibuat" in capsys.readouterr().err
    assert accounts.count_accounts(engine) == 0
    assert list(tmp_path.glob("*pin*")) == []


def test_bulk_rt_refuses_a_username_held_by_another_role(engine, tmp_path, capsys):
    registry.ensure_rt_registry(engine)
    accounts.create_account(engine, Viewer("t", Role.ADMIN), rt_username("16.73.01.1001", 2), Role.PEJABAT, "Rahasia-kota-9")
    assert run(["users", "bulk-rt", "--out", str(tmp_path / "x.csv")]) == 2
    assert "berperan pejabat" in capsys.readouterr().err


@pytest.mark.parametrize(("value", "expected"), [
    ("=1+1", "'=1+1"), ("+62812", "'+62812"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("Air Kuti", "Air Kuti"), ("rt-1673011001-001", "rt-1673011001-001"),
    (None, ""), (7, "7"),
])
def test_csv_cells_are_neutralised(value, expected):
    assert cards.neutralise_cell(value) == expected


def test_csv_writer_neutralises_hostile_names(tmp_path):
    cred = accounts.RtCredential("rt-x", "16.73.01.1001", "=HYPERLINK(\"http://x\")", "@kec", 1, "482913")
    path = tmp_path / "x.csv"
    cards.write_csv(path, [cred])
    row = next(csv.DictReader(path.open(encoding="utf-8-sig")))
    assert row["kelurahan"].startswith("'=") and row["kecamatan"] == "'@kec"


# --------------------------------------------------------------------------- prepare


def test_prepare_creates_demo_accounts_once_and_prints_passwords_once(engine, capsys):
    assert run(["prepare", "--n", "50"]) == 0
    out = capsys.readouterr().out
    assert "Akun DEMO" in out and "HANYA untuk demo" in out
    lines = {m.group(2): m.group(3) for m in re.finditer(r"^\s+(\w+)\s+(\S+)\s+(\S+)\s", out, re.M)
             if m.group(1) in {r.value for r in Role}}
    assert {"admin", "pejabat", "panwaslu", "panwascam-timur1"} <= set(lines)
    assert any(u.startswith("rt-") for u in lines)
    for username, password in lines.items():
        assert auth.authenticate(engine, username, password).ok, username

    assert run(["prepare", "--n", "50"]) == 0
    again = capsys.readouterr().out
    assert "Akun DEMO" not in again
    assert not any(p in again for p in lines.values())
    assert accounts.count_accounts(engine) == 5
