"""The page layout on its own: tables across pages, numbering, values printed as they are.

These are the pieces another printed document (the dossier's cover sheet) reuses."""

from __future__ import annotations

import io

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
