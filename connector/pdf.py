"""The typeface of every PDF relance prints (letters, statements, the dossier's sheets), and
the page they are printed on.

Source Sans Pro (Adobe, SIL Open Font License 1.1), installed from PyPI by the
``font-source-sans-pro`` package and embedded (subset) in each PDF, so a document looks
the same on every machine and in court. It covers French and the other Latin-script
languages: accents, « », €, œ, the narrow no-break space French puts in figures.

:class:`HouseDocument` is an A4 FPDF in that typeface, under the family name
:data:`FAMILY` with the styles ``""`` regular, ``"B"`` bold, ``"I"`` italic, ``"BI"`` bold
italic. What it guarantees:

* **Values print as they are.** Every string fpdf2 draws or measures goes through
  :meth:`~HouseDocument.printable` (fpdf2 calls ``normalize_text`` on each): line breaks
  kept, any other control character a space, a character the typeface has no glyph for
  « ? ». fpdf2 reads no markup unless asked, and it is never asked.
* **The page count is printed in one pass.** fpdf2 writes the count where the document
  puts :meth:`~HouseDocument.page_count`, once the last page is known. That stand-in is made
  of private-use characters the typeface cannot draw, so no printed value can contain it (in
  a value they print as « ? »); « {nb} », fpdf2's default, prints literally. fpdf2 keeps for
  the stand-in the width of one zero per character, and all the typeface's figures have that
  width: with one character per digit, the count takes exactly the room laid out for it.
  :meth:`~HouseDocument.count_fits` says whether it has that many digits; a letter that
  turns out to have ten pages or more is drawn again (:func:`connector.letters.print_pages`).
* **Fonts are read only when used.** A style's font file is parsed (by fontTools, inside
  fpdf2) the first time a document selects it, and only the styles a document uses are
  embedded in it. A parsed font cannot serve two documents: when fpdf2 writes a document it
  subsets that document's fontTools copy of the font in place, and it has no way to build
  its font object from data parsed before. The layout tables (GDEF, GPOS, GSUB) fpdf2
  leaves out of the fonts it embeds are dropped before it subsets them, so fontTools does
  not read them first (a test checks the PDF is byte for byte the one fpdf2 writes without).
  :meth:`~HouseDocument.finish` writes the PDF and closes the font files.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import font_source_sans_pro
from fpdf import FPDF
from fpdf.enums import TextEmphasis
from fpdf.fonts import TTFFont

__all__ = ["FAMILY", "PAGE_COUNT_CHARACTER", "HouseDocument", "font_files"]

log = logging.getLogger(__name__)

FAMILY = "SourceSans"

_STYLES = {
    "": "SourceSansPro",
    "B": "SourceSansProBold",
    "I": "SourceSansProIt",
    "BI": "SourceSansProBoldIt",
}

# the OpenType layout tables fpdf2's subsetter drops from every font it embeds (the
# drop_tables of fpdf/output.py): fpdf2 positions each glyph itself
_UNEMBEDDED_TABLES = ("GDEF", "GPOS", "GSUB")

# one character per digit of the page count; in Unicode's supplementary private use area A,
# where Source Sans Pro has no glyph (a test checks that every style lacks it)
PAGE_COUNT_CHARACTER = "\U000f0000"


def font_files() -> dict[str, Path]:
    """The TrueType file of each style; a missing one means a broken install."""
    found: dict[str, str] = font_source_sans_pro.font_files_ttf
    files = {}
    for style, name in _STYLES.items():
        path = Path(found.get(name, ""))
        if not path.is_file():
            raise RuntimeError(
                f"the font file {name}.ttf is missing from the font-source-sans-pro package: "
                "reinstall relance (pip install -e .)"
            )
        files[style] = path
    return files


@functools.cache
def _undrawable(glyphs: frozenset[int]) -> re.Pattern[str]:
    """A pattern finding the first character :meth:`HouseDocument.printable` must change:
    one with no glyph in ``glyphs``, or a control character other than a line break."""
    drawable = sorted(c for c in glyphs if c >= 0x20 and not 0x7F <= c < 0xA0)
    runs: list[list[int]] = []  # [first, last] of each run of consecutive code points
    for code in drawable:
        if runs and code == runs[-1][1] + 1:
            runs[-1][1] = code
        else:
            runs.append([code, code])
    ranges = "".join(f"{re.escape(chr(first))}-{re.escape(chr(last))}" for first, last in runs)
    return re.compile(f"[^\\n{ranges}]")


class HouseDocument(FPDF):
    """A4 pages in the house typeface (see the module's docstring for what it guarantees).

    ``count_digits`` is the number of digits the page count is expected to have; ``count_align``
    where the count sits in the width fpdf2 keeps for it when it has fewer digits."""

    def __init__(self, *, count_digits: int = 1, count_align: str = "R") -> None:
        super().__init__(format="A4", unit="mm")
        self._count_digits = count_digits
        self.alias_nb_pages(PAGE_COUNT_CHARACTER * count_digits, align=count_align)
        self._counting = False  # drawing the page count: its stand-in passes
        self.unprintable: set[str] = set()  # the characters printed as « ? »
        self.set_font(FAMILY, size=10)
        regular = self.fonts[FAMILY.lower()]
        assert isinstance(regular, TTFFont)  # registered from a TrueType file
        self._glyphs = frozenset(regular.cmap)
        self._undrawable = _undrawable(self._glyphs)

    def set_font(
        self, family: str | None = None, style: str | TextEmphasis = "", size: float = 0
    ) -> None:
        """Select a font as fpdf2 does, registering the style of :data:`FAMILY` first if
        this document has not used it yet."""
        if (family or self.font_family).lower() == FAMILY.lower():
            self.use_style(style.style if isinstance(style, TextEmphasis) else style)
        super().set_font(family, style, size)

    def use_style(self, style: str) -> None:
        """Register the style of :data:`FAMILY` that ``style`` names (« B », « I », or both,
        any underline or strike-through aside), unless it already is: for fpdf2 code that
        looks a style up without selecting it (a table's headings)."""
        key = "".join(sorted({letter for letter in style.upper() if letter in "BI"}))
        if FAMILY.lower() + key not in self.fonts:
            self.add_font(FAMILY, style=key, fname=str(font_files()[key]))

    def close_fonts(self) -> None:
        """Close the font files fontTools reads lazily: once the document is output, or
        dropped. Left open, each one is a ResourceWarning."""
        for font in self.fonts.values():
            if isinstance(font, TTFFont):
                font.close()

    def finish(self) -> bytes:
        """The PDF, its font files closed; a warning says how many distinct characters were
        printed as « ? »."""
        try:
            for font in self.fonts.values():
                if isinstance(font, TTFFont):
                    for tag in _UNEMBEDDED_TABLES:
                        if tag in font.ttfont:
                            del font.ttfont[tag]  # unread yet: fontTools reads lazily
            data = bytes(self.output())
        finally:
            self.close_fonts()
        if self.unprintable:
            log.warning(
                "%d character(s) the typeface cannot draw were printed as '?'",
                len(self.unprintable),
            )
        return data

    def printable(self, text: str) -> str:
        """``text`` as the typeface can draw it: line breaks kept, any other control
        character a space, a character it has no glyph for « ? » (noted in
        :attr:`unprintable`)."""
        if self._undrawable.search(text) is None:
            return text  # the usual case, found without a loop in Python
        out = []
        for char in text:
            if char == "\n":
                out.append(char)
            elif char < " " or "\x7f" <= char < "\xa0":
                out.append(" ")
            elif ord(char) in self._glyphs:
                out.append(char)
            else:
                self.unprintable.add(char)
                out.append("?")
        return "".join(out)

    def normalize_text(self, text: str) -> str:
        """fpdf2 passes every string it draws or measures here: each is made printable,
        except the page count's own (see :meth:`counting`)."""
        return super().normalize_text(text if self._counting else self.printable(text))

    def page_count(self) -> str:
        """The stand-in fpdf2 replaces by the number of pages; draw it inside
        :meth:`counting`."""
        return PAGE_COUNT_CHARACTER * self._count_digits

    @contextmanager
    def counting(self) -> Iterator[None]:
        """Draw the page count here: the text drawn must have been made printable first,
        but for the stand-in :meth:`page_count` put in it."""
        self._counting = True
        try:
            yield
        finally:
            self._counting = False

    def count_fits(self) -> bool:
        """Whether the page count has the number of digits it was laid out for."""
        return len(str(self.pages_count)) == self._count_digits
