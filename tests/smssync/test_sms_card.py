"""Issue 15: the LAPOR card for Ketua RT, made by the CLI and read back with pypdf."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from kondusif import registry
from kondusif.intake.chat import ChatMessage
from kondusif.intake.messages import read_message
from kondusif.intake.validate import resolve_kelurahan
from kondusif.sms import card
from lubuklinggau_geo import gazetteer

ROOT = Path(__file__).resolve().parents[2]
A6_POINTS = (297.64, 419.53)  # 105 x 148 mm


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kondusif", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def flat(reader: PdfReader, page: int = 0) -> str:
    return " ".join(reader.pages[page].extract_text().split())


def test_the_cli_writes_one_a6_card_with_the_gateway_number_and_the_format(tmp_path):
    out = tmp_path / "kartu.pdf"
    done = cli("kartu-sms", "--out", str(out), "--nomor", "+62 813-7777-0001")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"1 kartu (A6) ditulis ke {out}."
    reader = PdfReader(out)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width), 2), round(float(box.height), 2)) == A6_POINTS
    text = flat(reader)
    for expected in ("LAPOR LEWAT SMS", "+62 813-7777-0001",
                     "LAPOR <kategori> <tingkat> RT <nomor> <kelurahan>: <uraian>",
                     "LAPOR uang berat RT 03 Air Kuti: amplop Rp50rb dibagikan ke warga malam ini",
                     "uang Politik uang", "intimidasi Intimidasi, ancaman", "hoaks Kampanye hitam, hoaks",
                     "apk Perusakan APK", "bentrok Bentrokan, keributan", "netral Netralitas ASN/RT",
                     "kampanye Kampanye terlarang", "tps Gangguan di TPS", "massa Pengerahan massa", "lain Lainnya",
                     "Tingkat: ringan, sedang, berat.", "Hari pemungutan suara: Rabu, 27 Juni 2018."):
        assert expected in text, expected
    fonts = {str(f["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()
             for f in [f.get_object()]}
    assert any("DejaVuSans" in f for f in fonts), fonts  # embedded, so every glyph prints


def test_without_a_number_the_card_leaves_a_line_to_write_it_in(tmp_path):
    out = tmp_path / "kosong.pdf"
    assert cli("kartu-sms", "--out", str(out)).returncode == 0
    text = flat(PdfReader(out))
    assert "Kirim SMS ke nomor gerbang SMS: Format (satu laporan per SMS):" in text


def test_cards_per_rt_carry_each_rts_own_example_and_it_reads_as_that_rts_report(tmp_path, engine):
    out = tmp_path / "air-kuti.pdf"
    done = cli("kartu-sms", "--out", str(out), "--kelurahan", "air kuti")
    assert done.returncode == 0, done.stderr
    reg = registry.rt_registry(engine)
    air_kuti = reg[reg["kode_kelurahan"] == "16.73.01.1001"]  # Air Kuti, Kec. Lubuk Linggau Timur I
    reader = PdfReader(out)
    assert len(reader.pages) == len(air_kuti) > 1
    first = flat(reader, 0)
    rt = int(air_kuti["rt"].min())
    assert f"RT {rt:03d} - Kel. Air Kuti" in first
    assert f"LAPOR uang berat RT {rt:02d} Air Kuti: amplop Rp50rb" in first


def test_an_unknown_kelurahan_is_refused_naming_the_option(tmp_path):
    done = cli("kartu-sms", "--out", str(tmp_path / "x.pdf"), "--kelurahan", "Kelurahan Khayalan")
    assert done.returncode == 2
    assert done.stderr.startswith("Galat: --kelurahan:")
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.parametrize("who", [card.CardFor(), card.CardFor(12, "Taba Jemekeh"), card.CardFor(1, "Majapahit")])
def test_the_printed_example_is_read_by_the_sms_reader_as_a_report(who):
    """What the card teaches must be what the reader understands (kondusif.intake.messages)."""
    msg = ChatMessage(1, 1, "sms", datetime(2018, 6, 26, 5, 0, tzinfo=UTC), "+6281234567801", who.example())
    reading = read_message(msg)
    assert reading.outcome == "report", reading.reason
    assert reading.via == "format"
    assert reading.raw["category"] in ("politik_uang", "Politik uang", "uang")
    assert str(reading.raw["severity"]) == "berat"
    assert int(reading.raw["rt"]) == (who.rt if who.rt is not None else 3)


def test_every_rt_card_of_the_registry_teaches_an_example_that_reads_as_its_own_place(engine):
    """Every kelurahan of the registry: the example on its cards names that kelurahan to the reader."""
    reg = registry.rt_registry(engine)
    sent = datetime(2018, 6, 26, 5, 0, tzinfo=UTC)
    wrong = []
    for r in reg.drop_duplicates("kode_kelurahan").itertuples():
        who = card.CardFor(int(r.rt), gazetteer.kelurahan_name(r.kode_kelurahan))
        reading = read_message(ChatMessage(1, 1, "sms", sent, "+6281234567801", who.example()))
        kel = reading.raw.get("kelurahan") if reading.raw else None
        code = resolve_kelurahan(str(kel), None)[0] if kel else None
        if reading.outcome != "report" or code != r.kode_kelurahan:
            wrong.append((r.kode_kelurahan, who.example(), reading.outcome, reading.reason, kel))
    assert wrong == []
