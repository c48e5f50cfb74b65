"""Draw a board report as an A4 PDF with fpdf2: it draws what `content` says and computes nothing.

Text is set in DejaVu Sans (shipped in `fonts/`), which covers Latin, Greek, Cyrillic and more;
characters it lacks are drawn from Droid Sans Fallback (Chinese, Japanese, Korean), loaded only
when a report needs it. A character neither font has prints as U+FFFD rather than vanishing.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.fonts import FontFace

from survey.reporting.content import Cell, Key, Report, Section, Table

FONTS = Path(__file__).parent / "fonts"
SANS = "DejaVu"
SANS_FILES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")
FALLBACK = "droidfallback"  # fpdf2 keys families in lower case
REPLACEMENT = "\N{REPLACEMENT CHARACTER}"
MARGIN = 15  # mm
# The heat steps, lowest to highest: an orange-to-purple scale that stays apart in grey and for
# colour-blind readers; text colour per step keeps contrast at WCAG AA.
HEAT = ((179, 88, 6), (241, 163, 64), (254, 224, 182), (153, 142, 195), (84, 39, 136))
HEAT_TEXT = ((255, 255, 255), (0, 0, 0), (0, 0, 0), (0, 0, 0), (255, 255, 255))
SUPPRESSED_FILL = (225, 225, 225)
SUPPRESSED_TEXT = (60, 60, 60)
HEADER_FILL = (243, 242, 241)
INK = (11, 12, 12)
PADDING = 1  # mm inside each table cell
MIN_NAME_WIDTH = 40  # mm for unit and measure names before figures get a smaller type
MIN_TABLE_SIZE = 6.5  # pt


@cache
def coverage(*names: str) -> frozenset[int]:
    """Return the code points every one of these shipped fonts has glyphs for."""
    found = []
    for name in names:
        with TTFont(FONTS / name, lazy=True) as font:
            found.append(frozenset(font.getBestCmap()))
    return frozenset.intersection(*found)


class TypesetPDF(FPDF):
    """An A4 document in millimetres, set in the shipped fonts (board reports and posters)."""

    def __init__(self) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.set_margins(MARGIN, MARGIN, MARGIN)
        for style, name in zip(("", "B"), SANS_FILES, strict=True):
            self.add_font(SANS, style, FONTS / name)
        self.set_creator("Change Pulse")
        self.set_text_color(*INK)

    def clean(self, text: str) -> str:
        """Return text every glyph of which a font here can draw, adding the fallback on need."""
        text = unicodedata.normalize("NFC", text)
        missing = {ord(ch) for ch in text if not ch.isspace()} - coverage(*SANS_FILES)
        if not missing:
            return text
        fallback = coverage("DroidSansFallback.ttf")
        if missing & fallback and FALLBACK not in self.fonts:
            self.add_font(FALLBACK, "", FONTS / "DroidSansFallback.ttf")
            self.set_fallback_fonts([FALLBACK], exact_match=False)
        lost = missing - fallback
        return "".join(REPLACEMENT if ord(ch) in lost else ch for ch in text)


class BoardPDF(TypesetPDF):
    """A4 pages with a running head after the first, and "Page n of N" at the foot of each."""

    def __init__(self, report: Report) -> None:
        super().__init__()
        self.report = report
        self.set_auto_page_break(True, margin=MARGIN + 5)
        self.set_title(f"Board report: {self.clean(report.unit_path)}, {self.clean(report.wave)}")

    def header(self) -> None:
        """Name the report at the top of every page after the first."""
        if self.page_no() > 1:
            self.set_font(SANS, "", 8)
            head = f"Board report: {self.report.unit_path}, {self.report.wave}"
            self.cell(0, 5, self.clean(head), new_x="LMARGIN", new_y="NEXT")
            self.ln(2)

    def footer(self) -> None:
        """Number every page."""
        self.set_y(-MARGIN)
        self.set_font(SANS, "", 8)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="C")


def render(report: Report) -> bytes:
    """Return the report as PDF bytes."""
    pdf = BoardPDF(report)
    pdf.add_page()
    _title(pdf, report)
    landscape = False
    for section in report.sections:
        if section.wide or landscape:
            pdf.add_page(orientation="L" if section.wide else "P")
            landscape = section.wide
        _section(pdf, section)
    return bytes(pdf.output())


def _title(pdf: BoardPDF, report: Report) -> None:
    """Draw the title block: what, where, which wave, its state and when it was produced."""
    pdf.set_font(SANS, "B", 20)
    pdf.cell(0, 10, "Board report", new_x="LMARGIN", new_y="NEXT")
    first, *rest = report.title_lines
    pdf.set_font(SANS, "B", 13)
    pdf.multi_cell(0, 7, pdf.clean(first), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(SANS, "", 10)
    for line in rest:
        pdf.multi_cell(0, 5.5, pdf.clean(line), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_draw_color(*INK)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(4)


def _section(pdf: BoardPDF, section: Section) -> None:
    """Draw a section's heading, then its paragraphs, tables and keys in order."""
    if pdf.will_page_break(30):  # never leave a heading alone at the foot of a page
        pdf.add_page(orientation=pdf.cur_orientation)
    pdf.set_font(SANS, "B", 14)
    pdf.multi_cell(0, 8, pdf.clean(section.heading), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    for block in section.blocks:
        if isinstance(block, Table):
            _table(pdf, block)
        elif isinstance(block, Key):
            _key(pdf, block)
        else:
            pdf.set_font(SANS, "", 10)
            pdf.multi_cell(0, 5, pdf.clean(block), align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
    pdf.ln(3)


def _style(cell: Cell) -> FontFace:
    """Return how a cell is shaded and set."""
    emphasis = "B" if cell.strong else ""
    if cell.suppressed:
        return FontFace(emphasis=emphasis, color=SUPPRESSED_TEXT, fill_color=SUPPRESSED_FILL)
    if cell.shade is not None:
        return FontFace(emphasis=emphasis, color=HEAT_TEXT[cell.shade], fill_color=HEAT[cell.shade])
    return FontFace(emphasis=emphasis, color=INK)


def _widths(pdf: BoardPDF, table: Table, size: float) -> list[float]:
    """Return column widths: each figure column as wide as its longest word or cell, the naming
    column the rest, so no word is ever split."""
    room = [0.0] * len(table.header)
    pdf.set_font(SANS, "B", size)
    for i, name in enumerate(table.header):
        words = pdf.clean(name).split() or [""]
        room[i] = max(pdf.get_string_width(word) for word in words)
    for cells in table.rows:
        column = 0
        for cell in cells:
            if cell.span == 1 and column:
                pdf.set_font(SANS, "B" if cell.strong else "", size)
                room[column] = max(room[column], pdf.get_string_width(pdf.clean(cell.text)))
            column += cell.span
    widths = [width + 2 * PADDING + 1 for width in room]
    even = max(widths[1:], default=0.0)  # figure columns alike where the names keep their room
    if pdf.epw - even * (len(widths) - 1) >= MIN_NAME_WIDTH:
        widths[1:] = [even] * (len(widths) - 1)
    widths[0] = pdf.epw - sum(widths[1:])
    return widths


def _table(pdf: BoardPDF, table: Table) -> None:
    """Draw a table, its header row repeated on every page it runs onto."""
    if pdf.will_page_break(40):  # keep a caption with its header and first rows
        pdf.add_page(orientation=pdf.cur_orientation)
    pdf.set_font(SANS, "B", 10)
    pdf.multi_cell(0, 5, pdf.clean(table.caption), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    size = 9.0
    widths = _widths(pdf, table, size)
    while widths[0] < MIN_NAME_WIDTH and size > MIN_TABLE_SIZE:
        size -= 0.5
        widths = _widths(pdf, table, size)
    pdf.set_font(SANS, "", size)
    columns = len(table.header)
    with pdf.table(
        col_widths=widths,
        text_align=("LEFT", *(["RIGHT"] * (columns - 1))),
        headings_style=FontFace(emphasis="B", fill_color=HEADER_FILL),
        line_height=size * 0.5,
        padding=PADDING,
        repeat_headings=1,
        width=pdf.epw,
    ) as drawn:
        heading = drawn.row()
        for name in table.header:
            heading.cell(pdf.clean(name))
        for cells in table.rows:
            row = drawn.row()
            for cell in cells:
                row.cell(
                    pdf.clean(cell.text),
                    style=_style(cell),
                    colspan=cell.span,
                    align="CENTER" if cell.span > 1 else None,
                )
    pdf.ln(3)


def _key(pdf: BoardPDF, key: Key) -> None:
    """Draw a colour key: each sample cell followed by its meaning, wrapping as needed."""
    pdf.set_font(SANS, "B", 9)
    pdf.cell(0, 6, "Key", new_x="LMARGIN", new_y="NEXT")
    for sample, meaning in key.entries:
        style = _style(sample)
        words = pdf.clean(f" {meaning}" if meaning else "")
        pdf.set_font(SANS, "B" if sample.strong else "", 8.5)
        width = pdf.get_string_width(pdf.clean(sample.text)) + 4
        pdf.set_font(SANS, "", 8.5)
        needed = width + pdf.get_string_width(words) + 4
        if pdf.get_x() + needed > pdf.w - pdf.r_margin:
            pdf.ln(7)
        pdf.set_font(SANS, "B" if sample.strong else "", 8.5)
        pdf.set_fill_color(*(style.fill_color.colors255 if style.fill_color else (255, 255, 255)))
        pdf.set_text_color(*(style.color.colors255 if style.color else INK))
        pdf.cell(width, 6, pdf.clean(sample.text), border=1, align="C", fill=True)
        pdf.set_font(SANS, "", 8.5)
        pdf.set_text_color(*INK)
        pdf.cell(pdf.get_string_width(words) + 4, 6, words)
    pdf.ln(9)
