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
UNREGISTERED = ("Pesan Anda diterima dan akan diperiksa petugas. Nomor ini belum terdaftar sebagai Ketua RT; "
                "hubungi operator Setda untuk mendaftarkannya.")


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


def test_free_text_from_an_unknown_number_is_queued_and_told_so_once_an_hour(gateway):
    first = gateway.recorded("sync_free_text.http", address="10.16.0.2", MESSAGE_ID=new_message_id(),
                             DEVICE_ID="hp-kesbangpol")
    assert first.status == 200
    assert [(m["to"], m["message"]) for m in first.json["payload"]["messages"]] == [("085299990002", UNREGISTERED)]
    queued = [q for q in rows(gateway, "review_queue") if q["sender"] == "+6285299990002"]
    assert [(q["channel"], q["state"], q["text"]) for q in queued] == \
        [("sms", "antri", "pak ada ribut ribut di dekat tps kami")]
    second = gateway.recorded("sync_free_text.http", address="10.16.0.2", MESSAGE_ID=new_message_id(),
                              DEVICE_ID="hp-kesbangpol")
    assert second.status == 200 and second.json == {"payload": {"success": True, "error": None}}


def test_the_rate_is_counted_per_phone_and_address_whatever_device_id_the_client_sends(gateway):
    def post(device: str, label: str = "uji-posko"):
        return gateway.post_form({"secret": gateway.secret(label), "from": "+6285200000001", "message": "ok",
                                  "message_id": new_message_id(), "sent_timestamp": "1529989200000",
                                  "device_id": device}, address="10.16.0.3")

    statuses = [post(f"hp-{i}").status for i in range(RATE_PER_MINUTE + 5)]  # a new device id every time
    if statuses[:RATE_PER_MINUTE] != [200] * RATE_PER_MINUTE:  # a minute boundary mid-run: the count restarted
        statuses = [post(f"hp-ulang-{i}").status for i in range(RATE_PER_MINUTE + 5)]
    assert statuses == [200] * RATE_PER_MINUTE + [429] * 5
    assert post("hp-0", label="uji-posko-2").status == 200  # same address, another registered phone


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
    stored = [r for r in rows(gateway, "sms_messages") if r["sender"] == "+6285200000077"]
    assert len(stored) == 2 and {r["gateway_phone"] for r in stored} == {"uji-posko"}

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


def test_a_json_body_with_a_lone_surrogate_is_a_400_with_the_reason_and_stores_nothing(gateway):
    before = len(rows(gateway, "sms_messages"))
    body = ('{"secret": "' + gateway.secret() + '", "from": "+6285200000088", "message": "amplop \\ud800 '
            'dibagikan", "message_id": "sur-1", "device_id": "hp-json"}').encode()
    answer = gateway.raw(f"POST /sms/smssync HTTP/1.1\r\nHost: {gateway.host}\r\nX-Forwarded-For: 10.16.0.6\r\n"
                         f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                         "Connection: close\r\n\r\n".encode() + body)
    assert answer.status == 400, answer.body
    assert answer.json["payload"]["error"] == (
        "Permintaan tidak dapat dibaca: kolom «message» memuat karakter \\uD800-\\uDFFF tunggal (surrogate tanpa "
        "pasangan), bukan teks Unicode yang sah.")
    assert len(rows(gateway, "sms_messages")) == before


def test_a_different_sms_reusing_a_message_id_is_stored_and_answered_to_its_own_sender(gateway):
    """Issue 27.2: another phone (or one whose counter restarted) reuses an id: never a no-op, never the
    first sender's receipt."""
    def post(sender: str, text: str, label: str = "uji-posko"):
        answer = gateway.post_form({"secret": gateway.secret(label), "from": sender, "message": text,
                                    "message_id": "42", "sent_timestamp": "1529989200000", "device_id": "hp-a"},
                                   address="10.16.0.7")
        assert answer.status == 200, answer.body
        return [(m["to"], m["message"]) for m in answer.json["payload"].get("messages", [])]

    first = post("+6285211110001", "Warga lihat amplop dibagikan tim sukses di pos ronda")
    assert first == [("+6285211110001", UNREGISTERED)]
    assert post("+6285211110001", "Warga lihat amplop dibagikan tim sukses di pos ronda") == first  # a true retry
    other_sender = post("+6285211110002", "Baliho calon dirusak orang tak dikenal semalam")
    assert other_sender == [("+6285211110002", UNREGISTERED)]
    other_phone = post("+6285211110003", "Warga lihat amplop dibagikan tim sukses di pos ronda", "uji-posko-3")
    assert other_phone == [("+6285211110003", UNREGISTERED)]
    queued = sorted(q["sender"] for q in rows(gateway, "review_queue") if q["sender"].startswith("+62852111100"))
    assert queued == ["+6285211110001", "+6285211110002", "+6285211110003"]


def test_a_revoked_phone_is_refused_and_a_phone_never_polls_another_phones_replies(gateway):
    from kondusif.model import Role, Viewer
    from kondusif.sms import smssync

    def poll(label: str, address: str):
        return gateway.raw(f"GET /sms/smssync?task=send&secret={gateway.secret(label)} HTTP/1.1\r\n"
                           f"Host: {gateway.host}\r\nX-Forwarded-For: {address}\r\nConnection: close\r\n\r\n".encode())

    engine = gateway.engine()
    smssync.queue_reply(engine, smssync.SyncMessage("uji-kirim-a", "+6285233330001", "x", smssync.now(), "", "",
                                                    gateway.phone("uji-pemilik")), "untuk pemilik", False)
    stranger = poll("uji-orang-lain", "10.16.0.8")
    assert stranger.status == 200 and stranger.json["payload"]["messages"] == []
    owner = poll("uji-pemilik", "10.16.0.8")
    assert [m["message"] for m in owner.json["payload"]["messages"]] == ["untuk pemilik"]
    smssync.revoke_phone(engine, Viewer("uji-admin", Role.ADMIN, "Admin"), "uji-pemilik")
    refused = poll("uji-pemilik", "10.16.0.9")
    assert refused.status == 403 and "dicabut" in refused.json["payload"]["error"]


def test_control_characters_in_from_and_message_never_come_back(gateway):
    answer = gateway.post_form({"secret": gateway.secret(), "from": "+62852\u202e4444\x1b0001",
                                "message": "Warga lihat amplop\x1b[2J dibagikan \u2066tim sukses\u2069",
                                "message_id": new_message_id(), "device_id": "hp-a"}, address="10.16.0.10")
    assert answer.status == 200, answer.body
    assert [m["to"] for m in answer.json["payload"]["messages"]] == ["+6285244440001"]
    (row,) = [r for r in rows(gateway, "sms_messages") if r["sender"] == "+6285244440001"]
    assert row["text"] == "Warga lihat amplop[2J dibagikan tim sukses"


def test_a_form_field_that_is_not_utf8_is_a_400_naming_it_and_stores_nothing(gateway):
    """%FF in URL-encoded text would become U+FFFD in the stored SMS; the phone is told instead."""
    before = len(rows(gateway, "sms_messages"))
    body = (f"secret={gateway.secret()}&from=%2B6285200000089&message=amplop+%FF%FE+dibagikan"
            "&message_id=utf-1&device_id=hp-form").encode()
    answer = gateway.raw(f"POST /sms/smssync HTTP/1.1\r\nHost: {gateway.host}\r\nX-Forwarded-For: 10.16.0.6\r\n"
                         f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n"
                         "Connection: close\r\n\r\n".encode() + body)
    assert answer.status == 400, answer.body
    assert answer.json["payload"]["error"] == "Permintaan tidak dapat dibaca: kolom «message» bukan teks UTF-8."
    assert len(rows(gateway, "sms_messages")) == before
