"""Issue 26: the light RT page /rt/ and its JSON API, called as ASGI like uvicorn does.

Sign-in goes through the app's own POST /sesi/masuk; reports and check-ins through the
same domain paths as the Streamlit form. Expected values are written from the domain:
the RT account of Air Kuti (16.73.01.1001) RT 03 files for that RT only.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from kondusif import accounts, registry, store
from kondusif.accounts import auth
from kondusif.login_throttle import StoreAddressThrottle
from kondusif.model import SYSTEM, Role
from kondusif.web import routes as web_routes
from kondusif.web import rtpage
from tests.rtpage.asgi import ORIGIN, Browser, build_app, multipart

AIR_KUTI = "16.73.01.1001"
PIN = "482915"
STAFF_PASSWORD = "Rahasia-kota-9-panjang"


@pytest.fixture
def app(engine, monkeypatch):
    monkeypatch.setattr(web_routes, "THROTTLE", StoreAddressThrottle(engine, max_failures=3))
    registry.ensure_rt_registry(engine)
    accounts.create_account(engine, SYSTEM, "rt-airkuti-3", Role.RT, PIN, display_name="Pak Rahman",
                            kelurahan=AIR_KUTI, rt=3, must_change=False)
    accounts.create_account(engine, SYSTEM, "rt-airkuti-4", Role.RT, PIN, display_name="Bu Sari",
                            kelurahan=AIR_KUTI, rt=4, must_change=False)
    accounts.create_account(engine, SYSTEM, "panwas", Role.PANWASLU, STAFF_PASSWORD, must_change=False)
    return build_app()


def signed_in(app, username="rt-airkuti-3") -> tuple[Browser, dict]:
    phone = Browser(app)
    assert phone.login(username, PIN) == (303, "/rt/")
    status, me = phone.get_json("/rt/api/saya")
    assert status == 200 and me["masuk"] is True
    return phone, me


def report_fields(key: str, **over: str) -> dict[str, str]:
    stamp = str(int(datetime.now(UTC).timestamp() * 1000))
    fields = {"kunci": key, "kategori": "politik_uang", "tingkat": "sedang", "judul": "Amplop dibagikan",
              "uraian": "Dua orang membagikan amplop di pos ronda.", "dibuat": stamp, "dikirim": stamp}
    fields.update(over)
    return fields


def incidents(engine) -> list[tuple]:
    c = store.incidents.c
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(c.report_no, c.kode_kelurahan, c.rt, c.source))]


def checkin_rows(engine) -> list[tuple]:
    c = store.checkins.c
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(c.kode_kelurahan, c.rt, c.channel, c.account))]


def test_an_rt_signing_in_on_the_main_page_lands_on_rt_and_staff_keep_their_page(app):
    assert Browser(app).login("rt-airkuti-3", PIN, next_path="/") == (303, "/rt/")
    assert Browser(app).login("panwas", STAFF_PASSWORD, next_path="/insiden") == (303, "/insiden")
    assert Browser(app).login("panwas", STAFF_PASSWORD, next_path="/") == (303, "/")
    # a deep link to a Streamlit screen is kept, for an RT too
    assert Browser(app).login("rt-airkuti-3", PIN, next_path="/lapor") == (303, "/lapor")
    # a wrong PIN comes back to the RT page with the app's own flag and message
    phone = Browser(app)
    assert phone.login("rt-airkuti-3", "000000") == (303, "/rt/?masuk=gagal")
    assert phone.cookie is None
    assert phone.get_json("/rt/api/saya?masuk=gagal")[1]["pesan"] == auth.LOGIN_FAILED


def test_the_same_throttle_as_the_app_blocks_the_rt_page(app):
    phone = Browser(app, peer="10.7.7.7")
    for _ in range(3):
        phone.login("rt-airkuti-3", "111111")
    assert phone.login("rt-airkuti-3", PIN) == (303, "/rt/?masuk=dibatasi")
    assert phone.cookie is None


def test_the_page_is_plain_files_with_a_strict_policy(app):
    status, headers, body = Browser(app).request("GET", "/rt/")
    assert status == 200 and headers["content-type"][0].startswith("text/html")
    csp = headers["content-security-policy"][0]
    directives = dict(d.split(" ", 1) for d in csp.split("; "))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert "unsafe" not in csp and directives["frame-ancestors"] == "'none'"
    html = body.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)  # every script is a file
    assert " style=" not in html and "<style" not in html
    for label in ("Nama pengguna", ">PIN<", ">Masuk<", "Kategori", "Tingkat", "Judul singkat", "Uraian",
                  "Kirim laporan", "Lingkungan aman", "Laporan saya"):
        assert label in html
    for name in ("rt.js", "rt.css", "sw.js", "manifest.webmanifest", "ikon-192.png"):
        got = Browser(app).request("GET", "/rt/" + name)
        assert got[0] == 200, name
        assert "'unsafe-inline'" not in got[1]["content-security-policy"][0]
        if not name.endswith(".png"):
            assert not re.search(r"https?://", got[2].decode()), f"{name} names another host"
    assert Browser(app).request("GET", "/rt/../app.py")[0] == 404
    assert Browser(app).request("GET", "/rt/index.html.bak")[0] == 404


def test_a_report_is_filed_once_and_listed_with_its_status(app, engine):
    phone, me = signed_in(app)
    assert me["tempat"] == "RT 03 Kelurahan Air Kuti"
    assert {"nilai": "politik_uang", "label": "Politik uang"} in me["kategori"]
    key = me["kunci"][0]
    status, out = phone.post("/rt/api/lapor", report_fields(key), csrf=me["csrf"])
    assert status == 200 and out["ok"] and out["baru"] is True
    number = out["nomor"]
    assert number.startswith("LLG-")
    assert incidents(engine) == [(number, AIR_KUTI, 3, "form")]
    # the phone did not hear the answer and sends again: the same number, nothing new
    status, again = phone.post("/rt/api/lapor", report_fields(key), csrf=me["csrf"])
    assert status == 200 and again["nomor"] == number and again["baru"] is False
    assert len(incidents(engine)) == 1
    mine = phone.get_json("/rt/api/saya")[1]["laporan"]
    assert [(r["nomor"], r["status"]) for r in mine] == [(number, "Baru")]


def test_bad_fields_come_back_named_and_nothing_is_stored(app, engine):
    phone, me = signed_in(app)
    status, out = phone.post("/rt/api/lapor", report_fields(me["kunci"][0], kategori="", judul=""), csrf=me["csrf"])
    assert status == 422 and out["ok"] is False
    assert out["galat"]["category"][0].startswith("Kategori: ")
    assert out["galat"]["title"][0].startswith("Judul: ")
    assert incidents(engine) == []


def test_a_forged_or_another_accounts_key_is_refused(app, engine):
    phone, me = signed_in(app)
    other, other_me = signed_in(app, "rt-airkuti-4")
    forged = "rt1.0123456789ab." + "0" * 32
    for key in (forged, other_me["kunci"][0], "sembarang", ""):
        status, out = phone.post("/rt/api/lapor", report_fields(key), csrf=me["csrf"])
        assert status == 403 and out["pesan"] == rtpage.BAD_KEY
        status, out = phone.post("/rt/api/aman", {"kunci": key}, csrf=me["csrf"])
        assert status == 403
    assert incidents(engine) == [] and checkin_rows(engine) == []


def test_posts_need_this_site_and_the_cookie_hmac(app, engine):
    phone, me = signed_in(app)
    fields = report_fields(me["kunci"][0])
    assert phone.post("/rt/api/lapor", fields, csrf=None)[0] == 403
    assert phone.post("/rt/api/lapor", fields, csrf="0" * 64)[0] == 403
    assert phone.post("/rt/api/lapor", fields, csrf=me["csrf"], origin="http://penyerang.test")[0] == 403
    assert phone.post("/rt/api/lapor", fields, csrf=me["csrf"], origin=None)[0] == 403
    stranger = Browser(app)
    assert stranger.post("/rt/api/lapor", fields, csrf=me["csrf"])[0] == 401
    assert incidents(engine) == []


def test_staff_accounts_are_refused_by_the_rt_api(app, engine):
    staff = Browser(app)
    staff.login("panwas", STAFF_PASSWORD, next_path="/")
    status, me = staff.get_json("/rt/api/saya")
    assert me["bukan_rt"] is True and "kunci" not in me
    from kondusif.accounts import auth_tokens

    csrf = auth_tokens.csrf_for(staff.cookie)
    status, out = staff.post("/rt/api/lapor", report_fields(rtpage.issue_keys("panwas", 1)[0]), csrf=csrf)
    assert status == 403 and out["pesan"] == rtpage.NOT_RT
    assert incidents(engine) == []


def test_a_wrong_phone_clock_does_not_move_the_report_time(app, engine):
    phone, me = signed_in(app)
    # the phone's clock runs 7 hours ahead; the report was made 20 minutes before it was sent
    phone_now = datetime.now(UTC) + timedelta(hours=7)
    made = phone_now - timedelta(minutes=20)
    before = datetime.now(UTC)
    fields = report_fields(me["kunci"][0], dibuat=str(int(made.timestamp() * 1000)),
                           dikirim=str(int(phone_now.timestamp() * 1000)))
    status, out = phone.post("/rt/api/lapor", fields, csrf=me["csrf"])
    after = datetime.now(UTC)
    assert status == 200, out
    with engine.connect() as conn:
        stored = conn.execute(sa.select(store.incidents.c.occurred_at)).scalar_one()
    stored = stored if stored.tzinfo else stored.replace(tzinfo=UTC)
    assert before - timedelta(minutes=20, seconds=61) <= stored <= after - timedelta(minutes=19)
    # held on the phone for four days: refused with a message, nothing stored
    made = phone_now - timedelta(days=4)
    fields = report_fields(me["kunci"][1], dibuat=str(int(made.timestamp() * 1000)),
                           dikirim=str(int(phone_now.timestamp() * 1000)))
    status, out = phone.post("/rt/api/lapor", fields, csrf=me["csrf"])
    assert status == 422 and "tertahan di ponsel lebih dari 3 hari" in out["pesan"]
    assert len(incidents(engine)) == 1


def test_corrected_time_never_lies_in_the_future():
    received = datetime(2018, 6, 27, 1, 0, tzinfo=UTC)
    # phone says it made the report *after* sending it (clock changed in between): received time
    assert rtpage.corrected_time(2_000_000, 1_000_000, received) == received
    assert rtpage.corrected_time("x", None, received) == received
    assert rtpage.corrected_time(0, 90_000, received) == datetime(2018, 6, 27, 0, 58, 30, tzinfo=UTC)


def test_check_in_is_recorded_once_per_key(app, engine):
    phone, me = signed_in(app)
    stamp = str(int(datetime.now(UTC).timestamp() * 1000))
    fields = {"kunci": me["kunci"][0], "dibuat": stamp, "dikirim": stamp}
    status, out = phone.post("/rt/api/aman", fields, csrf=me["csrf"])
    assert status == 200 and out["baru"] is True
    assert out["pesan"].startswith("Laporan AMAN RT 03 Air Kuti pukul ")
    status, out = phone.post("/rt/api/aman", fields, csrf=me["csrf"])
    assert status == 200 and out["baru"] is False
    assert checkin_rows(engine) == [(AIR_KUTI, 3, "form", "rt-airkuti-3")]
    assert phone.get_json("/rt/api/saya")[1]["aman_terakhir"] != "belum pernah"


def test_forced_pin_change_comes_first(app, engine):
    accounts.create_account(engine, SYSTEM, "rt-airkuti-5", Role.RT, "739164", kelurahan=AIR_KUTI, rt=5,
                            must_change=True)
    phone = Browser(app)
    assert phone.login("rt-airkuti-5", "739164") == (303, "/rt/")
    me = phone.get_json("/rt/api/saya")[1]
    assert me["ganti_pin"] is True and "kunci" not in me
    key = rtpage.issue_keys("rt-airkuti-5", 1)[0]
    status, out = phone.post("/rt/api/lapor", report_fields(key), csrf=me["csrf"])
    assert status == 403 and out["pesan"] == rtpage.CHANGE_FIRST
    status, out = phone.post("/rt/api/pin", {"lama": "739164", "baru": "123456", "ulang": "123456"},
                             csrf=me["csrf"])
    assert status == 422 and out["ok"] is False  # a run of digits is refused by the app's PIN rule
    old_cookie = phone.cookie
    status, out = phone.post("/rt/api/pin", {"lama": "739164", "baru": "602851", "ulang": "602851"},
                             csrf=me["csrf"])
    assert status == 200 and out["ok"] is True and phone.cookie != old_cookie
    me = phone.get_json("/rt/api/saya")[1]
    assert me["ganti_pin"] is False and me["tempat"] == "RT 05 Kelurahan Air Kuti"
    status, out = phone.post("/rt/api/lapor", report_fields(me["kunci"][0]), csrf=me["csrf"])
    assert status == 200 and out["ok"], out
    # the old cookie (before the change) is dead
    stale = Browser(app)
    stale.cookie = old_cookie
    assert stale.get_json("/rt/api/saya")[1]["masuk"] is False


def test_point_outside_the_kelurahan_is_a_warning_and_the_outline_is_served(app, geo_dir):
    phone, _ = signed_in(app)
    status, out = phone.get_json("/rt/api/batas")
    assert status == 200 and out["batas"]["features"][0]["properties"]["kode"] == AIR_KUTI
    # the Lubuklinggau city hall area, not in Air Kuti
    status, out = phone.get_json("/rt/api/titik?lat=-3.2968&lon=102.8617")
    assert status == 200
    far = phone.get_json("/rt/api/titik?lat=-2.0&lon=104.0")[1]
    assert "di luar Kota Lubuklinggau" in far["peringatan"]


def test_the_origin_constant_is_this_site():
    assert ORIGIN.startswith("http://")


def test_a_photo_travels_with_the_report(app, engine):
    from io import BytesIO

    from PIL import Image

    buf = BytesIO()
    Image.new("RGB", (640, 480), (200, 30, 30)).save(buf, format="JPEG", quality=80)
    phone, me = signed_in(app)
    status, out = phone.post("/rt/api/lapor", report_fields(me["kunci"][0]), csrf=me["csrf"],
                             files={"foto": ("foto.jpg", buf.getvalue(), "image/jpeg")})
    assert status == 200 and out["ok"], out
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(store.attachments)).scalar() == 1
    # not a picture: the photo field says so, and nothing is filed
    status, out = phone.post("/rt/api/lapor", report_fields(me["kunci"][1]), csrf=me["csrf"],
                             files={"foto": ("foto.jpg", b"bukan gambar", "image/jpeg")})
    assert status == 422 and out["galat"]["photo"][0].startswith("Foto: ")
    assert len(incidents(engine)) == 1


@pytest.mark.parametrize(("made", "sent"), [("-1e300", "0"), ("-Infinity", "0"), ("0", "1e300")])
def test_an_absurd_phone_clock_is_refused_in_indonesian_not_a_server_error(app, engine, made, sent):
    """attack: "dibuat"/"dikirim" far apart overflowed timedelta (500, and the phone resends for ever)."""
    phone, me = signed_in(app)
    status, out = phone.post("/rt/api/aman", {"kunci": me["kunci"][0], "dibuat": made, "dikirim": sent},
                             csrf=me["csrf"])
    assert status == 422 and "tertahan di ponsel" in out["pesan"]
    status, out = phone.post("/rt/api/lapor", report_fields(me["kunci"][1], dibuat=made, dikirim=sent),
                             csrf=me["csrf"])
    assert status == 422 and "tertahan di ponsel" in out["pesan"]
    assert checkin_rows(engine) == [] and incidents(engine) == []


def test_text_that_is_not_utf8_is_refused_by_name_not_stored_garbled(app, engine):
    """Starlette would decode broken UTF-8 as Latin-1; the report must not be stored as mojibake."""
    phone, me = signed_in(app)
    body, ctype = multipart({k: v for k, v in report_fields(me["kunci"][0]).items() if k != "uraian"})
    broken = (b"Content-Disposition: form-data; name=\"uraian\"\r\n\r\nAmplop di pos ronda \xff\xfe caf\xe9\r\n")
    boundary = ctype.split("boundary=")[1].encode()
    body = body.replace(b"--" + boundary + b"--", b"--" + boundary + b"\r\n" + broken + b"--" + boundary + b"--")
    status, _, out = phone.request("POST", "/rt/api/lapor", body=body, ctype=ctype,
                                   headers={"Origin": ORIGIN, "X-CSRF": me["csrf"]})
    answer = json.loads(out)
    assert status == 400 and answer["ok"] is False
    assert "Isian «Uraian» bukan teks yang sah" in answer["pesan"]
    assert incidents(engine) == []
    # the same report in real UTF-8 (an Indonesian sentence with an accent) is filed as typed
    status, out2 = phone.post("/rt/api/lapor", report_fields(me["kunci"][0], uraian="Pak Andé bagi amplop"),
                              csrf=me["csrf"])
    assert status == 200 and out2["ok"]
    with engine.connect() as conn:
        assert conn.execute(sa.select(store.incidents.c.description)).scalar_one() == "Pak Andé bagi amplop"


def test_a_body_past_the_photo_limit_is_refused_before_it_is_read(app, engine):
    phone, me = signed_in(app)
    status, _, out = phone.request("POST", "/rt/api/lapor", body=b"x" * 100, ctype="multipart/form-data; boundary=b",
                                   headers={"Origin": ORIGIN, "X-CSRF": me["csrf"],
                                            "Content-Length": str(9 * 1024 * 1024)})
    assert status == 413 and "foto paling besar 8 MB" in json.loads(out)["pesan"]
    assert incidents(engine) == []
