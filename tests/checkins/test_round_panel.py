"""Issue 24: the map page replaying voting day shows the round panel; the silent list is one click away,
with the RT head's name and number for Panwaslu only (AppTest)."""

from __future__ import annotations

import signin
from streamlit.testing.v1 import AppTest

from kondusif import registry

from .test_checkins import AIR_KUTI, PANWASLU, PEJABAT, aman, wib


def open_map(viewer) -> AppTest:
    at = AppTest.from_file("../../dashboard.py", default_timeout=90)
    signin.sign_in(at, viewer)  # the real login route and cookie
    at.query_params["per"] = "2018-06-27"
    at.query_params["periode"] = "24j"
    at.run()
    if not any("Peta kondusivitas" in t.value for t in at.title):
        at.switch_page("screens/peta.py")
        at.run()
    assert not at.exception, at.exception
    return at


def test_round_panel_and_silent_list_by_role(engine):
    registry.ensure_rt_registry(engine)
    for rt in (1, 2, 3):
        aman(engine, AIR_KUTI, rt, wib(27, 18, 10), f"r3-{rt}", clock=wib(27, 20))
    at = open_map(PANWASLU)
    info = [i.value for i in at.info if "Putaran 3 (18.00 WIB)" in i.value]
    assert info and "3 dari 522 RT memberi kabar" in info[0] and "72 kelurahan di bawah 75%" in info[0]
    assert any(e.label == "Daftar RT senyap (72 kelurahan)" for e in at.expander)
    tables = [df.value for df in at.dataframe if "Telepon" in df.value.columns]
    assert tables  # Panwaslu can call them
    at = open_map(PEJABAT)
    assert any("Putaran 3 (18.00 WIB)" in i.value for i in at.info)
    assert not [df for df in at.dataframe if "Telepon" in df.value.columns or "Ketua RT" in df.value.columns]
