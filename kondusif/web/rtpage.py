"""The light page for Ketua RT at /rt/ (issue 26): plain HTML, CSS and JS files, JSON under /rt/api/.

Why a second page: the Streamlit bundle is too heavy for a cheap phone on a weak signal.
Nothing here is a second copy of a rule:
- sign-in is the app's own form POST to /sesi/masuk (routes.login: same cookie, throttle
  and lockout), with next=/rt/;
- a report goes through pipeline.submit_form (the Streamlit form's path, validation and
  idempotency), a check-in through checkins.record_checkin (channel ``form``);
- role and RT scope are checked by access.py (``rtpage.use`` plus each domain function's own
  ``require``); every POST needs the same origin and the HMAC of the cookie (the logout form's
  CSRF pattern, sent as the X-CSRF header).

Offline sending (assets/rt/rt.js) needs an idempotency key made before the signal is lost:
the server hands out keys signed for the account (`issue_keys`); the key becomes the
report's/check-in's source reference, so a resend returns the first number, and a key
forged or signed for another account is refused. The phone's clock is not trusted: the
time a report was made is moved by the difference between the phone's clock and the
server's at sending (`corrected_time`), never into the future.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from kondusif import access, store
from kondusif.accounts import auth, auth_tokens
from kondusif.config import settings
from kondusif.model import CATEGORY_LABELS, STATUS_LABELS, Category, Severity, Status, Viewer
from kondusif.secrets_file import signing_key
from kondusif.timeutil import as_utc, format_wib, now
from kondusif.web.edge import (
    BodyTooLarge,
    FieldNotText,
    parse_form,
    read_body,
    same_origin,
    set_session_cookie,
)
from lubuklinggau_geo import gazetteer

PREFIX = "/rt/"
ASSETS = Path(__file__).parent / "assets" / "rt"
# file name -> media type; only these are served (no path from the request reaches the disk)
FILES = {"rt.css": "text/css; charset=utf-8", "rt.js": "text/javascript; charset=utf-8",
         "sw.js": "text/javascript; charset=utf-8", "manifest.webmanifest": "application/manifest+json"}
ICON_SIZES = (192, 512)
KEY_BATCH = 20  # keys handed out per /rt/api/saya: enough for a day of offline reports
MAX_HELD = timedelta(days=3)  # a report kept offline longer than this is refused (ask to file again)
MAX_PHOTO_FIELD = 8 * 1024 * 1024
MAX_BODY = MAX_PHOTO_FIELD + 256 * 1024  # the photo plus the text fields and multipart framing
FIELD_OF = {"kategori": "category", "tingkat": "severity", "judul": "title", "uraian": "description"}

FOREIGN = "Permintaan ditolak: tidak berasal dari halaman SiKondusif. Muat ulang halaman lalu coba lagi."
SIGNED_OUT = "Sesi Anda berakhir. Silakan masuk lagi."
BAD_KEY = "Kunci pengiriman tidak sah untuk akun ini; laporan tidak disimpan. Muat ulang halaman lalu kirim lagi."
CHANGE_FIRST = "Ganti PIN sekali pakai Anda dulu sebelum mengirim laporan."
NOT_RT = "Halaman ini untuk Ketua RT. Petugas lain memakai aplikasi utama."
UNLINKED = "Akun Ketua RT ini belum terhubung ke kelurahan/RT. Hubungi operator."


# --------------------------------------------------------------------------- plain functions


def _key_mac(username: str, nonce: str) -> str:
    msg = f"rt-kunci|{username}|{nonce}".encode()
    return hmac.new(signing_key().encode(), msg, hashlib.sha256).hexdigest()[:32]


def issue_keys(username: str, count: int = KEY_BATCH) -> list[str]:
    """Idempotency keys for `username`: 'rt1.<nonce>.<HMAC>' (49 characters, fits a source_ref)."""
    out = []
    for _ in range(count):
        nonce = secrets.token_hex(6)
        out.append(f"rt1.{nonce}.{_key_mac(username, nonce)}")
    return out


def key_valid(username: str, key: object) -> bool:
    """Whether `key` was issued by this server for `username` (another account's key is not)."""
    if not isinstance(key, str) or len(key) > 64:
        return False
    parts = key.split(".")
    if len(parts) != 3 or parts[0] != "rt1" or len(parts[1]) != 12:
        return False
    return hmac.compare_digest(parts[2], _key_mac(username, parts[1]))


class TimeRefused(ValueError):
    """A report's time the server cannot accept (kept offline too long); Indonesian message."""


def corrected_time(made_ms: object, sent_ms: object, received: datetime | None = None) -> datetime:
    """When a report was made, in server time: the phone's 'made' moved by (server now − phone's 'sent').

    A phone whose clock is hours off still gives the right time; the result is never later
    than `received`, and a report held longer than MAX_HELD is refused (TimeRefused).
    Both inputs are JavaScript times (milliseconds since 1970).
    """
    at = as_utc(received or now())
    try:
        made, sent = float(made_ms), float(sent_ms)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return at
    if made != made or sent != sent:  # NaN
        return at
    held_ms = max(0.0, sent - made)
    if held_ms > MAX_HELD / timedelta(milliseconds=1):  # compared as a number: 1e300 ms overflows timedelta
        raise TimeRefused(f"Laporan ini tertahan di ponsel lebih dari {MAX_HELD.days} hari "
                          "(atau jam ponsel berubah jauh); tidak dikirim. Buat laporan baru.")
    return at - timedelta(milliseconds=held_ms)


@dataclass(frozen=True)
class Caller:
    viewer: Viewer
    token: str
    must_change: bool
    epoch: int


def _caller(request: Request) -> Caller | None:
    token = request.cookies.get(auth_tokens.COOKIE_NAME)
    claims = auth_tokens.read(token)
    if claims is None or token is None:
        return None
    sess = auth.restore_session(store.get_engine(), claims.username, claims.epoch)
    if sess is None:
        return None
    return Caller(sess.viewer, token, sess.must_change, sess.epoch)


def _json(data: dict[str, Any], status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers={"Cache-Control": "no-store"})


def _refuse(message: str, status: int) -> JSONResponse:
    return _json({"ok": False, "pesan": message}, status)


async def _guard(request: Request, *, post: bool, ready: bool = True) -> Caller | JSONResponse:
    """The signed-in RT caller, or the refusal: origin + CSRF for a POST, role and link through access.py."""
    if post and not same_origin(request):
        return _refuse(FOREIGN, 403)
    caller = await run_in_threadpool(_caller, request)
    if caller is None:
        return _refuse(SIGNED_OUT, 401)
    if post and not hmac.compare_digest(request.headers.get("x-csrf", ""), auth_tokens.csrf_for(caller.token)):
        return _refuse(FOREIGN, 403)
    if not access.allows(caller.viewer, "rtpage.use"):
        return _refuse(NOT_RT, 403)
    if ready and caller.must_change:
        return _refuse(CHANGE_FIRST, 403)
    if ready and not access.area_of(caller.viewer).linked:
        return _refuse(UNLINKED, 403)
    return caller


# --------------------------------------------------------------------------- pages and files


async def page(request: Request) -> Response:
    if request.url.path == "/rt":
        return RedirectResponse(PREFIX, status_code=308)
    return FileResponse(ASSETS / "index.html", media_type="text/html; charset=utf-8",
                        headers={"Cache-Control": "no-cache"})


async def asset(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in FILES:
        return Response("Tidak ditemukan.", status_code=404, media_type="text/plain; charset=utf-8")
    headers = {"Cache-Control": "no-cache"}
    if name == "sw.js":
        headers["Service-Worker-Allowed"] = PREFIX
    return FileResponse(ASSETS / name, media_type=FILES[name], headers=headers)


@lru_cache(maxsize=len(ICON_SIZES))
def icon_png(size: int) -> bytes:
    """The home-screen icon, drawn once per process with Pillow (a shield-green square with 'RT')."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (size, size), (21, 101, 52))
    draw = ImageDraw.Draw(img)
    pad = size // 6
    draw.rounded_rectangle([pad, pad, size - pad, size - pad], radius=size // 8, outline=(255, 255, 255),
                           width=max(2, size // 24))
    bar = size // 10
    draw.rectangle([size // 2 - bar // 2, pad * 2, size // 2 + bar // 2, size - pad * 2], fill=(255, 255, 255))
    draw.rectangle([pad * 2, size // 2 - bar // 2, size - pad * 2, size // 2 + bar // 2], fill=(255, 255, 255))
    buf = BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


async def icon(request: Request) -> Response:
    size = int(request.path_params["size"])
    if size not in ICON_SIZES:
        return Response("Tidak ditemukan.", status_code=404, media_type="text/plain; charset=utf-8")
    return Response(icon_png(size), media_type="image/png", headers={"Cache-Control": "max-age=86400"})


# --------------------------------------------------------------------------- API


def _choices() -> dict[str, list[dict[str, str]]]:
    return {"kategori": [{"nilai": c.value, "label": CATEGORY_LABELS[c]} for c in Category],
            "tingkat": [{"nilai": s.value, "label": s.label} for s in Severity]}


def _status_label(status: str) -> str:
    try:
        return STATUS_LABELS[Status(status)]
    except ValueError:
        return str(status).capitalize()


def my_reports(viewer: Viewer, limit: int = 10) -> list[dict[str, str]]:
    """The account's last `limit` reports (scope: its own RT), newest first, with status."""
    df = store.query_incidents(store.get_engine(), None, viewer,
                               columns=["report_no", "occurred_at", "category", "status", "title"], limit=limit)
    return [{"nomor": str(r.report_no), "status": _status_label(str(r.status)), "waktu": format_wib(r.occurred_at),
             "kategori": CATEGORY_LABELS.get(Category(r.category), str(r.category)), "judul": str(r.title)}
            for r in df.itertuples(index=False)]


def _me(caller: Caller, code: str | None) -> dict[str, Any]:
    from kondusif import checkins

    v = caller.viewer
    data: dict[str, Any] = {"masuk": True, "nama": v.display_name or v.username, "ganti_pin": caller.must_change,
                            "csrf": auth_tokens.csrf_for(caller.token)}
    if caller.must_change:
        data["aturan_pin"] = (f"PIN {auth.PIN_LENGTH} angka (tidak berurutan, tidak sama semua) atau kata sandi "
                              f"minimal {auth.MIN_PASSWORD_LENGTH} karakter.")
        return data
    area = access.area_of(v)
    if not area.linked:
        data["pesan"] = UNLINKED
        return data
    last = checkins.last_checkin(store.get_engine(), v, str(v.kelurahan), int(v.rt or 0))
    data.update(tempat=f"RT {int(v.rt or 0):02d} Kelurahan {gazetteer.kelurahan_name(v.kelurahan)}",
                kelurahan=v.kelurahan, aman_terakhir=format_wib(last) if last else "belum pernah",
                laporan=my_reports(v), kunci=issue_keys(v.username), **_choices())
    return data


async def me(request: Request) -> Response:
    """Who is signed in, the form's choices, the last reports and a batch of keys; a login message when not."""
    code = request.query_params.get("masuk")
    caller = await run_in_threadpool(_caller, request)
    if caller is None:
        message = {"gagal": auth.LOGIN_FAILED, "dibatasi": auth.THROTTLED}.get(code or "")
        if request.query_params.get("keluar") == "1":
            message = "Anda telah keluar."
        return _json({"masuk": False, "pesan": message, "kunci_gagal": auth.MAX_FAILED_ATTEMPTS,
                      "menit_kunci": auth.LOCK_MINUTES})
    if not access.allows(caller.viewer, "rtpage.use"):
        return _json({"masuk": True, "bukan_rt": True, "pesan": NOT_RT})
    return _json(await run_in_threadpool(_me, caller, code))


async def _payload(request: Request) -> tuple[dict[str, str], UploadFile | None] | JSONResponse:
    """The form's text fields and photo, or the refusal naming what was wrong with the body."""
    try:
        body = await read_body(request, MAX_BODY)
        form = await parse_form(request, body, max_files=1, max_fields=20, max_part_size=MAX_PHOTO_FIELD)
    except BodyTooLarge:
        return _refuse(f"Kiriman terlalu besar: foto paling besar {MAX_PHOTO_FIELD // (1024 * 1024)} MB.", 413)
    except FieldNotText as exc:
        from kondusif.intake.form import FIELD_LABELS

        label = FIELD_LABELS.get(FIELD_OF.get(exc.field, exc.field), exc.field[:40])
        return _refuse(f"Isian «{label}» bukan teks yang sah (UTF-8); laporan tidak disimpan. "
                       "Muat ulang halaman lalu kirim lagi.", 400)
    except MultiPartException:
        return _refuse("Kiriman tidak dapat dibaca; laporan tidak disimpan. Muat ulang halaman lalu kirim lagi.", 400)
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    photo = form.get("foto")
    return fields, photo if isinstance(photo, UploadFile) else None


async def _posted(request: Request, *, ready: bool = True
                  ) -> tuple[Caller, dict[str, str], UploadFile | None] | JSONResponse:
    """A POST from the RT page: the caller (origin, CSRF, role, see _guard) and its body, or the refusal."""
    caller = await _guard(request, post=True, ready=ready)
    if isinstance(caller, JSONResponse):
        return caller
    got = await _payload(request)
    if isinstance(got, JSONResponse):
        return got
    return caller, *got


async def _keyed_post(request: Request) -> tuple[Caller, dict[str, str], UploadFile | None] | JSONResponse:
    """A report's or check-in's POST: as _posted, with the account's signed sending key checked."""
    got = await _posted(request)
    if isinstance(got, JSONResponse):
        return got
    caller, fields, _ = got
    if not key_valid(caller.viewer.username, fields.get("kunci")):
        return _refuse(BAD_KEY, 403)
    return got


def _file_report(caller: Caller, fields: dict[str, str], photo: tuple[bytes, str] | None) -> dict[str, Any]:
    from kondusif.intake import form, pipeline

    at = corrected_time(fields.get("dibuat"), fields.get("dikirim"))
    v = caller.viewer
    values: dict[str, Any] = {"kelurahan": v.kelurahan, "rt": v.rt, "category": fields.get("kategori") or None,
                              "severity": fields.get("tingkat") or None, "occurred_at": at,
                              "title": fields.get("judul", ""), "description": fields.get("uraian", "")}
    lat, lon = fields.get("lat"), fields.get("lon")
    if lat and lon:
        values["lat"], values["lon"] = lat, lon
    outcome = pipeline.submit_form(store.get_engine(), v, values, fields["kunci"], photo)
    if not outcome.ok:
        grouped = form.errors_by_form_field(outcome.errors)
        return {"ok": False, "galat": {k: [f"{form.FIELD_LABELS.get(k, k)}: {m}" for m in msgs]
                                       for k, msgs in grouped.items()}}
    return {"ok": True, "nomor": outcome.report_no, "baru": outcome.created,
            "peringatan": [str(w) for w in outcome.warnings], "laporan": my_reports(v)}


async def report(request: Request) -> Response:
    """File one report (multipart: fields + optional photo); the key makes a resend return the first number."""
    got = await _keyed_post(request)
    if isinstance(got, JSONResponse):
        return got
    caller, fields, upload = got
    photo = None
    if upload is not None:
        data = await upload.read()
        photo = (data, upload.filename or "foto.jpg") if data else None
    try:
        result = await run_in_threadpool(_file_report, caller, fields, photo)
    except TimeRefused as exc:
        return _refuse(str(exc), 422)
    return _json(result, 200 if result["ok"] else 422)


def _check_in(caller: Caller, fields: dict[str, str]) -> dict[str, Any]:
    from kondusif import checkins

    v = caller.viewer
    got = checkins.record_checkin(store.get_engine(), v, kelurahan=v.kelurahan, rt=v.rt, channel="form",
                                  at=corrected_time(fields.get("dibuat"), fields.get("dikirim")),
                                  source_ref=fields["kunci"], account=v.username)
    return {"ok": True, "baru": got.created, "aman_terakhir": format_wib(got.at),
            "pesan": f"Laporan AMAN {got.place_label} pukul {got.time_label} tercatat. Terima kasih."}


async def check_in(request: Request) -> Response:
    """'Lingkungan aman': one check-in for the account's own RT."""
    from kondusif import checkins

    got = await _keyed_post(request)
    if isinstance(got, JSONResponse):
        return got
    caller, fields, _ = got
    try:
        return _json(await run_in_threadpool(_check_in, caller, fields))
    except (TimeRefused, checkins.CheckinRefused) as exc:
        return _refuse(str(exc), 422)


def _change_pin(caller: Caller, fields: dict[str, str]) -> int:
    return auth.change_password(store.get_engine(), caller.viewer.username, fields.get("lama", "")[:256],
                                fields.get("baru", "")[:256], fields.get("ulang", "")[:256])


async def change_pin(request: Request) -> Response:
    """The forced (or any) PIN change; the cookie is re-issued for the new session epoch."""
    got = await _posted(request, ready=False)
    if isinstance(got, JSONResponse):
        return got
    caller, fields, _ = got
    try:
        epoch = await run_in_threadpool(_change_pin, caller, fields)
    except auth.AuthError as exc:
        return _refuse(str(exc), 422)
    response = _json({"ok": True, "pesan": "PIN baru tersimpan. Sesi di perangkat lain sudah diakhiri."})
    set_session_cookie(response, request, auth_tokens.issue(caller.viewer.username, epoch))
    return response


def boundary(viewer: Viewer) -> dict[str, Any] | None:
    """The account's kelurahan outline as GeoJSON (None without installed boundaries)."""
    from lubuklinggau_geo.boundaries import boundaries, geo_dir

    if geo_dir() is None or not viewer.kelurahan:
        return None
    import json

    shape = boundaries("kelurahan")
    shape = shape[shape["kode"] == viewer.kelurahan]
    if shape.empty:
        return None
    return json.loads(shape[["kode", "geometry"]].to_json())


async def outline(request: Request) -> Response:
    caller = await _guard(request, post=False)
    if isinstance(caller, JSONResponse):
        return caller
    shape = await run_in_threadpool(boundary, caller.viewer)
    s = settings()
    return _json({"batas": shape, "ubin": s.tile_url or "", "atribusi": s.tile_attribution or ""})


async def point_check(request: Request) -> Response:
    """The form's warning for a point outside the account's kelurahan (intake.form.point_warning)."""
    from kondusif.intake import form

    caller = await _guard(request, post=False)
    if isinstance(caller, JSONResponse):
        return caller
    try:
        lat, lon = float(request.query_params["lat"]), float(request.query_params["lon"])
    except (KeyError, ValueError):
        return _refuse("Titik tidak terbaca.", 422)
    warning = await run_in_threadpool(form.point_warning, lat, lon, caller.viewer.kelurahan)
    return _json({"ok": True, "peringatan": warning})


def landing_for(viewer: Viewer, target: str) -> str:
    """Where a login goes: an RT account signing in on the main login page ("/") to /rt/.

    A deep link (e.g. /lapor) is kept: whoever asked for a Streamlit screen gets it;
    staff always go to `target`.
    """
    if access.allows(viewer, "rtpage.use") and target.split("?", 1)[0] == "/":
        return PREFIX
    return target


def routes() -> list[Route]:
    return [
        Route("/rt", page, methods=["GET"]),
        Route(PREFIX, page, methods=["GET"]),
        Route(PREFIX + "ikon-{size:int}.png", icon, methods=["GET"]),
        Route(PREFIX + "api/saya", me, methods=["GET"]),
        Route(PREFIX + "api/lapor", report, methods=["POST"]),
        Route(PREFIX + "api/aman", check_in, methods=["POST"]),
        Route(PREFIX + "api/pin", change_pin, methods=["POST"]),
        Route(PREFIX + "api/batas", outline, methods=["GET"]),
        Route(PREFIX + "api/titik", point_check, methods=["GET"]),
        Route(PREFIX + "{name:str}", asset, methods=["GET"]),
    ]
