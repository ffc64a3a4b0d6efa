"""The typeface of every PDF relance prints (letters, statements, the dossier's sheets).

Source Sans Pro (Adobe, SIL Open Font License 1.1), installed from PyPI by the
``font-source-sans-pro`` package and embedded (subset) in each PDF, so a document looks
the same on every machine and in court. It covers French and the other Latin-script
languages: accents, « », €, œ, the narrow no-break space French puts in figures.

Use :func:`new_document` for a page set up with the four styles (and :func:`close_fonts`
once it is output): ``""`` regular, ``"B"``
bold, ``"I"`` italic, ``"BI"`` bold italic, under the family name :data:`FAMILY`.
"""

from __future__ import annotations

from pathlib import Path

import font_source_sans_pro
from fpdf import FPDF
from fpdf.fonts import TTFFont

__all__ = ["FAMILY", "add_fonts", "close_fonts", "font_files", "new_document"]

FAMILY = "SourceSans"

_STYLES = {
    "": "SourceSansPro",
    "B": "SourceSansProBold",
    "I": "SourceSansProIt",
    "BI": "SourceSansProBoldIt",
}


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


def add_fonts(pdf: FPDF) -> None:
    """Register the four styles of :data:`FAMILY` on ``pdf`` (embedded, subset)."""
    for style, path in font_files().items():
        pdf.add_font(FAMILY, style=style, fname=str(path))


def close_fonts(pdf: FPDF) -> None:
    """Close the font files ``pdf`` keeps open (fontTools reads them lazily): call it once the
    document is output, or dropped. Left open, each one is a ResourceWarning."""
    for font in pdf.fonts.values():
        if isinstance(font, TTFFont):
            font.close()


def new_document(**kwargs: object) -> FPDF:
    """An A4 portrait FPDF with the house typeface registered and selected."""
    pdf = FPDF(format="A4", **kwargs)  # type: ignore[arg-type]
    add_fonts(pdf)
    pdf.set_font(FAMILY, size=10)
    return pdf
