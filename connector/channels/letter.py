"""Letters (the formal notice above all) as PDF files ready to post by registered mail.

fpdf2's built-in fonts cover Latin-1 only: characters outside it are replaced by their
nearest Latin-1 spelling (€ -> EUR, typographic quotes and spaces -> plain ones), so no
amount or name is ever dropped silently.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Protocol

from fpdf import FPDF
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError

from connector.channels.base import DeliveryReceipt, safe_name, write_atomically
from connector.clock import Clock
from connector.dunning.history import Delivery
from connector.errors import DeliveryError
from connector.model import Channel, Creditor, PostalAddress, StepKind
from connector.render import RenderedMessage

__all__ = [
    "FolderSender",
    "LetterChannel",
    "LetterRecord",
    "LetterSender",
    "latin1",
    "letter_pdf",
]

log = logging.getLogger(__name__)

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


class _Letter(FPDF):
    """A4 with the creditor's legal mentions and the page number in the footer."""

    def __init__(self, creditor: Creditor) -> None:
        super().__init__(format="A4")
        self._legal = latin1(
            " - ".join(
                filter(
                    None,
                    (
                        f"{creditor.name} {creditor.legal_form}".strip(),
                        f"SIREN {creditor.registration_id}" if creditor.registration_id else "",
                        f"TVA {creditor.vat_id}" if creditor.vat_id else "",
                        creditor.website,
                    ),
                )
            )
        )

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=7.5)
        self.cell(0, 4, self._legal, align="L")
        self.cell(0, 4, f"{self.page_no()}/{{nb}}", align="R", new_x="LMARGIN", new_y="NEXT")


def letter_pdf(message: RenderedMessage, creditor: Creditor) -> bytes:
    pdf = _Letter(creditor)
    pdf.alias_nb_pages()
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_title(latin1(message.subject))
    pdf.set_author(latin1(creditor.name))
    pdf.add_page()
    if creditor.logo and Path(creditor.logo).is_file():
        pdf.image(creditor.logo, x=150, y=10, w=45)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 6, latin1(creditor.name), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    for line in _address_lines(creditor.name, creditor.address)[1:]:
        pdf.cell(0, 4.5, line, new_x="LMARGIN", new_y="NEXT")
    # the recipient sits in the window of a French DL envelope (about 110 mm x 45 mm)
    pdf.set_xy(110, 45)
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


def _with_appendices(letter: bytes, message: RenderedMessage) -> bytes:
    """The letter followed by the invoices' own PDFs, so the notice travels with its proofs."""
    pdfs = [data for _, data, mime in message.attachments if mime == "application/pdf"]
    if not pdfs:
        return letter
    writer = PdfWriter()
    for data in (letter, *pdfs):
        try:
            writer.append(PdfReader(io.BytesIO(data)))
        except PdfReadError:
            if data is letter:
                raise
            log.warning("an invoice PDF of %s is unreadable: not appended", message.action_key)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@dataclass(frozen=True, slots=True)
class LetterRecord:
    """What is known of a letter once handed to its sender: the proof a court asks for.

    A folder only *prepares* it (``posted_on`` None): a person prints and posts it, then
    records the posting (``relance action letter KEY --tracking …``). A provider of
    (electronic) registered mail that posts it fills ``posted_on`` and its tracking number."""

    path: str
    registered: bool
    prepared_on: date
    tracking_number: str | None = None
    received_on: date | None = None
    posted_on: date | None = None


class LetterSender(Protocol):
    """Posts a letter; a provider of (electronic) registered mail plugs in here."""

    def post(self, pdf: bytes, *, name: str, registered: bool, on: date) -> LetterRecord: ...


class FolderSender:
    """The default: the PDF lands in a folder, to be printed and posted by a person."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def post(self, pdf: bytes, *, name: str, registered: bool, on: date) -> LetterRecord:
        path = self.folder / on.isoformat() / f"{name}.pdf"
        write_atomically(path, pdf)
        return LetterRecord(str(path), registered, on)


class LetterChannel:
    """Renders the letter to PDF and hands it to its sender (by default a folder,
    ``<outbox>/letters/<date>/<action>.pdf``, where it is *prepared*: to print and post);
    the formal notice goes registered. A sender that posts it makes it *posted*."""

    def __init__(
        self,
        *,
        clock: Clock,
        outbox_dir: Path,
        creditor: Creditor | None = None,
        sender: LetterSender | None = None,
    ) -> None:
        self._clock = clock
        self._sender = sender or FolderSender(outbox_dir / "letters")
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
        pdf = _with_appendices(letter_pdf(message, creditor), message)
        record = self._sender.post(
            pdf,
            name=safe_name(action_key),
            registered=message.kind is StepKind.NOTICE,
            on=self._clock.now().date(),
        )
        address = message.postal_address
        details: dict[str, object] = {
            "registered": record.registered,
            "prepared_on": record.prepared_on.isoformat(),
            "tracking_number": record.tracking_number or "",
            "recipients": [
                message.recipient_name,
                *address.lines,
                f"{address.postal_code} {address.city}".strip(),
                address.country,
            ],
        }
        delivery = Delivery.PREPARED
        if record.posted_on is not None:
            delivery = Delivery.POSTED
            details["posted_on"] = record.posted_on.isoformat()
        if record.received_on is not None:
            details["received_on"] = record.received_on.isoformat()
        return DeliveryReceipt(
            Channel.LETTER, record.path, self._clock.now(), delivery, details, document=pdf
        )
