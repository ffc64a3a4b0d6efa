"""The page every document is printed on (connector.pdf): values print as they are, the page
count is printed in one pass and never taken from a value, only the styles used are read and
embedded, and the PDF is the one fpdf2 writes."""

from __future__ import annotations

import functools
import io
from datetime import UTC, datetime

from fpdf import FPDF
from fpdf.fonts import TTFFont
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

from connector.pdf import FAMILY, PAGE_COUNT_CHARACTER, HouseDocument

STAND_IN = PAGE_COUNT_CHARACTER


class _Numbered(HouseDocument):
    """Pages numbered « n/N » at the foot, as the letter and the dossier's sheets number them."""

    def footer(self) -> None:
        self.set_y(-15)
        words = self.printable(f"{self.page_no()}/{{pages}}")
        with self.counting():
            self.cell(0, 5, words.replace("{pages}", self.page_count()), align="R")


def _pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def _embedded_fonts(data: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    return names


def test_no_style_of_the_typeface_has_a_glyph_for_the_page_count_stand_in() -> None:
    pdf = HouseDocument()
    for style in ("", "B", "I", "BI"):
        pdf.use_style(style)
    for font in pdf.fonts.values():
        assert isinstance(font, TTFFont)
        assert ord(STAND_IN) not in font.cmap, font.fontkey
    pdf.close_fonts()


def test_a_value_carrying_the_stand_in_prints_a_question_mark_never_the_page_count() -> None:
    pdf = _Numbered()
    value = f"Client {STAND_IN} SARL {STAND_IN * 2} {{nb}} {STAND_IN * 3}"
    pdf.add_page()
    # every way fpdf2 draws text, the table's cells included; none made printable beforehand
    pdf.cell(0, 5, value, new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 5, value, new_x="LMARGIN", new_y="NEXT")
    pdf.write(5, value)
    pdf.ln(8)
    with pdf.table(first_row_as_headings=False) as table:
        table.row().cell(value)
    pdf.add_page()
    pages = _pages(pdf.finish())
    assert pages[0].count("Client ? SARL ?? {nb} ???") == 4
    assert pages[0].rstrip().endswith("1/2") and pages[1].strip() == "2/2"
    assert pdf.unprintable == {STAND_IN}


def test_a_count_laid_out_wider_than_it_is_stays_where_it_is_aligned() -> None:
    pdf = _Numbered(count_digits=3, count_align="L")
    pdf.add_page()
    pdf.cell(0, 5, f"{{nb}} {STAND_IN * 3}")
    (page,) = _pages(pdf.finish())
    assert "{nb} ???" in page and page.rstrip().endswith("1/1")
    assert not pdf.count_fits()  # one figure, laid out for three


def test_a_document_reads_and_embeds_only_the_styles_it_uses() -> None:
    pdf = HouseDocument()
    pdf.add_page()
    pdf.cell(0, 5, "Regular")
    pdf.set_font(FAMILY, style="I", size=9)
    pdf.cell(0, 5, "Italic")
    assert sorted(pdf.fonts) == [FAMILY.lower(), FAMILY.lower() + "I"]
    assert _embedded_fonts(pdf.finish()) == {"SourceSansPro", "SourceSansProItalic"}


def _drawn(pdf: FPDF) -> FPDF:
    pdf.set_creation_date(datetime(2025, 9, 15, 9, 0, tzinfo=UTC))
    pdf.add_page()
    pdf.multi_cell(0, 5, "Mise en demeure : 1 234,56 € — « œuvre » ﬁn\nAvoir AV-2025-0012")
    pdf.set_font(FAMILY, style="B", size=12)
    pdf.cell(0, 6, "Total dû 4 237,40 €")
    return pdf


def test_the_pdf_is_byte_for_byte_the_one_fpdf2_writes_with_every_table_of_the_font() -> None:
    """The layout tables are dropped before fpdf2 subsets the fonts: if fpdf2 ever embedded
    them, this fails."""
    finished = _drawn(HouseDocument())
    assert isinstance(finished, HouseDocument)
    plain = _drawn(HouseDocument())
    expected = bytes(FPDF.output(plain))  # fpdf2's own output, every table there
    assert isinstance(plain, HouseDocument)
    plain.close_fonts()
    assert finished.finish() == expected


def _reference(text: str, glyphs: frozenset[int]) -> str:
    """printable's definition, one character at a time."""
    return "".join(
        char
        if char == "\n"
        else " "
        if char < " " or "\x7f" <= char < "\xa0"
        else char
        if ord(char) in glyphs
        else "?"
        for char in text
    )


@functools.cache
def _page() -> tuple[HouseDocument, frozenset[int]]:
    pdf = HouseDocument()
    font = pdf.fonts[FAMILY.lower()]
    assert isinstance(font, TTFFont)
    pdf.close_fonts()  # printable reads no file
    return pdf, frozenset(font.cmap)


@given(st.text() | st.text("aé€\n\t\r\x00\x85\xa0 ?{nb}" + STAND_IN))
def test_printable_is_its_definition_and_leaves_no_stand_in(text: str) -> None:
    pdf, glyphs = _page()
    printed = pdf.printable(text)
    assert printed == _reference(text, glyphs)
    assert STAND_IN not in printed and pdf.printable(printed) == printed
