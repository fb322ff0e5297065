"""AppTest of screens/ruang_pantau.py: counts, scope, no reporter identity for any role, bad URL values."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import signin
from streamlit.testing.v1 import AppTest
from wall_fixtures import ACCOUNT, NAME, OTHER, PHONE

from kondusif import store
from kondusif.model import SYSTEM, Role, Viewer
from kondusif.safe import escape_markdown

ROOT = Path(__file__).resolve().parents[2]
PAGE = "screens/ruang_pantau.py"
VIEWERS = {
    "admin": Viewer("uji-admin", Role.ADMIN, "Admin Uji"),
    "pejabat": Viewer("uji-pejabat", Role.PEJABAT, "Pejabat Uji"),
    "panwaslu": Viewer("uji-panwaslu", Role.PANWASLU, "Panwaslu Uji"),
    "panwascam": Viewer("uji-panwascam", Role.PANWASLU, "Panwascam Uji", kecamatan="16.73.01"),
}
VOTING_DAY = {"segar": "20", "periode": "hari-ini", "per": "2018-06-27"}


def open_wall(viewer: Viewer, params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    signin.sign_in(at, viewer)
    at.run()
    at.switch_page(PAGE).run()
    for key in list(at.query_params):  # the home page put its own filter in the URL
        del at.query_params[key]
    at.query_params.update(params)
    at.run()
    assert not at.exception, at.exception
    return at


def walk(node) -> Iterator:
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from walk(child)


def html_bodies(at: AppTest) -> str:
    return "\n".join(el.proto.body for el in walk(at.main) if type(getattr(el, "proto", None)).__name__ == "Html")


def everything(at: AppTest) -> str:
    """Every element proto the browser would receive (HTML, the map component's script, texts)."""
    return "\n".join(str(el.proto) for root in (at.main, at.sidebar) for el in walk(root)
                     if getattr(el, "proto", None) is not None) + html_bodies(at)


def tile(html: str, label: str) -> str:
    found = re.search(r'<div class="skw-n">([^<]*)</div><div class="skw-l">' + re.escape(label) + "<", html)
    assert found, label
    return found.group(1)


def test_the_wall_shows_the_counts_of_the_day(wall_store):
    at = open_wall(VIEWERS["pejabat"], VOTING_DAY)
    assert not at.error and not at.warning
    html = html_bodies(at)
    # 27/06/2018 WIB: four reports, two berat still 'baru', one of the four simulated.
    assert tile(html, "Laporan") == "4"
    assert tile(html, "Berat belum diverifikasi") == "2"
    assert tile(html, "Kelurahan Rawan") == "0"
    assert "Rabu, 27 Juni 2018 · MEMUTAR ULANG" in html and "otomatis tiap 20 detik" in html
    assert "Campuran data: 1 dari 4 laporan yang tampil adalah SIMULASI" in html
    numbers = set(store.query_incidents(wall_store, None, SYSTEM, columns=["report_no"])["report_no"])
    shown = set(re.findall(r'class="skw-row[^"]*" data-no="([^"]+)"', html))
    assert len(shown) == 4 and shown <= numbers
    # Titles are text: the <b> a reporter typed arrives escaped.
    assert "Amplop 0 &lt;b&gt;tebal&lt;/b&gt;" in html and "<b>tebal</b>" not in html
    # Alerts are for pejabat and panwaslu: the panel is there (none open in this store).
    assert "Tidak ada peringatan yang belum dibaca." in html


@pytest.mark.parametrize("who", ["admin", "panwaslu", "pejabat"])
def test_no_reporter_identity_on_the_wall_whatever_the_role(wall_store, who):
    at = open_wall(VIEWERS[who], VOTING_DAY)
    text = everything(at)
    assert "Amplop 1" in text  # the reports are on the page (the check reads what was sent)
    for secret in (NAME, PHONE, ACCOUNT):
        assert secret not in text, (who, secret)


def test_a_kecamatan_panwaslu_sees_only_its_kecamatan(wall_store):
    at = open_wall(VIEWERS["panwascam"], VOTING_DAY)
    html = html_bodies(at)
    assert tile(html, "Laporan") == "3" and tile(html, "Berat belum diverifikasi") == "1"
    other = set(store.query_incidents(wall_store, store.IncidentQuery.make(kelurahan=OTHER), SYSTEM,
                                      columns=["report_no"])["report_no"])
    assert other and not any(no in everything(at) for no in other)


def test_bad_url_values_are_named_in_indonesian_and_the_defaults_used(wall_store):
    at = open_wall(VIEWERS["pejabat"], {"segar": "cepat", "periode": "bulan-ini"})
    # Shown as Markdown-escaped text (the URL is typed by anyone).
    assert [w.value for w in at.warning] == [escape_markdown(m) for m in (
        "Nilai «segar» (cepat) bukan jumlah detik; dipakai bawaan 30 detik.",
        "Periode «bulan-ini» tidak dikenal; dipakai bawaan «Hari ini» (pilihan: hari-ini, 24j, 7h).",
    )]
    html = html_bodies(at)
    head = re.search(r'<div class="skw-meta">([^<]*)<', html).group(1)
    assert "otomatis tiap 30 detik" in head and head.startswith("Hari ini, "), head


def test_a_database_outage_is_one_indonesian_sentence_and_the_wall_retries(wall_store, monkeypatch):
    import sqlalchemy as sa

    from kondusif.ui import wall as wall_ui

    def down(engine):
        raise sa.exc.OperationalError("SELECT count(*)", {}, Exception("database is locked"))

    monkeypatch.setattr(wall_ui.wall, "data_version", down)
    at = open_wall(VIEWERS["pejabat"], VOTING_DAY)
    assert not at.exception and not at.error
    html = html_bodies(at)
    assert html.count("Basis data sedang sibuk atau tidak dapat dihubungi.") == 2  # both refreshing blocks
    assert "Layar mencoba lagi otomatis tiap 20 detik." in html
