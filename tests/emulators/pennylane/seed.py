"""Realistic French ledgers for the Pennylane emulator, reproducible from a seed.

Companies get a valid SIREN (Luhn) and the matching TVA intracommunautaire key, a French
address and a billing e-mail; individuals (B2C) a first and last name, and no SIREN or VAT
number (the spec gives them none). Invoices follow the customer's payment terms, are mostly
in EUR (a few USD/GBP, with their amount in euros beside), and come paid, partly paid,
upcoming or late as of ``today``; a few are drafts and a few are credit notes on an earlier
invoice of the same customer.

What the spec allows and real ledgers hold comes too, at fixed places so that a small seed
has it: ``archived`` and ``incomplete`` invoices, a ``remaining_amount_with_tax`` of null,
invoices sent through e-invoicing (an ``e_invoicing`` block, every status of the lifecycle
in turn), and bank transactions matched with a null currency.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from .server import PennylaneState

__all__ = ["Seeded", "seed", "siren", "tva_number"]

_PREFIX = ("Atelier", "Boulangerie", "Cabinet", "Garage", "Maison", "Studio", "Société", "Bureau")
_NAMES = (
    "Dupont",
    "Lefèvre",
    "Moreau",
    "Girard",
    "Bonnet",
    "Fontaine",
    "Mercier",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Faure",
    "Chevalier",
    "Lambert",
    "Gauthier",
    "Perrin",
    "Morel",
)
_TRADES = ("du Centre", "des Halles", "Saint-Michel", "de la Gare", "du Port", "des Lilas")
_FORMS = ("SAS", "SARL", "EURL", "SA", "SCI", "SASU")
_FIRST = ("Camille", "Léa", "Hugo", "Louis", "Chloé", "Manon", "Jules", "Inès", "Arthur", "Zoé")
_STREETS = (
    "rue de la République",
    "avenue Jean Jaurès",
    "boulevard Voltaire",
    "rue Victor Hugo",
    "place de la Mairie",
    "rue Pasteur",
    "allée des Tilleuls",
    "quai de la Loire",
)
_CITIES = (
    ("75011", "Paris"),
    ("69003", "Lyon"),
    ("13001", "Marseille"),
    ("31000", "Toulouse"),
    ("44000", "Nantes"),
    ("33000", "Bordeaux"),
    ("59000", "Lille"),
    ("67000", "Strasbourg"),
    ("35000", "Rennes"),
    ("34000", "Montpellier"),
)
_RATES = {"USD": Decimal("0.92"), "GBP": Decimal("1.17")}  # euros for one unit
E_INVOICING = (  # the lifecycle in the spec's enum, with the reason a PA gives, if any
    ("submitted", None),
    ("sent", None),
    ("accepted", None),
    ("approved", None),
    ("in_dispute", "Montant contesté : remise commerciale non appliquée"),
    ("refused", "Destinataire inconnu à cette adresse de facturation"),
    ("rejected", "Numéro SIREN du destinataire invalide"),
    ("collected", None),
    ("partially_collected", None),
)
CENT = Decimal("0.01")
SPECIAL = 50  # one invoice in SPECIAL is archived, one incomplete, one without remaining
_TERMS = (
    ("30_days", 30),
    ("30_days", 30),
    ("45_days", 45),
    ("60_days", 60),
    ("upon_receipt", 0),
    ("15_days", 15),
    ("30_days_end_of_month", 30),
)


def siren(rng: random.Random) -> str:
    """Nine digits passing the Luhn check, as every SIREN does."""
    digits = [rng.randrange(10) for _ in range(8)]
    total = 0
    for i, d in enumerate(reversed(digits)):  # the check digit will sit at position 0
        doubled = d * 2 if i % 2 == 0 else d
        total += doubled - 9 if doubled > 9 else doubled
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


def tva_number(siren_: str) -> str:
    return f"FR{(12 + 3 * (int(siren_) % 97)) % 97:02d}{siren_}"


def _slug(text: str) -> str:
    table = str.maketrans("éèêàçôûî", "eeeacoui")
    return "".join(c for c in text.lower().translate(table) if c.isalnum())


@dataclass(frozen=True, slots=True)
class Seeded:
    customers: int
    invoices: int
    open_invoices: int
    credit_notes: int


def seed(
    state: PennylaneState,
    *,
    customers: int,
    invoices: int,
    today: date,
    rng_seed: int = 7,
    first_customer_id: int = 1,
    first_invoice_id: int = 100_001,
    negative_credit_notes: bool = False,
) -> Seeded:
    """Fill ``state`` with ``customers`` customers and ``invoices`` invoices."""
    rng = random.Random(rng_seed)
    stamp = datetime.combine(today - timedelta(days=1), time(9), tzinfo=UTC).isoformat()
    for n in range(customers):
        cid = first_customer_id + n
        terms, _ = rng.choice(_TERMS)
        postal, city = rng.choice(_CITIES)
        address = {
            "address": f"{rng.randint(1, 180)} {rng.choice(_STREETS)}",
            "postal_code": postal,
            "city": city,
            "country_alpha2": "FR",
        }
        common = {
            "id": cid,
            "phone": f"+33{rng.choice('1234567')}{rng.randrange(10**8):08d}",
            "billing_address": address,
            "delivery_address": address,
            "payment_conditions": terms,
            "billing_language": "en_GB" if rng.random() < 0.08 else "fr_FR",
            "notes": rng.choice(
                ("", "", "Client fidèle depuis 2019.", "Relancer plutôt le mardi.")
            ),
            "reference": f"C{cid:06d}",
            "external_reference": f"crm-{cid}",
            "ledger_account": {"id": 4110000 + cid},
            "created_at": stamp,
            "updated_at": stamp,
        }
        if rng.random() < 0.25:
            first, last = rng.choice(_FIRST), rng.choice(_NAMES)
            record = {
                **common,
                "name": f"{first} {last}",
                "first_name": first,
                "last_name": last,
                "customer_type": "individual",
                "emails": [f"{_slug(first)}.{_slug(last)}{cid}@exemple.fr"],
                "recipient": f"{first} {last}",
            }
        else:
            name = f"{rng.choice(_PREFIX)} {rng.choice(_NAMES)} {rng.choice(_TRADES)}"
            number = siren(rng)
            record = {
                **common,
                "name": f"{name} {rng.choice(_FORMS)}",
                "customer_type": "company",
                "emails": [f"compta@{_slug(name)}{cid}.fr"]
                + ([f"direction@{_slug(name)}{cid}.fr"] if rng.random() < 0.3 else []),
                "recipient": "Service comptabilité",
                "reg_no": number,
                "vat_number": tva_number(number),
                "billing_iban": f"FR76{rng.randrange(10**23):023d}" if rng.random() < 0.2 else None,
            }
        state.put("customers", record, "insert")

    open_count = credit_count = 0
    issued: dict[int, list[dict[str, Any]]] = {}
    settlements: list[tuple[int, str, str, str]] = []
    for n in range(invoices):
        iid = first_invoice_id + n
        cid = first_customer_id + rng.randrange(customers)
        customer = state.customers[cid]
        days = dict(_TERMS)[customer["payment_conditions"]]
        on = today - timedelta(days=rng.randint(0, 200))
        deadline = on + timedelta(days=days)
        currency = "EUR" if rng.random() < 0.95 else rng.choice(("USD", "GBP"))
        ht = Decimal(rng.randint(8000, 2_500_000)) / 100
        ttc = (ht * Decimal("1.2")).quantize(Decimal("0.01"))
        earlier = issued.get(cid)
        if earlier and rng.random() < 0.04:
            credited = rng.choice(earlier)
            amount = (Decimal(credited["currency_amount"]) / rng.choice((1, 2, 4))).quantize(
                Decimal("0.01")
            )
            signed = -amount if negative_credit_notes else amount
            record = _invoice(iid, cid, on, on, credited["currency"], signed, stamp)
            record.update(
                status="credit_note",
                remaining_amount_with_tax=str(signed),
                credited_invoice={
                    "id": credited["id"],
                    "url": f"/customer_invoices/{credited['id']}",
                },
                invoice_number=f"AV-2026-{iid:06d}",
            )
            credit_count += 1
        else:
            record = _invoice(iid, cid, on, deadline, currency, ttc, stamp)
            roll, special = rng.random(), n % SPECIAL
            if roll < 0.02:
                record.update(draft=True, status="draft", invoice_number="")
            elif special == 7:  # archived: out of the books' view, never dunned
                record.update(status="archived", archived_at=stamp)
            elif special == 19:  # imported without what an invoice needs: never dunned
                record.update(status="incomplete", deadline=None)
            elif roll < 0.55 and deadline >= today:  # not due yet, not paid yet
                record.update(status="upcoming")
                open_count += 1
            elif roll < 0.55:
                record.update(paid=True, status="paid", remaining_amount_with_tax="0.00")
                paid_on = min(today, deadline + timedelta(days=rng.randint(-10, 20)))
                settlements.append((iid, max(paid_on, on).isoformat(), str(ttc), currency))
            elif roll < 0.60:
                part = (ttc * Decimal(rng.choice(("0.3", "0.5", "0.7")))).quantize(Decimal("0.01"))
                record.update(status="partially_paid", remaining_amount_with_tax=str(ttc - part))
                paid_on = min(today, on + timedelta(days=rng.randint(1, 40)))
                settlements.append((iid, paid_on.isoformat(), str(part), currency))
                open_count += 1
            else:
                record.update(status="late" if deadline < today else "upcoming")
                open_count += 1
            if special == 29 and record["status"] in ("paid", "late", "upcoming"):
                record["remaining_amount_with_tax"] = None  # the spec allows it: derived
            if n % 5 == 3 and not record["draft"]:  # sent through e-invoicing
                status, reason = E_INVOICING[(n // 5) % len(E_INVOICING)]
                record["e_invoicing"] = {"status": status, "reason": reason}
            if not record["draft"]:
                issued.setdefault(cid, []).append(record)
        state.put("customer_invoices", record, "insert")
    for k, (invoice_id, on_, paid, paid_currency) in enumerate(settlements):
        euros = (Decimal(paid) * _RATES.get(paid_currency, Decimal(1))).quantize(CENT)
        unknown = k % 4 == 1 and paid_currency == "EUR"  # the bank feed gave no currency
        state.match(invoice_id, on_, paid, None if unknown else paid_currency, in_euros=str(euros))
    return Seeded(customers, invoices, open_count, credit_count)


def _invoice(
    iid: int, cid: int, on: date, deadline: date, currency: str, amount: Decimal, stamp: str
) -> dict[str, Any]:
    rate = _RATES.get(currency, Decimal(1))
    return {
        "id": iid,
        "invoice_number": f"F-2026-{iid:06d}",
        "label": f"Facture F-2026-{iid:06d}",
        "date": on.isoformat(),
        "deadline": deadline.isoformat(),
        "currency": currency,
        "amount": str((amount * rate).quantize(CENT)),  # in euros, as the spec says
        "currency_amount": str(amount),
        "exchange_rate": str(rate),
        "remaining_amount_with_tax": str(amount),
        "paid": False,
        "status": "upcoming",
        "draft": False,
        "customer": {"id": cid, "url": f"/customers/{cid}"},
        "credited_invoice": None,
        "external_reference": f"erp-{iid}",
        "public_file_url": None,
        "e_invoicing": None,
        "created_at": stamp,
        "updated_at": stamp,
    }
