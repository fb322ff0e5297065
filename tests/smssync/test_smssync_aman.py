"""Issue 24: "AMAN" through the SMSsync endpoint of the running app: a check-in for the registered number's RT,
its one-SMS reply in the answer, a repeat counted once; an unknown number waits as a check-in candidate."""

from __future__ import annotations

import sqlalchemy as sa
from smssync_helpers import new_message_id

from kondusif import accounts, registry, store
from kondusif.model import SYSTEM, Role, rt_username
from kondusif.sms import senders

AIR_KUTI = "16.73.01.1001"
REPLY = "Terima kasih. Laporan AMAN RT 03 Air Kuti pukul 12.00 WIB tercatat."  # sent 26/06/2018 12:00 WIB


def checkins(gw) -> list[tuple]:
    c = store.checkins.c
    with gw.engine().connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(c.kode_kelurahan, c.rt, c.channel, c.phone))]


def test_aman_from_a_registered_phone_is_a_checkin_with_its_reply(gateway):
    engine = gateway.engine()
    registry.ensure_rt_registry(engine)
    accounts.create_account(engine, SYSTEM, rt_username(AIR_KUTI, 3), Role.RT, "482915", display_name="Pak Rahman",
                            kelurahan=AIR_KUTI, rt=3, must_change=False)
    senders.set_phone(engine, SYSTEM, rt_username(AIR_KUTI, 3), "0812-3456-7833")
    fields = {"secret": gateway.secret(), "from": "+6281234567833", "message": "aman terkendali",
              "message_id": new_message_id(), "sent_timestamp": "1529989200000", "device_id": "hp-posko"}
    answer = gateway.post_form(fields, address="10.24.0.1")
    assert answer.status == 200, answer.body
    (reply,) = answer.json["payload"]["messages"]
    assert (reply["to"], reply["message"]) == ("+6281234567833", REPLY)
    again = gateway.post_form(fields, address="10.24.0.1")
    assert again.status == 200 and again.json["payload"]["messages"] == [reply]
    assert checkins(gateway) == [(AIR_KUTI, 3, "smssync", "+6281234567833")]
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(store.incidents)).scalar() == 0


def test_aman_from_an_unknown_phone_waits_in_the_queue(gateway):
    fields = {"secret": gateway.secret(), "from": "+6285299992424", "message": "AMAN RT 2 Majapahit",
              "message_id": new_message_id(), "sent_timestamp": "1529989200000", "device_id": "hp-posko"}
    answer = gateway.post_form(fields, address="10.24.0.2")
    assert answer.status == 200
    with gateway.engine().connect() as conn:
        q = store.review_queue.c
        reasons = conn.execute(sa.select(q.reason).where(q.sender == "+6285299992424")).scalars().all()
    assert len(reasons) == 1 and reasons[0].startswith("calon laporan aman")
    assert all(row[3] != "+6285299992424" for row in checkins(gateway))
