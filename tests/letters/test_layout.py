"""The page layout on its own: tables across pages, numbering, values printed as they are.

These are the pieces another printed document (the dossier's cover sheet) reuses."""

from __future__ import annotations

import io
from typing import Any

import pytest
from pypdf import PdfReader

from connector.letters import (
    Align,
    Column,
    Letterhead,
    LetterPage,
    Paragraph,
    Row,
    Table,
    draw_blocks,
    draw_letterhead,
    print_pages,
)
from connector.pdf import FAMILY, PAGE_COUNT_CHARACTER, HouseDocument

MM = 72 / 25.4

HEAD = Letterhead(
    name="Atelier Lumen",
    lines=("SAS au capital de 10 000 €", "14 rue Burdeau", "69001 Lyon"),
    footer="Atelier Lumen, SAS — RCS Lyon 512 345 678",
)


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _grouped_table(groups: int, per_group: int) -> Table:
    rows = [
        Row((f"Groupe {g}" if n == 0 else "", f"ligne {g}.{n}", f"{g * 10 + n},00 €"))
        for g in range(1, groups + 1)
        for n in range(per_group)
    ]
    columns = (Column("Groupe", 40), Column("Ligne", 40), Column("Montant", 20, Align.RIGHT))
    return Table(columns, tuple(rows), note="Note sous le tableau.")


def test_a_long_table_repeats_its_headings_and_names_the_group_it_continues() -> None:
    def draw(pdf: LetterPage) -> None:
        pdf.add_page()
        draw_letterhead(pdf, HEAD)
        pdf.ln(10)
        draw_blocks(pdf, [Paragraph("Le tableau suivant :", keep_with_next=True)])
        draw_blocks(pdf, [_grouped_table(groups=25, per_group=7)])

    data, pdf = print_pages(draw, HEAD, page_words="Page {page}/{pages}")
    pages = _pages(data)
    assert len(pages) == pdf.pages_count >= 3
    for n, page in enumerate(pages, start=1):
        assert f"Page {n}/{len(pages)}" in page and "RCS Lyon 512 345 678" in page
        first_row = page.split("Groupe Ligne Montant\n")[1].split("\n")[0]
        assert first_row.startswith("Groupe "), first_row  # never a nameless continuation
    assert "Note sous le tableau." in pages[-1]
    assert sum(page.count("ligne ") for page in pages) == 25 * 7


def test_a_paragraph_opening_a_table_is_not_left_alone_at_the_bottom_of_a_page() -> None:
    filler = Paragraph(" ".join(["Texte de remplissage."] * 330))
    opening = Paragraph("Les factures suivantes demeurent impayées :", keep_with_next=True)

    def draw(pdf: LetterPage) -> None:
        pdf.add_page()
        draw_blocks(pdf, [filler, opening, _grouped_table(groups=2, per_group=2)])

    pages = _pages(print_pages(draw, HEAD, page_words="{page}/{pages}")[0])
    opened_on = next(n for n, page in enumerate(pages) if "demeurent impayées" in page)
    assert "Groupe Ligne Montant" in pages[opened_on]


def test_characters_are_printed_as_they_are_or_as_a_question_mark() -> None:
    def draw(pdf: LetterPage) -> None:
        pdf.add_page()
        pdf.write_lines("a\x00b\tc {nb} {page} ** <b> Ελληνικά œ € 😀")

    data, pdf = print_pages(draw, HEAD, page_words="Page {page}/{pages}")
    text = _pages(data)[0]
    assert "a b c {nb} {page} ** <b> Ελληνικά œ € ?" in text
    assert pdf.unprintable == {"😀"}


def _footer_starts(pdf: bytes) -> dict[str, float]:
    """Where each page's « Page n/N » starts, in mm from the left edge."""
    found: dict[str, float] = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:

        def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
            if text.startswith("Page "):
                found[text.strip()] = (tm[4] * cm[0] + cm[4]) / MM

        page.extract_text(visitor_text=visit)
    return found


@pytest.mark.parametrize("count", [2, 12])
def test_the_page_number_ends_at_the_right_margin_as_wide_as_the_real_count(count: int) -> None:
    """The count is fpdf2's alias, laid out as wide as its figures: « Page 3/12 » sits where
    a right-aligned « Page 3/12 » does, from ten pages on too (those are drawn twice)."""

    def draw(pdf: LetterPage) -> None:
        for n in range(1, count + 1):
            pdf.add_page()
            pdf.write_lines(f"Feuille {n}")

    data, _ = print_pages(draw, HEAD, page_words="Page {page}/{pages}")
    ruler = HouseDocument()
    ruler.set_font(FAMILY, size=8)
    right = ruler.w - 20 - ruler.c_margin  # the letter's right margin is 20 mm
    starts = _footer_starts(data)
    for n in range(1, count + 1):
        words = f"Page {n}/{count}"
        assert starts[words] == pytest.approx(right - ruler.get_string_width(words), abs=0.01)
    ruler.close_fonts()


def test_a_value_carrying_the_page_count_stand_in_prints_question_marks() -> None:
    def draw(pdf: LetterPage) -> None:
        pdf.add_page()
        pdf.write_lines(f"Client {PAGE_COUNT_CHARACTER} SARL {PAGE_COUNT_CHARACTER * 2} {{nb}}")
        pdf.add_page()

    data, pdf = print_pages(draw, HEAD, page_words="Page {page}/{pages}")
    pages = _pages(data)
    assert "Client ? SARL ?? {nb}" in pages[0]
    assert "Page 1/2" in pages[0] and "Page 2/2" in pages[1]
    assert pdf.unprintable == {PAGE_COUNT_CHARACTER}
