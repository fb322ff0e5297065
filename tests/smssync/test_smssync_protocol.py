"""Issues 15, 27: the SMSsync protocol's pieces without HTTP: timestamps, fields, phone credentials, the outbox."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from kondusif import store
from kondusif.errors import NotPermitted
from kondusif.model import Role, Viewer
from kondusif.sms import smssync
from kondusif.timeutil import format_wib

NOW = datetime(2018, 6, 27, 3, 0, tzinfo=UTC)  # 10:00 WIB on voting day
ADMIN = Viewer("uji-admin", Role.ADMIN, "Admin Uji")


@pytest.mark.parametrize(("raw", "shown"), [
    ("1529989200000", "26/06/2018 12:00 WIB"),  # what the client sends: Java milliseconds
    ("1529989200", "26/06/2018 12:00 WIB"),  # what the documentation says: UNIX seconds
    (" 1530068400000 ", "27/06/2018 10:00 WIB"),
])
def test_sent_timestamp_in_milliseconds_or_seconds(raw, shown):
    assert format_wib(smssync.parse_timestamp(raw, NOW)) == shown


@pytest.mark.parametrize("raw", [None, "", "kemarin", "nan", "-5", "0", "1e400", "99999999999999999999"])
def test_an_unreadable_timestamp_is_the_moment_of_arrival(raw):
    assert smssync.parse_timestamp(raw, NOW) == NOW


def test_a_phone_clock_far_ahead_is_not_believed():
    ahead = str(int(datetime(2018, 6, 27, 4, 0, tzinfo=UTC).timestamp()) * 1000)  # an hour ahead (ms)
    assert smssync.parse_timestamp(ahead, NOW) == NOW
    close = str(int(datetime(2018, 6, 27, 3, 5, tzinfo=UTC).timestamp()))  # five minutes: clock drift, kept
    assert format_wib(smssync.parse_timestamp(close, NOW)) == "27/06/2018 10:05 WIB"


PHONE = smssync.Phone(7, "posko-setda-1")


def test_the_fields_of_a_sync_post_cleaned_of_controls_and_bidi_overrides():
    msg = smssync.read_message({"from": "+62812\u202e34567801", "message": "LAPOR uang berat RT 3 Air Kuti: "
                                "amplop\x1b[2J\r\n", "message_id": "7f1c2f0e-5b0e-4c55-9d43-2f0d1c1a8e01",
                                "sent_timestamp": "1529989200000", "sent_to": "+6281377770001",
                                "device_id": "hp-kesbangpol\x00", "secret": "x"}, NOW, phone=PHONE)
    assert (msg.sender, msg.text, msg.received_at, msg.device_id, msg.sent_to, msg.phone, msg.client_id) == (
        "+6281234567801", "LAPOR uang berat RT 3 Air Kuti: amplop[2J\n", datetime(2018, 6, 26, 5, 0, tzinfo=UTC),
        "hp-kesbangpol", "+6281377770001", PHONE, "7f1c2f0e-5b0e-4c55-9d43-2f0d1c1a8e01")


def test_an_sms_is_its_phone_id_sender_and_text_not_the_phones_message_id_alone():
    fields = {"from": "+6281234567801", "message": "LAPOR uang berat RT 3 Air Kuti: amplop", "message_id": "42"}
    first = smssync.read_message(fields, NOW, phone=PHONE)
    assert smssync.read_message(dict(fields), NOW, phone=PHONE).message_id == first.message_id  # a true retry
    others = [
        smssync.read_message({**fields, "from": "+6281234567802"}, NOW, phone=PHONE),  # another sender, same id
        smssync.read_message({**fields, "message": "LAPOR uang berat RT 3 Air Kuti: kaos"}, NOW, phone=PHONE),
        smssync.read_message(fields, NOW, phone=smssync.Phone(8, "posko-2")),  # another phone's counter
        smssync.read_message({**fields, "message_id": "43"}, NOW, phone=PHONE),  # the same text sent again
    ]
    assert len({first.message_id, *(o.message_id for o in others)}) == 5


def test_without_a_message_id_the_same_sms_gets_the_same_key():
    fields = {"from": "081234567801", "message": "ada amplop", "sent_timestamp": "1529989200"}
    first, again = smssync.read_message(fields, NOW), smssync.read_message(dict(fields), NOW)
    assert first.message_id == again.message_id and first.client_id == "ts:1529989200"
    other = smssync.read_message({**fields, "message": "ada amplop lagi"}, NOW)
    assert other.message_id != first.message_id


@pytest.mark.parametrize(("fields", "error"), [
    ({"message": "x"}, "Kolom «from» (nomor pengirim) kosong."),
    ({"from": "  ", "message": "x"}, "Kolom «from» (nomor pengirim) kosong."),
    ({"from": "+62812"}, "Kolom «message» (isi SMS) tidak ada."),
    ({"from": "1" * 41, "message": "x"}, "Kolom «from» terlalu panjang (paling banyak 40 karakter)."),
    ({"from": "+62812", "message": "x", "message_id": "m" * 81},
     "Kolom «message_id» terlalu panjang (paling banyak 80 karakter)."),
    ({"from": "+62812", "message": "x", "device_id": "d" * 65},
     "Kolom «device_id» terlalu panjang (paling banyak 64 karakter)."),
])
def test_a_malformed_sync_post_names_the_field(fields, error):
    with pytest.raises(smssync.ProtocolError) as caught:
        smssync.read_message(fields, NOW)
    assert str(caught.value) == error


def test_each_phone_gets_its_own_typeable_secret_kept_only_as_a_hash(engine):
    one, secret_one = smssync.register_phone(engine, ADMIN, "  posko   setda-1 ")
    two, secret_two = smssync.register_phone(engine, ADMIN, "hp.kesbangpol_2")
    assert (one.label, two.label) == ("posko setda-1", "hp.kesbangpol_2") and secret_one != secret_two
    assert [len(g) for g in secret_one.split("-")] == [5, 5, 5, 5, 5]
    assert not set(secret_one.replace("-", "")) & set("il1o0")  # nothing to misread when typing it into a phone
    assert smssync.phone_for_secret(engine, secret_one) == one
    assert smssync.phone_for_secret(engine, f" {secret_two}\n") == two
    for wrong in (None, "", secret_one.upper(), secret_one[:-1], secret_one + "x", 12345, ["x"], "a" * 5000):
        assert smssync.phone_for_secret(engine, wrong) is None, wrong
    with engine.connect() as conn:  # neither in the phones table nor in the audit log
        dumped = " ".join(str(v) for t in (store.smssync_phones, store.audit_log)
                          for row in conn.execute(sa.select(t)) for v in row)
    assert secret_one not in dumped and secret_two not in dumped
    assert "ponsel gerbang SMSsync «posko setda-1» didaftarkan" in dumped


def test_a_revoked_phone_is_refused_and_the_others_keep_working(engine):
    lost, lost_secret = smssync.register_phone(engine, ADMIN, "hilang")
    kept, kept_secret = smssync.register_phone(engine, ADMIN, "posko")
    assert smssync.revoke_phone(engine, ADMIN, "HILANG") == lost
    assert smssync.phone_for_secret(engine, lost_secret) is None
    assert smssync.phone_for_secret(engine, kept_secret) == kept
    with pytest.raises(smssync.PhoneError, match="sudah dicabut"):
        smssync.revoke_phone(engine, ADMIN, "hilang")
    with pytest.raises(smssync.PhoneError, match="sudah dipakai"):
        smssync.register_phone(engine, ADMIN, "Hilang")  # a revoked name stays taken: old SMS keep naming it
    listed = smssync.list_phones(engine, ADMIN)
    assert [(p["label"], p["revoked_by"]) for p in listed] == [("posko", None), ("hilang", "uji-admin")]


@pytest.mark.parametrize(("label", "error"), [
    ("", "Nama ponsel kosong. Contoh: posko-setda-1."),
    ("\u202e\x1b", "Nama ponsel kosong. Contoh: posko-setda-1."),
    ("hp<script>", "Nama ponsel «hp<script>» tidak dapat dipakai: paling banyak 40 karakter, hanya huruf, angka, "
                   "spasi, titik, garis (-) dan garis bawah (_)."),
    ("x" * 41, "Nama ponsel «" + "x" * 41 + "» tidak dapat dipakai: paling banyak 40 karakter, hanya huruf, angka, "
               "spasi, titik, garis (-) dan garis bawah (_)."),
])
def test_a_bad_phone_name_is_refused_by_name(engine, label, error):
    with pytest.raises(smssync.PhoneError) as caught:
        smssync.register_phone(engine, ADMIN, label)
    assert str(caught.value) == error
    assert smssync.list_phones(engine, ADMIN) == []


def test_only_the_admin_registers_lists_or_revokes_phones(engine):
    smssync.register_phone(engine, ADMIN, "posko")
    for role in (Role.PANWASLU, Role.PEJABAT, Role.RT):
        who = Viewer("x", role, "X", kelurahan="16.73.01.1001", rt=1)
        with pytest.raises(NotPermitted):
            smssync.register_phone(engine, who, "lain")
        with pytest.raises(NotPermitted):
            smssync.list_phones(engine, who)
        with pytest.raises(NotPermitted):
            smssync.revoke_phone(engine, who, "posko")
    assert [p["label"] for p in smssync.list_phones(engine, ADMIN)] == ["posko"]


def _msg(mid: str, phone: smssync.Phone | None = None) -> smssync.SyncMessage:
    return smssync.SyncMessage(mid, "+6281234567801", "LAPOR …", NOW, "hp-1", "", phone)


def test_one_reply_per_message_handed_again_only_while_unconfirmed(engine):
    first = smssync.queue_reply(engine, _msg("m-1"), "Laporan LLG-2018-000001 diterima. Terima kasih.", True)
    assert first is not None and first.to == "+6281234567801"
    again = smssync.queue_reply(engine, _msg("m-1"), "teks lain", True)  # the phone re-sent: same reply
    assert again == first
    assert smssync.confirm_queued(engine, [first.uuid]) == [first.uuid]
    assert smssync.queue_reply(engine, _msg("m-1"), "teks lain", True) is None  # queued on the phone: not twice
    assert smssync.outbox_counts(engine, ADMIN) == {"menunggu": 0, "diserahkan": 0, "diantre": 1, "terkirim": 0,
                                                    "gagal": 0}
    assert smssync.record_results(engine, [{"uuid": first.uuid, "sent_result_code": 0,
                                            "sent_result_message": "SMSSync Message Sent"}]) == 1
    assert smssync.confirm_queued(engine, [first.uuid]) == []  # sent: never again
    assert smssync.record_results(engine, [{"uuid": first.uuid, "sent_result_code": 1}]) == 0
    assert smssync.outbox_counts(engine, ADMIN)["terkirim"] == 1


def test_in_task_mode_the_reply_waits_for_a_poll_and_is_handed_once(engine):
    assert smssync.queue_reply(engine, _msg("m-2"), "balasan", False) is None
    taken = smssync.take_waiting(engine, None)
    assert [(t.to, t.message) for t in taken] == [("+6281234567801", "balasan")]
    assert smssync.take_waiting(engine, None) == []


def test_a_phone_polls_only_the_replies_to_sms_it_carried(engine):
    mine, _ = smssync.register_phone(engine, ADMIN, "posko-1")
    other, _ = smssync.register_phone(engine, ADMIN, "posko-2")
    smssync.queue_reply(engine, _msg("m-a", mine), "untuk posko 1", False)
    smssync.queue_reply(engine, _msg("m-b", other), "untuk posko 2", False)
    assert [t.message for t in smssync.take_waiting(engine, other)] == ["untuk posko 2"]
    assert smssync.take_waiting(engine, other) == []
    assert [t.message for t in smssync.take_waiting(engine, mine)] == ["untuk posko 1"]


def test_garbage_from_the_results_api_changes_nothing(engine):
    out = smssync.queue_reply(engine, _msg("m-3"), "balasan", True)
    for junk in (None, "x", {"uuid": out.uuid}, [None, "x", {"uuid": 5}, {"uuid": out.uuid},
                                                {"uuid": out.uuid, "sent_result_code": "abc"}]):
        assert smssync.record_results(engine, junk) == 0
        assert smssync.confirm_queued(engine, junk if not isinstance(junk, dict) else [junk]) == []
    assert smssync.outbox_counts(engine, ADMIN)["diserahkan"] == 1


def test_the_rate_is_counted_per_phone_and_address_in_the_store_by_racing_threads(engine):
    """30 requests a minute for (phone, address): 40 racing requests in one minute let exactly 30 through."""
    phone, _ = smssync.register_phone(engine, ADMIN, "posko")
    minute = datetime(2018, 6, 27, 3, 0, 12, tzinfo=UTC)
    start = threading.Barrier(8)
    waits: list[float] = []
    lock = threading.Lock()

    def racer() -> None:
        start.wait()
        for _ in range(5):
            w = smssync.count_request(engine, phone, "10.0.0.5", 30, minute)
            with lock:
                waits.append(w)

    threads = [threading.Thread(target=racer) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(waits) == [0.0] * 30 + [48.0] * 10  # refused until the minute ends (12 s past it)
    assert smssync.count_request(engine, phone, "10.0.0.6", 30, minute) == 0.0  # another address: its own count
    other, _ = smssync.register_phone(engine, ADMIN, "posko-2")
    assert smssync.count_request(engine, other, "10.0.0.5", 30, minute) == 0.0  # another phone: its own count
    next_minute = datetime(2018, 6, 27, 3, 1, 0, tzinfo=UTC)
    assert smssync.count_request(engine, phone, "10.0.0.5", 30, next_minute) == 0.0  # a new minute, a new count


def test_a_schema_3_store_turns_the_old_shared_secret_into_one_revocable_phone(engine):
    """The phone already holding the installation's old secret keeps working as «ponsel-lama»; the value goes."""
    old = "k7mpx-2qrst-uvwxy-z2345-6789a"
    with engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE sms_messages DROP COLUMN gateway_phone")
        conn.exec_driver_sql("ALTER TABLE smssync_outbox DROP COLUMN phone_id")
        conn.execute(store.settings_kv.insert().values(key="smssync_secret", value=f'"{old}"', updated_at=NOW,
                                                       updated_by="sistem"))
        conn.execute(store.meta.update().where(store.meta.c.key == "schema_version").values(value="3"))
    store.init_db(engine)
    assert store.schema_version(engine) == store.SCHEMA_VERSION
    assert smssync.phone_for_secret(engine, old).label == "ponsel-lama"
    with engine.connect() as conn:
        assert conn.execute(sa.select(store.settings_kv.c.key).where(
            store.settings_kv.c.key == "smssync_secret")).first() is None
        assert {"gateway_phone"} <= {c["name"] for c in sa.inspect(conn).get_columns("sms_messages")}
    smssync.revoke_phone(engine, ADMIN, "ponsel-lama")
    assert smssync.phone_for_secret(engine, old) is None
    store.init_db(engine)  # a second start changes nothing
    assert [p["label"] for p in smssync.list_phones(engine, ADMIN)] == ["ponsel-lama"]
