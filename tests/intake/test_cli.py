"""python -m kondusif import / import-chat."""

from __future__ import annotations

import csv
import io
import json

import sqlalchemy as sa
from intake_helpers import FIXTURES

from kondusif import store
from kondusif.__main__ import main


def n(engine, table=store.incidents) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar())


def run(db_url, *args) -> int:
    return main(["--db-url", db_url, *map(str, args)])


def test_import_reports_counts_and_reimport_adds_nothing(store_engine, db_url, capsys, tmp_path):
    out_csv = tmp_path / "ditolak.csv"
    assert run(db_url, "import", FIXTURES / "kobo.csv", "--rejects", out_csv) == 0
    out = capsys.readouterr().out
    assert "tata letak: KoboToolbox" in out and "10 = 6 diimpor + 3 ditolak + 1 sudah ada" in out
    assert "RT contoh  : 1 baris baik dengan RT yang tidak ada di daftar contoh (tetap diimpor, ditandai): baris 8" in out
    rows = list(csv.reader(io.StringIO(out_csv.read_text(encoding="utf-8-sig")), delimiter=";"))
    assert [r[0] for r in rows[1:]] == ["7", "9", "10"]
    assert run(db_url, "import", FIXTURES / "kobo.csv") == 0
    assert "10 = 0 diimpor + 3 ditolak + 7 sudah ada" in capsys.readouterr().out
    assert n(store_engine) == 6


def test_dry_run_writes_nothing(store_engine, db_url, capsys):
    assert run(db_url, "import", FIXTURES / "ushahidi.csv", "--dry-run") == 0
    assert "6 = 3 akan diimpor + 3 ditolak + 0 sudah ada" in capsys.readouterr().out
    assert n(store_engine) == 0


def test_mapping_options_and_remembered_mapping(store_engine, db_url, capsys, tmp_path):
    f = FIXTURES / "unmapped.csv"
    assert run(db_url, "import", f) == 1
    err = capsys.readouterr().err
    assert "belum dipetakan" in err and "Kapan, Dimana" in err
    mapping = tmp_path / "peta.json"
    mapping.write_text(json.dumps({"waktu": "Kapan", "kelurahan": "Dimana", "kategori": "Apa", "uraian": "Cerita"}))
    assert run(db_url, "import", f, "--mapping", mapping, "--map", "rt=No", "--map", "tingkat=Seberapa") == 0
    assert "3 = 3 diimpor + 0 ditolak" in capsys.readouterr().out
    assert run(db_url, "import", f, "--dry-run") == 0  # the mapping was remembered for these headers
    assert "pemetaan tersimpan" in capsys.readouterr().out
    assert run(db_url, "import", f, "--map", "warna=Apa") == 2


def test_refused_files_and_unknown_user(store_engine, db_url, capsys):
    assert run(db_url, "import", FIXTURES / "garbage.csv") == 1
    assert "bukan teks CSV" in capsys.readouterr().err
    assert run(db_url, "import", FIXTURES / "kobo.csv", "--as", "siapa") == 2
    assert "tidak ada" in capsys.readouterr().err
    assert n(store_engine) == 0


def test_import_as_a_user(store_engine, db_url, capsys):
    from kondusif.timeutil import now

    with store.write(store_engine) as conn:
        conn.execute(store.users.insert().values(username="rt-x", role="rt", created_at=now(), active=True))
        conn.execute(store.users.insert().values(username="panwas-u2", role="panwaslu", kecamatan="16.73.08",
                                                 created_at=now(), active=True))
    assert run(db_url, "import", FIXTURES / "plain_utf8_comma.csv", "--as", "rt-x") == 2
    assert run(db_url, "import", FIXTURES / "plain_utf8_comma.csv", "--as", "panwas-u2") == 0
    out = capsys.readouterr().out
    assert "10 = 1 diimpor" in out and "di luar wilayah Anda" in out
    with store_engine.connect() as conn:
        assert conn.execute(sa.select(store.incidents.c.created_by)).scalars().all() == ["panwas-u2"]


def test_import_chat(store_engine, db_url, capsys):
    assert run(db_url, "import-chat", FIXTURES / "wa_android.txt") == 0
    out = capsys.readouterr().out
    assert "WhatsApp (Android)" in out
    assert "Grup       : «RT se-Kel. Air Kuti» -> Kelurahan Air Kuti (ganti dengan --kelurahan)" in out
    assert "18 = 6 diimpor + 1 ke antrean tinjauan + 11 ditolak + 0 sudah ada" in out
    assert run(db_url, "import-chat", FIXTURES / "wa_android.txt") == 0
    assert "18 = 0 diimpor + 0 ke antrean tinjauan + 11 ditolak + 7 sudah ada" in capsys.readouterr().out
    assert run(db_url, "import-chat", FIXTURES / "sms.txt", "--channel", "sms", "--kelurahan", "air kuti") == 0
    assert "9 = 3 diimpor + 2 ke antrean tinjauan + 3 ditolak + 1 sudah ada" in capsys.readouterr().out
    assert run(db_url, "import-chat", FIXTURES / "kobo.csv") == 1
    assert n(store_engine, store.review_queue) == 1 + 2
