"""The SMSsync sync URL (issue 15): GET/POST /sms/smssync, the Android phone gateway's HTTP side.

The protocol and its storage are in kondusif.sms.smssync; this module is the edge:
body size (413), the phone's own secret (403; each registered phone has one, issue 27.4),
the rate per credential and client address counted in the store (429; all processes
count together, issue 27.6), the content types SMSsync sends (URL-encoded by default,
JSON or multipart by choice; a JSON body with a lone surrogate is refused, 400), and
JSON answers in Indonesian. No cookie, no session and no same-origin check: the phone
is not a browser, its secret is its credential.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from datetime import timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from kondusif import store
from kondusif.config import settings
from kondusif.db_unavailable import is_unavailable
from kondusif.errors import KondusifError
from kondusif.login_throttle import StoreAddressThrottle
from kondusif.sms import smssync
from kondusif.web.edge import BodyTooLarge, FieldNotText, client_address, parse_form, read_body

log = logging.getLogger(__name__)

SYNC_PATH = smssync.SYNC_PATH
MAX_FIELDS = 20
REFUSED_KEY_MESSAGE = ("Rahasia SMSsync salah atau sudah dicabut. Daftarkan ponsel ini di halaman Gerbang SMS "
                       "(atau `smssync ponsel tambah NAMA`) dan isi rahasianya di pengaturan Sync URL ponsel.")
# Wrong secrets per client address before it is refused outright (guessing is pointless
# with ~124 bits, but each try costs a database read).
# Kept in the store like the login throttle, so every app process counts the same tries.
REFUSED = StoreAddressThrottle(max_failures=20, window=timedelta(minutes=15), kind="smssync")
_NOTE_EVERY_SECONDS = 60.0  # a refused caller is written to the admin's "last error" at most this often


_last_note: dict[str, float] = {}
_note_lock = threading.Lock()


def _answer(body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store", **(headers or {})})


def _refusal(error: str, status: int, headers: dict[str, str] | None = None) -> JSONResponse:
    return _answer(smssync.payload(False, error), status, headers)


def _lone_surrogate(value: Any, where: str = "") -> str | None:
    """The first field (dotted path) whose text holds an unpaired UTF-16 surrogate, else None.

    json.loads accepts "\\ud800" and returns a str that no database can store: found here,
    the request is refused with its reason (400) instead of failing at the store (500,
    which SMSsync retries forever).
    """
    if isinstance(value, str):
        return where or "?" if any("\ud800" <= ch <= "\udfff" for ch in value) else None
    if isinstance(value, dict):
        items: Any = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        if isinstance(key, str) and _lone_surrogate(key) is not None:
            return (where + "." if where else "") + "(nama kolom)"
        found = _lone_surrogate(item, f"{where}.{key}" if where else str(key))
        if found is not None:
            return found
    return None


async def _fields(request: Request, body: bytes) -> dict[str, Any]:
    """The request's fields from a URL-encoded, multipart or JSON body (SMSsync's formats); ValueError otherwise."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        data = json.loads(body.decode("utf-8")) if body.strip() else {}
        if not isinstance(data, dict):
            raise ValueError("isi JSON harus berupa objek")
        where = _lone_surrogate(data)
        if where is not None:
            raise ValueError(f"kolom «{where}» memuat karakter \\uD800-\\uDFFF tunggal (surrogate tanpa "
                             "pasangan), bukan teks Unicode yang sah")
        return data
    if kind in ("application/x-www-form-urlencoded", "multipart/form-data", ""):
        if not body:
            return {}
        scope = dict(request.scope)
        if not kind:
            scope["headers"] = [*request.scope["headers"], (b"content-type", b"application/x-www-form-urlencoded")]
        form = await parse_form(Request(scope), body, max_files=0, max_fields=MAX_FIELDS)
        return {k: v for k, v in form.items() if isinstance(v, str)}
    raise ValueError(f"format «{kind}» tidak didukung (pilih URLEncoded atau JSON di SMSsync)")


def _note_refusal(address: str, error: str) -> None:
    """Keep the newest refusal for the admin page, at most once a minute per address (no write amplification)."""
    moment = time.monotonic()
    with _note_lock:
        if moment - _last_note.get(address, -math.inf) < _NOTE_EVERY_SECONDS:
            return
        _last_note[address] = moment
        if len(_last_note) > 10_000:
            _last_note.pop(next(iter(_last_note)))
    try:
        smssync.note_device(store.get_engine(), "", None, error)
    except Exception:  # noqa: BLE001 - bookkeeping must not turn a 403 into a 500
        log.exception("Penolakan SMSsync tidak dapat dicatat")


def _too_many(wait: float) -> JSONResponse:
    seconds = max(1, math.ceil(wait))
    return _refusal(f"Terlalu banyak permintaan dari ponsel ini; coba lagi dalam {seconds} detik.", 429,
                    {"Retry-After": str(seconds)})


def _store_failed(exc: BaseException) -> JSONResponse:
    if is_unavailable(exc):
        log.warning("SMSsync: basis data tidak tersedia: %s", exc)
        return _refusal("Server sedang tidak dapat menyimpan; ponsel akan mengirim ulang SMS ini nanti.", 503,
                        {"Retry-After": "30"})
    log.exception("SMSsync: SMS tidak dapat diproses")
    return _refusal("Server gagal memproses SMS ini; ponsel akan mengirim ulang nanti.", 500)


async def sync(request: Request) -> Response:
    """One SMSsync call: a new SMS (POST), or a task (?task=send|sent|result)."""
    address = client_address(request)
    limit = int(settings().smssync.max_body_bytes)
    try:
        body = await read_body(request, limit)
    except BodyTooLarge:
        return _refusal(f"Permintaan terlalu besar: paling banyak {limit // 1024} KB "
                        f"({limit} byte). SMS sepanjang ini tidak dikirim oleh SMSsync.", 413)
    task = request.query_params.get("task", "").strip().lower()
    try:
        fields = await _fields(request, body) if request.method in ("POST", "PUT") else {}
    except json.JSONDecodeError:
        return _refusal("Permintaan tidak dapat dibaca: isi JSON rusak.", 400)
    except UnicodeDecodeError:
        return _refusal("Permintaan tidak dapat dibaca: isi bukan teks UTF-8.", 400)
    except FieldNotText as exc:
        return _refusal(f"Permintaan tidak dapat dibaca: kolom «{exc.field}» bukan teks UTF-8.", 400)
    except ValueError as exc:
        return _refusal(f"Permintaan tidak dapat dibaca: {exc}.", 400)
    except Exception:  # noqa: BLE001 - starlette/python-multipart: too many fields, a file, a broken boundary
        return _refusal(f"Permintaan tidak dapat dibaca: paling banyak {MAX_FIELDS} kolom teks, tanpa berkas.", 400)
    given = fields.get("secret") if isinstance(fields.get("secret"), str) else request.query_params.get("secret")
    engine = store.get_engine()
    per_minute = int(settings().smssync.requests_per_minute)
    method = "POST" if request.method == "PUT" else request.method  # the same call, by the phone's choice
    try:
        phone = await run_in_threadpool(smssync.phone_for_secret, engine, given)
        if method == "POST" and task == "sent":
            # Message Results API: the client sends no secret here (ProcessMessageResult.java); a wrong one is refused.
            if given is not None and phone is None:
                return await _wrong_secret(address, "")
            wait = await run_in_threadpool(smssync.count_request, engine, phone, address, per_minute)
            if wait:
                return _too_many(wait)
            uuids = await run_in_threadpool(smssync.confirm_queued, engine, fields.get("queued_messages"))
            return _answer({"message_uuids": uuids})
        device = smssync.clean_device_id(fields.get("device_id"))
        if phone is None:
            return await _wrong_secret(address, device)
        wait = await run_in_threadpool(smssync.count_request, engine, phone, address, per_minute)
    except Exception as exc:  # noqa: BLE001 - the store is down: the phone retries
        return _store_failed(exc)
    if wait:
        return _too_many(wait)
    secret = str(given).strip()  # proven: echoed in payload.secret, which the phone compares with its own

    try:
        if method == "GET" and task == "send":
            messages = await run_in_threadpool(smssync.take_waiting, engine, phone)
            await run_in_threadpool(smssync.note_device, engine, device, address)
            await run_in_threadpool(smssync.touch_phone, engine, phone)
            return _answer(smssync.payload(True, None, messages, secret=secret))
        if method == "GET" and task == "result":
            return _answer({"message_uuids": await run_in_threadpool(smssync.awaiting_result, engine, phone)})
        if method == "POST" and task == "result":
            n = await run_in_threadpool(smssync.record_results, engine, fields.get("message_result"), phone)
            return _answer({"payload": {"success": True, "error": None, "diperbarui": n}})
        if method == "POST" and not task:
            return await _incoming(engine, fields, device, address, phone, secret)
    except Exception as exc:  # noqa: BLE001 - the phone gets a JSON error and retries; the log has the detail
        return _store_failed(exc)
    if method == "GET" and not task:
        return _answer({"payload": {"success": True, "error": None}})  # SMSsync's "test the URL" call
    if task in ("send", "sent", "result"):
        return _refusal(f"Tugas «{task}» tidak dipakai dengan {method}: ?task=send dan ?task=result dengan GET, "
                        "?task=sent dan ?task=result dengan POST.", 400)
    return _refusal(f"Tugas «{task[:20]}» tidak dikenal (yang ada: send, sent, result).", 400)


async def _wrong_secret(address: str, device: str) -> JSONResponse:
    """403, or 429 once the address has guessed too often. Only wrong secrets are stopped: a phone
    that polled with the old secret after a renewal works as soon as it has the new one."""
    if await run_in_threadpool(REFUSED.blocked, address):
        return _refusal("Terlalu banyak percobaan dengan rahasia salah dari alamat ini; coba lagi nanti.", 429,
                        {"Retry-After": "900"})
    await run_in_threadpool(REFUSED.record_failure, address)
    who = f" (perangkat «{device}»)" if device else ""
    await run_in_threadpool(_note_refusal, address, f"Rahasia salah dari {address}{who}.")
    return _refusal(REFUSED_KEY_MESSAGE, 403)


async def _incoming(engine, fields: dict[str, Any], device: str, address: str, phone: smssync.Phone,
                    secret: str) -> JSONResponse:
    """A new SMS carried by `phone`: stored through the shared intake (idempotent by its identity), answered
    with its receipt."""
    try:
        msg = smssync.read_message(fields, phone=phone)
    except smssync.ProtocolError as exc:
        await run_in_threadpool(smssync.note_device, engine, device, address, f"Permintaan ditolak: {exc}")
        return _refusal(str(exc), 400)
    try:
        outcome = await run_in_threadpool(smssync.receive, engine, msg)
    except KondusifError as exc:  # the shared intake refused it (kondusif.sms.inbound.SmsRefused): nothing stored
        await run_in_threadpool(smssync.note_device, engine, device, address, f"SMS ditolak: {exc}")
        return _refusal(str(exc), 400)
    messages = []
    if outcome.reply:
        hand_over = smssync.reply_mode() == "langsung"
        out = await run_in_threadpool(smssync.queue_reply, engine, msg, outcome.reply, hand_over)
        messages = [out] if out is not None else []
    await run_in_threadpool(smssync.note_device, engine, device, address)
    await run_in_threadpool(smssync.touch_phone, engine, phone)
    return _answer(smssync.payload(True, None, messages, secret=secret if messages else None))


def routes() -> list[Route]:
    return [Route(SYNC_PATH, sync, methods=["GET", "POST", "PUT"])]  # SMSsync's sync scheme may choose PUT
