"""The SMSsync sync URL (issue 15): GET/POST /sms/smssync, the Android phone gateway's HTTP side.

The protocol and its storage are in kondusif.sms.smssync; this module is the edge:
body size (413), the secret (403, constant-time), per-device rate (429), the
content types SMSsync sends (URL-encoded by default, JSON or multipart by choice),
and JSON answers in Indonesian. No cookie, no session and no same-origin check:
the phone is not a browser, the shared secret is its credential.
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
from kondusif.web.edge import client_address

log = logging.getLogger(__name__)

SYNC_PATH = smssync.SYNC_PATH
MAX_FIELDS = 20
REFUSED_KEY_MESSAGE = "Rahasia SMSsync salah. Salin rahasia dari halaman Gerbang SMS ke pengaturan Sync URL di ponsel."
# Wrong secrets per client address before it is refused outright (guessing is pointless
# with ~124 bits, but each try costs a database read).
# Kept in the store like the login throttle, so every app process counts the same tries.
REFUSED = StoreAddressThrottle(max_failures=20, window=timedelta(minutes=15), kind="smssync")
_NOTE_EVERY_SECONDS = 60.0  # a refused caller is written to the admin's "last error" at most this often


class RateLimiter:
    """Token bucket per key (device, else client address), in the serving process's memory.

    `per_minute` requests a minute on average, with bursts of up to that many (a phone
    that was offline sends its backlog at once). Several app processes each keep their own.
    """

    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str, per_minute: int, clock=time.monotonic) -> float:
        """0.0 when allowed (a token is taken); else seconds until the next token."""
        per_minute = max(1, int(per_minute))
        rate = per_minute / 60.0
        moment = clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(per_minute), moment))
            tokens = min(float(per_minute), tokens + (moment - last) * rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, moment)
                allowed = True
            else:
                self._buckets[key] = (tokens, moment)
                allowed = False
            if len(self._buckets) > 50_000:  # bounded memory under a spray of device ids
                self._buckets.pop(next(iter(self._buckets)))
        return 0.0 if allowed else (1.0 - tokens) / rate

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()


LIMITER = RateLimiter()
_last_note: dict[str, float] = {}
_note_lock = threading.Lock()


def _answer(body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store", **(headers or {})})


def _refusal(error: str, status: int, headers: dict[str, str] | None = None) -> JSONResponse:
    return _answer(smssync.payload(False, error), status, headers)


class _TooLarge(Exception):
    pass


async def _read_body(request: Request, limit: int) -> bytes:
    """The whole body, refused (_TooLarge) as soon as it passes `limit` bytes (a lying Content-Length too)."""
    declared = request.headers.get("content-length")
    if declared and declared.strip().isdigit() and int(declared) > limit:
        raise _TooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


async def _fields(request: Request, body: bytes) -> dict[str, Any]:
    """The request's fields from a URL-encoded, multipart or JSON body (SMSsync's formats); ValueError otherwise."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        data = json.loads(body.decode("utf-8")) if body.strip() else {}
        if not isinstance(data, dict):
            raise ValueError("isi JSON harus berupa objek")
        return data
    if kind in ("application/x-www-form-urlencoded", "multipart/form-data", ""):
        if not body:
            return {}
        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        scope = dict(request.scope)
        if not kind:
            scope["headers"] = [*request.scope["headers"], (b"content-type", b"application/x-www-form-urlencoded")]
        form = await Request(scope, replay).form(max_files=0, max_fields=MAX_FIELDS)
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
    return _refusal(f"Terlalu banyak permintaan dari perangkat ini; coba lagi dalam {seconds} detik.", 429,
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
        body = await _read_body(request, limit)
    except _TooLarge:
        return _refusal(f"Permintaan terlalu besar: paling banyak {limit // 1024} KB "
                        f"({limit} byte). SMS sepanjang ini tidak dikirim oleh SMSsync.", 413)
    task = request.query_params.get("task", "").strip().lower()
    try:
        fields = await _fields(request, body) if request.method in ("POST", "PUT") else {}
    except json.JSONDecodeError:
        return _refusal("Permintaan tidak dapat dibaca: isi JSON rusak.", 400)
    except UnicodeDecodeError:
        return _refusal("Permintaan tidak dapat dibaca: isi bukan teks UTF-8.", 400)
    except ValueError as exc:
        return _refusal(f"Permintaan tidak dapat dibaca: {exc}.", 400)
    except Exception:  # noqa: BLE001 - starlette/python-multipart: too many fields, a file, a broken boundary
        return _refusal(f"Permintaan tidak dapat dibaca: paling banyak {MAX_FIELDS} kolom teks, tanpa berkas.", 400)
    given = fields.get("secret") if isinstance(fields.get("secret"), str) else request.query_params.get("secret")
    engine = store.get_engine()
    try:
        expected = await run_in_threadpool(smssync.ensure_secret, engine)
    except Exception as exc:  # noqa: BLE001
        return _store_failed(exc)

    method = "POST" if request.method == "PUT" else request.method  # the same call, by the phone's choice
    if method == "POST" and task == "sent":
        # Message Results API: the client sends no secret here (ProcessMessageResult.java); a wrong one is refused.
        if given is not None and not smssync.secret_ok(given, expected):
            return await _wrong_secret(address, "")
        wait = LIMITER.check("addr:" + address, settings().smssync.requests_per_minute)
        if wait:
            return _too_many(wait)
        uuids = await run_in_threadpool(smssync.confirm_queued, engine, fields.get("queued_messages"))
        return _answer({"message_uuids": uuids})

    device = smssync.clean_device_id(fields.get("device_id"))
    if not smssync.secret_ok(given, expected):
        return await _wrong_secret(address, device)
    wait = LIMITER.check(("dev:" + device) if device else ("addr:" + address), settings().smssync.requests_per_minute)
    if wait:
        return _too_many(wait)

    try:
        if method == "GET" and task == "send":
            messages = await run_in_threadpool(smssync.take_waiting, engine)
            await run_in_threadpool(smssync.note_device, engine, device, address)
            return _answer(smssync.payload(True, None, messages, secret=expected))
        if method == "GET" and task == "result":
            return _answer({"message_uuids": await run_in_threadpool(smssync.awaiting_result, engine)})
        if method == "POST" and task == "result":
            n = await run_in_threadpool(smssync.record_results, engine, fields.get("message_result"))
            return _answer({"payload": {"success": True, "error": None, "diperbarui": n}})
        if method == "POST" and not task:
            return await _incoming(engine, fields, device, address, expected)
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


async def _incoming(engine, fields: dict[str, Any], device: str, address: str, secret: str) -> JSONResponse:
    """A new SMS: stored through the shared intake (idempotent by message_id), answered with its receipt."""
    try:
        msg = smssync.read_message(fields)
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
    return _answer(smssync.payload(True, None, messages, secret=secret if messages else None))


def routes() -> list[Route]:
    return [Route(SYNC_PATH, sync, methods=["GET", "POST", "PUT"])]  # SMSsync's sync scheme may choose PUT
