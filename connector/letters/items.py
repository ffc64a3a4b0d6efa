"""What a letter says is owed, line by line: the action's invoices, instalments and
deductions, each named by the letter's template (« Facture F-0042 », « Facture F-12,
échéance 1/2 », « Échéancier du 15/10/2026, échéance 2/3 », « Avoir AV-3 »). A line's
``balance`` is what it adds to the total: the lines add up to the action's totals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import assert_never

from connector.letters.words import frame
from connector.money import Money
from connector.planner import ClaimLine, CreditLine, ItemKind

__all__ = ["Item", "ItemType", "credit_items", "items", "one_line"]


class ItemType(StrEnum):
    INVOICE = "invoice"
    TERM = "term"  # one instalment of an invoice whose terms split it
    PLAN = "plan"  # one instalment of a payment plan
    CREDIT_NOTE = "credit_note"
    PAYMENT = "payment"  # a payment not applied to any invoice


@dataclass(frozen=True, slots=True)
class Item:
    """One line of the letter's statement; ``balance`` is what it adds to the total
    (negative for a credit note or an unapplied payment)."""

    type: ItemType
    number: str
    label: str
    balance: Money
    short: str = ""  # the label in the table of interest: « Échéance 1/3 »
    issued_on: date | None = None
    due_on: date | None = None
    amount: Money | None = None
    paid: Money | None = None
    days_late: int = 0
    late: str = ""  # « 31 jours »
    invoice_key: str = ""  # the invoice it is (part of)
    key: str = ""  # the dunning item (the action's line) it shows


def one_line(value: str) -> str:
    """A value from a platform on one line: its line breaks and tabs become single spaces."""
    return " ".join(value.split())


def _item_type(line: ClaimLine) -> ItemType:
    match line.kind:
        case ItemKind.INSTALMENT:
            return ItemType.PLAN
        case ItemKind.TERM:
            return ItemType.TERM
        case ItemKind.RECEIVABLE:
            return ItemType.INVOICE
    assert_never(line.kind)


def items(lines: Sequence[ClaimLine], language: str) -> tuple[Item, ...]:
    words = frame(language)
    items = []
    for line in lines:
        kind = _item_type(line)
        paid = line.total - line.open if line.total.currency == line.open.currency else None
        label = words.item(
            kind.value,
            one_line(line.number),
            line.issued_on,
            part=line.part,
            parts=line.parts,
            covers=tuple(one_line(c.number) for c in line.covers),
        )
        items.append(
            Item(
                type=kind,
                number=one_line(line.number),
                label=str(label).strip(),
                balance=line.open,
                short=str(
                    words.short_item(kind.value, one_line(line.number), line.part, line.parts)
                ).strip(),
                issued_on=line.issued_on,
                due_on=line.due_on,
                amount=line.total,
                paid=paid if paid is not None and not paid.amount < 0 else None,
                days_late=line.days_late,
                late=str(words.late(line.days_late)).strip(),
                invoice_key=line.ref.key if line.ref is not None else "",
                key=line.key,
            )
        )
    return tuple(items)


def credit_items(credits: Sequence[CreditLine], language: str) -> tuple[Item, ...]:
    words = frame(language)
    found = []
    for credit in credits:
        kind = ItemType.PAYMENT if credit.label == "payment" else ItemType.CREDIT_NOTE
        number = "" if kind is ItemType.PAYMENT else one_line(credit.label)
        label = str(words.item(kind.value, number, credit.on)).strip()
        found.append(Item(kind, number, label, -credit.amount, issued_on=credit.on))
    return tuple(found)
