"""Issue 16 follow-up: the simulated-data banner of the city map says what is in view: nothing over
real reports, a count over a mix, and when only the levels still count simulated reports."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
import signin
from streamlit.testing.v1 import AppTest

from kondusif import simulated, store
from kondusif.model import Incident, Role, Viewer
from kondusif.timeutil import WIB

ROOT = Path(__file__).resolve().parents[2]
PEJABAT = Viewer("uji-pejabat", Role.PEJABAT, "Pejabat Uji")
PANWASLU = Viewer("uji-panwaslu", Role.PANWASLU, "Panwaslu Uji")
PANWASCAM = Viewer("uji-panwascam", Role.PANWASLU, "Panwascam Uji", kecamatan="16.73.01")


def _report(day: int, month: int, source: str, kelurahan: str = "16.73.01.1001") -> Incident:
    return Incident(kode_kelurahan=kelurahan, rt=1, category="kampanye_hitam" if source == "form" else "politik_uang",
                    severity="sedang", title="Uji", source=source,
                    occurred_at=datetime(2018, month, day, 10, 0, tzinfo=WIB))


@pytest.fixture
def mixed_store(engine):
    """Real reports on 27/06 and 20/07/2018; simulated ones on 20/06 (one of them in Utara II)."""
    with store.write(engine) as conn:
        store.insert_incidents(conn, [
            _report(27, 6, "form"), _report(27, 6, "form"),
            _report(20, 6, "simulasi"), _report(20, 6, "simulasi"), _report(20, 6, "simulasi", "16.73.08.1003"),
            _report(20, 7, "form"),
        ])
    return engine


def test_count_in_view_respects_scope_and_the_source_filter(mixed_store):
    june = store.IncidentQuery.make(start=datetime(2018, 6, 1, tzinfo=WIB), end=datetime(2018, 7, 1, tzinfo=WIB))
    assert simulated.count_in_view(mixed_store, june, PEJABAT) == 3
    assert simulated.count_in_view(mixed_store, june, PANWASCAM) == 2  # Utara II is outside Timur I
    only_form = store.IncidentQuery.make(start=june.start, end=june.end, source="form")
    assert simulated.count_in_view(mixed_store, only_form, PEJABAT) == 0


def map_warnings(params: dict[str, str]) -> list[str]:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    signin.sign_in(at, PEJABAT)
    at.query_params.update(params)
    at.run()
    assert not at.exception, at.exception
    assert any("Peta kondusivitas" in t.value for t in at.title)
    return [w.value for w in at.warning]


def workbench_warnings(params: dict[str, str]) -> list[str]:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    signin.sign_in(at, PANWASLU)
    at.run()
    at.switch_page("screens/insiden.py")
    for key in list(at.query_params):
        del at.query_params[key]
    at.query_params.update(params)
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value.startswith("Insiden")
    return [w.value for w in at.warning]


def test_no_simulated_banner_over_real_reports(mixed_store):
    warnings = map_warnings({"periode": "rentang", "dari": "2018-07-20", "sampai": "2018-07-20"})
    assert not any("SIMULASI" in w for w in warnings), warnings


def test_a_mix_is_counted(mixed_store):
    warnings = map_warnings({"periode": "rentang", "dari": "2018-06-20", "sampai": "2018-06-27"})
    assert "Campuran data: 3 dari 5 laporan yang tampil adalah SIMULASI (dibuat program, bukan kejadian nyata); " \
           "sisanya laporan nyata." in warnings


def test_real_reports_whose_levels_count_simulated_ones_say_so(mixed_store):
    warnings = map_warnings({"periode": "rentang", "dari": "2018-06-27", "sampai": "2018-06-27"})
    assert ("Laporan yang tampil semuanya nyata, tetapi tingkat kelurahan ikut menghitung 3 laporan SIMULASI "
            "dari hari-hari sebelumnya.") in warnings


def test_the_workbench_banner_too(mixed_store):
    real = workbench_warnings({"periode": "rentang", "dari": "2018-07-20", "sampai": "2018-07-20"})
    assert not any("SIMULASI" in w for w in real), real
    mix = workbench_warnings({"periode": "rentang", "dari": "2018-06-20", "sampai": "2018-06-27"})
    assert "Campuran data: 3 dari 5 laporan yang tampil adalah SIMULASI (dibuat program, bukan kejadian nyata); " \
           "sisanya laporan nyata." in mix
