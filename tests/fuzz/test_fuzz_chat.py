"""Any chat export or message ends as messages/readings or a clear FileRefused, never a crash.

Inputs mix arbitrary bytes/text with lines that look almost like WhatsApp and
SMS exports (timestamps with out-of-range fields, stray invisible marks, LAPOR
messages with odd parts), because the bugs live next to the valid format.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fuzz_helpers import fuzz_settings
from hypothesis import example, given
from hypothesis import strategies as st

from kondusif.intake import chat, messages
from kondusif.intake.files import FileRefused
from kondusif.intake.validate import check_records, make_rules
from kondusif.model import SYSTEM
from lubuklinggau_geo import gazetteer

FUZZ = fuzz_settings(150)
KEL_NAMES = gazetteer.kelurahan()["nama"].tolist()
KEL_CODES = set(gazetteer.kelurahan_codes())
OUTCOMES = {"report", "review", "rejected", "checkin"}
KINDS = {"message", "system", "media", "invalid"}

num = st.integers(min_value=0, max_value=99).map(str)
sep = st.sampled_from(["/", ".", "-"])
tsep = st.sampled_from([".", ":"])
ampm = st.sampled_from(["", " AM", " pm", " P.M.", " a.m."])
year = st.one_of(num, st.integers(min_value=0, max_value=9999).map(lambda y: f"{y:04d}"))
words = st.one_of(
    st.sampled_from(["LAPOR", "lapor", "politik uang", "berat", "ringan", "sedang", "RT 03", "RT.7", "amplop",
                     "bentrok", "hoaks", "baliho dirusak", "ok", "terima kasih", "<Media tidak disertakan>",
                     "Pesan ini dihapus", ":", ": ", "\u200e", "\u202f", "\ufeff", "\n", "\t", ";", "+62812",
                     "https://contoh.invalid", "=1+2", "menambahkan Pak RT", "\u0660\u0663"]),
    st.sampled_from(KEL_NAMES),
    st.text(max_size=12),
)
body = st.lists(words, max_size=10).map(" ".join)
sender = st.one_of(st.sampled_from(["Pak Rahman RT 03 Air Kuti", "+62 812-3456-7890", "Bu Siti"]),
                   st.text(max_size=90))


@st.composite
def wa_line(draw) -> str:
    stamp = (f"{draw(num)}{draw(sep)}{draw(num)}{draw(sep)}{draw(year)}{draw(st.sampled_from(['', ',']))} "
             f"{draw(num)}{draw(tsep)}{draw(num).zfill(2)}{draw(st.sampled_from(['', ':' + draw(num).zfill(2)]))}"
             f"{draw(ampm)}")
    text = draw(body)
    who = draw(sender)
    if draw(st.booleans()):
        return f"[{stamp}] {who}: {text}"
    return f"{stamp} - {who}: {text}"


sms_stamp = st.one_of(
    st.builds(lambda y, m, d, h, mi: f"{y}-{m}-{d} {h}:{mi}", year, num, num, num, num),
    st.builds(lambda d, m, y: f"{d}/{m}/{y} 14.32", num, num, year),
    st.text(min_size=8, max_size=40),
    st.sampled_from(["0001-01-01 00:00", "9999-12-31 23:59-23:59", "2018-06-20T14:32Z", "20 Juni 2018 pukul 14.32",
                     "31 Febuari 2018", "2018-06-20 14:32 WIB"]),
)
sms_line = st.builds(lambda ts, n, t, s: f"{ts}{s}{n}{s}{t}", sms_stamp,
                     st.sampled_from(["+6281234567890", "0812 3456 789", "", "(0733) 123"]), body,
                     st.sampled_from([";", "\t"]))
any_line = st.one_of(wa_line(), sms_line, body, st.text(max_size=60))
chat_text = st.lists(any_line, max_size=25).map("\n".join)
encodings = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"])
chat_bytes = st.one_of(
    st.binary(max_size=400),
    st.builds(lambda t, enc: t.encode(enc, errors="replace"), chat_text, encodings),
)


def _check_messages(msgs: list[chat.ChatMessage], channel: str) -> None:
    assert [m.number for m in msgs] == list(range(1, len(msgs) + 1))
    lines = [m.line for m in msgs]
    assert lines == sorted(lines)
    for m in msgs:
        assert m.channel == channel
        assert m.kind in KINDS
        assert m.sent_at is None or m.sent_at.tzinfo is not None
        if m.kind in ("invalid", "media"):
            assert m.reason.strip()
        assert len(m.fingerprint()) == 64


@FUZZ
@given(chat_bytes, st.sampled_from([None, "whatsapp", "sms"]))
def test_read_chat_gives_messages_or_a_clear_refusal(data, channel):
    try:
        parsed = chat.read_chat(data, channel)
    except FileRefused as exc:
        assert str(exc).strip()
        return
    assert parsed.channel in chat.CHANNELS
    assert parsed.describe()
    _check_messages(parsed.messages, parsed.channel)


@FUZZ
@given(chat_text)
@example("0001-01-0100000;;")  # found by this test: year 1 in WIB is before datetime's range in UTC
def test_parse_whatsapp_and_sms_never_raise(text):
    wa, layout = chat.parse_whatsapp(text)
    assert layout in ("android", "iphone")
    _check_messages(wa, "whatsapp")
    sms = chat.parse_sms(text)
    _check_messages(sms, "sms")
    assert chat.detect_channel(text) in (None, "whatsapp", "sms")


messages_strategy = st.builds(
    chat.ChatMessage,
    number=st.just(1),
    line=st.just(1),
    channel=st.sampled_from(chat.CHANNELS),
    sent_at=st.one_of(st.none(), st.datetimes(min_value=datetime(2000, 1, 2), max_value=datetime(2100, 1, 1),
                                              timezones=st.just(UTC))),
    sender=st.one_of(st.none(), sender),
    text=st.one_of(body, body.map(lambda b: "LAPOR " + b), st.text(max_size=200)),
    kind=st.sampled_from(sorted(KINDS)),
    reason=st.sampled_from(["", "alasan"]),
)


@FUZZ
@given(messages_strategy, st.one_of(st.none(), st.sampled_from(sorted(KEL_CODES))))
def test_read_message_reads_every_message_one_way_or_another(msg, default_kel):
    reading = messages.read_message(msg, default_kel)
    assert reading.outcome in OUTCOMES
    if reading.outcome == "report":
        assert reading.raw is not None
        # the candidate then goes through the same validation as the form: answered, never raised
        (checked,) = check_records([reading.raw], make_rules(None, SYSTEM))
        assert checked.ok or all(str(e).strip() for e in checked.errors)
    else:
        assert reading.reason.strip()
    kel = reading.guess.get("kelurahan") if reading.guess else None
    assert kel is None or kel in KEL_CODES
