"""Splitting WhatsApp exports (Android, iPhone) and SMS dumps into messages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from intake_helpers import fixture_bytes

from kondusif.intake.chat import detect_channel, parse_sms, parse_whatsapp, read_chat
from kondusif.intake.files import FileRefused


def test_android_export():
    msgs, layout = parse_whatsapp(fixture_bytes("wa_android.txt").decode())
    assert layout == "android" and len(msgs) == 18
    lapor = msgs[4]
    assert lapor.sender == "Pak Rahman RT 03" and lapor.kind == "message"
    assert lapor.sent_at == datetime(2018, 6, 20, 7, 32, tzinfo=UTC)  # 14.32 WIB
    assert lapor.text.startswith("LAPOR politik uang berat RT 03 Air Kuti:")
    multi = msgs[6]
    assert multi.text == "Pak, baliho paslon di depan masjid dirusak orang\ntadi siang, kainnya disobek"
    assert multi.line == 7
    kinds = [m.kind for m in msgs]
    assert kinds[:3] == ["system", "system", "system"]  # encryption notice, group created, member added
    assert msgs[7].kind == "media" and msgs[13].kind == "system"  # <Media tidak disertakan>, "keluar"
    assert msgs[15].kind == "media" and "dihapus" in msgs[15].reason
    assert msgs[8].sender == "+62 812-3456-7890" and msgs[8].phone == "+62 812-3456-7890"


def test_iphone_export_with_invisible_marks_and_four_digit_years():
    msgs, layout = parse_whatsapp(fixture_bytes("wa_iphone.txt").decode())
    assert layout == "iphone" and len(msgs) == 11
    assert [m.kind for m in msgs[:4]] == ["system", "system", "message", "media"]
    assert msgs[2].sent_at == datetime(2018, 6, 20, 7, 32, 10, tzinfo=UTC)
    assert msgs[4].sent_at == datetime(2018, 6, 20, 8, 10, 45, tzinfo=UTC)  # 4-digit year
    assert msgs[5].sent_at == datetime(2018, 6, 20, 8, 40, tzinfo=UTC)  # ":" separators
    assert msgs[7].kind == "media"  # <lampiran: ...>
    assert msgs[8].kind == "invalid" and "kalender" in msgs[8].reason  # 31/02
    assert msgs[9].kind == "system"  # U+200E before "... keluar"
    assert "\u200e" not in "".join(m.text for m in msgs)


def test_same_message_same_fingerprint_on_both_phones():
    android, _ = parse_whatsapp(fixture_bytes("wa_android.txt").decode())
    iphone, _ = parse_whatsapp(fixture_bytes("wa_iphone.txt").decode())
    assert android[4].fingerprint() == iphone[2].fingerprint()  # the LAPOR message
    assert android[6].fingerprint() == iphone[4].fingerprint()  # the multi-line one


def test_am_pm_and_month_first_exports():
    text = "6/20/18, 2:32 PM - Pak A: ada amplop\n6/21/18, 9:05 AM - Pak A: lagi\n"
    msgs, _ = parse_whatsapp(text)
    assert msgs[0].sent_at == datetime(2018, 6, 20, 7, 32, tzinfo=UTC)
    assert msgs[1].sent_at == datetime(2018, 6, 21, 2, 5, tzinfo=UTC)


def test_text_before_the_first_message_is_accounted_for():
    msgs, _ = parse_whatsapp("judul ekspor\n20/06/18 14.32 - A: halo\n")
    assert [m.kind for m in msgs] == ["invalid", "message"]


def test_sms_lines():
    msgs = parse_sms(fixture_bytes("sms.txt").decode())
    assert len(msgs) == 9  # header and blank line are not messages
    assert msgs[0].sender == "+6281234567890" and msgs[0].sent_at == datetime(2018, 6, 20, 7, 32, tzinfo=UTC)
    assert msgs[2].sent_at == datetime(2018, 6, 20, 9, 10, tzinfo=UTC)  # 20/06/2018 16:10 WIB
    assert msgs[5].kind == "invalid" and "format SMS" in msgs[5].reason
    assert msgs[6].kind == "invalid" and "waktu" in msgs[6].reason


def test_channel_detection_and_refusals():
    assert detect_channel(fixture_bytes("wa_android.txt").decode()) == "whatsapp"
    assert detect_channel(fixture_bytes("wa_iphone.txt").decode()) == "whatsapp"
    assert detect_channel(fixture_bytes("sms.txt").decode()) == "sms"
    for data, words in ((b"", "kosong"), (b"halo apa kabar\n", "tidak dikenali"), (b"PK\x03\x04zip", "ZIP"),
                        (bytes(range(256)) * 4, "biner")):
        with pytest.raises(FileRefused, match=words):
            read_chat(data)
    with pytest.raises(FileRefused, match="WhatsApp"):
        read_chat(fixture_bytes("sms.txt"), "whatsapp")
