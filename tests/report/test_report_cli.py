"""python -m kondusif weekly-report: generate, list, download, verify, and bad input."""

from __future__ import annotations

import sqlalchemy as sa
from report_helpers import pdf_text

from kondusif import store
from kondusif.__main__ import main
from kondusif.report import archive
from kondusif.timeutil import now


def _user(engine, username: str, role: str, active: bool = True) -> None:
    with store.write(engine) as conn:
        conn.execute(sa.insert(store.users).values(
            username=username, display_name=username, role=role, active=active, created_at=now(),
            kelurahan="16.73.01.1001" if role == "rt" else None, rt=1 if role == "rt" else None))


def test_generate_list_download_verify(demo_engine, db_url, tmp_path, capsys):
    out = tmp_path / "w25.pdf"
    assert main(["--db-url", db_url, "weekly-report", "--week", "2018-W25", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "2018-W25 versi 1 dibuat dan diarsipkan" in said and "DATA SIMULASI" in said
    info, data = archive.load_snapshot(demo_engine, "2018-W25")
    assert out.read_bytes() == data and info.sha256 in said
    assert info.created_by.startswith("cli")
    assert "Senin, 18 Juni 2018" in pdf_text(data)

    # without --out the PDF lands in <data>/snapshots, as the next version
    assert main(["--db-url", db_url, "weekly-report", "--week", "2018W25"]) == 0
    said = capsys.readouterr().out
    assert "versi 2" in said and "laporan-mingguan-2018-W25-v2.pdf" in said

    assert main(["--db-url", db_url, "weekly-report", "--list"]) == 0
    listing = capsys.readouterr().out
    assert "2018-W25" in listing and "2 laporan." in listing

    got = tmp_path / "v1.pdf"
    assert main(["--db-url", db_url, "weekly-report", "--download", "2018-W25", "--version", "1",
                 "--out", str(got)]) == 0
    assert got.read_bytes() == out.read_bytes()

    assert main(["--db-url", db_url, "weekly-report", "--verify", "2018-W25", "--version", "1"]) == 0
    assert "Sama persis" in capsys.readouterr().out


def test_bad_input_is_refused_in_indonesian(engine, db_url, tmp_path, capsys):
    assert main(["--db-url", db_url, "weekly-report", "--week", "2018-W60"]) == 2
    assert "Minggu 60 tidak ada pada tahun 2018" in capsys.readouterr().err
    assert main(["--db-url", db_url, "weekly-report", "--download", "2018-W25", "--out",
                 str(tmp_path / "x.pdf")]) == 1
    assert "tidak ada" in capsys.readouterr().err
    assert main(["--db-url", db_url, "weekly-report", "--download", "2018-W25"]) == 2
    assert "--out" in capsys.readouterr().err
    assert main(["--db-url", db_url, "weekly-report", "--week", "2018-W25", "--max-rows", "0"]) == 2
    assert archive.list_snapshots(engine) == []


def test_existing_file_is_not_overwritten(engine, db_url, tmp_path, capsys):
    out = tmp_path / "ada.pdf"
    out.write_bytes(b"penting")
    assert main(["--db-url", db_url, "weekly-report", "--week", "2018-W25", "--out", str(out)]) == 2
    assert "sudah ada" in capsys.readouterr().err
    assert out.read_bytes() == b"penting" and archive.list_snapshots(engine) == []


def test_as_user_must_be_an_allowed_active_account(engine, db_url, tmp_path, capsys):
    _user(engine, "pejabat1", "pejabat")
    _user(engine, "ketua.rt", "rt")
    _user(engine, "mantan", "admin", active=False)
    args = ["--db-url", db_url, "weekly-report", "--week", "2018-W25"]
    assert main([*args, "--as", "ketua.rt"]) == 2
    assert "tidak berhak" in capsys.readouterr().err
    assert main([*args, "--as", "mantan"]) == 2
    assert "tidak aktif" in capsys.readouterr().err
    assert main([*args, "--as", "siapa"]) == 2
    assert "tidak ada" in capsys.readouterr().err
    assert archive.list_snapshots(engine) == []
    assert main([*args, "--as", "Pejabat1", "--out", str(tmp_path / "p.pdf")]) == 0
    assert archive.list_snapshots(engine)[0].created_by == "pejabat1"
