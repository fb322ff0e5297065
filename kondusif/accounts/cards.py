"""Login cards for Ketua RT: a CSV record and a printable A4 PDF (10 cards per page).

Both files hold one-time PINs in clear, the only places they exist: the store keeps
only their hashes. The CLI writes them with owner-only permissions.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from fpdf import FPDF

from kondusif import safe
from kondusif.accounts.admin import RtCredential
from kondusif.timeutil import format_wib, now

CSV_COLUMNS = ["username", "kelurahan", "kecamatan", "rt", "pin", "kode_kelurahan"]

# A4 portrait, 2 x 5 cards of 90 x 52 mm.
_COLS, _ROWS = 2, 5
_CARD_W, _CARD_H = 90.0, 52.0
_GAP_X, _GAP_Y = 10.0, 2.5
_LEFT, _TOP = 10.0, 14.0
_RED = (183, 28, 28)


def neutralise_cell(value: object) -> str:
    """Text for a CSV cell that spreadsheet programs will not run as a formula."""
    return safe.neutralise_cell("" if value is None else str(value))


def csv_bytes(creds: Sequence[RtCredential]) -> bytes:
    """The PIN list (UTF-8 with BOM so spreadsheet programs read the names right)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_COLUMNS)
    for c in creds:
        writer.writerow([neutralise_cell(v) for v in
                         (c.username, c.kelurahan, c.kecamatan, f"{c.rt:03d}", c.pin, c.kode_kelurahan)])
    return buf.getvalue().encode("utf-8-sig")


def write_csv(path: Path, creds: Sequence[RtCredential]) -> None:
    """The PIN list as a file only its owner reads."""
    with _private_open(path, "wb") as fh:
        fh.write(csv_bytes(creds))


def _private_open(path: Path, mode: str, **kw):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    return os.fdopen(fd, mode, **kw)


_FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/local/share/fonts",
)


def find_font(filename: str = "DejaVuSans.ttf") -> Path:
    """A DejaVu TTF to embed: matplotlib ships them (so a fresh venv has one), else system fonts."""
    candidates: list[Path] = []
    try:
        import matplotlib

        candidates.append(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / filename)
    except ImportError:  # pragma: no cover - matplotlib is a requirement
        pass
    candidates += [Path(d) / filename for d in _FONT_DIRS]
    for path in candidates:
        if path.is_file():
            return path
    raise FileNotFoundError(f"Fon {filename} tidak ditemukan (dicari di: {', '.join(map(str, candidates))}).")


class _CardsPdf(FPDF):
    def __init__(self, printed: datetime, sample: bool) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.printed = printed
        self.sample = sample
        self.set_auto_page_break(False)
        self.set_margins(_LEFT, _TOP, _LEFT)
        self.add_font("DejaVu", "", str(find_font("DejaVuSans.ttf")))
        self.add_font("DejaVu", "B", str(find_font("DejaVuSans-Bold.ttf")))
        self.add_font("DejaVuMono", "", str(find_font("DejaVuSansMono.ttf")))
        self.add_font("DejaVuMono", "B", str(find_font("DejaVuSansMono-Bold.ttf")))
        self.set_title("Kartu masuk Ketua RT - SiKondusif Lubuklinggau")
        self.set_creator("SiKondusif Lubuklinggau")

    def header(self) -> None:
        self.set_font("DejaVu", "", 7)
        self.set_text_color(90, 90, 90)
        self.set_xy(_LEFT, 5)
        note = " - DAFTAR RT CONTOH, bukan data resmi" if self.sample else ""
        self.cell(190, 4, f"RAHASIA - Kartu masuk SiKondusif, dicetak {format_wib(self.printed)}{note}"
                          f" - halaman {self.page_no()}/{{nb}}", align="C")


def _card(pdf: _CardsPdf, x: float, y: float, c: RtCredential, url: str | None) -> None:
    pdf.set_draw_color(150, 150, 150)
    pdf.set_dash_pattern(dash=1.2, gap=1.2)
    pdf.rect(x, y, _CARD_W, _CARD_H)
    pdf.set_dash_pattern()
    pdf.set_fill_color(*_RED)
    pdf.rect(x, y, _CARD_W, 8, style="F")
    pdf.set_text_color(255, 255, 255)
    pdf.set_font("DejaVu", "B", 8.5)
    pdf.set_xy(x + 3, y + 1.5)
    pdf.cell(_CARD_W - 6, 5, "SiKondusif Lubuklinggau - Kartu Masuk Ketua RT")

    pdf.set_text_color(0, 0, 0)
    pdf.set_font("DejaVu", "B", 12)
    pdf.set_xy(x + 3, y + 10)
    pdf.cell(_CARD_W - 6, 6, f"RT {c.rt:03d} - Kel. {c.kelurahan}")
    pdf.set_font("DejaVu", "", 7.5)
    pdf.set_xy(x + 3, y + 16)
    pdf.cell(_CARD_W - 6, 4, f"Kecamatan {c.kecamatan}")

    pdf.set_font("DejaVu", "", 7)
    pdf.set_text_color(80, 80, 80)
    pdf.set_xy(x + 3, y + 21.5)
    pdf.cell(40, 3.5, "Nama pengguna")
    pdf.set_xy(x + 56, y + 21.5)
    pdf.cell(30, 3.5, "PIN sekali pakai")
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("DejaVuMono", "B", 9.5)
    pdf.set_xy(x + 3, y + 25.5)
    pdf.cell(52, 6, c.username)
    pdf.set_font("DejaVuMono", "B", 15)
    pdf.set_xy(x + 56, y + 25)
    pdf.set_char_spacing(1.2)
    pdf.cell(31, 7, c.pin)
    pdf.set_char_spacing(0)

    pdf.set_font("DejaVu", "", 6.5)
    pdf.set_xy(x + 3, y + 34)
    lines = "Saat pertama masuk Anda wajib mengganti PIN ini. Simpan kartu ini dan jangan berikan kepada orang lain."
    if url:
        lines += f" Alamat aplikasi: {url}"
    pdf.multi_cell(_CARD_W - 6, 3.2, lines, align="L")
    if pdf.sample:
        pdf.set_font("DejaVu", "B", 6.5)
        pdf.set_text_color(*_RED)
        pdf.set_xy(x + 3, y + _CARD_H - 5)
        pdf.cell(_CARD_W - 6, 3.5, "DAFTAR RT CONTOH - bukan data resmi")
        pdf.set_text_color(0, 0, 0)


def cards_pdf(creds: Sequence[RtCredential], *, sample: bool = False, url: str | None = None,
              printed: datetime | None = None) -> bytes:
    """The login cards as PDF bytes: A4, 10 cards per page, DejaVu embedded, cut lines dashed."""
    pdf = _CardsPdf(printed or now(), sample)
    pdf.alias_nb_pages()
    per_page = _COLS * _ROWS
    for i, cred in enumerate(creds):
        if i % per_page == 0:
            pdf.add_page()
        slot = i % per_page
        col, row = slot % _COLS, slot // _COLS
        _card(pdf, _LEFT + col * (_CARD_W + _GAP_X), _TOP + row * (_CARD_H + _GAP_Y), cred, url)
    if not creds:
        pdf.add_page()
    return bytes(pdf.output())


def write_pdf(path: Path, creds: Sequence[RtCredential], *, sample: bool = False, url: str | None = None) -> None:
    data = cards_pdf(creds, sample=sample, url=url)
    with _private_open(path, "wb") as fh:
        fh.write(data)
