"""Letters (the formal notice above all) as PDF files ready to post by registered mail.

fpdf2's built-in fonts cover Latin-1 only: characters outside it are replaced by their
nearest Latin-1 spelling (€ -> EUR, typographic quotes and spaces -> plain ones), so no
amount or name is ever dropped silently.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fpdf import FPDF

from connector.channels.base import DeliveryReceipt, safe_name, write_atomically
from connector.clock import Clock
from connector.errors import DeliveryError
from connector.model import Channel, Creditor, PostalAddress
from connector.render import RenderedMessage

__all__ = ["LetterChannel", "latin1", "letter_pdf"]

_REPLACEMENTS = {
    "€": "EUR",
    "\u202f": " ",
    "\u00a0": " ",
    "\u2009": " ",
    "\u2019": "'",
    "\u2018": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u2026": "...",
    "œ": "oe",
    "Œ": "OE",
}


def latin1(text: str) -> str:
    for char, replacement in _REPLACEMENTS.items():
        text = text.replace(char, replacement)
    return text.encode("latin-1", errors="replace").decode("latin-1")


def _address_lines(name: str, address: PostalAddress | None) -> list[str]:
    lines = [name]
    if address is not None:
        lines.extend(address.lines)
        lines.append(f"{address.postal_code} {address.city}".strip())
        if address.country != "FR":
            lines.append(address.country)
    return [latin1(line) for line in lines if line]


def letter_pdf(message: RenderedMessage, creditor: Creditor) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_title(latin1(message.subject))
    pdf.set_author(latin1(creditor.name))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 6, latin1(creditor.name), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    for line in _address_lines("", creditor.address)[1:]:
        pdf.cell(0, 4.5, line, new_x="LMARGIN", new_y="NEXT")
    if creditor.registration_id:
        pdf.cell(0, 4.5, latin1(f"SIREN {creditor.registration_id}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_xy(110, 45)  # the envelope window
    pdf.set_font("Helvetica", size=10)
    for line in _address_lines(message.recipient_name, message.postal_address):
        pdf.set_x(110)
        pdf.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(85)
    pdf.set_font("Helvetica", "B", 11)
    pdf.multi_cell(0, 6, latin1(message.subject), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("Courier", size=8.5)
    pdf.multi_cell(0, 4.2, latin1(message.text), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


class LetterChannel:
    """Writes ``<outbox>/letters/<date>/<action>.pdf``; the receipt is that path."""

    def __init__(self, *, clock: Clock, outbox_dir: Path, creditor: Creditor | None = None) -> None:
        self._clock = clock
        self._dir = outbox_dir / "letters"
        self._creditor = creditor

    @contextmanager
    def batch(self) -> Iterator[None]:
        yield

    def send(self, message: RenderedMessage, *, action_key: str) -> DeliveryReceipt:
        if message.postal_address is None:
            raise DeliveryError(
                f"customer {message.recipient_id} has no postal address",
                hint="add the customer's address in the source: a formal "
                "notice goes by registered letter",
            )
        creditor = self._creditor or Creditor(name=message.sender_name or "-")
        path = self._dir / self._clock.now().date().isoformat() / f"{safe_name(action_key)}.pdf"
        write_atomically(path, letter_pdf(message, creditor))
        return DeliveryReceipt(Channel.LETTER, str(path), self._clock.now())
