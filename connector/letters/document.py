"""What a letter's page shows, already worded and formatted: the layout's only input.

A :class:`Letter` is strings and tables of strings; every word in it came from a template
(``templates/<lang>/letter.j2`` and the step's own template) and every figure from
``connector.formats``. The layout (:mod:`connector.letters.layout`) only places them on A4
pages, so another document (the dossier's cover sheet) can fill the same shapes and get
the same letterhead, tables, page numbers and footer.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

__all__ = [
    "Align",
    "Block",
    "Column",
    "Letter",
    "Letterhead",
    "Paragraph",
    "Row",
    "Table",
]


class Align(StrEnum):
    LEFT = "LEFT"
    RIGHT = "RIGHT"
    CENTER = "CENTER"


@dataclass(frozen=True, slots=True)
class Letterhead:
    """The sender as printed at the top left of the first page and in every page's footer."""

    name: str
    lines: tuple[str, ...] = ()  # legal form and capital, address, contact details
    footer: str = ""  # the legal mentions, on every page
    logo: Path | None = None


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str
    strong: bool = False
    keep_with_next: bool = False  # a sentence ending in « : » stays with the table it opens


@dataclass(frozen=True, slots=True)
class Column:
    heading: str
    width: float  # a share of the table's width
    align: Align = Align.LEFT


@dataclass(frozen=True, slots=True)
class Row:
    cells: tuple[str, ...]
    strong: bool = False  # a total


@dataclass(frozen=True, slots=True)
class Table:
    """A table that breaks across pages with its headings repeated on each.

    Without headings (every column's heading empty) it is a list of label/value lines, as
    for totals and payment details. ``width`` is a share of the text width; ``note`` is
    printed under it."""

    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    width: float = 1.0
    note: str = ""
    ruled: bool = True

    @property
    def has_headings(self) -> bool:
        return any(column.heading for column in self.columns)


Block = Paragraph | Table


@dataclass(frozen=True, slots=True)
class Letter:
    """One letter, ready to lay out.

    ``recipient`` is printed in the window of a DL envelope (its first line in bold);
    ``notes`` sit at the left of it (« Lettre recommandée avec accusé de réception », the
    tracking number, the reference); ``page_words`` holds ``{page}`` and ``{pages}``."""

    language: str
    title: str  # the PDF's title
    letterhead: Letterhead
    recipient: tuple[str, ...]
    notes: tuple[str, ...]
    dateline: str
    subject: str
    salutation: str
    body: tuple[Block, ...]
    signature: tuple[str, ...]  # name, title, company
    page_words: str
    running_header: str = ""  # on every page after the first
    annexes: str = ""
    strong_notes: int = 0  # how many of ``notes`` are in bold (the registered mention)
