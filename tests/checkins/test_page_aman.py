"""Issue 24: the RT page's "Lingkungan aman" button (AppTest): confirm, one check-in per confirmation."""

from __future__ import annotations

from pathlib import Path

import signin
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from kondusif import registry, store
from kondusif.model import Role, Viewer

SESSION_ENDED = "Sesi Anda berakhir (keluar di perangkat lain, atau akun diubah operator). Silakan masuk lagi."
DASHBOARD = str(Path(__file__).resolve().parents[2] / "dashboard.py")
RT3 = Viewer("rt-1673011001-003", Role.RT, "Pak Rahman", kelurahan="16.73.01.1001", rt=3)
PANWASLU = Viewer("panwaslu-kota", Role.PANWASLU, "Panwaslu Kota")


def open_form(viewer: Viewer) -> AppTest:
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    signin.sign_in(at, viewer)  # the real login route and cookie
    at.run()
    at.switch_page("screens/lapor.py")
    at.run()
    assert not at.exception
    return at


def click(at: AppTest, label: str) -> None:
    next(b for b in at.button if b.label == label).click()
    at.run()
    assert not at.exception


def checkins(engine):
    c = store.checkins.c
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(c.kode_kelurahan, c.rt, c.channel, c.account))]


def test_lingkungan_aman_confirms_rt_and_records_once(engine):
    registry.ensure_rt_registry(engine)
    at = open_form(RT3)
    assert "Laporan aman terakhir: belum pernah" in " ".join(m.value for m in at.markdown)
    assert {"Lingkungan aman", "Kirim laporan"} <= {b.label for b in at.button}
    click(at, "Lingkungan aman")
    assert "Kirim laporan AMAN untuk RT 03 Kelurahan Air Kuti?" in at.warning[0].value
    assert checkins(engine) == []  # nothing before the confirmation
    token = at.session_state["aman_token"]
    click(at, "Ya, lingkungan aman")
    assert at.success[0].value.startswith("Laporan AMAN RT 03 Air Kuti pukul ")
    assert checkins(engine) == [("16.73.01.1001", 3, "form", "rt-1673011001-003")]
    assert "belum pernah" not in " ".join(m.value for m in at.markdown)
    # the same confirmation sent again (a double tap that reached the server twice) adds nothing
    at.session_state["aman_token"] = token
    at.run()
    click(at, "Ya, lingkungan aman")
    assert len(checkins(engine)) == 1


def test_cancel_records_nothing_and_other_roles_see_no_button(engine):
    registry.ensure_rt_registry(engine)
    at = open_form(RT3)
    click(at, "Lingkungan aman")
    click(at, "Batal")
    assert checkins(engine) == [] and "Lingkungan aman" in {b.label for b in at.button}
    at = open_form(PANWASLU)
    assert "Lingkungan aman" not in {b.label for b in at.button}


def test_an_account_deactivated_before_the_confirmation_records_nothing(engine):
    """Found by attack8: the confirmation's click callback ran before the session check, with the viewer
    of the last run, so a deactivated RT account still recorded a check-in from a tab left open."""
    from kondusif.accounts import admin
    from kondusif.model import SYSTEM

    registry.ensure_rt_registry(engine)
    at = open_form(RT3)
    click(at, "Lingkungan aman")
    admin.set_active(engine, SYSTEM, RT3.username, False)
    click(at, "Ya, lingkungan aman")
    assert checkins(engine) == []
    assert [i.value for i in at.info] == [SESSION_ENDED]  # the sign-in page says why
