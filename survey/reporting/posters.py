"""Draw team-link posters: one A4 page per unit, a large QR code, the link written out, the
closing date and the promise of anonymity, for a wall in a depot, a care home or a staff room.

The QR code is made with segno as SVG, so fpdf2 draws it as vector squares that stay sharp at
any print size. The link is set in DejaVu Sans Mono Bold, where 0 and O, 1, l and I differ, and
broken only after a "/" or a "." (so never inside the token, whose alphabet has "-" and "_"),
with nothing added at the break: a hyphen there would be read as part of the address.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import datetime

import segno

from survey.reporting.pdf import FONTS, INK, MARGIN, SANS, TypesetPDF, coverage
from survey.services.posters import TeamPoster

MONO = "DejaVuMono"
MONO_FILE = "DejaVuSansMono-Bold.ttf"
# The staff pulse's own promise (the footer of its pages) and its landing page's threshold
# sentence, so a poster never promises more, or less, than the pulse itself;
# tests/test_posters.py checks the pulse still says both.
PROMISE = (
    "Your answers are anonymous. We record your team, the wave and the day only: "
    "never your name, e-mail, device or IP address."
)
SHOWN_FROM = "Results for a group are only shown when at least {threshold} people have answered."
TITLE = "Tell us how the change is going"
QR_LARGEST = 130.0  # mm: scans from a couple of metres; larger only crowds the words
QR_SMALLEST = 60.0  # mm: reached only with very long unit names and base addresses
LINK_SIZES = (22.0, 12.0)  # pt: largest and smallest type for the written link
GREY = (80, 80, 80)
PATH_SIZE = 11  # pt


@dataclass(frozen=True)
class Sheet:
    """The words and the link of one poster, ready to draw."""

    path: str
    unit_name: str
    invitation: str
    link: str
    when: str
    threshold_line: str
    footer: str


def _moment(moment: datetime) -> str:
    """Return a time as a poster writes it: Thursday 3 December 2026 at 17:00."""
    return f"{moment:%A} {moment.day} {moment:%B %Y} at {moment:%H:%M}"


def sheet(poster: TeamPoster, link: str) -> Sheet:
    """Return what a unit's poster says, around its absolute team link."""
    minutes = f"{poster.minutes} minute{'' if poster.minutes == 1 else 's'}"
    closes = _moment(poster.closes_at)
    when = (
        f"Opens {_moment(poster.opens_at)}, closes {closes} (UTC)"
        if poster.not_yet_open
        else f"Open until {closes} (UTC)"
    )
    return Sheet(
        path=poster.path,
        unit_name=poster.unit_name,
        invitation=(
            f"Everyone in {poster.unit_name} is invited: {poster.questions} short questions, "
            f"about {minutes}, on your own phone. Point its camera at the code to start."
        ),
        link=link,
        when=when,
        threshold_line=SHOWN_FROM.format(threshold=poster.threshold),
        footer=f"Change Pulse: {poster.wave_name}",
    )


class PosterPDF(TypesetPDF):
    """A4 posters, one to a page, each laid out to fit its page (nothing runs over)."""

    def __init__(self, title: str) -> None:
        super().__init__()
        self.add_font(MONO, "", FONTS / MONO_FILE)
        self.set_auto_page_break(False)
        self.set_title(self.clean(title))
        self.code_sizes: list[float] = []  # mm, each page's QR code with its quiet zone

    def paragraph(self, style: str, size: float, words: str, line: float, measure: bool) -> float:
        """Set a centred paragraph across the page (or only measure it); return its height."""
        self.set_font(SANS, style, size)
        if measure:
            return float(self.multi_cell(0, line, self.clean(words), dry_run=True, output="HEIGHT"))
        top = self.get_y()
        self.multi_cell(0, line, self.clean(words), align="C", new_x="LMARGIN", new_y="NEXT")
        return self.get_y() - top


def _link_font(pdf: PosterPDF, link: str, size: float) -> None:
    """Set the written link's type: the monospaced face, or the sans for a non-ASCII address
    the monospaced face has no glyphs for."""
    if {ord(ch) for ch in link} <= coverage(MONO_FILE):
        pdf.set_font(MONO, "", size)
    else:
        pdf.set_font(SANS, "B", size)


def link_lines(pdf: PosterPDF, link: str, width: float) -> tuple[float, list[str]]:
    """Return the type size and lines of the written link: as large as lets every part between
    breaks fit a line, broken only after a slash or a dot; a part too long even at the smallest
    size (a very long word in a host name) is cut where the line ends."""
    pieces = re.findall(r"[^/.]*[/.]+|[^/.]+", link)
    size = LINK_SIZES[0]
    _link_font(pdf, link, size)
    while size > LINK_SIZES[1] and max(pdf.get_string_width(p) for p in pieces) > width:
        size -= 1
        _link_font(pdf, link, size)
    lines = [""]
    for piece in pieces:
        if pdf.get_string_width(lines[-1] + piece) <= width:
            lines[-1] += piece
            continue
        lines.append("")
        for char in piece:
            if lines[-1] and pdf.get_string_width(lines[-1] + char) > width:
                lines.append("")
            lines[-1] += char
    return size, [line for line in lines if line]


def _qr_svg(link: str) -> io.BytesIO:
    """Return the link's QR code as SVG with its four-module quiet zone: the highest error
    correction that fits without a larger symbol (at least Q, for a worn or marked poster)."""
    code = segno.make_qr(link, error="q", boost_error=True)
    svg = io.BytesIO()
    code.save(
        svg, kind="svg", border=4, omitsize=True, xmldecl=False, svgclass=None, lineclass=None
    )
    svg.seek(0)
    return svg


def _foot(pdf: PosterPDF, item: Sheet, measure: bool) -> float:
    """Draw (or measure) what sits under the code: the link, when to answer, the promise."""
    height = pdf.paragraph("", 12, "Or type this address in full, as one line:", 6, measure)
    size, lines = link_lines(pdf, item.link, pdf.epw)
    step = size * 0.3528 * 1.35  # points to mm, with room between lines
    if not measure:
        _link_font(pdf, item.link, size)
        for line in lines:
            pdf.cell(0, step, pdf.clean(line), align="C", new_x="LMARGIN", new_y="NEXT")
    height += step * len(lines) + 4
    if not measure:
        pdf.ln(4)
    height += pdf.paragraph("B", 16, item.when, 7.5, measure) + 4
    if not measure:
        pdf.ln(2)
        pdf.set_draw_color(*INK)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
        pdf.ln(2)
    height += pdf.paragraph("B", 13, PROMISE, 6, measure)
    height += pdf.paragraph("", 12, item.threshold_line, 6, measure)
    return height


def _short_path(pdf: PosterPDF, path: str) -> str:
    """Return the unit's path in at most two lines of its type, leaving out middle levels
    (as "…") from the top down when it is longer."""
    parts = path.split(" > ")
    shown, inner = path, parts[1:-1]
    pdf.set_font(SANS, "", PATH_SIZE)
    while inner and len(pdf.multi_cell(0, 5, pdf.clean(shown), dry_run=True, output="LINES")) > 2:
        inner = inner[1:]
        shown = " > ".join([parts[0], "\N{HORIZONTAL ELLIPSIS}", *inner, parts[-1]])
    return shown


def _page(pdf: PosterPDF, item: Sheet) -> None:
    """Draw one poster: who it is for, the invitation, the code as large as fits, then the foot."""
    pdf.add_page()
    pdf.set_text_color(*GREY)
    pdf.paragraph("", PATH_SIZE, _short_path(pdf, item.path), 5, False)
    pdf.set_text_color(*INK)
    pdf.paragraph("B", 22, item.unit_name, 9, False)
    pdf.ln(2)
    pdf.paragraph("B", 27, TITLE, 11.5, False)
    pdf.ln(2)
    pdf.paragraph("", 15, item.invitation, 7, False)
    top = pdf.get_y() + 3
    foot = _foot(pdf, item, measure=True)
    bottom = pdf.h - MARGIN - 6 - foot  # 6 mm left for the footer line
    room = bottom - top - 3
    size = max(QR_SMALLEST, min(QR_LARGEST, room, pdf.epw))
    top += max(0.0, room - size) / 2  # the code in the middle of its room, not against the words
    pdf.image(_qr_svg(item.link), x=(pdf.w - size) / 2, y=top, w=size, h=size)
    pdf.code_sizes.append(size)
    pdf.set_y(top + size + 3)
    _foot(pdf, item, measure=False)
    pdf.set_y(pdf.h - MARGIN - 5)
    pdf.set_text_color(*GREY)
    pdf.paragraph("", 8, item.footer, 5, False)
    pdf.set_text_color(*INK)


def draw(sheets: list[Sheet], title: str) -> PosterPDF:
    """Return a document with the posters drawn, a page each, in the order given."""
    pdf = PosterPDF(title)
    for item in sheets:
        _page(pdf, item)
    return pdf


def render(sheets: list[Sheet], title: str) -> bytes:
    """Return the posters as one PDF."""
    return bytes(draw(sheets, title).output())
