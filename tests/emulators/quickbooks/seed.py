"""Realistic QuickBooks companies for the emulator, reproducible from a seed.

A US-based company (home currency USD, multicurrency on) selling to businesses and people in
several currencies; some customers have sub-customers (jobs) billed with their parent, a few
billed on their own; invoices follow the customer's terms and come paid, partly paid (with
the Payment that links them), open or overdue as of ``today``; some payments are partly
unapplied; some credit memos still carry credit.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from .state import REALM, QuickBooksState

__all__ = ["Seeded", "seed"]

_FIRST = ("Amy", "Bill", "Carla", "Dan", "Eve", "Frank", "Gina", "Hal", "Iris", "Jack")
_LAST = ("Cooper", "Diaz", "Ellis", "Foster", "Garcia", "Hughes", "Ito", "Jensen", "Khan")
_TRADE = ("Landscaping", "Plumbing", "Bakery", "Design", "Auto Repair", "Dental", "Books")
_CITIES = (
    ("123 Main St", "Mountain View", "CA", "94043", "USA", "USD"),
    ("45 Market St", "San Francisco", "CA", "94105", "USA", "USD"),
    ("9 Elm Ave", "Austin", "TX", "78701", "USA", "USD"),
    ("10 King St W", "Toronto", "ON", "M5H 1A1", "CAN", "CAD"),  # alpha-3, as Intuit now reads
    ("221B Baker St", "London", "", "NW1 6XE", "GBR", "GBP"),
    ("12 rue de Rivoli", "Paris", "", "75004", "France", "EUR"),
)
_TERMS = (("3", "Net 15", 15), ("4", "Net 30", 30), ("5", "Net 60", 60))


@dataclass(frozen=True, slots=True)
class Seeded:
    customers: int
    invoices: int
    open_invoices: int
    payments: int
    credit_memos: int


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) / 100


def seed(
    state: QuickBooksState,
    realm: str = REALM,
    *,
    customers: int,
    invoices: int,
    today: date,
    rng_seed: int = 7,
    paid_share: float = 0.45,
) -> Seeded:
    rng = random.Random(rng_seed)
    if realm not in state.data:
        state.realm(realm)
    for term_id, name, days in _TERMS:
        state.put("Term", {"Id": term_id, "Name": name, "DueDays": days, "Active": True}, realm)
    ids: list[str] = []
    currency_of: dict[str, str] = {}
    parents: list[str] = []
    for n in range(customers):
        street, city, region, postal, country, currency = rng.choice(_CITIES)
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        company = rng.random() < 0.75
        display = f"{last} {rng.choice(_TRADE)} {n + 1}" if company else f"{first} {last} {n + 1}"
        record: dict[str, Any] = {
            "Id": str(n + 1),
            "DisplayName": display,
            "GivenName": first,
            "FamilyName": last,
            "PrimaryEmailAddr": {"Address": f"ap{n + 1}@{last.lower()}-example.com"},
            "PrimaryPhone": {"FreeFormNumber": f"(555) {rng.randint(100, 999)}-{n % 10000:04d}"},
            "BillAddr": {
                "Line1": street,
                "City": city,
                "CountrySubDivisionCode": region,
                "PostalCode": postal,
                "Country": country,
            },
            "CurrencyRef": {"value": currency},
            "SalesTermRef": {"value": rng.choice(_TERMS)[0]},
            "Active": True,
            "Job": False,
            "BillWithParent": False,
            "PreferredDeliveryMethod": "Email",
        }
        if company:
            record["CompanyName"] = display
        if parents and rng.random() < 0.15:  # a job under an earlier customer
            parent = rng.choice(parents)
            record.update(
                Job=True,
                ParentRef={"value": parent},
                BillWithParent=rng.random() < 0.8,
                CurrencyRef={"value": currency_of[parent]},
            )
            record["DisplayName"] = f"{display} (job)"
            currency = currency_of[parent]
        elif company:
            parents.append(record["Id"])
        state.put("Customer", record, realm)
        ids.append(record["Id"])
        currency_of[record["Id"]] = currency

    open_count = payments = credits = 0
    for n in range(invoices):
        cid = rng.choice(ids)
        currency = currency_of[cid]
        txn = today - timedelta(days=rng.randint(0, 150))
        term = rng.choice(_TERMS)
        due = txn + timedelta(days=term[2])
        total = _money(rng, 50, 9000)
        roll = rng.random()
        balance = total
        if roll < paid_share and due < today:
            balance = Decimal(0)
        elif roll < paid_share + 0.10:
            balance = (total * Decimal(rng.choice(("0.25", "0.5", "0.75")))).quantize(
                Decimal("0.01")
            )
        invoice: dict[str, Any] = {
            "Id": str(100_000 + n),
            "DocNumber": f"{1001 + n}",
            "TxnDate": txn.isoformat(),
            "DueDate": due.isoformat(),
            "TotalAmt": total,
            "Balance": balance,
            "CurrencyRef": {"value": currency},
            "ExchangeRate": Decimal(1) if currency == "USD" else Decimal("1.08"),
            "CustomerRef": {"value": cid},
            "SalesTermRef": {"value": term[0]},
            "EmailStatus": "EmailSent",
            "Line": [{"Amount": total, "DetailType": "SalesItemLineDetail"}],
        }
        if rng.random() < 0.3:
            invoice["BillEmail"] = {"Address": f"billing{cid}@invoices-example.com"}
        if rng.random() < 0.5:
            invoice["InvoiceLink"] = f"https://app.qbo.example/invoice/{invoice['Id']}"
        if rng.random() < 0.1:
            invoice["PrivateNote"] = "Customer asked for a copy by mail."
        state.put("Invoice", invoice, realm)
        if balance > 0:
            open_count += 1
        paid = total - balance
        if paid > 0:
            unapplied = Decimal(0)
            if rng.random() < 0.1:
                unapplied = _money(rng, 10, 200)
            state.put(
                "Payment",
                {
                    "Id": str(500_000 + n),
                    "TxnDate": min(today, due + timedelta(days=rng.randint(-10, 10))).isoformat(),
                    "TotalAmt": paid + unapplied,
                    "UnappliedAmt": unapplied,
                    "CurrencyRef": {"value": currency},
                    "CustomerRef": {"value": cid},
                    "Line": [
                        {
                            "Amount": paid,
                            "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}],
                        }
                    ],
                },
                realm,
            )
            payments += 1
        if rng.random() < 0.03:
            amount = _money(rng, 20, 500)
            state.put(
                "CreditMemo",
                {
                    "Id": str(800_000 + n),
                    "DocNumber": f"CM-{n + 1}",
                    "TxnDate": txn.isoformat(),
                    "TotalAmt": amount,
                    "RemainingCredit": amount if rng.random() < 0.6 else Decimal(0),
                    "Balance": amount,
                    "CurrencyRef": {"value": currency},
                    "CustomerRef": {"value": cid},
                },
                realm,
            )
            credits += 1
    return Seeded(customers, invoices, open_count, payments, credits)
