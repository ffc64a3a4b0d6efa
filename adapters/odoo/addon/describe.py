"""Write the add-on's Apps page, ``static/description/index.html``, from its ``README.rst``.

Odoo shows that page on the module's form; without it, Odoo renders the module's README as
reStructuredText itself, and a Markdown README shows there as a docutils error box. OCA's
modules ship the same pair. Run after editing README.rst; the static tests check both agree::

    python adapters/odoo/addon/describe.py
"""

from __future__ import annotations

import io
from pathlib import Path

from docutils.core import publish_parts

ADDON = Path(__file__).resolve().parent / "account_relance"


def description(readme: str) -> tuple[str, str]:
    """``(page, warnings)``: the HTML body for the Apps page, and what docutils objected to."""
    warnings = io.StringIO()
    parts = publish_parts(
        readme,
        writer="html",
        settings_overrides={
            "report_level": 2,
            "halt_level": 5,
            "warning_stream": warnings,
            "embed_stylesheet": False,
            "doctitle_xform": True,
        },
    )
    page = (
        f'<section class="oe_container">\n<h1>{parts["title"]}</h1>\n{parts["body"]}\n</section>\n'
    )
    return page, warnings.getvalue()


def main() -> None:
    page, warnings = description((ADDON / "README.rst").read_text(encoding="utf-8"))
    if warnings:
        raise SystemExit(f"README.rst: {warnings}")
    (ADDON / "static" / "description" / "index.html").write_text(page, encoding="utf-8")


if __name__ == "__main__":
    main()
