"""`python -m kondusif users set-phone | phones-from-registry`: the RT's SMS number from the command line."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sms_helpers import AIR_KUTI, RT_PHONE, register_rt

from kondusif import store
from kondusif.__main__ import main
from kondusif.sms import senders


def test_set_phone_registers_normalises_and_clears(engine, capsys):
    username = register_rt(engine, phone=None)
    assert main(["users", "set-phone", "--username", username, "--phone", "0812 3456 7890"]) == 0
    assert capsys.readouterr().out.strip() == "Nomor HP SMS akun «rt-1673011001-003»: +6281234567890."
    assert senders.find_sender(engine, RT_PHONE).username == username
    assert main(["users", "set-phone", "--username", "tidak-ada", "--phone", "0812 3456 7891"]) == 2
    assert "Akun «tidak-ada» tidak ditemukan." in capsys.readouterr().err
    assert main(["users", "set-phone", "--username", username, "--phone", "=HYPERLINK()"]) == 2
    assert "bukan nomor telepon" in capsys.readouterr().err
    assert main(["users", "set-phone", "--username", username, "--phone", ""]) == 0
    assert "dihapus" in capsys.readouterr().out
    assert senders.find_sender(engine, RT_PHONE) is None


def test_phones_from_registry_names_what_it_skipped(engine, capsys):
    register_rt(engine, phone=None)
    r = store.rt_units.c
    with store.write(engine) as conn:
        conn.execute(store.rt_units.update().where(r.kode_kelurahan == AIR_KUTI, r.rt.in_([3, 4]))
                     .values(telepon=sa.case((r.rt == 3, "0812-3456-7890"), else_="bukan nomor")))
    assert main(["users", "phones-from-registry"]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == "Nomor HP dari daftar RT: 1 nomor didaftarkan, 0 sudah sama, 1 dilewati."
    assert "Dilewati: RT 004 16.73.01.1001: Nomor HP «bukan nomor»" in captured.err
    assert senders.find_sender(engine, "+6281234567890").kelurahan == AIR_KUTI


def test_phones_from_registry_leaves_out_an_rt_the_official_list_removed(engine, capsys):
    """A removed RT keeps its row (flagged) for history; its phone must not become an SMS sender again."""
    register_rt(engine, phone=None)
    r = store.rt_units.c
    with store.write(engine) as conn:
        conn.execute(store.rt_units.update().where(r.kode_kelurahan == AIR_KUTI, r.rt == 3)
                     .values(telepon="0812-3456-7890", removed_at=datetime(2018, 6, 1, tzinfo=UTC)))
    assert main(["users", "phones-from-registry"]) == 0
    assert "0 nomor didaftarkan" in capsys.readouterr().out
    assert senders.find_sender(engine, "+6281234567890") is None
