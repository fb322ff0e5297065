"""Issue 31.1: the official RT list from Bagian Pemerintahan replaces the shipped sample.

Files are written by hand as the office keeps them (title rows, `;`, BOM, "RT 003",
spelling variants, Excel numbers); expected rows, row numbers and counts come from
reading those files, not from the code.
"""

from __future__ import annotations

import io
import sys

import openpyxl
import pytest
import sqlalchemy as sa

from kondusif import accounts, checkins, registry, store
from kondusif.__main__ import main
from kondusif.errors import KondusifError, NotPermitted
from kondusif.model import SYSTEM, Category, Incident, Role, Severity, Viewer, rt_username
from lubuklinggau_geo import rt as geo_rt

AIR_KUTI = "16.73.01.1001"


OFFICIAL_CSV = (
    "\ufeffDAFTAR NAMA KETUA RT SE-KOTA LUBUKLINGGAU\n"
    "Bagian Pemerintahan Setda\n"
    "\n"
    "No;Kelurahan;No. RT;Nama Ketua RT;No. HP\n"
    "1;Air Kuti;RT 001;Harun Rasyid;0812-3456-7001\n"
    "2;Kel. Air Kuti;002;Sari Wulandari;\n"
    "3;Air Kuti;099;Amir Hamzah;81234567099\n"
    "4;16.73.01.1001;3;Budi Santoso;+62 812 3456 7003\n"
)
ADMIN = Viewer("operator", Role.ADMIN)


def run(args: list[str], stdin: str = "") -> int:
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        return main(args)
    finally:
        sys.stdin = old


def _official(engine, text: str = OFFICIAL_CSV, name: str = "daftar-rt.csv") -> registry.ApplyOutcome:
    return registry.apply_official(engine, ADMIN, registry.read_official(text.encode("utf-8"), name))


def _audit_rows(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(store.audit_log)
                            .where(store.audit_log.c.entity == "rt_registry")).scalar_one()


def test_the_office_csv_is_read_with_its_title_rows_bom_and_rt_spellings():
    parsed = registry.read_official(OFFICIAL_CSV.encode("utf-8"), "daftar-rt.csv")
    assert parsed.errors == []
    got = parsed.frame.sort_values("rt")
    assert list(got["kode_kelurahan"]) == [AIR_KUTI] * 4
    assert list(got["rt"]) == [1, 2, 3, 99]
    assert list(got["nama_ketua"]) == ["Harun Rasyid", "Sari Wulandari", "Budi Santoso", "Amir Hamzah"]
    assert list(got["telepon"]) == ["+6281234567001", None, "+6281234567003", "+6281234567099"]
    assert not got["contoh"].any()


def test_row_errors_name_the_spreadsheet_row_and_the_files_own_column():
    text = OFFICIAL_CSV + "5;Kelurahan Antah;4;Fulan;\n6;Air Kuti;RT nol;Fulan;\n7;Air Kuti;5;Fulan;12ab\n"
    parsed = registry.read_official(text.encode("utf-8"), "daftar-rt.csv")
    got = [(e.baris, e.kolom) for e in parsed.errors]
    # title, subtitle, blank, header = rows 1-4; data starts on row 5, so the bad rows are 9, 10, 11
    assert got == [(9, "Kelurahan"), (10, "No. RT"), (11, "No. HP")]
    assert "Kelurahan Antah" in parsed.errors[0].pesan and "tidak dikenal" in parsed.errors[0].pesan
    assert "bukan nomor telepon" in parsed.errors[2].pesan


def test_comma_separated_with_a_spelling_variant_of_the_kelurahan():
    from lubuklinggau_geo import names

    official = names.find_kelurahan("Cereme Taba")
    text = "kelurahan,rt,nama ketua,telepon\nCeremeh Tabah,4,Pak Darman,0813 7000 1234\n"
    parsed = registry.read_official(text.encode("utf-8"), "rt.csv")
    assert parsed.errors == []
    assert parsed.frame.iloc[0]["kode_kelurahan"] == official and parsed.frame.iloc[0]["rt"] == 4
    assert parsed.frame.iloc[0]["telepon"] == "+6281370001234"


def test_xlsx_with_header_variants_and_numbers_excel_made_of_phones(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Daftar Ketua RT 2018"])
    sheet.append(["NO", "KODE KELURAHAN", "NOMOR RT", "NAMA", "NO HP/WA"])
    sheet.append([1, "1673011001", 1, "Harun Rasyid", 81234567001])  # Excel dropped the leading 0
    sheet.append([2, "1673011001", "002", "Sari Wulandari", None])
    buf = io.BytesIO()
    book.save(buf)
    parsed = registry.read_official(buf.getvalue(), "Daftar RT.xlsx")
    assert parsed.errors == []
    assert list(parsed.frame["rt"]) == [1, 2]
    assert list(parsed.frame["telepon"]) == ["+6281234567001", None]


def test_a_file_without_a_kelurahan_and_rt_heading_is_named_not_guessed():
    with pytest.raises(registry.RegistryFileError, match="Baris judul tidak ditemukan"):
        registry.read_official(b"nama;alamat\nHarun;Jl. Yos Sudarso\n", "salah.csv")
    with pytest.raises(registry.RegistryFileError, match="bukan berkas Excel"):
        registry.read_official(b"not a zip", "rusak.xlsx")


def test_the_official_list_replaces_the_sample_and_the_label_goes(engine):
    registry.ensure_rt_registry(engine)
    assert registry.registry_is_sample(registry.rt_registry(engine))
    out = _official(engine)
    assert out.applied and out.diff.replaces_sample
    reg = registry.rt_registry(engine)
    assert not registry.registry_is_sample(reg) and not geo_rt.is_sample(reg)
    assert sorted(zip(reg["kode_kelurahan"], reg["rt"], strict=True)) == [(AIR_KUTI, n) for n in (1, 2, 3, 99)]
    # the sample's invented RTs nobody used are gone; only the four official rows are stored
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(store.rt_units)).scalar_one() == 4


def test_rt_99_gets_an_account_once_the_official_list_has_it(engine, tmp_path, capsys):
    """Fails on the code before issue 31: no `rt impor`, and RT 99 is outside the sample."""
    registry.ensure_rt_registry(engine)
    assert run(["users", "create", "--username", "rt99", "--role", "rt", "--kelurahan", "Air Kuti",
                "--rt", "99"], "482913\n") == 2
    assert "tidak ada di daftar RT" in capsys.readouterr().err
    path = tmp_path / "daftar-rt.csv"
    path.write_text(OFFICIAL_CSV, encoding="utf-8")
    assert run(["rt", "impor", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Daftar RT resmi diterapkan" in out and "RT 099 Kel. Air Kuti" in out
    assert run(["users", "create", "--username", "rt99", "--role", "rt", "--kelurahan", "Air Kuti",
                "--rt", "99"], "482913\n") == 0
    assert accounts.get_account(engine, ADMIN, "rt99")["rt"] == 99


def test_reimporting_the_same_file_changes_nothing(engine, tmp_path, capsys):
    registry.ensure_rt_registry(engine)
    path = tmp_path / "daftar-rt.csv"
    path.write_text(OFFICIAL_CSV, encoding="utf-8")
    assert run(["rt", "impor", str(path)]) == 0
    audits = _audit_rows(engine)
    with engine.connect() as conn:
        before = conn.execute(sa.select(store.rt_units).order_by("kode_kelurahan", "rt")).fetchall()
    capsys.readouterr()
    assert run(["rt", "impor", str(path)]) == 0
    assert "Tidak ada perubahan" in capsys.readouterr().out
    assert _audit_rows(engine) == audits
    with engine.connect() as conn:
        assert conn.execute(sa.select(store.rt_units).order_by("kode_kelurahan", "rt")).fetchall() == before


def test_a_list_with_row_errors_is_refused_whole(engine, tmp_path, capsys):
    registry.ensure_rt_registry(engine)
    path = tmp_path / "daftar-rt.csv"
    path.write_text(OFFICIAL_CSV + "5;Air Kuti;;Tanpa Nomor;\n", encoding="utf-8")
    assert run(["rt", "impor", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Baris 9, kolom No. RT: wajib diisi" in err and "TIDAK diterapkan" in err
    assert registry.registry_is_sample(registry.rt_registry(engine))  # the list in use is untouched
    with pytest.raises(KondusifError, match="Daftar tidak diterapkan"):
        registry.apply_official(engine, ADMIN, registry.read_official(path.read_bytes(), path.name))


def test_preview_names_added_removed_renamed_and_new_phones(engine):
    registry.ensure_rt_registry(engine)
    _official(engine)
    newer = (
        "Kelurahan;RT;Nama Ketua;Telepon\n"
        "Air Kuti;1;Harun Rasyid;0812-3456-7001\n"  # unchanged
        "Air Kuti;2;Siti Aminah;0812-3456-7002\n"  # new head, first phone
        "Air Kuti;3;Budi Santoso;0812-3456-7003\n"  # unchanged
        "Air Kuti;4;Joko Susilo;\n"  # new RT
    )  # RT 99 is gone
    diff = registry.preview_official(engine, ADMIN, registry.read_official(newer.encode(), "baru.csv"))
    assert not diff.replaces_sample
    assert diff.added == [(AIR_KUTI, 4)]
    assert [(r.kode_kelurahan, r.rt) for r in diff.removed] == [(AIR_KUTI, 99)]
    assert diff.renamed == [(AIR_KUTI, 2, "Sari Wulandari", "Siti Aminah")]
    assert diff.new_phones == [(AIR_KUTI, 2, "+6281234567002")]


def test_an_rt_the_new_list_drops_keeps_its_reports_and_account_flagged(engine):
    registry.ensure_rt_registry(engine)
    _official(engine)
    accounts.create_account(engine, SYSTEM, "rt99", Role.RT, "482913", kelurahan="Air Kuti", rt=99)
    with store.write(engine) as conn:
        store.insert_incidents(conn, [Incident(
            kode_kelurahan=AIR_KUTI, rt=99, category=Category.POLITIK_UANG, severity=Severity.SEDANG,
            title="Amplop", occurred_at=registry.now())])
    checkins.record_checkin(engine, SYSTEM, kelurahan=AIR_KUTI, rt=99, channel="cli", source_ref="uji-aman-99")
    without_99 = "\n".join(line for line in OFFICIAL_CSV.splitlines() if ";099;" not in line) + "\n"
    out = _official(engine, without_99)
    assert out.applied
    assert [(r.rt, r.reports, r.checkins, r.accounts) for r in out.diff.removed] == [(99, 1, 1, 1)]
    assert 99 not in set(registry.rt_registry(engine)["rt"])
    removed = registry.removed_rts(engine, ADMIN)
    assert list(removed["rt"]) == [99] and removed["removed_at"].notna().all()
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(store.incidents)
                            .where(store.incidents.c.rt == 99)).scalar_one() == 1
        assert conn.execute(sa.select(sa.func.count()).select_from(store.checkins)
                            .where(store.checkins.c.rt == 99)).scalar_one() == 1
    assert accounts.get_account(engine, ADMIN, "rt99") is not None
    # back on the list: unflagged, same row
    assert _official(engine).diff.added == [(AIR_KUTI, 99)]
    assert registry.removed_rts(engine, ADMIN).empty


def test_bulk_rt_accounts_follow_the_official_list(engine):
    registry.ensure_rt_registry(engine)
    _official(engine)
    plan = accounts.plan_rt_accounts(engine)
    assert sorted(c.username for c in plan.credentials) == sorted(
        rt_username(AIR_KUTI, n) for n in (1, 2, 3, 99))
    assert not plan.sample_registry and all(len(c.pin) == 6 for c in plan.credentials)


def test_only_the_admin_loads_the_list(engine):
    parsed = registry.read_official(OFFICIAL_CSV.encode(), "daftar-rt.csv")
    for role in (Role.PEJABAT, Role.PANWASLU):
        with pytest.raises(NotPermitted):
            registry.apply_official(engine, Viewer("x", role), parsed)
        with pytest.raises(NotPermitted):
            registry.preview_official(engine, Viewer("x", role), parsed)
        with pytest.raises(NotPermitted):
            registry.removed_rts(engine, Viewer("x", role))


def _section_script():
    from kondusif import store
    from kondusif.model import Role, Viewer
    from kondusif.ui.rt_registry import render_registry_section

    render_registry_section(store.get_engine(), Viewer("operator", Role.ADMIN))


def test_admin_section_creates_the_rt_accounts_of_the_official_list_and_offers_pins_once(engine, monkeypatch):
    from argon2 import PasswordHasher
    from streamlit.testing.v1 import AppTest

    from kondusif.accounts import auth

    monkeypatch.setattr(auth, "HASHER", PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1))
    registry.ensure_rt_registry(engine)
    at = AppTest.from_function(_section_script, default_timeout=60).run()
    assert not at.exception, at.exception
    assert any("daftar RT CONTOH" in i.value for i in at.info)
    _official(engine)
    at.run()
    assert not any("CONTOH" in i.value for i in at.info)
    assert any("Daftar RT resmi dipakai: 4 RT di 1 kelurahan" in c.value for c in at.caption)
    button = next(b for b in at.button if b.label == "Buat 4 akun RT")
    button.click().run()
    assert not at.exception, at.exception
    assert any("4 akun RT dibuat" in s.value for s in at.success)
    made = accounts.list_accounts(engine, ADMIN, Role.RT)
    assert sorted(made["username"]) == sorted(rt_username(AIR_KUTI, n) for n in (1, 2, 3, 99))
    assert made["must_change"].all()
    at.run()  # the PINs are not offered a second time
    assert not any("akun RT dibuat" in s.value for s in at.success)
    assert any(b.label == "Buat 0 akun RT" and b.disabled for b in at.button)


def test_control_characters_in_a_cell_never_reach_the_terminal():
    text = "Kelurahan;RT;Nama Ketua\nAir Kuti;1;Harun\x1b[2J\x07 Rasyid\n"
    parsed = registry.read_official(text.encode("utf-8"), "rt.csv")
    assert parsed.errors == [] and parsed.frame.iloc[0]["nama_ketua"] == "Harun [2J Rasyid"


def test_two_operators_applying_the_same_list_at_once_change_it_once(engine):
    """Two racers released together by a barrier: one applies the list, the other finds nothing to do."""
    import threading

    registry.ensure_rt_registry(engine)
    parsed = registry.read_official(OFFICIAL_CSV.encode("utf-8"), "daftar-rt.csv")
    before = _audit_rows(engine)
    barrier = threading.Barrier(2)
    outcomes: list[registry.ApplyOutcome] = []
    failures: list[BaseException] = []

    def racer() -> None:
        barrier.wait()
        try:
            outcomes.append(registry.apply_official(engine, ADMIN, parsed))
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=racer) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    assert failures == []
    assert sorted(o.applied for o in outcomes) == [False, True]
    assert _audit_rows(engine) == before + 1
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(store.rt_units)).scalar_one() == 4


def test_a_huge_csv_is_refused_before_it_is_read_row_by_row():
    """attack: a 50 MB upload (the page's limit) of RT rows held the server for minutes and gigabytes.

    Lubuklinggau has about a thousand RT; a file of 100 000 rows is not an RT list.
    """
    data = b"Kelurahan;No. RT\n" + b"Air Kuti;1\n" * 100_000
    with pytest.raises(registry.RegistryFileError, match="terlalu"):
        registry.read_official(data, "besar.csv")


def test_a_small_xlsx_that_unpacks_to_a_huge_sheet_is_refused(tmp_path):
    """attack: an XLSX compresses 100 000 rows into a few hundred KB; the row cap stops it too."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["Kelurahan", "No. RT"])
    for _ in range(100_000):
        sheet.append(["Air Kuti", 1])
    path = tmp_path / "bom.xlsx"
    book.save(path)
    with pytest.raises(registry.RegistryFileError, match="terlalu"):
        registry.read_official(path.read_bytes(), "bom.xlsx")


def test_a_huge_csv_on_one_line_or_with_old_mac_line_ends_is_refused_too():
    """attack: the row count alone missed a file of CR line ends or one endless line."""
    for data in (b"Kelurahan;No. RT\r" + b"Air Kuti;1\r" * 100_000,
                 b"Kelurahan;No. RT\n" + b"Air Kuti;1;" * 500_000):
        with pytest.raises(registry.RegistryFileError, match="terlalu"):
            registry.read_official(data, "besar.csv")


def _hostile_name_script():
    from kondusif import store
    from kondusif.model import Role, Viewer
    from kondusif.ui import rt_registry

    rt_registry._preview_and_apply(store.get_engine(), Viewer("operator", Role.ADMIN), b"bukan daftar",
                                   "[klik](https://jahat.example)**tebal**.csv")


def test_an_unreadable_file_is_named_without_rendering_its_name_as_markdown(engine):
    """attack: the uploaded file's name went into st.error unescaped: a link and bold text on the admin page."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_hostile_name_script, default_timeout=60).run()
    assert not at.exception, at.exception
    shown = at.error[0].value
    assert "Baris judul tidak ditemukan" in shown
    assert "](https" not in shown and "**tebal**" not in shown
