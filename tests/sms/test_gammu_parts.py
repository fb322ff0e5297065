"""Joining the parts of a concatenated SMS from Gammu's inbox rows (UDH as Gammu stores it, hex)."""

from __future__ import annotations

from datetime import datetime

import pytest

from kondusif.__main__ import main
from kondusif.sms.gammu import Gateway, Part, concat_info, group_parts, message_id

AT = datetime(2018, 6, 27, 10, 15)


@pytest.mark.parametrize(("udh", "expected"), [
    ("050003A70201", (0xA7, 2, 1)),  # 8-bit reference
    ("06080412340302", (0x1234, 3, 2)),  # 16-bit reference
    ("0B0504158200000003A70202", (0xA7, 2, 2)),  # after a port-addressing element
    ("", None),
    ("zz", None),
    ("0500", None),
    ("050003A701", None),  # cut short
])
def test_concat_info(udh, expected):
    assert concat_info(udh) == expected


def part(i: int, text: str, udh: str = "", sender: str = "+6281234567890") -> Part:
    return Part(i, sender, text, AT, udh)


def test_parts_join_in_sequence_order_whatever_order_they_arrived():
    groups = group_parts([part(10, " dua", "050003070202"), part(11, "lain"), part(12, "satu", "050003070201")])
    assert [(g.ids(), g.text(), g.complete) for g in groups] == [([10, 12], "satu dua", True), ([11], "lain", True)]


def test_same_reference_from_two_senders_stays_two_messages():
    groups = group_parts([part(1, "a", "050003070201", "+62811"), part(2, "b", "050003070201", "+62812")])
    assert [g.ids() for g in groups] == [[1], [2]]
    assert not any(g.complete for g in groups)


def test_an_incomplete_message_waits_then_goes_as_it_is():
    gw = Gateway(gammu=None, engine=None, multipart_wait=60)
    waiting = group_parts([part(5, "awal pesan ", "050003090301"), part(6, "tengah", "050003090302")])
    assert gw.ready(waiting, clock=100.0) == []
    assert gw.ready(waiting, clock=159.0) == []
    late = gw.ready(waiting, clock=160.0)
    assert [(g.ids(), g.text()) for g in late] == [([5, 6], "awal pesan tengah")]


def test_the_message_id_is_the_first_row_plus_a_hash_of_it():
    one = group_parts([part(7, "halo")])[0]
    same_row_again = group_parts([part(7, "halo")])[0]
    recreated_db = group_parts([part(7, "pesan lain")])[0]  # a new Gammu database reuses ID 7
    assert message_id(one) == message_id(same_row_again)
    assert message_id(one).startswith("7-") and message_id(one) != message_id(recreated_db)


def test_an_unreachable_gammu_database_is_a_clear_message(engine, capsys):
    assert main(["sms-gateway", "--gammu-db", "postgresql://smsd@127.0.0.1:1/smsd", "--once"]) == 3
    err = capsys.readouterr().err
    assert "tabel inbox Gammu di postgresql://smsd@127.0.0.1:1/smsd tidak terbaca" in err
    assert main(["sms-gateway", "--gammu-db", "bukan url", "--once"]) == 2
    assert "bukan URL basis data" in capsys.readouterr().err
