"""Letters (the formal notice above all) as PDF files ready to post by registered mail.

The letter itself is composed when the message is rendered (``RenderedMessage.letter``,
see :mod:`connector.letters`) and printed here on the channel's creditor's letterhead, in
the house typeface, embedded. The invoices' own PDFs follow it, and the letter lists as its
enclosures exactly those that could be appended.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Protocol

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError

from connector.channels.base import DeliveryReceipt, safe_name, write_atomically
from connector.clock import Clock
from connector.dunning.history import Delivery
from connector.errors import DeliveryError
from connector.letters import letterhead, print_letter, with_annexes
from connector.model import Channel, Creditor, StepKind
from connector.render import RenderedMessage

__all__ = [
    "FolderSender",
    "LetterChannel",
    "LetterRecord",
    "LetterSender",
    "letter_pdf",
]

log = logging.getLogger(__name__)


def _annexes(message: RenderedMessage) -> tuple[list[tuple[str, PdfReader]], int]:
    """The attached PDFs that can be appended (by name), and how many cannot be read."""
    readable, unreadable = [], 0
    for name, data, mime in message.attachments:
        if mime != "application/pdf":
            continue
        try:
            readable.append((name, PdfReader(io.BytesIO(data))))
        except PdfReadError:
            unreadable += 1
    return readable, unreadable


def _invoice_number(name: str) -> str:
    """``F-0042`` from the attachment name ``F-0042.pdf``."""
    return name[: -len(".pdf")] if name.lower().endswith(".pdf") else name


def letter_pdf(message: RenderedMessage, creditor: Creditor) -> bytes:
    """The message's letter on ``creditor``'s letterhead, listing the invoices appended to it."""
    if message.letter is None:
        raise DeliveryError(
            f"{message.action_key}: the message has no letter to print",
            hint="a letter is composed by connector.render.render for a step a debtor reads",
        )
    readable, _ = _annexes(message)
    letter = with_annexes(message.letter, [_invoice_number(name) for name, _ in readable])
    letter = replace(letter, letterhead=letterhead(creditor, letter.language))
    return print_letter(letter)


def _with_appendices(letter: bytes, message: RenderedMessage) -> bytes:
    """The letter followed by the invoices' own PDFs, so the notice travels with its proofs."""
    readable, unreadable = _annexes(message)
    if unreadable:
        log.warning(
            "%d invoice PDF(s) of %s unreadable: not appended", unreadable, message.action_key
        )
    if not readable:
        return letter
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(letter)))
    for _, reader in readable:
        writer.append(reader)
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

    def document(self, message: RenderedMessage) -> bytes:
        """The PDF this channel hands to its sender for ``message``: the letter on the
        creditor's letterhead, then the invoices' own PDFs (what a preview shows)."""
        creditor = self._creditor or Creditor(name=message.sender_name or "-")
        return _with_appendices(letter_pdf(message, creditor), message)

    def send(self, message: RenderedMessage, *, action_key: str) -> DeliveryReceipt:
        if message.postal_address is None:
            raise DeliveryError(
                f"customer {message.recipient_id} has no postal address",
                hint="add the customer's address in the source: a formal "
                "notice goes by registered letter",
            )
        pdf = self.document(message)
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
