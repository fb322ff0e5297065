"""The `LAPOR` format card for Ketua RT (issue 15): a printable A6 PDF, `python -m kondusif kartu-sms`.

One page per card, A6 portrait (105 × 148 mm): where to send the SMS, the format, a worked
example (with the RT's own number and kelurahan when the cards are made per RT), the short
category codes the SMS reader knows (kondusif.intake.vocab.SMS_CODES), the severities, and
what the reply looks like. DejaVu embedded (kondusif.accounts.cards.find_font), so every glyph prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from fpdf import FPDF

from kondusif.accounts.cards import find_font
from kondusif.config import settings
from kondusif.intake.vocab import SMS_CODES
from kondusif.model import Category, Severity
from kondusif.timeutil import format_long_date, format_wib, now

WIDTH, HEIGHT = 105.0, 148.0
MARGIN = 6.0
_RED = (183, 28, 28)
_GREY = (90, 90, 90)
EXAMPLE_TEXT = "amplop Rp50rb dibagikan ke warga malam ini"
# Half a card wide: the app's labels shortened (the full ones are in the README).
SHORT_LABELS = {
    Category.POLITIK_UANG: "Politik uang",
    Category.INTIMIDASI: "Intimidasi, ancaman",
    Category.KAMPANYE_HITAM: "Kampanye hitam, hoaks",
    Category.PERUSAKAN_APK: "Perusakan APK",
    Category.BENTROKAN: "Bentrokan, keributan",
    Category.NETRALITAS: "Netralitas ASN/RT",
    Category.KAMPANYE_LUAR_JADWAL: "Kampanye terlarang",
    Category.GANGGUAN_TPS: "Gangguan di TPS",
    Category.PENGERAHAN_MASSA: "Pengerahan massa",
    Category.LAINNYA: "Lainnya",
}


@dataclass(frozen=True)
class CardFor:
    """Whose card it is: a Ketua RT (RT number and kelurahan name), or None for the general card."""

    rt: int | None = None
    kelurahan: str | None = None

    def example(self) -> str:
        rt = f"{self.rt:02d}" if self.rt is not None else "03"
        kel = self.kelurahan or "Air Kuti"
        return f"LAPOR uang berat RT {rt} {kel}: {EXAMPLE_TEXT}"


class _CardPdf(FPDF):
    def __init__(self) -> None:
        super().__init__(orientation="P", unit="mm", format=(WIDTH, HEIGHT))  # A6
        self.set_auto_page_break(False)
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.add_font("DejaVu", "", str(find_font("DejaVuSans.ttf")))
        self.add_font("DejaVu", "B", str(find_font("DejaVuSans-Bold.ttf")))
        self.add_font("DejaVuMono", "", str(find_font("DejaVuSansMono.ttf")))
        self.add_font("DejaVuMono", "B", str(find_font("DejaVuSansMono-Bold.ttf")))
        self.set_title("Kartu format LAPOR lewat SMS - SiKondusif Lubuklinggau")
        self.set_creator("SiKondusif Lubuklinggau")


def _text(pdf: _CardPdf, y: float, h: float, text: str, size: float, style: str = "", family: str = "DejaVu",
          color: tuple[int, int, int] = (0, 0, 0)) -> float:
    """A wrapped paragraph across the card at `y`; returns the y below it."""
    pdf.set_font(family, style, size)
    pdf.set_text_color(*color)
    pdf.set_xy(MARGIN, y)
    pdf.multi_cell(WIDTH - 2 * MARGIN, h, text, align="L")
    return pdf.get_y()


def _card(pdf: _CardPdf, who: CardFor, numbers: Sequence[str], printed: datetime) -> None:
    pdf.add_page()
    inner = WIDTH - 2 * MARGIN
    pdf.set_fill_color(*_RED)
    pdf.rect(0, 0, WIDTH, 17, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_font("DejaVu", "B", 15)
    pdf.set_xy(MARGIN, 3)
    pdf.cell(inner, 7, "LAPOR LEWAT SMS")
    pdf.set_font("DejaVu", "", 7.5)
    pdf.set_xy(MARGIN, 10.5)
    pdf.cell(inner, 4, "SiKondusif Lubuklinggau - untuk Ketua RT")

    y = 20.0
    if who.rt is not None and who.kelurahan:
        y = _text(pdf, y, 5, f"RT {who.rt:03d} - Kel. {who.kelurahan}", 10.5, "B")
    y = _text(pdf, y + 0.5, 4, "Kirim SMS ke nomor gerbang SMS:", 8, color=_GREY)
    if numbers:
        y = _text(pdf, y + 0.5, 6, "\n".join(numbers), 13, "B", "DejaVuMono")  # one number a line
    else:  # written in by hand when the cards are printed before the modem has a number
        pdf.set_draw_color(0, 0, 0)
        pdf.line(MARGIN, y + 7, WIDTH - MARGIN, y + 7)
        y += 9

    y = _text(pdf, y + 2, 4, "Format (satu laporan per SMS):", 8, color=_GREY)
    pdf.set_fill_color(245, 245, 245)
    box_top = y + 0.5
    y = _text(pdf, box_top + 1, 4.2, "LAPOR <kategori> <tingkat> RT <nomor> <kelurahan>: <uraian>", 8.5, "B",
              "DejaVuMono")
    y = _text(pdf, y + 1.5, 4, "Contoh:", 7.5, color=_GREY)
    y = _text(pdf, y, 4.2, who.example(), 8.5, "", "DejaVuMono")
    pdf.set_draw_color(*_RED)
    pdf.rect(MARGIN - 1.5, box_top, inner + 3, y - box_top + 1.5)
    y += 3

    y = _text(pdf, y, 4, "Kategori (tulis kata kodenya):", 8, "B")
    pdf.set_font("DejaVu", "", 7.5)
    col_w = inner / 2
    rows = list(SMS_CODES.items())
    half = (len(rows) + 1) // 2
    for i, (code, cat) in enumerate(rows):
        col, row = divmod(i, half)
        pdf.set_xy(MARGIN + col * col_w, y + row * 4.1)
        pdf.set_font("DejaVuMono", "B", 7)
        pdf.cell(16, 4, code)
        pdf.set_font("DejaVu", "", 6.5)
        pdf.cell(col_w - 16.5, 4, SHORT_LABELS[cat])
    y += half * 4.1 + 1.5
    sev = ", ".join(s.value for s in Severity)
    y = _text(pdf, y, 4, f"Tingkat: {sev}. Tanpa tingkat dianggap sedang.", 7.5, "B")
    voting = settings().calendar.voting_day
    y = _text(pdf, y + 1.5, 3.6,
              "Balasan SMS memuat nomor laporan, mis. \"Laporan LLG-2018-000123 diterima\". "
              "Tanpa balasan dalam 10 menit? Kirim ulang sekali, atau lapor lewat grup WhatsApp. "
              "SMS dari nomor yang terdaftar untuk RT Anda langsung tercatat untuk RT Anda.", 7)
    y = _text(pdf, y + 1.5, 3.6, f"Hari pemungutan suara: {format_long_date(voting)}. "
              "Keadaan darurat: hubungi Polisi 110.", 7, "B")
    pdf.set_font("DejaVu", "", 5.5)
    pdf.set_text_color(*_GREY)
    pdf.set_xy(MARGIN, HEIGHT - 6)
    pdf.cell(inner, 3, f"Dicetak {format_wib(printed)}", align="R")


def card_pdf(numbers: Sequence[str] = (), cards: Sequence[CardFor] = (CardFor(),),
             printed: datetime | None = None) -> bytes:
    """The cards as PDF bytes, one A6 page each; `numbers` are the gateway numbers to send to."""
    pdf = _CardPdf()
    stamp = printed or now()
    for who in cards or (CardFor(),):
        _card(pdf, who, [n.strip() for n in numbers if n.strip()], stamp)
    return bytes(pdf.output())
