"""A small French Odoo company for the emulator: customers with contacts, posted invoices
(some in instalments, some partly paid or paid, each payment reconciled with its invoice),
a credit note and a draft."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from .server import OdooState

__all__ = ["invoice_move", "seed"]

_NAMES = ("Boulangerie Martin", "Garage Petit", "Studio Lemaire", "Cabinet Roux", "Hôtel Morel")


def seed(
    state: OdooState, *, customers: int, invoices: int, today: date, rng_seed: int = 7
) -> None:
    rng = random.Random(rng_seed)
    companies: list[int] = []
    for n in range(customers):
        company = state.put(
            "res.partner",
            {
                "id": 100 + n,
                "name": f"{rng.choice(_NAMES)} {n + 1}",
                "is_company": True,
                "parent_id": False,
                "email": f"compta{n + 1}@client{n + 1}.example.fr",
                "phone": f"+33 1 {rng.randint(10, 99)} {rng.randint(10, 99)} 00 00",
                "street": f"{rng.randint(1, 90)} rue de la Paix",
                "zip": "75002",
                "city": "Paris",
                "country_id": 75,
                "country_code": "FR",
                "lang": "fr_FR",
                "vat": f"FR{rng.randint(10, 99)}{rng.randint(100000000, 999999999)}",
                "customer_rank": 1,
            },
        )
        companies.append(company["id"])
        state.put(  # a contact person under the company
            "res.partner",
            {
                "id": 5000 + n,
                "name": f"Contact {n + 1}",
                "parent_id": company["id"],
                "email": f"contact{n + 1}@client{n + 1}.example.fr",
                "customer_rank": 0,
            },
        )
    for n in range(invoices):
        partner = rng.choice(companies)
        issued = today - timedelta(days=rng.randint(0, 120))
        total = rng.randint(100, 5000)
        instalments = 2 if rng.random() < 0.2 else 1
        paid = rng.random()
        state_name, payment_state, residual = "posted", "not_paid", float(total)
        if paid < 0.3:
            payment_state, residual = "paid", 0.0
        elif paid < 0.4:
            payment_state, residual = "partial", float(total) / 2
        elif paid < 0.45:
            payment_state, residual = "in_payment", 0.0
        elif paid < 0.48:
            state_name = "draft"
        move = invoice_move(state, 20_000 + n, partner, issued, total, residual, instalments)
        move.update(state=state_name, payment_state=payment_state)
        state.put("account.move", move)
        paid_amount = float(total) - residual
        if state_name == "posted" and paid_amount > 0:
            unapplied = 50.0 if rng.random() < 0.2 else 0.0  # a little too much was paid
            payment = state.put(
                "account.payment",
                {
                    "id": 40_000 + n,
                    "name": f"PBNK1/2026/{n + 1:05d}",
                    "date": (issued + timedelta(days=20)).isoformat(),
                    "amount": paid_amount + unapplied,
                    "currency_id": 1,
                    "partner_id": partner,
                    "partner_type": "customer",
                    "state": "posted",
                    "company_id": 1,
                    "reconciled_invoice_ids": [20_000 + n],
                },
            )
            _reconcile(state, 20_000 + n, payment, paid_amount)
            if unapplied:
                state.put(
                    "account.move.line",
                    {
                        "payment_id": payment["id"],
                        "account_id": 1,
                        "company_id": 1,
                        "amount_residual": -unapplied,
                        "amount_residual_currency": -unapplied,
                        "currency_id": 1,
                        "reconciled": False,
                    },
                )
    state.put(
        "account.move",
        {
            **invoice_move(state, 29_999, companies[0], today - timedelta(days=10), 80, 80.0, 1),
            "move_type": "out_refund",
            "name": "RINV/2026/00001",
        },
    )


def _reconcile(state: OdooState, move_id: int, payment: dict[str, Any], paid: float) -> None:
    """The payment's receivable line, matched with the invoice's lines as Odoo records it."""
    lines = [
        line
        for line in state.records["account.move.line"].values()
        if line.get("move_id") == move_id
    ]
    for line in lines:
        share = paid / len(lines)
        own = state.put(
            "account.move.line",
            {
                "payment_id": payment["id"],
                "account_id": 1,
                "amount_residual": 0.0,
                "currency_id": 1,
                "reconciled": True,
            },
        )
        state.put(
            "account.partial.reconcile",
            {
                "debit_move_id": line["id"],
                "credit_move_id": own["id"],
                "amount": share,
                "debit_amount_currency": share,
                "credit_amount_currency": share,
                "max_date": payment["date"],
            },
        )


def invoice_move(
    state: OdooState,
    move_id: int,
    partner: int,
    issued: date,
    total: int,
    residual: float,
    instalments: int,
    company: int = 1,
) -> dict[str, Any]:
    """The move and its receivable lines: one, or 30 % at once and the balance 60 days later
    (Odoo's "30% Now, Balance 60 Days"), what was paid covering the first line first."""
    if instalments == 2:
        first = round(total * 0.3, 2)
        shares = [(issued, first), (issued + timedelta(days=60), round(total - first, 2))]
    else:
        shares = [(issued + timedelta(days=30), float(total))]
    paid = float(total) - residual
    for maturity, share in shares:
        covered = min(paid, share)
        paid -= covered
        left = round(share - covered, 2)
        state.put(
            "account.move.line",
            {
                "move_id": move_id,
                "account_id": 1,
                "company_id": company,
                "date_maturity": maturity.isoformat(),
                "amount_currency": share,
                "amount_residual": left,
                "amount_residual_currency": left,
                "currency_id": 1,
                "reconciled": left == 0,
            },
        )
    return {
        "id": move_id,
        "name": f"INV/2026/{move_id:05d}",
        "move_type": "out_invoice",
        "state": "posted",
        "payment_state": "not_paid",
        "invoice_date": issued.isoformat(),
        "invoice_date_due": shares[-1][0].isoformat(),
        "amount_total": float(total),
        "amount_residual": residual,
        "currency_id": 1,
        "partner_id": partner,
        "commercial_partner_id": partner,
        "invoice_user_id": 2,
        "company_id": company,
    }
