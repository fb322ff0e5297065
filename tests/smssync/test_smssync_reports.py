"""Issue 15: SMS through the SMSsync endpoint of the running app become reports (or queue items), and the
receipt goes back in the answer, for the same phone to send. Recorded SMSsync requests over a socket."""

from __future__ import annotations

import sqlalchemy as sa
from smssync_helpers import RATE_PER_MINUTE, new_message_id

from kondusif import accounts, registry, store
from kondusif.model import SYSTEM, Role, rt_username
from kondusif.sms import senders
from kondusif.timeutil import format_wib

AIR_KUTI = "16.73.01.1001"  # Kel. Air Kuti, Kec. Lubuk Linggau Timur I
RECEIPT = "Laporan LLG-2018-000001 diterima (Politik uang, berat, RT 03 Air Kuti). Terima kasih."
FORMAT = ("Format: LAPOR jenis tingkat RT no kelurahan: uraian. Tingkat: ringan/sedang/berat. "
          "Contoh: LAPOR politik uang berat RT 3 Air Kuti: amplop dibagikan")


def rows(gw, table: str) -> list[dict]:
    with gw.engine().connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(store.metadata.tables[table])).mappings()]


def test_a_lapor_from_a_registered_phone_is_on_the_map_and_its_receipt_goes_back_through_the_phone(gateway):
    engine = gateway.engine()
    registry.ensure_rt_registry(engine)
    accounts.create_account(engine, SYSTEM, rt_username(AIR_KUTI, 3), Role.RT, "482915", display_name="Pak Rahman",
                            kelurahan=AIR_KUTI, rt=3, must_change=False)
    senders.set_phone(engine, SYSTEM, rt_username(AIR_KUTI, 3), "0812-3456-7801")
    mid = new_message_id()

    answer = gateway.recorded("sync_lapor.http", address="10.16.0.1", MESSAGE_ID=mid, DEVICE_ID="hp-kesbangpol")
    assert answer.status == 200, answer.body
    payload = answer.json["payload"]
    assert payload["success"] is True and payload["error"] is None
    assert payload["task"] == "send" and payload["secret"] == gateway.secret()
    (reply,) = payload["messages"]
    assert reply["to"] == "+6281234567801" and reply["message"] == RECEIPT

    reports = store.query_incidents(engine, None, SYSTEM)
    assert len(reports) == 1
    r = reports.iloc[0]
    assert (r["report_no"], r["source"], r["kode_kelurahan"], int(r["rt"]), r["category"], r["severity"]) == \
        ("LLG-2018-000001", "sms", AIR_KUTI, 3, "politik_uang", "berat")
    assert format_wib(r["occurred_at"].to_pydatetime()) == "26/06/2018 12:00 WIB"

    # The phone did not get our answer and posts the same SMS again: success, the same receipt, no second report.
    again = gateway.recorded("sync_lapor.http", address="10.16.0.1", MESSAGE_ID=mid, DEVICE_ID="hp-kesbangpol")
    assert again.status == 200 and again.json["payload"]["messages"] == [reply]
    assert len(store.query_incidents(engine, None, SYSTEM)) == 1
    assert [(o["uuid"], o["state"], o["device_id"]) for o in rows(gateway, "smssync_outbox")] == \
        [(reply["uuid"], "diserahkan", "hp-kesbangpol")]
    (phone,) = [d for d in rows(gateway, "smssync_devices") if d["device_id"] == "hp-kesbangpol"]
    assert phone["last_address"] == "10.16.0.1" and phone["last_error"] is None


def test_free_text_from_an_unknown_number_is_queued_with_one_format_reply_an_hour(gateway):
    first = gateway.recorded("sync_free_text.http", address="10.16.0.2", MESSAGE_ID=new_message_id(),
                             DEVICE_ID="hp-kesbangpol")
    assert first.status == 200
    assert [(m["to"], m["message"]) for m in first.json["payload"]["messages"]] == [("085299990002", FORMAT)]
    queued = [q for q in rows(gateway, "review_queue") if q["sender"] == "+6285299990002"]
    assert [(q["channel"], q["state"], q["text"]) for q in queued] == \
        [("sms", "antri", "pak ada ribut ribut di dekat tps kami")]
    second = gateway.recorded("sync_free_text.http", address="10.16.0.2", MESSAGE_ID=new_message_id(),
                              DEVICE_ID="hp-kesbangpol")
    assert second.status == 200 and second.json == {"payload": {"success": True, "error": None}}


def test_the_rate_is_limited_per_device(gateway):
    def post(device: str):
        return gateway.post_form({"secret": gateway.secret(), "from": "+6285200000001", "message": "ok",
                                  "message_id": new_message_id(), "sent_timestamp": "1529989200000",
                                  "device_id": device}, address="10.16.0.3")

    statuses = [post("hp-banjir").status for _ in range(RATE_PER_MINUTE + 1)]
    assert statuses == [200] * RATE_PER_MINUTE + [429]
    assert post("hp-lain").status == 200  # same address, another phone


def test_what_the_intake_refuses_is_a_400_naming_the_field_and_stores_nothing(gateway):
    before = len(rows(gateway, "sms_messages"))
    bad = gateway.post_form({"secret": gateway.secret(), "message": "LAPOR uang berat RT 3 Air Kuti: x",
                             "message_id": new_message_id(), "device_id": "hp-kesbangpol"}, address="10.16.0.4")
    assert bad.status == 400
    assert bad.json == {"payload": {"success": False, "error": "Kolom «from» (nomor pengirim) kosong."}}
    assert len(rows(gateway, "sms_messages")) == before


def test_the_other_sync_schemes_json_and_put_are_the_same_call_and_odd_bodies_are_named(gateway):
    import json

    def raw(method: str, content_type: str, body: bytes, path: str = "/sms/smssync"):
        head = (f"{method} {path} HTTP/1.1\r\nHost: {gateway.host}\r\nX-Forwarded-For: 10.16.0.5\r\n"
                f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n")
        return gateway.raw(head.encode() + body)

    fields = {"secret": gateway.secret(), "from": "+6285200000077", "message": "ada amplop di RT 2 Majapahit",
              "sent_timestamp": "1529989200000", "device_id": "hp-json"}
    as_json = raw("POST", "application/json", json.dumps({**fields, "message_id": "json-1"}).encode())
    assert as_json.status == 200 and as_json.json["payload"]["success"] is True
    from urllib.parse import urlencode

    as_put = raw("PUT", "application/x-www-form-urlencoded", urlencode({**fields, "message_id": "put-1"}).encode())
    assert as_put.status == 200
    stored = {r["message_id"] for r in rows(gateway, "sms_messages") if r["sender"] == "+6285200000077"}
    assert stored == {"json-1", "put-1"}

    def error(answer) -> str:
        assert answer.status == 400, answer.body
        return answer.json["payload"]["error"]

    assert error(raw("POST", "application/xml", b"<payload/>")) == (
        "Permintaan tidak dapat dibaca: format «application/xml» tidak didukung (pilih URLEncoded atau JSON di SMSsync).")
    assert error(raw("POST", "application/json", b"{rusak")) == "Permintaan tidak dapat dibaca: isi JSON rusak."
    assert error(raw("POST", "application/json", b"[1, 2]")) == \
        "Permintaan tidak dapat dibaca: isi JSON harus berupa objek."
    many = "&".join(f"f{i}=x" for i in range(30)).encode()
    assert error(raw("POST", "application/x-www-form-urlencoded", many)) == \
        "Permintaan tidak dapat dibaca: paling banyak 20 kolom teks, tanpa berkas."
    boundary = "----sk"
    upload = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n"
              f"Content-Type: text/plain\r\n\r\nisi\r\n--{boundary}--\r\n").encode()
    assert error(raw("POST", f"multipart/form-data; boundary={boundary}", upload)) == \
        "Permintaan tidak dapat dibaca: paling banyak 20 kolom teks, tanpa berkas."
    assert raw("DELETE", "text/plain", b"").status == 405
