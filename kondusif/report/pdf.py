"""The weekly snapshot as an A4 PDF (fpdf2), Bahasa Indonesia, DejaVu Sans embedded.

Rendering is a pure function of `WeekData` + `RenderOptions`: the creation date
is the recorded generation time and images are byte-stable, so the same data
and parameters always give the same bytes. User-written text is written with
cell/multi_cell (never markup), cleaned of control characters and of glyphs
the font lacks, and cut to a length that cannot break the layout. Reporter
names and phone numbers never reach this module (see data.py).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import matplotlib
import pandas as pd
from fpdf import FPDF
from fpdf.enums import TableBordersLayout, XPos, YPos
from fpdf.fonts import FontFace

from kondusif.config import Calendar
from kondusif.model import CATEGORY_LABELS, STATUS_LABELS, Category, Severity, Status
from kondusif.report.data import WeekData
from kondusif.report.static_map import MapImage
from kondusif.status import MEASURE_NOTICE, Level
from kondusif.timeutil import format_long_date, format_wib, to_wib

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONTS = {"": FONT_DIR / "DejaVuSans.ttf", "B": FONT_DIR / "DejaVuSans-Bold.ttf"}
FAMILY = "DejaVu"
TITLE = "Laporan Mingguan Kondusivitas Wilayah"
MAX_TITLE_CHARS = 160
MAX_NOTE_CHARS = 120
KEL_ROW_MM = 4.1  # row height of the kelurahan table

GREY = (90, 90, 90)
LIGHT = (242, 242, 242)
HEAD_FILL = (225, 230, 238)
KEC_FILL = (236, 236, 236)
WARN_FILL = (253, 236, 234)
WARN_BORDER = (192, 57, 43)
LEVEL_TEXT = {Level.RAWAN: (255, 255, 255), Level.WASPADA: (40, 40, 40), Level.KONDUSIF: (255, 255, 255)}


@dataclass(frozen=True)
class RenderOptions:
    """What a rendering depends on besides the data (all recorded in the snapshot's params)."""

    generated_at: datetime  # aware; printed on every page and used as the PDF creation date
    generated_by: str
    version: int | None = None  # archive version this document will be filed as
    calendar: Calendar | None = None
    boundary_note: str = ""  # shown instead of the map when no boundaries are installed
    boundary_source: str = ""


# --------------------------------------------------------------------------- text


@lru_cache(maxsize=1)
def _supported() -> frozenset[int]:
    """Code points both the regular and bold DejaVu Sans can draw."""
    from fontTools.ttLib import TTFont

    sets = [set(TTFont(str(path), lazy=True).getBestCmap()) for path in (FONTS[""], FONTS["B"])]
    return frozenset(sets[0] & sets[1])


def clean_text(value: object, max_chars: int | None = None) -> str:
    """User text made safe to print: one line, no control chars, only drawable glyphs, bounded."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    text = unicodedata.normalize("NFC", str(value))
    ok = _supported()
    out = []
    for ch in text:
        if ch in "\r\n\t\u2028\u2029":
            out.append(" ")
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue
        elif ord(ch) in ok:
            out.append(ch)
    text = " ".join("".join(out).split())
    if max_chars is not None and len(text) > max_chars:
        text = text[: max_chars - 1].rstrip() + "…"
    return text


def fmt_int(n: int | float) -> str:
    """3812 -> '3.812' (Indonesian thousands separator)."""
    return f"{int(n):,}".replace(",", ".")


def fmt_pct(x: float | None, digits: int = 1) -> str:
    if x is None:
        return "-"
    return f"{x * 100:.{digits}f}%".replace(".", ",")


def fmt_change(n: int) -> str:
    return f"+{fmt_int(n)}" if n > 0 else ("0" if n == 0 else f"−{fmt_int(-n)}")


def _as_of_words(data: WeekData) -> str:
    """When the levels were assessed: the week's end, or the making of the report while the week runs."""
    return "akhir minggu" if data.as_of >= data.week.end else "saat laporan dibuat (minggu belum selesai)"


def fmt_time_long(moment: datetime) -> str:
    """'Senin, 2 Juli 2018 pukul 08.00 WIB'."""
    w = to_wib(moment)
    return f"{format_long_date(w)} pukul {w:%H.%M} WIB"


def fmt_date_short(moment) -> str:
    if moment is None or pd.isna(moment):
        return "-"
    return format_wib(pd.Timestamp(moment).to_pydatetime(), with_time=False)


# --------------------------------------------------------------------------- document


class ReportPDF(FPDF):
    """A4 portrait with a running header and a footer carrying page x of y and the generation time."""

    def __init__(self, data: WeekData, opts: RenderOptions) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.data = data
        self.opts = opts
        for style, path in FONTS.items():
            self.add_font(FAMILY, style, str(path))
        self.set_margins(15, 16, 15)
        self.set_auto_page_break(True, margin=18)
        self.set_creation_date(opts.generated_at)
        self.set_title(f"{TITLE} {data.week.key}")
        self.set_subject(f"Kota Lubuklinggau, {data.week.label}")
        self.set_author("SiKondusif Lubuklinggau")
        self.set_creator("SiKondusif")
        self.set_producer("SiKondusif (fpdf2)")
        self.set_lang("id")
        self.alias_nb_pages("{nb}")

    def header(self) -> None:
        self.set_font(FAMILY, "", 7.5)
        self.set_text_color(*GREY)
        self.set_y(8)
        version = f" · versi {self.opts.version}" if self.opts.version else ""
        self.cell(0, 4, f"SiKondusif · {TITLE} · Kota Lubuklinggau · {self.data.week.short_label}{version}",
                  align="L")
        if self.data.simulated:
            self.set_text_color(*WARN_BORDER)
            self.set_font(FAMILY, "B", 7.5)
            self.set_x(self.l_margin)
            self.cell(0, 4, "BERISI DATA SIMULASI", align="R")
        self.set_draw_color(200, 200, 200)
        self.line(self.l_margin, 12.5, self.w - self.r_margin, 12.5)
        self.set_text_color(0, 0, 0)
        self.set_y(16)

    def footer(self) -> None:
        self.set_y(-13)
        self.set_draw_color(200, 200, 200)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.set_font(FAMILY, "", 7.5)
        self.set_text_color(*GREY)
        self.set_y(-12)
        by = clean_text(self.opts.generated_by, 40)
        self.cell(0, 5, f"Dibuat {fmt_time_long(self.opts.generated_at)} oleh {by}", align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Halaman {self.page_no()} dari {{nb}}", align="R")
        self.set_text_color(0, 0, 0)

    # ---- helpers

    @property
    def content_width(self) -> float:
        return self.w - self.l_margin - self.r_margin

    def heading(self, text: str, size: float = 13) -> None:
        self.ensure_space(size * 0.5 + 20)  # never a heading alone at the foot of a page
        self.set_font(FAMILY, "B", size)
        self.set_text_color(20, 40, 80)
        self.multi_cell(0, size * 0.5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)
        self.ln(1.5)

    def para(self, text: str, size: float = 9, style: str = "", h: float | None = None) -> None:
        self.set_font(FAMILY, style, size)
        self.multi_cell(0, h or size * 0.48, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def bullet(self, text: str, size: float = 8.5) -> None:
        self.set_font(FAMILY, "", size)
        x = self.l_margin
        self.set_x(x)
        self.cell(4, size * 0.46, "•")
        self.multi_cell(self.content_width - 4, size * 0.46, text, align="L", new_x=XPos.LMARGIN,
                        new_y=YPos.NEXT)

    def notice_box(self, title: str, lines: list[str]) -> None:
        """A red-bordered box for what the reader must not miss (simulated data, sample registry)."""
        body = "\n".join(lines)
        self.set_font(FAMILY, "", 8.5)
        n_lines = len(self.multi_cell(self.content_width - 6, 4.2, body, align="L", dry_run=True,
                                      output="LINES"))
        height = 2.5 + 5 + n_lines * 4.2 + 3
        self.ensure_space(height)
        y0 = self.get_y()
        self.set_fill_color(*WARN_FILL)
        self.set_draw_color(*WARN_BORDER)
        self.set_line_width(0.5)
        self.rect(self.l_margin, y0, self.content_width, height, style="DF")
        self.set_xy(self.l_margin + 3, y0 + 2.5)
        self.set_font(FAMILY, "B", 9.5)
        self.set_text_color(*WARN_BORDER)
        self.cell(0, 5, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(60, 20, 20)
        self.set_font(FAMILY, "", 8.5)
        self.set_x(self.l_margin + 3)
        self.multi_cell(self.content_width - 6, 4.2, body, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)
        self.set_fill_color(255, 255, 255)
        self.set_draw_color(0, 0, 0)
        self.set_line_width(0.2)
        self.set_y(y0 + height + 3)

    def ensure_space(self, height: float) -> None:
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()


# --------------------------------------------------------------------------- sections


def _phases_in_week(data: WeekData, calendar: Calendar | None) -> str:
    if calendar is None:
        return ""
    first, last = data.week.monday, data.week.sunday
    names = []
    for ph in calendar.phases:
        end = ph.end or last
        if ph.start <= last and end >= first:
            names.append(ph.label)
    return ", ".join(names)


def _key_figures(pdf: ReportPDF, data: WeekData) -> None:
    change = data.n_week - data.n_prev
    rel = f" ({fmt_pct(change / data.n_prev)})" if data.n_prev else ""
    boxes = [
        (fmt_int(data.n_rawan), "kelurahan Rawan", f"dari 72; minggu lalu {_prev_count(data, Level.RAWAN)}",
         Level.RAWAN.color),
        (fmt_int(data.n_waspada), "kelurahan Waspada", f"minggu lalu {_prev_count(data, Level.WASPADA)}",
         Level.WASPADA.color),
        (fmt_int(data.n_week), "laporan minggu ini", f"minggu lalu {fmt_int(data.n_prev)}; {fmt_change(change)}{rel}",
         "#34495e"),
        (fmt_pct(data.verified_share), "terverifikasi", f"{fmt_int(data.n_verified)} dari {fmt_int(data.n_week)} laporan",
         "#2e7d32"),
        (fmt_int(data.n_open_followups), "tindak lanjut terbuka", f"{fmt_int(data.n_overdue)} lewat tenggat",
         "#6a1b9a"),
    ]
    gap = 2.5
    w = (pdf.content_width - gap * (len(boxes) - 1)) / len(boxes)
    y0 = pdf.get_y()
    h = 27
    for i, (value, label, sub, color) in enumerate(boxes):
        x = pdf.l_margin + i * (w + gap)
        rgb = tuple(int(color[k:k + 2], 16) for k in (1, 3, 5))
        pdf.set_fill_color(*LIGHT)
        pdf.set_draw_color(*rgb)
        pdf.set_line_width(0.4)
        pdf.rect(x, y0, w, h, style="DF")
        pdf.set_fill_color(*rgb)
        pdf.rect(x, y0, w, 1.6, style="F")
        pdf.set_xy(x, y0 + 3)
        pdf.set_font(FAMILY, "B", 17)
        pdf.set_text_color(*rgb)
        pdf.cell(w, 8, value, align="C")
        pdf.set_xy(x, y0 + 11.5)
        pdf.set_font(FAMILY, "B", 7.3)
        pdf.set_text_color(30, 30, 30)
        pdf.cell(w, 4, label, align="C")
        pdf.set_xy(x + 1, y0 + 16)
        pdf.set_font(FAMILY, "", 6.8)
        pdf.set_text_color(*GREY)
        pdf.multi_cell(w - 2, 3.2, sub, align="C")
    pdf.set_text_color(0, 0, 0)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.2)
    pdf.set_y(y0 + h + 4)


def _prev_count(data: WeekData, level: Level) -> str:
    return fmt_int(int((data.kelurahan["prev_level"] == level).sum()))


def _summary_text(data: WeekData) -> list[str]:
    out = []
    change = data.n_week - data.n_prev
    if data.n_prev:
        trend = "naik" if change > 0 else ("turun" if change < 0 else "sama dengan")
        amount = f" {fmt_int(abs(change))} ({fmt_pct(abs(change) / data.n_prev)})" if change else ""
        comp = f"{trend}{amount} dibanding minggu lalu ({fmt_int(data.n_prev)} laporan)"
    else:
        comp = "minggu lalu tidak ada laporan"
    out.append(f"Selama minggu ini masuk {fmt_int(data.n_week)} laporan; {comp}. "
               f"{fmt_int(data.n_verified)} laporan ({fmt_pct(data.verified_share)}) sudah terverifikasi, "
               f"termasuk {fmt_int(data.n_serious)} laporan berat.")
    rawan = data.rawan_names
    if rawan:
        top = ", ".join(rawan[:6])
        more = f" dan {len(rawan) - 6} lainnya" if len(rawan) > 6 else ""
        out.append(f"Per {_as_of_words(data)} {fmt_int(data.n_rawan)} kelurahan berstatus Rawan dan "
                   f"{fmt_int(data.n_waspada)} Waspada. Skor tertinggi: {top}{more}.")
    else:
        out.append(f"Per {_as_of_words(data)} tidak ada kelurahan berstatus Rawan; {fmt_int(data.n_waspada)} Waspada.")
    if data.n_week:
        busiest = data.daily.sort_values(["total", "day"], ascending=[False, True]).iloc[0]
        cat = data.categories.sort_values(["n", "category"], ascending=[False, True]).iloc[0]
        out.append(f"Hari tersibuk {format_long_date(busiest['day'])} ({fmt_int(busiest['total'])} laporan); "
                   f"kategori terbanyak {cat['label']} ({fmt_int(cat['n'])}).")
    out.append(f"{fmt_int(data.n_open_followups)} laporan sedang ditindaklanjuti; "
               f"{fmt_int(data.n_overdue)} di antaranya melewati tenggat sebelum akhir minggu.")
    return out


def _kecamatan_summary(pdf: ReportPDF, data: WeekData) -> None:
    kel = data.kelurahan
    pdf.heading("Ringkasan per kecamatan", 10.5)
    pdf.set_font(FAMILY, "", 8)
    with pdf.table(
        col_widths=(58, 17, 17, 17, 24, 24, 23),
        text_align=("LEFT", "CENTER", "CENTER", "CENTER", "RIGHT", "RIGHT", "RIGHT"),
        line_height=4.6,
        headings_style=FontFace(emphasis="B", fill_color=HEAD_FILL, size_pt=7.8),
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
    ) as table:
        table.row(["Kecamatan", "Rawan", "Waspada", "Kondusif", "Laporan", "Minggu lalu", "Perubahan"])
        for (_kode, nama), grp in kel.groupby(["kode_kecamatan", "kecamatan"], sort=True):
            table.row([
                clean_text(nama),
                str(int((grp["level"] == Level.RAWAN).sum())),
                str(int((grp["level"] == Level.WASPADA).sum())),
                str(int((grp["level"] == Level.KONDUSIF).sum())),
                fmt_int(grp["total"].sum()),
                fmt_int(grp["prev_total"].sum()),
                fmt_change(int(grp["change"].sum())),
            ])
        table.row(["Kota Lubuklinggau", str(data.n_rawan), str(data.n_waspada),
                   str(int((kel["level"] == Level.KONDUSIF).sum())), fmt_int(data.n_week),
                   fmt_int(data.n_prev), fmt_change(data.n_week - data.n_prev)],
                  style=FontFace(emphasis="B"))
    pdf.ln(3)


def _notices(data: WeekData) -> list[str]:
    lines = []
    if data.simulated:
        lines.append(
            f"Data SIMULASI: {fmt_int(data.n_simulated_week)} dari {fmt_int(data.n_week)} laporan minggu ini "
            "dibuat oleh program untuk demo dan uji coba, bukan kejadian nyata. Jangan dipakai untuk keputusan."
        )
    if data.registry_is_sample:
        lines.append(
            f"Daftar RT yang dipakai adalah daftar CONTOH ({fmt_int(data.registry_size)} RT), bukan daftar resmi "
            "Bagian Pemerintahan Setda."
        )
    return lines


def section_headline(pdf: ReportPDF, data: WeekData, opts: RenderOptions) -> None:
    pdf.set_font(FAMILY, "B", 17)
    pdf.set_text_color(20, 40, 80)
    pdf.multi_cell(0, 8, TITLE, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(FAMILY, "", 10)
    cal = opts.calendar.name if opts.calendar else ""
    pdf.multi_cell(0, 5, f"Kota Lubuklinggau{' · ' + cal if cal else ''}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(1.5)
    pdf.set_font(FAMILY, "B", 11)
    pdf.multi_cell(0, 5.5, f"Minggu: {data.week.label}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FAMILY, "", 8.5)
    pdf.set_text_color(*GREY)
    phases = _phases_in_week(data, opts.calendar)
    lines = [
        "Periode: Senin 00.00 sampai Minggu 24.00 WIB. "
        f"Tingkat kondusivitas dihitung per {_as_of_words(data)} ({fmt_time_long(data.as_of)}).",
    ]
    if phases:
        lines.append(f"Tahapan pilkada dalam minggu ini: {phases}.")
    version = f", versi {opts.version}" if opts.version else ""
    lines.append(f"Dibuat {fmt_time_long(opts.generated_at)} oleh {clean_text(opts.generated_by, 40)}{version}.")
    pdf.multi_cell(0, 4.2, "\n".join(lines), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(3)
    notices = _notices(data)
    if notices:
        pdf.notice_box("PERHATIAN", notices)
    _key_figures(pdf, data)
    pdf.heading("Ringkasan", 10.5)
    for line in _summary_text(data):
        pdf.bullet(line, 8.8)
        pdf.ln(0.8)
    pdf.ln(2)
    _kecamatan_summary(pdf, data)


def section_map(pdf: ReportPDF, data: WeekData, image: MapImage | None, opts: RenderOptions) -> None:
    pdf.add_page()
    pdf.heading("1. Peta tingkat kondusivitas per kelurahan")
    pdf.para(f"Tingkat per {_as_of_words(data)} ({fmt_time_long(data.as_of)}). Merah: Rawan, kuning: Waspada, "
             "hijau: Kondusif; garis tebal: batas kecamatan.", 8.5)
    pdf.ln(2)
    if image is None:
        pdf.notice_box("Peta tidak tersedia", [
            opts.boundary_note or "Batas wilayah belum terpasang.",
            "Laporan tetap lengkap: tingkat setiap kelurahan ada pada tabel di bagian 2.",
        ])
        return
    w, h = image.size_mm
    pdf.image(image.png, x=pdf.l_margin + (pdf.content_width - w) / 2, y=pdf.get_y(), w=w, h=h)
    pdf.set_y(pdf.get_y() + h + 2)
    if image.inset_png is not None and image.inset_size_mm is not None:
        iw, ih = image.inset_size_mm
        pdf.ensure_space(ih + 6)
        y0 = pdf.get_y()
        pdf.set_font(FAMILY, "B", 8.5)
        pdf.cell(iw, 4.5, "Peta A: pusat kota (diperbesar)", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.image(image.inset_png, x=pdf.l_margin, y=pdf.get_y(), w=iw, h=ih)
        _map_key(pdf, data, image, x=pdf.l_margin + iw + 5, y=y0, w=pdf.content_width - iw - 5)
        pdf.set_y(max(pdf.get_y(), y0 + 4.5 + ih + 2))
    else:
        _map_key(pdf, data, image, x=pdf.l_margin, y=pdf.get_y(), w=pdf.content_width)


def _map_key(pdf: ReportPDF, data: WeekData, image: MapImage, x: float, y: float, w: float) -> None:
    pdf.set_xy(x, y)
    pdf.set_font(FAMILY, "B", 8.5)
    pdf.cell(w, 4.5, f"Kelurahan Rawan ({data.n_rawan})", new_x=XPos.LEFT, new_y=YPos.NEXT)
    if not image.numbered:
        pdf.set_font(FAMILY, "", 8)
        names = sorted(data.rawan_names)
        text = f"{', '.join(names)}. Nama tertulis pada peta." if names else "Tidak ada."
        pdf.set_x(x)
        pdf.multi_cell(w, 4, text, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
        return
    pdf.set_font(FAMILY, "", 6.9)
    cols = 3 if len(image.key) > 24 else 2
    rows = -(-len(image.key) // cols)
    col_w = w / cols
    line_h = min(3.4, max(2.9, 82 / max(rows, 1)))
    top = pdf.get_y()
    for idx, (n, name) in enumerate(image.key):
        c, r = divmod(idx, rows)
        pdf.set_xy(x + c * col_w, top + r * line_h)
        pdf.cell(6, line_h, f"{n}", align="R")
        pdf.cell(col_w - 6, line_h, " " + clean_text(name, 26))
    pdf.set_xy(x, top + rows * line_h + 1)


def _level_cell_style(level: Level | None) -> FontFace:
    if level is None:
        return FontFace()
    rgb = tuple(int(level.color[k:k + 2], 16) for k in (1, 3, 5))
    return FontFace(emphasis="B", color=LEVEL_TEXT[level], fill_color=rgb)


def section_kelurahan_table(pdf: ReportPDF, data: WeekData) -> None:
    pdf.add_page()
    pdf.heading("2. Tingkat dan laporan per kelurahan")
    pdf.para(f"Semua 72 kelurahan, dikelompokkan per kecamatan. Tingkat per {_as_of_words(data)} dan per akhir "
             "minggu lalu; jumlah laporan minggu ini menurut tingkat keparahan; perubahan jumlah dibanding minggu "
             "lalu.", 8.5)
    pdf.ln(2)
    headings = ["Kelurahan", "Tingkat", "Tingkat minggu lalu", "Skor", "Ringan", "Sedang", "Berat", "Jumlah",
                "Jumlah minggu lalu", "Perubahan"]
    groups = list(data.kelurahan.groupby(["kode_kecamatan", "kecamatan"], sort=True))
    # A kecamatan never splits across pages: start a new table (with its headings) on a new
    # page when the next group would not fit. One-line rows are KEL_ROW_MM high.
    chunks: list[list] = [[]]
    y = pdf.get_y() + 2 * KEL_ROW_MM
    for group in groups:
        height = (len(group[1]) + 1) * KEL_ROW_MM
        if chunks[-1] and y + height > pdf.page_break_trigger:
            chunks.append([])
            y = pdf.t_margin + 2 * KEL_ROW_MM
        chunks[-1].append(group)
        y += height
    for i, chunk in enumerate(chunks):
        if i:
            pdf.add_page()
        _kelurahan_chunk(pdf, headings, chunk)


def _kelurahan_chunk(pdf: ReportPDF, headings: list[str], groups: list) -> None:
    pdf.set_font(FAMILY, "", 7.6)
    with pdf.table(
        col_widths=(38, 18, 19, 12, 13, 13, 12, 14, 19, 22),
        text_align=("LEFT", "CENTER", "CENTER", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        line_height=KEL_ROW_MM,
        headings_style=FontFace(emphasis="B", fill_color=HEAD_FILL, size_pt=7.2),
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        repeat_headings=1,
    ) as table:
        table.row(headings)
        for (_kode, kec), grp in groups:
            row = table.row(style=FontFace(emphasis="B", fill_color=KEC_FILL))
            rawan = int((grp["level"] == Level.RAWAN).sum())
            waspada = int((grp["level"] == Level.WASPADA).sum())
            row.cell(
                f"Kecamatan {clean_text(kec)} · {len(grp)} kelurahan · Rawan {rawan}, Waspada {waspada} · "
                f"{fmt_int(grp['total'].sum())} laporan ({fmt_change(int(grp['change'].sum()))})",
                colspan=len(headings), align="LEFT",
            )
            for rec in grp.itertuples(index=False):
                level = Level(rec.level) if rec.level is not None else None
                prev = Level(rec.prev_level) if rec.prev_level is not None else None
                row = table.row()
                row.cell(clean_text(rec.nama, 40))
                row.cell(level.label if level else "-", style=_level_cell_style(level))
                row.cell(prev.label if prev else "-")
                row.cell(f"{rec.score:.1f}".replace(".", ","))
                for value in (rec.ringan, rec.sedang, rec.berat, rec.total, rec.prev_total):
                    row.cell(fmt_int(value))
                row.cell(fmt_change(int(rec.change)))


def section_trend(pdf: ReportPDF, data: WeekData, daily_png: bytes, category_png: bytes) -> None:
    pdf.add_page()
    pdf.heading("3. Tren harian dan kategori")
    pdf.para(f"Laporan per hari (WIB) menurut tingkat keparahan; garis putus-putus: jumlah pada hari yang sama "
             f"minggu lalu. Total minggu ini {fmt_int(data.n_week)}, minggu lalu {fmt_int(data.n_prev)}.", 8.5)
    pdf.ln(1)
    pdf.image(daily_png, x=pdf.l_margin, w=pdf.content_width)
    pdf.ln(3)
    pdf.heading("Laporan menurut kategori", 10.5)
    pdf.image(category_png, x=pdf.l_margin, w=pdf.content_width)
    pdf.ln(3)
    pdf.heading("Laporan minggu ini menurut status", 10.5)
    pdf.set_font(FAMILY, "", 8)
    st = data.statuses
    with pdf.table(
        col_widths=[pdf.content_width / len(st)] * len(st),
        text_align="CENTER",
        line_height=4.6,
        headings_style=FontFace(emphasis="B", fill_color=HEAD_FILL, size_pt=7.8),
    ) as table:
        table.row(list(st["label"]))
        table.row([fmt_int(n) for n in st["n"]])


def _place(rec) -> str:
    from lubuklinggau_geo import gazetteer

    name = gazetteer.kelurahan_label(rec.kode_kelurahan)
    rt = "" if rec.rt is None or pd.isna(rec.rt) else f", RT {int(rec.rt):02d}"
    return f"{name}{rt}"


def _category(value: str) -> str:
    try:
        return CATEGORY_LABELS[Category(value)]
    except ValueError:
        return clean_text(value, 40)


def _status(value: str) -> str:
    try:
        return STATUS_LABELS[Status(value)]
    except ValueError:
        return clean_text(value, 20)


def _followup(rec) -> str:
    parts = []
    if rec.followup_to is not None and not pd.isna(rec.followup_to) and str(rec.followup_to).strip():
        parts.append(clean_text(rec.followup_to, MAX_NOTE_CHARS))
    if rec.followup_due is not None and not pd.isna(rec.followup_due):
        parts.append(f"tenggat {fmt_date_short(rec.followup_due)}")
    if rec.outcome is not None and not pd.isna(rec.outcome) and str(rec.outcome).strip():
        parts.append(f"hasil: {clean_text(rec.outcome, MAX_NOTE_CHARS)}")
    return "; ".join(parts) or "-"


def _truncation_note(pdf: ReportPDF, shown: int, total: int, order: str) -> None:
    if total > shown:
        pdf.set_font(FAMILY, "", 8)
        pdf.set_text_color(*GREY)
        pdf.multi_cell(0, 4, f"Ditampilkan {fmt_int(shown)} dari {fmt_int(total)} laporan ({order}). "
                             "Daftar lengkap ada di aplikasi SiKondusif (halaman Insiden).",
                       align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)
        pdf.ln(1)


def _list_table(pdf: ReportPDF, widths: tuple[float, ...], headings: list[str], rows: list[list[str]],
                align: tuple[str, ...] | str = "LEFT") -> None:
    """A plain long table: wrapped cells, a rule under each row, headings repeated on every page.

    Drawn line by line with cached line breaks (category, kelurahan and follow-up
    texts repeat a lot), which is several times faster than fpdf2's table for long lists.
    """
    size, line_h, pad = 6.8, 3.05, 0.8
    aligns = [align] * len(widths) if isinstance(align, str) else list(align)
    aligns = ["R" if a.upper().startswith("R") else "L" for a in aligns]
    cache: dict[tuple[str, float, str], list[str]] = {}

    def lines(text: str, width: float, style: str) -> list[str]:
        key = (text, width, style)
        if key not in cache:
            pdf.set_font(FAMILY, style, size)
            cache[key] = pdf.multi_cell(width - 2 * pad, line_h, text, align="L", dry_run=True,
                                        output="LINES", padding=0) or [""]
        return cache[key]

    def draw_row(cells: list[list[str]], style: str, fill: tuple[int, int, int] | None) -> None:
        height = max(len(c) for c in cells) * line_h + 2 * pad
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
            if style != "B":
                draw_row(head, "B", HEAD_FILL)
        y, x = pdf.get_y(), pdf.l_margin
        if fill is not None:
            pdf.set_fill_color(*fill)
            pdf.rect(x, y, sum(widths), height, style="F")
            pdf.set_fill_color(255, 255, 255)
        pdf.set_font(FAMILY, style, size)
        for cell_lines, width, al in zip(cells, widths, aligns, strict=True):
            for k, text in enumerate(cell_lines):
                pdf.set_xy(x + pad, y + pad + k * line_h)
                pdf.cell(width - 2 * pad, line_h, text, align=al)
            x += width
        pdf.set_draw_color(170, 170, 170)
        pdf.line(pdf.l_margin, y + height, pdf.l_margin + sum(widths), y + height)
        pdf.set_draw_color(0, 0, 0)
        pdf.set_xy(pdf.l_margin, y + height)

    margin, pdf.c_margin = pdf.c_margin, 0  # the padding above is the only inner margin
    try:
        head = [lines(h, w, "B") for h, w in zip(headings, widths, strict=True)]
        draw_row(head, "B", HEAD_FILL)
        for values in rows:
            draw_row([lines(v, w, "") for v, w in zip(values, widths, strict=True)], "", None)
    finally:
        pdf.c_margin = margin


def section_serious(pdf: ReportPDF, data: WeekData) -> None:
    pdf.add_page()
    pdf.heading(f"4. Laporan berat terverifikasi minggu ini ({fmt_int(data.n_serious)})")
    pdf.para("Laporan dengan tingkat keparahan berat yang kejadiannya jatuh dalam minggu ini dan sudah "
             "diverifikasi Panwaslu (status Diverifikasi, Ditindaklanjuti atau Selesai), dengan tindak lanjutnya. "
             "Yang belum selesai lebih dulu, lalu menurut waktu kejadian. Status sesuai keadaan saat dokumen "
             "dibuat.", 8.5)
    pdf.ln(1.5)
    _truncation_note(pdf, len(data.serious), data.n_serious, "yang belum selesai lebih dulu")
    if data.serious.empty:
        pdf.para("Tidak ada laporan berat terverifikasi minggu ini.", 9)
        return
    rows = [
        [
            rec.report_no,
            format_wib(pd.Timestamp(rec.occurred_at).to_pydatetime()).replace(" WIB", ""),
            _place(rec),
            _category(rec.category),
            clean_text(rec.title, MAX_TITLE_CHARS) or "-",
            _status(rec.status),
            _followup(rec),
        ]
        for rec in data.serious.itertuples(index=False)
    ]
    _list_table(pdf, (24, 17, 27, 28, 33, 20, 31),
                ["No. laporan", "Waktu (WIB)", "Kelurahan", "Kategori", "Judul", "Status", "Tindak lanjut"],
                rows)


def section_overdue(pdf: ReportPDF, data: WeekData) -> None:
    pdf.ensure_space(60)
    if pdf.get_y() > 30:
        pdf.ln(4)
    pdf.heading(f"5. Tindak lanjut lewat tenggat ({fmt_int(data.n_overdue)})")
    pdf.para("Laporan berstatus Ditindaklanjuti yang tenggat tindak lanjutnya jatuh sebelum akhir minggu "
             f"({fmt_time_long(data.as_of)}), dari minggu mana pun; yang paling lama lewat tenggat lebih dulu.",
             8.5)
    pdf.ln(1.5)
    _truncation_note(pdf, len(data.overdue), data.n_overdue, "yang paling lama lewat tenggat lebih dulu")
    if data.overdue.empty:
        pdf.para("Tidak ada tindak lanjut yang lewat tenggat.", 9)
        return
    end = pd.Timestamp(data.as_of)
    rows = []
    for rec in data.overdue.itertuples(index=False):
        due = pd.Timestamp(rec.followup_due)
        late = max(0, int((end - due).total_seconds() // 86400))
        rows.append([
            rec.report_no,
            _place(rec),
            _category(rec.category),
            str(rec.severity).capitalize(),
            clean_text(rec.followup_to, MAX_NOTE_CHARS) or "-",
            fmt_date_short(due),
            fmt_int(late),
            clean_text(rec.title, MAX_TITLE_CHARS) or "-",
        ])
    _list_table(pdf, (24, 26, 28, 17, 25, 16, 12, 32),
                ["No. laporan", "Kelurahan", "Kategori", "Keparahan", "Ditujukan ke", "Tenggat",
                 "Terlambat (hari)", "Judul"],
                rows, ("LEFT", "LEFT", "LEFT", "LEFT", "LEFT", "LEFT", "RIGHT", "LEFT"))


def section_coverage(pdf: ReportPDF, data: WeekData) -> None:
    """Issue 24: RT heard from this week per kecamatan, and the RT silent all week (no names, no numbers)."""
    from lubuklinggau_geo import gazetteer

    if data.coverage_kecamatan is None:
        return
    pdf.add_page()
    pdf.heading("6. Cakupan kabar RT")
    share = data.coverage_heard / data.coverage_total if data.coverage_total else 0.0
    pdf.para(f"RT yang memberi kabar minggu ini (laporan aman atau laporan apa pun): {fmt_int(data.coverage_heard)} "
             f"dari {fmt_int(data.coverage_total)} RT terdaftar ({fmt_pct(share)}). RT yang tidak memberi kabar "
             "disebut senyap; kelurahan tanpa satu pun RT yang memberi kabar tampil «Tidak ada kabar» di peta, "
             "bukan Kondusif.", 8.5)
    pdf.ln(1.5)
    pdf.set_font(FAMILY, "", 8)
    with pdf.table(
        col_widths=(62, 26, 30, 22, 24, 26),
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        line_height=4.6,
        headings_style=FontFace(emphasis="B", fill_color=HEAD_FILL, size_pt=7.8),
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
    ) as table:
        table.row(["Kecamatan", "RT terdaftar", "Memberi kabar", "Cakupan", "RT senyap", "Kel. tanpa kabar"])
        for r in data.coverage_kecamatan.itertuples(index=False):
            table.row([clean_text(gazetteer.kecamatan_name(r.kode_kecamatan)), fmt_int(r.rt_total),
                       fmt_int(r.rt_heard), fmt_pct(r.share), fmt_int(r.rt_total - r.rt_heard),
                       fmt_int(r.kelurahan_senyap)])
        kec = data.coverage_kecamatan
        table.row(["Kota Lubuklinggau", fmt_int(data.coverage_total), fmt_int(data.coverage_heard), fmt_pct(share),
                   fmt_int(data.coverage_total - data.coverage_heard), fmt_int(int(kec["kelurahan_senyap"].sum()))],
                  style=FontFace(emphasis="B"))
    pdf.ln(3)
    pdf.heading("RT senyap sepanjang minggu", 10.5)
    silent = data.silent_week
    if silent is None or silent.empty:
        pdf.para("Semua RT terdaftar memberi kabar minggu ini.", 9)
        return
    for r in silent.itertuples(index=False):
        rts = ", ".join(f"{int(x):02d}" for x in r.senyap)
        pdf.para(f"{clean_text(gazetteer.kelurahan_name(r.kode_kelurahan))} ({len(r.senyap)} dari "
                 f"{int(r.rt_total)} RT): RT {rts}", 8)


def _ordered(mapping: dict, enum) -> list[str]:
    known = [m.value for m in enum if m.value in mapping]
    return known + sorted(k for k in mapping if k not in known)


def _num(x: float) -> str:
    return f"{x:g}".replace(".", ",")


def section_method(pdf: ReportPDF, data: WeekData, opts: RenderOptions) -> None:
    cfg = data.levels_cfg
    pdf.add_page()
    pdf.heading("7. Catatan metode dan data")
    notices = _notices(data)
    if notices:
        pdf.notice_box("PERHATIAN", notices)
    pdf.heading("Cara menghitung tingkat kondusivitas", 10.5)
    pdf.para(MEASURE_NOTICE, 8.6)
    pdf.ln(1.5)
    # Canonical order (not the dict's): archived parameters come back with sorted keys.
    sev = ", ".join(f"{k} {_num(cfg.severity_weight[k])}" for k in _ordered(cfg.severity_weight, Severity))
    cred = ", ".join(f"{_status(k)} {_num(cfg.status_credibility[k])}"
                     for k in _ordered(cfg.status_credibility, Status))
    window_days = cfg.window_hours / 24
    for line in [
        "Skor sebuah kelurahan = jumlah, atas laporan dalam jendela waktu, dari bobot keparahan × kredibilitas "
        "status × peluruhan waktu 0,5^(umur / waktu paruh).",
        f"Bobot keparahan: {sev}.",
        f"Kredibilitas status: {cred} (laporan ditolak dan duplikat tidak dihitung).",
        f"Waktu paruh {_num(cfg.half_life_hours)} jam; jendela {_num(window_days)} hari sebelum saat penilaian.",
        f"Ambang per kelurahan: Waspada bila skor ≥ {_num(cfg.waspada_threshold)}, Rawan bila skor ≥ "
        f"{_num(cfg.rawan_threshold)}; di bawahnya Kondusif.",
        f"Saat penilaian minggu ini: {_as_of_words(data)}, {fmt_time_long(data.as_of)}; "
        f"untuk kolom «minggu lalu»: {fmt_time_long(data.previous.end)}.",
    ]:
        pdf.bullet(line)
        pdf.ln(0.6)
    pdf.ln(2)
    pdf.heading("Data", 10.5)
    for line in [
        f"{data.week.short_label}: {data.week.label}, Senin 00.00 sampai Minggu 24.00 WIB. Laporan "
        "dihitung menurut waktu kejadian, termasuk yang kemudian ditolak atau ditandai duplikat.",
        "Sumber: laporan Ketua RT (formulir), impor berkas dan chat/SMS yang dimasukkan Panwaslu dan operator, "
        "serta status verifikasi dan tindak lanjut dari Panwaslu. Status dan tindak lanjut sesuai keadaan "
        "basis data saat dokumen dibuat.",
        f"Laporan minggu ini: {fmt_int(data.n_week)}; di antaranya simulasi: {fmt_int(data.n_simulated_week)}.",
        f"Daftar RT: {fmt_int(data.registry_size)} RT"
        + (" (daftar CONTOH, bukan daftar resmi)." if data.registry_is_sample else " (daftar resmi)."),
        "Batas wilayah: " + (opts.boundary_source or opts.boundary_note or "-"),
        "Dokumen ini tidak memuat nama atau nomor telepon pelapor.",
        "Setiap dokumen yang dibuat disimpan di arsip SiKondusif (isi PDF, sidik SHA-256, parameter, pembuat, "
        "waktu) sebagai versi baru; unduhan dari arsip identik byte demi byte dengan dokumen ini.",
    ]:
        pdf.bullet(line)
        pdf.ln(0.6)


def render_pdf(
    data: WeekData,
    opts: RenderOptions,
    map_image: MapImage | None,
    daily_png: bytes,
    category_png: bytes,
) -> bytes:
    """The whole document as bytes (deterministic for the same inputs)."""
    pdf = ReportPDF(data, opts)
    pdf.add_page()
    section_headline(pdf, data, opts)
    section_map(pdf, data, map_image, opts)
    section_kelurahan_table(pdf, data)
    section_trend(pdf, data, daily_png, category_png)
    section_serious(pdf, data)
    section_overdue(pdf, data)
    section_coverage(pdf, data)
    section_method(pdf, data, opts)
    return bytes(pdf.output())
