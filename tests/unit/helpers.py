"""Small builders for the pure-core tests."""

from __future__ import annotations

from datetime import date, timedelta

from connector.calendar import BusinessCalendar
from connector.model import (
    Contact,
    Customer,
    LegalKind,
    Platform,
    PostalAddress,
    Receivable,
    ReceivableKind,
    ReceivableStatus,
    SourceRef,
)
from connector.money import Money
from connector.policy import default_policy

POLICY = default_policy()
CALENDAR = BusinessCalendar.for_window(POLICY.send_window, "FR")


def ref(external_id: str) -> SourceRef:
    return SourceRef(platform=Platform.FILES, tenant="t", external_id=external_id)


def customer(
    cid: str = "C1",
    kind: LegalKind = LegalKind.B2B,
    *,
    email: str | None = "compta@client.example",
    phone: str | None = "+33 4 72 00 00 00",
    address: bool = True,
) -> Customer:
    """A customer reachable by e-mail, phone and post, unless told otherwise."""
    return Customer(
        ref=ref(cid),
        name=f"Client {cid}",
        legal_kind=kind,
        address=PostalAddress(lines=("3 rue Mercière",), postal_code="69002", city="Lyon")
        if address
        else None,
        contacts=(Contact(name="Comptabilité", email=email, phone=phone, primary=True),)
        if email or phone
        else (),
    )


def invoice(
    number: str,
    due: date,
    amount: str,
    *,
    open_: str | None = None,
    cid: str = "C1",
    currency: str = "EUR",
    kind: ReceivableKind = ReceivableKind.INVOICE,
) -> Receivable:
    balance = Money.of(amount if open_ is None else open_, currency)
    return Receivable(
        ref=ref(number),
        customer_ref=ref(cid),
        kind=kind,
        number=number,
        issued_on=due - timedelta(days=30),
        due_on=due,
        currency=currency,
        total=Money.of(amount, currency),
        open_balance=balance,
        status=ReceivableStatus.OPEN if balance.is_positive else ReceivableStatus.PAID,
    )
