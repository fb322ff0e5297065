"""Issue 15: the Gerbang SMS page (admin) through the real app (AppTest, routed through dashboard.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import signin
from streamlit.testing.v1 import AppTest

from kondusif import accounts, registry
from kondusif.model import SYSTEM, Role, Viewer, rt_username
from kondusif.sms import senders, smssync

ROOT = Path(__file__).resolve().parents[2]
ADMIN = Viewer("uji-admin", Role.ADMIN, "Admin Uji")
AIR_KUTI = "16.73.01.1001"


def account_picker(at: AppTest):
    """The RT account select box (its key changes with the stored numbers, issue 30.6)."""
    return next(s for s in at.selectbox if s.label == "Akun Ketua RT")


def open_page(viewer: Viewer) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    signin.sign_in(at, viewer)
    at.run()
    at.switch_page("screens/gerbang_sms.py").run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def rt_account(engine) -> str:
    registry.ensure_rt_registry(engine)
    name = rt_username(AIR_KUTI, 3)
    accounts.create_account(engine, SYSTEM, name, Role.RT, "482915", display_name="Pak Rahman",
                            kelurahan=AIR_KUTI, rt=3, must_change=False)
    return name


def test_the_admin_registers_a_ketua_rts_number_as_typed_and_it_is_stored_normalised(engine, rt_account):
    at = open_page(ADMIN)
    assert [m.label for m in at.metric] == ["SMS 1 jam terakhir", "Balasan belum terkirim"] * 2
    account_picker(at).set_value(rt_account).run()
    at.text_input[0].input("0812-3456-7801")
    next(b for b in at.button if b.label == "Simpan nomor").click().run()
    assert not at.exception, at.exception
    assert [s.value for s in at.success] == [f"Nomor +6281234567801 terdaftar untuk {rt_account}."]
    assert senders.find_sender(engine, "+6281234567801").username == rt_account


def test_a_hostile_or_wrong_number_is_refused_in_indonesian_and_nothing_changes(engine, rt_account):
    senders.set_phone(engine, SYSTEM, rt_account, "081234567801")
    at = open_page(ADMIN)
    account_picker(at).set_value(rt_account).run()
    at.text_input[0].input("<script>alert(1)</script>")
    next(b for b in at.button if b.label == "Simpan nomor").click().run()
    assert not at.exception, at.exception
    (error,) = at.error
    assert error.value == ("Nomor tidak disimpan: Nomor HP «\\<script\\>alert\\(1\\)\\<\\/script\\>»\\: bukan nomor "
                           "telepon \\(contoh\\: 0812\\-3456\\-7890 atau \\+6281234567890\\)\\.")  # escaped Markdown
    assert senders.find_sender(engine, "+6281234567801").username == rt_account


def test_the_admin_registers_a_phone_sees_its_secret_once_and_revokes_it_only_when_confirmed(engine):
    at = open_page(ADMIN)
    assert [c.value for c in at.code][0].endswith("/sms/smssync")
    next(t for t in at.text_input if t.label == "Nama ponsel baru").input("posko-setda-1")
    next(b for b in at.button if b.label == "Daftarkan ponsel dan buat rahasianya").click().run()
    assert not at.exception, at.exception
    (phone,) = smssync.list_phones(engine, ADMIN)
    shown = [c.value for c in at.code if c.value.count("-") == 4 and not c.value.startswith("http")]
    assert phone["label"] == "posko-setda-1" and len(shown) == 1
    assert smssync.phone_for_secret(engine, shown[0]).label == "posko-setda-1"
    at.run()  # the next run: the secret is not shown again
    assert shown[0] not in [c.value for c in at.code]
    at.selectbox(key="smssync_cabut_pilih").set_value("posko-setda-1").run()
    assert next(b for b in at.button if b.label == "Cabut").disabled
    at.checkbox(key="smssync_cabut_ok").check().run()
    next(b for b in at.button if b.label == "Cabut").click().run()
    assert not at.exception, at.exception
    assert smssync.phone_for_secret(engine, shown[0]) is None
    assert [s.value for s in at.success] == ["Rahasia ponsel «posko\\-setda\\-1» dicabut."]


@pytest.mark.parametrize("role", [Role.PANWASLU, Role.PEJABAT, Role.RT])
def test_other_roles_opening_the_address_get_no_figures_and_no_secret(engine, role):
    viewer = Viewer(f"uji-{role.value}", role, "Uji", kelurahan=AIR_KUTI if role == Role.RT else None,
                    rt=3 if role == Role.RT else None)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    signin.sign_in(at, viewer)
    at.run()
    at.switch_page("screens/gerbang_sms.py").run()
    assert not at.metric and not at.code
    assert smssync.list_phones(engine, ADMIN) == []
    assert "Gerbang SMS" not in [t.value for t in at.title]


def test_after_saving_a_number_the_account_picker_shows_it(engine, rt_account):
    """Issue 30.6: the picker's label for the account is the new number, not "belum ada nomor"."""
    at = open_page(ADMIN)
    picker = account_picker(at)
    picker.set_value(rt_account).run()
    assert "belum ada nomor" in account_picker(at).format_func(rt_account)
    at.text_input[0].input("0812-3456-7801")
    next(b for b in at.button if b.label == "Simpan nomor").click().run()
    assert not at.exception, at.exception
    picker = account_picker(at)
    assert picker.value == rt_account  # still the account just edited
    assert picker.format_func(rt_account).endswith(" · +6281234567801")
