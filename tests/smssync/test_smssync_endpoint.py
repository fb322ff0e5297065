"""Issue 15: the SMSsync sync URL of the running app, spoken to with recorded SMSsync requests.

Each test speaks from its own client address (X-Forwarded-For through the trusted local proxy),
so the per-address refusal counter of one test does not touch another.
"""

from __future__ import annotations

import sqlalchemy as sa
from smssync_helpers import RATE_PER_MINUTE, new_message_id

from kondusif import store
from kondusif.sms import smssync


def counts(gw) -> dict[str, int]:
    """Rows that a stored SMS would leave behind, table by table."""
    tables = ["incidents", "review_queue", "smssync_outbox", *[t for t in ("sms_received", "sms_messages")
                                                               if t in store.metadata.tables]]
    with gw.engine().connect() as conn:
        return {t: int(conn.execute(sa.select(sa.func.count()).select_from(store.metadata.tables[t])).scalar())
                for t in tables}


def test_a_wrong_or_missing_secret_is_refused_with_403_and_nothing_is_stored(gateway):
    before = counts(gateway)
    wrong = gateway.recorded("sync_lapor.http", address="10.15.0.1", SECRET="bukan-rahasia-yang-benar",
                             MESSAGE_ID=new_message_id(), DEVICE_ID="hp-salah")
    assert wrong.status == 403
    assert wrong.headers["content-type"].startswith("application/json")
    assert wrong.json == {"payload": {"success": False, "error": smssync_refusal()}}
    missing = gateway.post_form({"from": "+6281234567801", "message": "LAPOR uang berat RT 3 Air Kuti: amplop",
                                 "message_id": new_message_id(), "sent_timestamp": "1529989200000",
                                 "device_id": "hp-tanpa"}, address="10.15.0.1")
    assert missing.status == 403
    # the correct secret with one character changed
    secret = gateway.secret()
    near = gateway.recorded("sync_lapor.http", address="10.15.0.1", SECRET=secret[:-1] + ("a" if secret[-1] != "a" else "b"),
                            MESSAGE_ID=new_message_id(), DEVICE_ID="hp-hampir")
    assert near.status == 403
    assert counts(gateway) == before
    # the admin sees why the phone gets nothing through
    failure = smssync.last_failure(gateway.engine(), admin())
    assert failure is not None and failure["error"] == "Rahasia salah dari 10.15.0.1 (perangkat «hp-salah»)."
    # the task URLs are closed without the secret too, and say nothing about the outbox
    assert gateway.raw(f"GET /sms/smssync?task=send HTTP/1.1\r\nHost: {gateway.host}\r\nX-Forwarded-For: 10.15.0.1"
                       "\r\nConnection: close\r\n\r\n".encode()).status == 403
    assert gateway.recorded("task_result_get.http", address="10.15.0.1", SECRET="salah").status == 403


def test_an_address_that_keeps_guessing_is_stopped_with_429(gateway):
    for _ in range(20):
        assert gateway.recorded("task_send.http", address="10.15.0.2", SECRET="tebakan").status == 403
    blocked = gateway.recorded("task_send.http", address="10.15.0.2", SECRET="tebakan-lagi")
    assert blocked.status == 429 and blocked.headers["retry-after"] == "900"
    # a phone that polled with the old secret after a renewal is not locked out once it has the new one
    assert gateway.recorded("task_send.http", address="10.15.0.2").status == 200
    assert gateway.recorded("task_send.http", address="10.15.0.3").status == 200  # another address is not


def test_an_oversized_body_is_refused_with_413_in_indonesian(gateway):
    text = "LAPOR uang berat RT 3 Air Kuti: " + "amplop " * 3000  # 21 kB, over the 16 KB default
    big = gateway.post_form({"secret": gateway.secret(), "from": "+6281234567801", "message": text,
                             "message_id": new_message_id(), "device_id": "hp-besar"}, address="10.15.0.4")
    assert big.status == 413
    assert big.json["payload"]["success"] is False
    assert big.json["payload"]["error"].startswith("Permintaan terlalu besar: paling banyak 16 KB (16384 byte).")
    # no Content-Length (chunked): refused while streaming, not after reading it all
    body = ("secret=x&message=" + "a" * 20000).encode()
    chunks = b"".join(f"{len(body[i:i + 4096]):x}\r\n".encode() + body[i:i + 4096] + b"\r\n"
                      for i in range(0, len(body), 4096)) + b"0\r\n\r\n"
    chunked = gateway.raw(f"POST /sms/smssync HTTP/1.1\r\nHost: {gateway.host}\r\nX-Forwarded-For: 10.15.0.4\r\n"
                          "Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n"
                          "Connection: close\r\n\r\n".encode() + chunks)
    assert chunked.status == 413


def test_task_send_hands_each_waiting_reply_once_and_the_results_api_closes_the_loop(gateway):
    engine = gateway.engine()
    msg = smssync.SyncMessage(message_id="uji-tugas-1", sender="+6281234567899", text="LAPOR ...",
                              received_at=smssync.parse_timestamp("1529989200000"), device_id="hp-tugas",
                              sent_to="", phone=gateway.phone())
    assert smssync.queue_reply(engine, msg, "Laporan LLG-2018-000123 diterima. Terima kasih.", hand_over=False) is None

    first = gateway.recorded("task_send.http", address="10.15.0.5")
    assert first.status == 200
    payload = first.json["payload"]
    assert payload["task"] == "send" and payload["secret"] == gateway.secret() and payload["success"] is True
    (out,) = [m for m in payload["messages"] if m["to"] == "+6281234567899"]
    assert out["message"] == "Laporan LLG-2018-000123 diterima. Terima kasih."
    again = gateway.recorded("task_send.http", address="10.15.0.5")
    assert [m for m in again.json["payload"]["messages"] if m["uuid"] == out["uuid"]] == []

    sent = gateway.recorded("task_sent.http", address="10.15.0.5", UUID=out["uuid"],
                            UNKNOWN_UUID="00000000-0000-4000-8000-000000000000")
    assert sent.status == 200 and sent.json == {"message_uuids": [out["uuid"]]}
    waiting = gateway.recorded("task_result_get.http", address="10.15.0.5")
    assert out["uuid"] in waiting.json["message_uuids"]
    result = gateway.recorded("task_result_post.http", address="10.15.0.5", UUID=out["uuid"])
    assert result.status == 200 and result.json["payload"]["success"] is True
    o = store.smssync_outbox
    with engine.connect() as conn:
        row = conn.execute(sa.select(o.c.state, o.c.result_code, o.c.result_message)
                           .where(o.c.uuid == out["uuid"])).one()
    assert tuple(row) == ("gagal", 4, "No service")
    assert smssync.last_failure(engine, admin())["error"] == \
        "Balasan ke +6281234567899 gagal dikirim ponsel: No service"
    assert out["uuid"] not in gateway.recorded("task_result_get.http", address="10.15.0.5").json["message_uuids"]


def test_the_rate_is_limited_per_caller(gateway):
    answers = [gateway.recorded("task_send.http", address="10.15.0.6").status for _ in range(RATE_PER_MINUTE + 1)]
    assert answers[:RATE_PER_MINUTE] == [200] * RATE_PER_MINUTE
    assert answers[-1] == 429
    limited = gateway.recorded("task_send.http", address="10.15.0.6")
    assert limited.status == 429 and int(limited.headers["retry-after"]) >= 1
    assert limited.json["payload"]["error"].startswith("Terlalu banyak permintaan dari ponsel ini; coba lagi dalam")
    assert gateway.recorded("task_send.http", address="10.15.0.7").status == 200


def test_the_endpoint_needs_no_cookie_and_answers_json_under_the_apps_headers(gateway):
    ok = gateway.raw(f"GET /sms/smssync?secret={gateway.secret()} HTTP/1.1\r\nHost: {gateway.host}\r\n"
                     "X-Forwarded-For: 10.15.0.8\r\nConnection: close\r\n\r\n".encode())
    assert ok.status == 200 and ok.json == {"payload": {"success": True, "error": None}}
    assert ok.headers["cache-control"] == "no-store"
    assert "default-src 'self'" in ok.headers["content-security-policy"]
    assert "set-cookie" not in ok.headers
    odd = gateway.raw(f"GET /sms/smssync?task=hapus&secret={gateway.secret()} HTTP/1.1\r\nHost: {gateway.host}"
                      "\r\nX-Forwarded-For: 10.15.0.8\r\nConnection: close\r\n\r\n".encode())
    assert odd.status == 400
    assert odd.json["payload"]["error"] == "Tugas «hapus» tidak dikenal (yang ada: send, sent, result)."
    wrong_method = gateway.raw(f"POST /sms/smssync?task=send&secret={gateway.secret()} HTTP/1.1\r\n"
                               f"Host: {gateway.host}\r\nX-Forwarded-For: 10.15.0.8\r\nContent-Length: 0\r\n"
                               "Connection: close\r\n\r\n".encode())
    assert wrong_method.status == 400
    assert wrong_method.json["payload"]["error"] == ("Tugas «send» tidak dipakai dengan POST: ?task=send dan "
                                                     "?task=result dengan GET, ?task=sent dan ?task=result dengan POST.")


def smssync_refusal() -> str:
    return ("Rahasia SMSsync salah atau sudah dicabut. Daftarkan ponsel ini di halaman Gerbang SMS "
            "(atau `smssync ponsel tambah NAMA`) dan isi rahasianya di pengaturan Sync URL ponsel.")


def admin():
    from kondusif.model import Role, Viewer

    return Viewer("uji-admin", Role.ADMIN, "Admin Uji")
