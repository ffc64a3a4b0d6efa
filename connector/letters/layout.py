"""A :class:`~connector.letters.document.Letter` laid out on A4 pages, as a French business
letter is: letterhead at the top left, the recipient in the window of a DL envelope, the
registered-mail mention and the reference beside it, place and date, one object line, the
body with its tables, the signature block, the annexes; on every page the legal mentions
and « Page 1/2 ».

Nothing here words anything: every string comes worded and formatted in the Letter. Values
are printed as they are: never read as markup, a page alias or a link (a character the
typeface cannot draw prints as « ? », and a warning says how many did).

The window: a DL envelope (220 x 110 mm) has its window of 100 x 45 mm at 20 mm from its
right edge and 15 mm from its bottom edge, so on an A4 sheet folded in three it shows the
area from about 50 mm to 95 mm from the top and from about 95 mm to 195 mm from the left.
The address is printed inside the band French mailing practice recommends for window
envelopes, 110 mm from the left and 55 mm from the top, at most 85 x 33 mm (six lines of
the postal standard NF Z10-011), leaving the top of the window free for the registered
mail's barcode label — see https://edics.fr/rediger-vos-adresses-les-bonnes-pratiques/
and La Poste's « Guide pratique courrier » (mai 2021, « La rédaction et l'impression de
l'adresse »).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from connector.letters.document import Align, Block, Column, Letter, Letterhead, Paragraph, Table
from connector.pdf import FAMILY, HouseDocument

__all__ = ["LetterPage", "draw_blocks", "draw_letterhead", "print_letter", "print_pages"]

LEFT, RIGHT, TOP, BOTTOM = 20.0, 20.0, 15.0, 24.0  # mm
WINDOW_X, WINDOW_Y, WINDOW_W = 110.0, 55.0, 85.0  # the recipient's address (see above)
HEAD_W = 82.0  # the letterhead column, clear of the window
LOGO_W, LOGO_H = 60.0, 18.0  # the box the logo fits in
TEXT = (25, 25, 25)
MUTED = (105, 105, 105)
RULE = (170, 170, 170)
SHADE = (236, 236, 236)
LINE = 5.0  # the body's line height at 10 pt


class LetterPage(HouseDocument):
    """A4 pages in the house typeface, the legal mentions and the page number in each
    footer, and from the second page on a running header naming the letter.

    Every string drawn is made printable (:meth:`~connector.pdf.HouseDocument.printable`);
    ``count_digits`` is the number of digits the page count is laid out for."""

    def __init__(
        self,
        letterhead: Letterhead,
        *,
        page_words: str,
        running_header: str = "",
        count_digits: int = 1,
    ) -> None:
        super().__init__(count_digits=count_digits, count_align="R")
        self._footer = letterhead.footer
        self._page_words = page_words
        self._running = running_header
        self.set_margins(LEFT, TOP, RIGHT)
        self.set_auto_page_break(auto=True, margin=BOTTOM)
        self.set_text_color(*TEXT)
        self.set_draw_color(*RULE)
        self.set_font(FAMILY, size=10)

    def write_lines(
        self, text: str, *, size: float = 10, style: str = "", height: float = LINE, **kw: object
    ) -> None:
        self.set_font(FAMILY, style=style, size=size)
        self.multi_cell(
            kw.pop("w", 0),  # type: ignore[arg-type]
            height,
            self.printable(text),
            new_x="LMARGIN",
            new_y="NEXT",
            **kw,  # type: ignore[arg-type]
        )

    def header(self) -> None:
        if self.page_no() > 1 and self._running:
            self.set_y(9)
            self.set_text_color(*MUTED)
            self.write_lines(self._running, size=8, height=4)
            self.set_text_color(*TEXT)
            self.set_y(TOP + 4)

    def footer(self) -> None:
        self.set_y(-BOTTOM + 6)
        self.set_text_color(*MUTED)
        if self._footer:
            self.write_lines(self._footer, size=7.5, height=3.4, align="C")
        words = self.printable(self._page_words).replace("{page}", str(self.page_no()))
        self.set_y(-9)
        self.set_font(FAMILY, size=8)
        with self.counting():
            self.cell(0, 4, words.replace("{pages}", self.page_count()), align="R")
        self.set_text_color(*TEXT)


def draw_letterhead(pdf: LetterPage, letterhead: Letterhead) -> float:
    """The sender at the top left of the page; returns where it ends (mm from the top)."""
    y = TOP - 3
    if letterhead.logo is not None:
        info = pdf.image(
            str(letterhead.logo), x=LEFT, y=y, w=LOGO_W, h=LOGO_H, keep_aspect_ratio=True
        )
        y += float(info.rendered_height) + 3
    pdf.set_xy(LEFT, y)
    pdf.write_lines(letterhead.name, size=12.5, style="B", height=6, w=HEAD_W)
    pdf.set_text_color(*MUTED)
    for line in letterhead.lines:
        pdf.write_lines(line, size=8.5, height=4, w=HEAD_W)
    pdf.set_text_color(*TEXT)
    return float(pdf.get_y())


def _recipient(pdf: LetterPage, lines: Sequence[str]) -> float:
    pdf.set_xy(WINDOW_X, WINDOW_Y)
    for n, line in enumerate(lines):
        pdf.set_x(WINDOW_X)
        pdf.set_font(FAMILY, style="B" if n == 0 else "", size=10)
        pdf.multi_cell(WINDOW_W, 4.8, pdf.printable(line), new_x="LMARGIN", new_y="NEXT")
    return float(pdf.get_y())


def _notes(pdf: LetterPage, notes: Sequence[str], strong: int, top: float) -> float:
    pdf.set_y(max(top + 6, WINDOW_Y + 6))
    for n, note in enumerate(notes):
        pdf.write_lines(note, size=9, style="B" if n < strong else "", height=4.6, w=HEAD_W)
        if n + 1 == strong:
            pdf.ln(1.5)
    return float(pdf.get_y())


def _paragraph(pdf: LetterPage, block: Paragraph, after: float) -> None:
    """A justified paragraph; on a new page when the room it needs ``after`` it (the first
    lines of the table it opens, the signature it is closed by) is not left on this one."""
    text = pdf.printable(block.text)
    pdf.set_font(FAMILY, style="B" if block.strong else "", size=10)
    if after:
        height = pdf.multi_cell(0, LINE, text, dry_run=True, output="HEIGHT")
        assert isinstance(height, float | int)
        if pdf.will_page_break(float(height) + after):
            pdf.add_page()
    pdf.multi_cell(0, LINE, text, align="J", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2.5)


_ALIGN = {Align.LEFT: "L", Align.RIGHT: "R", Align.CENTER: "C"}
PAD_X, PAD_Y, CELL_LINE = 1.2, 1.0, 4.4  # mm, in a table cell
ROW = CELL_LINE + 2 * PAD_Y  # a row of one line


def _cell_lines(pdf: LetterPage, text: str, width: float) -> list[str]:
    """The lines ``text`` takes in a cell ``width`` wide (one when it fits: the usual case)."""
    if "\n" not in text and pdf.get_string_width(text) <= width:
        return [text]
    lines = pdf.multi_cell(width, CELL_LINE, text, dry_run=True, output="LINES")
    assert isinstance(lines, list)
    return lines or [""]


def _row(
    pdf: LetterPage,
    x: float,
    widths: Sequence[float],
    columns: Sequence[Column],
    cells: Sequence[str],
    *,
    strong: bool,
    size: float,
    rule: bool,
    repeat: Callable[[], None] | None = None,
    carry: str = "",
    reserve: float = 0.0,
) -> None:
    """One row of a table; a new page (and the headings again) when it does not fit. A row
    that continues the one above (its first cell empty) gets ``carry`` there on a new page,
    so that each page names what its lines are about."""

    def split(texts: Sequence[str]) -> list[list[str]]:
        pdf.set_font(FAMILY, style="B" if strong else "", size=size)
        return [_cell_lines(pdf, t, w - 2 * PAD_X) for t, w in zip(texts, widths, strict=True)]

    texts = [pdf.printable(c).replace("\n", " ") for c in cells]
    lines = split(texts)
    height = max(len(cell) for cell in lines) * CELL_LINE + 2 * PAD_Y
    if pdf.will_page_break(height + reserve):
        pdf.add_page()
        if repeat is not None:
            repeat()
        if carry and not texts[0]:
            texts[0] = pdf.printable(carry).replace("\n", " ")
        lines = split(texts)
        height = max(len(cell) for cell in lines) * CELL_LINE + 2 * PAD_Y
    y = pdf.get_y()
    if strong:
        pdf.set_fill_color(*SHADE)
        pdf.rect(x, y, sum(widths), height, style="F")
    left = x
    for cell, width, column in zip(lines, widths, columns, strict=True):
        for n, line in enumerate(cell):
            pdf.set_xy(left + PAD_X, y + PAD_Y + n * CELL_LINE)
            pdf.cell(width - 2 * PAD_X, CELL_LINE, line, align=_ALIGN[column.align])
        left += width
    if rule:
        pdf.line(x, y + height, x + sum(widths), y + height)
    pdf.set_xy(pdf.l_margin, y + height)


def _table(pdf: LetterPage, table: Table) -> None:
    """A table whose rows never split, its headings repeated at the top of each page."""
    width = pdf.epw * table.width
    x = pdf.l_margin + pdf.epw - width
    share = sum(c.width for c in table.columns)
    widths = [width * c.width / share for c in table.columns]
    size = 8.8 if table.has_headings else 9.5

    def headings() -> None:
        if table.has_headings:
            headings_cells = [c.heading for c in table.columns]
            _row(pdf, x, widths, table.columns, headings_cells, strong=True, size=size, rule=True)

    if pdf.will_page_break(CELL_LINE * 3 + 4 * PAD_Y):
        pdf.add_page()
    headings()
    carry = ""
    note = 0.0  # the note stays under the table's last row
    if table.note:
        pdf.set_font(FAMILY, size=8.5)
        height = pdf.multi_cell(0, 4, pdf.printable(table.note), dry_run=True, output="HEIGHT")
        assert isinstance(height, float | int)
        note = float(height) + 1.5
    for n, row in enumerate(table.rows):
        carry = row.cells[0] or carry
        _row(
            pdf,
            x,
            widths,
            table.columns,
            row.cells,
            strong=row.strong,
            size=size,
            rule=table.ruled,
            repeat=headings,
            carry=carry,
            # the last row (a total) with the row above it and the note below
            reserve={len(table.rows) - 1: note, len(table.rows) - 2: note + ROW}.get(n, 0.0),
        )
    if table.note:
        pdf.ln(1.5)
        pdf.set_text_color(*MUTED)
        pdf.write_lines(table.note, size=8.5, height=4)
        pdf.set_text_color(*TEXT)
    pdf.ln(3.5)


def draw_blocks(pdf: LetterPage, blocks: Sequence[Block], *, tail: float = 0) -> None:
    """Paragraphs and tables, one after the other, breaking pages where they must; the last
    paragraph keeps ``tail`` mm after it on its page (for what follows the blocks)."""
    for n, block in enumerate(blocks):
        following = blocks[n + 1] if n + 1 < len(blocks) else None
        if isinstance(block, Paragraph):
            after = 0.0
            if following is None:
                after = tail
            elif block.keep_with_next and isinstance(following, Table):
                after = 4 * LINE
            _paragraph(pdf, block, after)
        else:
            _table(pdf, block)


SIGNATURE_SPACE = 18.0  # room for a hand-written signature above the name


def _signature_height(lines: Sequence[str]) -> float:
    return SIGNATURE_SPACE + LINE * (len(lines) + 1)


def _signature(pdf: LetterPage, lines: Sequence[str]) -> None:
    if pdf.will_page_break(_signature_height(lines)):
        pdf.add_page()
    pdf.ln(SIGNATURE_SPACE)
    for n, line in enumerate(lines):
        pdf.set_x(WINDOW_X)
        pdf.set_font(FAMILY, style="B" if n == 0 else "", size=10)
        pdf.multi_cell(WINDOW_W, LINE, pdf.printable(line), new_x="LMARGIN", new_y="NEXT")


def print_pages(
    draw: Callable[[LetterPage], None],
    letterhead: Letterhead,
    *,
    page_words: str,
    running_header: str = "",
) -> tuple[bytes, LetterPage]:
    """A document of pages ``draw`` fills, with « Page 1/3 » in each footer. Returns the
    PDF and the pages it was drawn on. Drawn once; twice only from ten pages on, when the
    page count turns out to take more room than the one figure it was laid out for."""
    pdf = _drawn(draw, letterhead, page_words, running_header, count_digits=1)
    if not pdf.count_fits():
        pdf.close_fonts()
        pages = pdf.pages_count
        pdf = _drawn(draw, letterhead, page_words, running_header, count_digits=len(str(pages)))
        if not pdf.count_fits():  # a footer never moves the body: a bug if it did
            pdf.close_fonts()
            raise RuntimeError(f"drawn again, {pages} pages became {pdf.pages_count}")
    return pdf.finish(), pdf


def _drawn(
    draw: Callable[[LetterPage], None],
    letterhead: Letterhead,
    page_words: str,
    running_header: str,
    *,
    count_digits: int,
) -> LetterPage:
    pdf = LetterPage(
        letterhead,
        page_words=page_words,
        running_header=running_header,
        count_digits=count_digits,
    )
    try:
        pdf.set_author(pdf.printable(letterhead.name))
        pdf.set_creator("relance")
        draw(pdf)
    except BaseException:
        pdf.close_fonts()
        raise
    return pdf


def print_letter(letter: Letter) -> bytes:
    """The letter as a PDF with the house typeface embedded."""

    def draw(pdf: LetterPage) -> None:
        pdf.set_title(pdf.printable(letter.title))
        pdf.set_lang(letter.language)
        pdf.add_page()
        head_end = draw_letterhead(pdf, letter.letterhead)
        window_end = _recipient(pdf, letter.recipient)
        notes_end = _notes(pdf, letter.notes, letter.strong_notes, head_end)
        pdf.set_y(max(window_end, notes_end, WINDOW_Y + 33) + 4)
        pdf.set_font(FAMILY, size=10)
        pdf.cell(0, LINE, pdf.printable(letter.dateline), align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
        pdf.write_lines(letter.subject, style="B")
        pdf.ln(3)
        pdf.write_lines(letter.salutation)
        pdf.ln(2.5)
        # the closing formula stays on the page of the signature it introduces
        draw_blocks(pdf, letter.body, tail=_signature_height(letter.signature))
        _signature(pdf, letter.signature)
        if letter.annexes:
            pdf.ln(8)
            pdf.write_lines(letter.annexes, size=9, height=4.6)

    data, _ = print_pages(
        draw,
        letter.letterhead,
        page_words=letter.page_words,
        running_header=letter.running_header,
    )
    return data
