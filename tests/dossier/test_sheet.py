"""The page the collection file's sheets are printed on: values from the ledger print as they
are, whatever they carry, and each page says which of how many it is."""

from __future__ import annotations

import io

from pypdf import PdfReader

from connector.dossier.sheet import Column, Line, Note, Sheet
from connector.dossier.wording import Wording
from connector.pdf import PAGE_COUNT_CHARACTER

STAND_IN = PAGE_COUNT_CHARACTER


def test_a_value_with_a_page_alias_prints_as_it_is_and_the_pages_are_counted() -> None:
    name = f"Garage {{nb}} Perrin {STAND_IN} ☕"
    sheet = Sheet(Wording("fr"), creditor=f"Atelier {{nb}} {STAND_IN * 3}", title="Décompte")
    sheet.title_block(name, f"contre {name}")
    sheet.parties([("Débiteur", (name, "4 rue {nb}"))])
    rows = [Line((f"F-{n:03d} {{nb}}", f"{n},00 €")) for n in range(90)]
    sheet.ruled(
        [Column("Facture", 3), Column("Montant", 1, "RIGHT")],
        [*rows, Note(f"note {STAND_IN * 2}"), Line(("Total {nb}", "4 005,00 €"), bold=True)],
    )
    sheet.paragraph(name)
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(sheet.finish())).pages]
    assert len(pages) >= 2
    text = "\n".join(pages)
    assert text.count("Garage {nb} Perrin ? ?") == 4  # title, subtitle, party, paragraph
    assert "F-089 {nb}" in text and "note ??" in text and "Total {nb}" in text
    for n, page in enumerate(pages, start=1):
        assert "Atelier {nb} ???" in page and f"Page {n} sur {len(pages)}" in page
    assert sheet.unprintable == {STAND_IN, "☕"}
