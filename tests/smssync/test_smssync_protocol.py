"""Issue 15: the SMSsync protocol's pieces without HTTP: timestamps, fields, the secret, the outbox."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from kondusif import store
from kondusif.errors import NotPermitted
from kondusif.model import Role, Viewer
from kondusif.sms import smssync
from kondusif.timeutil import format_wib
from kondusif.web.smssync import RateLimiter

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


def test_the_fields_of_a_sync_post():
    msg = smssync.read_message({"from": "+6281234567801", "message": "LAPOR uang berat RT 3 Air Kuti: amplop\r\n",
                                "message_id": "7f1c2f0e-5b0e-4c55-9d43-2f0d1c1a8e01", "sent_timestamp": "1529989200000",
                                "sent_to": "+6281377770001", "device_id": "hp-kesbangpol\x00", "secret": "x"}, NOW)
    assert msg == smssync.SyncMessage(
        message_id="7f1c2f0e-5b0e-4c55-9d43-2f0d1c1a8e01", sender="+6281234567801",
        text="LAPOR uang berat RT 3 Air Kuti: amplop\n", received_at=datetime(2018, 6, 26, 5, 0, tzinfo=UTC),
        device_id="hp-kesbangpol", sent_to="+6281377770001")


def test_without_a_message_id_the_same_sms_gets_the_same_key():
    fields = {"from": "081234567801", "message": "ada amplop", "sent_timestamp": "1529989200"}
    first, again = smssync.read_message(fields, NOW), smssync.read_message(dict(fields), NOW)
    assert first.message_id == again.message_id and first.message_id.startswith("fp:")
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


def test_the_secret_is_made_once_typeable_and_compared_exactly(engine):
    first = smssync.ensure_secret(engine)
    assert smssync.ensure_secret(engine) == first
    groups = first.split("-")
    assert [len(g) for g in groups] == [5, 5, 5, 5, 5]
    assert not set(first.replace("-", "")) & set("il1o0")  # nothing to misread when typing it into a phone
    assert smssync.secret_ok(first, first) and smssync.secret_ok(f" {first} ", first)
    for wrong in (None, "", first.upper(), first[:-1], first + "x", 12345, ["x"]):
        assert not smssync.secret_ok(wrong, first), wrong
    # never copied into the audit log
    with engine.connect() as conn:
        details = [r[0] or "" for r in conn.execute(sa.select(store.audit_log.c.details, store.audit_log.c.note))]
    assert all(first not in d for d in details)


def test_only_the_admin_sees_or_changes_the_secret(engine):
    secret = smssync.show_secret(engine, ADMIN)
    for role in (Role.PANWASLU, Role.PEJABAT, Role.RT):
        with pytest.raises(NotPermitted):
            smssync.show_secret(engine, Viewer("x", role, "X", kelurahan="16.73.01.1001", rt=1))
        with pytest.raises(NotPermitted):
            smssync.rotate_secret(engine, Viewer("x", role, "X", kelurahan="16.73.01.1001", rt=1))
    fresh = smssync.rotate_secret(engine, ADMIN)
    assert fresh != secret and smssync.ensure_secret(engine) == fresh
    with engine.connect() as conn:
        notes = [r[0] for r in conn.execute(sa.select(store.audit_log.c.note).where(
            store.audit_log.c.entity_id == smssync.KV_KEY).order_by(store.audit_log.c.id))]
    assert notes == ["rahasia SMSsync dibuat", "rahasia SMSsync diganti"]


def _msg(mid: str) -> smssync.SyncMessage:
    return smssync.SyncMessage(mid, "+6281234567801", "LAPOR …", NOW, "hp-1", "")


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
    taken = smssync.take_waiting(engine)
    assert [(t.to, t.message) for t in taken] == [("+6281234567801", "balasan")]
    assert smssync.take_waiting(engine) == []


def test_garbage_from_the_results_api_changes_nothing(engine):
    out = smssync.queue_reply(engine, _msg("m-3"), "balasan", True)
    for junk in (None, "x", {"uuid": out.uuid}, [None, "x", {"uuid": 5}, {"uuid": out.uuid},
                                                {"uuid": out.uuid, "sent_result_code": "abc"}]):
        assert smssync.record_results(engine, junk) == 0
        assert smssync.confirm_queued(engine, junk if not isinstance(junk, dict) else [junk]) == []
    assert smssync.outbox_counts(engine, ADMIN)["diserahkan"] == 1


def test_the_rate_limiter_refills_over_time():
    limiter = RateLimiter()
    clock = iter([0.0] * 3 + [0.0, 20.0, 20.0]).__next__
    assert [limiter.check("hp", 3, clock) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.check("hp", 3, clock) == pytest.approx(20.0)  # 3 a minute: the next token in 20 s
    assert limiter.check("hp", 3, clock) == 0.0  # 20 s later one token is back
    assert limiter.check("hp", 3, clock) == pytest.approx(20.0)
