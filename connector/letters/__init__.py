"""Letters on paper: the formal notice as a French business letter, and any reminder sent by
post, in the house typeface.

* :mod:`~connector.letters.facts` — what a letter says, as data, from the planned action,
  the legal claim, the customer, the creditor and the policy;
* :mod:`~connector.letters.compose` — the facts and the step's sentences (its template)
  worded into a :class:`Letter` with the frame's template ``letter.j2``;
* :mod:`~connector.letters.layout` — the Letter laid out on A4 pages with fpdf2.

Another printed document (the dossier's cover sheet) can reuse the pieces: build a
:class:`Letterhead` with :func:`letterhead`, open a :class:`LetterPage`, draw it with
:func:`draw_letterhead` and fill the page with :func:`draw_blocks` (paragraphs and tables
that break across pages with their headings repeated), all inside :func:`print_pages`,
which numbers the pages « Page 1/3 ».
"""

from connector.letters.compose import compose, letterhead, with_annexes
from connector.letters.document import (
    Align,
    Block,
    Column,
    Letter,
    Letterhead,
    Paragraph,
    Row,
    Table,
)
from connector.letters.facts import LetterFacts, letter_facts
from connector.letters.layout import (
    LetterPage,
    draw_blocks,
    draw_letterhead,
    print_letter,
    print_pages,
)

__all__ = [
    "Align",
    "Block",
    "Column",
    "Letter",
    "LetterFacts",
    "LetterPage",
    "Letterhead",
    "Paragraph",
    "Row",
    "Table",
    "compose",
    "draw_blocks",
    "draw_letterhead",
    "letter_facts",
    "letterhead",
    "print_letter",
    "print_pages",
    "with_annexes",
]
