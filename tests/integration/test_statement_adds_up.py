"""The dossier's décompte lists what it deducts, and its lines add up to its total (its
statement used to deduct credits it did not list: lines 20,465.48, total 20,197.71)."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

from connector.dossier import build_dossier
from connector.model import Payment, ReceivableKind
from connector.money import Money
from connector.policy import default_policy
from connector.store import Store

from .builders import CREDITOR, TENANT, customer, invoice, ref


def test_the_statement_lists_credits_and_unapplied_payments_and_adds_up(
    store: Store, tmp_path: Path
) -> None:
    credit = invoice("AV-1", "C1", date(2026, 2, 1), "267.77").model_copy(
        update={"kind": ReceivableKind.CREDIT_NOTE}
    )
    receivables = [
        invoice("F-1", "C1", date(2026, 1, 10), "12000.00"),
        invoice("F-2", "C1", date(2026, 2, 10), "8465.48"),
        credit,
    ]
    payment = Payment(
        ref=ref("PAY-1"),
        customer_ref=ref("C1"),
        received_on=date(2026, 2, 20),
        amount=Money.of("500.00", "EUR"),
        unapplied=Money.of("500.00", "EUR"),
    )
    store.upsert_ledger(
        TENANT,
        customers=[customer("C1", "Boulangerie Dupont")],
        receivables=receivables,
        payments=[payment],
    )
    result = build_dossier(
        store,
        TENANT,
        ref("C1"),
        creditor=CREDITOR,
        policy=default_policy(),
        as_of=date(2026, 3, 10),
        out=tmp_path / "dossier.zip",
    )
    with zipfile.ZipFile(result.path) as archive:
        text = archive.read("02-decompte.csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    lines = {(r["Rubrique"], r["Référence"]): Decimal(r["Total"]) for r in rows if r["Total"]}
    (total,) = [amount for (section, _), amount in lines.items() if section == "total"]
    assert lines[("avoir", "AV-1")] == Decimal("-267.77")
    assert lines[("règlement non affecté", "PAY-1")] == Decimal("-500.00")
    assert sum(amount for (section, _), amount in lines.items() if section != "total") == total
    principal = {
        r["Référence"]: Decimal(r["Principal dû"]) for r in rows if r["Rubrique"] == "facture"
    }
    assert principal == {"F-1": Decimal("12000.00"), "F-2": Decimal("8465.48")}
    # 12,000 + 8,465.48 - 267.77 - 500 = 19,697.71, plus the late-payment interest and
    # the two 40 EUR indemnities the décompte computes and lists line by line
    claimed = result.decompte
    assert claimed.total["EUR"] == (
        Money.of("19697.71", "EUR") + claimed.interest["EUR"] + Money.of("80", "EUR")
    )
