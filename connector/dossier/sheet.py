"""The page every sheet of the collection file is printed on: A4, the house typeface
embedded (:mod:`connector.pdf`), a title, blocks of text, ruled tables, and a footer naming
the creditor, the document and the page (« Page 2 sur 3 »).

Values from the ledger are printed as they are: fpdf2 interprets no markup unless asked,
and it is never asked here; « {nb} » is not a page count; a character the typeface cannot
draw prints as « ? » (:class:`~connector.pdf.HouseDocument`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from fpdf.enums import TableBordersLayout
from fpdf.fonts import FontFace

from connector.dossier.wording import Wording
from connector.pdf import FAMILY, HouseDocument

__all__ = ["Column", "Line", "Note", "Sheet"]

INK = (33, 37, 41)
GREY = (96, 102, 110)
RULE = (200, 204, 208)
SHADE = (238, 240, 242)


@dataclass(frozen=True, slots=True)
class Column:
    label: str
    width: float  # relative
    align: str = "LEFT"


@dataclass(frozen=True, slots=True)
class Line:
    """A table row; ``bold`` for a total."""

    cells: Sequence[str]
    bold: bool = False


@dataclass(frozen=True, slots=True)
class Note:
    """A row across the whole table, small and grey, under the line it explains."""

    text: str
    indent: bool = True


class Sheet(HouseDocument):
    """One PDF of the file; :meth:`finish` gives its bytes.

    The page count is laid out three figures wide, the count at the left of that width (as
    fpdf2 lays out its « {nb} »): a sheet is printed in one pass, whatever its length, and the
    footer ends a figure or two short of the right margin."""

    def __init__(self, words: Wording, *, creditor: str, title: str) -> None:
        super().__init__(count_digits=3, count_align="L")
        self._words = words
        self._footer = f"{creditor} — {title}"
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(auto=True, margin=18)
        self.set_title(title)
        self.set_author(creditor)
        self.set_creator("relance")
        self.set_text_color(*INK)
        self.add_page()

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, size=7.5)
        self.set_text_color(*GREY)
        self.cell(self.epw * 0.75, 4, self._footer, align="L")
        words = self.printable(self._words.say("page", self.page_no(), "{pages}"))
        with self.counting():
            self.cell(self.epw * 0.25, 4, words.replace("{pages}", self.page_count()), align="R")
        self.set_text_color(*INK)

    def title_block(self, title: str, subtitle: str = "") -> None:
        self.set_font(FAMILY, "B", 16)
        self.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
        if subtitle:
            self.set_font(FAMILY, "", 11)
            self.set_text_color(*GREY)
            self.multi_cell(0, 6, subtitle, new_x="LMARGIN", new_y="NEXT")
            self.set_text_color(*INK)
        self.ln(4)

    def heading(self, text: str) -> None:
        """A section's title, never alone at the foot of a page."""
        if self.will_page_break(32):
            self.add_page()
        self.ln(3)
        self.set_font(FAMILY, "B", 11)
        self.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(*RULE)
        self.line(self.l_margin, self.get_y(), self.l_margin + self.epw, self.get_y())
        self.ln(2)

    def paragraph(self, text: str, *, size: float = 9, style: str = "", grey: bool = False) -> None:
        self.set_font(FAMILY, style, size)
        if grey:
            self.set_text_color(*GREY)
        self.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(*INK)
        self.ln(1.5)

    def boxed(self, text: str) -> None:
        """A shaded, framed paragraph: what a reader must see before anything else."""
        self.set_font(FAMILY, "B", 9.5)
        self.set_fill_color(*SHADE)
        self.set_draw_color(*GREY)
        self.multi_cell(0, 5, text, border=1, fill=True, padding=3, new_x="LMARGIN", new_y="NEXT")
        self.set_fill_color(255, 255, 255)
        self.ln(4)

    def keep(self, height: float) -> None:
        """Start a new page unless ``height`` mm still fit on this one: what follows stays
        together (the legal grounds and the signature under them)."""
        if self.will_page_break(height):
            self.add_page()

    def signature(self, dateline: str, lines: Sequence[str]) -> None:
        """The place and date, then who draws the document up, at the right."""
        shown = [line for line in lines if line]
        if self.will_page_break(4 + 4.5 * (len(shown) + 1)):
            self.add_page()
        self.ln(3)
        x, width = self.l_margin + self.epw * 0.55, self.epw * 0.45
        for n, line in enumerate([dateline, *shown]):
            self.set_font(FAMILY, "B" if n == 1 else "", 9.5)
            self.set_x(x)
            self.multi_cell(width, 4.5, line, new_x="LEFT", new_y="NEXT")
        self.set_x(self.l_margin)

    def parties(self, blocks: Sequence[tuple[str, Sequence[str]]]) -> None:
        """Blocks side by side (creditor, debtor): a bold label, then lines."""
        top, width = self.get_y(), self.epw / len(blocks)
        bottom = top
        for n, (label, lines) in enumerate(blocks):
            x = self.l_margin + n * width
            self.set_xy(x, top)
            self.set_font(FAMILY, "B", 9)
            self.set_text_color(*GREY)
            self.cell(width - 4, 5, label.upper(), new_x="LEFT", new_y="NEXT")
            self.set_text_color(*INK)
            for i, line in enumerate(lines):
                self.set_font(FAMILY, "B" if i == 0 else "", 10 if i == 0 else 9)
                self.set_x(x)
                self.multi_cell(width - 4, 4.6, line, new_x="LEFT", new_y="NEXT")
            bottom = max(bottom, self.get_y())
        self.set_xy(self.l_margin, bottom + 4)

    def ruled(
        self, columns: Sequence[Column], rows: Iterable[Line | Note], *, heading: bool = True
    ) -> None:
        """A table ruled between rows, under a shaded row of the columns' labels."""
        head_style = FontFace(emphasis="BOLD", fill_color=SHADE, size_pt=8)
        note = FontFace(emphasis="ITALICS", color=GREY, size_pt=7.5)
        total = FontFace(emphasis="BOLD", size_pt=8.5)
        self.set_font(FAMILY, "", 8.5)
        self.use_style("B")  # fpdf2 looks the headings' style up before selecting it
        self.set_draw_color(*RULE)
        with self.table(
            col_widths=tuple(c.width for c in columns),
            text_align=tuple(c.align for c in columns),
            borders_layout=TableBordersLayout.HORIZONTAL_LINES,
            headings_style=head_style,
            line_height=4.4,
            padding=(1.2, 1.2),
            width=self.epw,
            align="LEFT",
            first_row_as_headings=heading,
        ) as table:
            if heading:
                head = table.row()
                for column in columns:
                    head.cell(column.label, align=column.align)
            for row in rows:
                line = table.row()
                if isinstance(row, Note):
                    text = ("    " if row.indent else "") + row.text
                    line.cell(text, colspan=len(columns), style=note, align="LEFT")
                    continue
                for cell, column in zip(row.cells, columns, strict=True):
                    line.cell(cell, align=column.align, style=total if row.bold else None)
        self.ln(3)
