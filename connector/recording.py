"""What a person records about a customer — a promise to pay, a payment plan — checked one
way, whoever records it: ``relance promise add`` / ``relance payment-plan add`` and the web
app's customer page call the same functions, and the store adds its own checks (one live
plan per invoice, nothing cancelled twice) in the transaction that records them.

A refusal is made by :func:`refusal`: its English message, as the command line prints
it, comes from a template (:data:`MESSAGES`) and values, so a page can say the same in the
person's language (the web app keeps the French of every template).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, TypeVar

from connector.errors import ConfigError, RelanceError
from connector.model import (
    Customer,
    Instalment,
    PaymentPlan,
    Promise,
    Receivable,
    ReceivableKind,
    SourceRef,
)
from connector.money import Money

if TYPE_CHECKING:
    from connector.store import Store

__all__ = [
    "MESSAGES",
    "covered_balance",
    "explanation",
    "new_id",
    "new_plan",
    "new_promise",
    "open_invoices",
    "parse_amount",
    "refusal",
]

# code -> the English of a refusal (its values by name); the web app translates each
MESSAGES = {
    "not_an_amount": "%(text)s is not an amount; write it like 1250.50",
    "not_positive": "the amount must be positive",
    "other_customer": "invoice %(number)s belongs to another customer",
    "nothing_owed": "%(name)s owes nothing open in %(currency)s on those invoices",
    "plan_mismatch": "the instalments add up to %(planned)s, the invoices to %(covered)s",
    "no_instalment": "a payment plan needs at least one instalment",
    "in_another_plan": (
        "invoice %(numbers)s is already in payment plan %(other)s (agreed on %(agreed)s): "
        "an invoice is in one live plan only"
    ),
    "already_cancelled": "%(what)s %(id)s was already cancelled on %(on)s",
    "cancelled_too_early": "%(what)s %(id)s dates from %(start)s: it cannot be cancelled on %(on)s",
}


E = TypeVar("E", bound=RelanceError)


def refusal(
    kind: type[E],
    code: str,
    /,
    *,
    key: str | None = None,
    hint: str | None = None,
    **values: object,
) -> E:
    """An error of class ``kind`` (its class is what the command line reports) whose message
    is :data:`MESSAGES`' template ``code`` filled with ``values``; :func:`explanation` gives
    them back, for a page to say it in another language."""
    texts = {name: str(value) for name, value in values.items()}
    message = MESSAGES[code] % texts
    error = (
        kind(message, key=key, hint=hint)
        if issubclass(kind, ConfigError)
        else kind(message, hint=hint)
    )
    setattr(error, _EXPLANATION, (code, texts))
    return error


def explanation(error: BaseException) -> tuple[str, dict[str, str]] | None:
    """(code, values) of a refusal made by :func:`refusal`; None for any other error."""
    found = getattr(error, _EXPLANATION, None)
    return found if isinstance(found, tuple) else None


_EXPLANATION = "relance_explanation"


def parse_amount(text: str, option: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", ".").replace(" ", "").replace("\u00a0", ""))
    except InvalidOperation:
        raise refusal(ConfigError, "not_an_amount", key=option, text=repr(text)) from None
    if not value.is_finite() or value <= 0:
        raise refusal(ConfigError, "not_positive", key=option)
    return value


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def open_invoices(
    store: Store, tenant: str, customer: SourceRef, numbers: Sequence[str]
) -> list[Receivable]:
    """The invoices named (by number or key), each the customer's own; none named: every
    open invoice of the customer."""
    if numbers:
        invoices = [store.find_receivable(tenant, n) for n in numbers]
        for invoice in invoices:
            if invoice.customer_ref.key != customer.key:
                raise refusal(ConfigError, "other_customer", key="--invoice", number=invoice.number)
        return invoices
    return [
        r
        for state in store.customer_states(tenant, customer_refs=[customer])
        for r in state.receivables
        if r.is_open and r.kind is ReceivableKind.INVOICE
    ]


def covered_balance(invoices: Iterable[Receivable], currency: str) -> Money:
    return sum(
        (r.open_balance for r in invoices if r.is_open and r.currency == currency),
        Money.zero(currency),
    )


def new_promise(
    store: Store,
    tenant: str,
    customer: Customer,
    *,
    amount: Decimal,
    currency: str,
    promised_on: date,
    recorded_on: date,
    invoices: Sequence[str] = (),
    note: str = "",
) -> Promise:
    """A promise to pay, checked against the ledger (not yet recorded: ``store.add_promise``)."""
    chosen = open_invoices(store, tenant, customer.ref, invoices)
    covered = covered_balance(chosen, currency)
    if not covered.is_positive:
        raise refusal(
            ConfigError, "nothing_owed", key="--invoice", name=customer.name, currency=currency
        )
    return Promise(
        id=new_id("promise"),
        customer_ref=customer.ref,
        promised_on=promised_on,
        amount=Money.of(amount, currency),
        recorded_on=recorded_on,
        balance_at_promise=covered,
        receivable_refs=tuple(r.ref for r in chosen if invoices),
        note=note,
    )


def new_plan(
    store: Store,
    tenant: str,
    customer: Customer,
    *,
    schedule: Sequence[tuple[date, Decimal]],
    currency: str,
    agreed_on: date,
    invoices: Sequence[str] = (),
) -> PaymentPlan:
    """A payment plan whose instalments cover the chosen invoices' whole balance (not yet
    recorded: ``store.add_plan``, which refuses an invoice already in a live plan)."""
    chosen = [
        r for r in open_invoices(store, tenant, customer.ref, invoices) if r.currency == currency
    ]
    covered = covered_balance(chosen, currency)
    if not schedule:
        raise refusal(ConfigError, "no_instalment", key="--schedule")
    instalments = tuple(
        Instalment(due_on=day, amount=Money.of(amount, currency))
        for day, amount in sorted(schedule)
    )
    planned = sum((i.amount for i in instalments), Money.zero(currency))
    if planned != covered:
        raise refusal(
            ConfigError,
            "plan_mismatch",
            key="--schedule",
            hint="make the schedule cover the whole balance",
            planned=planned,
            covered=covered,
        )
    return PaymentPlan(
        id=new_id("plan"),
        customer_ref=customer.ref,
        agreed_on=agreed_on,
        receivable_refs=tuple(r.ref for r in chosen),
        instalments=instalments,
        balance_at_plan=covered,
    )
