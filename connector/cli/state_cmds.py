"""Side states a person records: pause, promise to pay, dispute, payment plan."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer

from connector.cli._context import AppState, parse_date, require_date
from connector.errors import ConfigError
from connector.model import (
    Dispute,
    Instalment,
    Pause,
    PaymentPlan,
    Promise,
    Receivable,
    ReceivableKind,
)
from connector.money import Money

__all__ = ["register"]

Tenant = Annotated[str | None, typer.Option("--tenant")]
On = Annotated[str | None, typer.Option("--on", help="the day it happened (default: today)")]
CustomerArg = Annotated[str, typer.Argument(help="id or part of the name")]
Invoices = Annotated[
    list[str] | None,
    typer.Option("--invoice", help="invoices it covers (repeat it; default: every open one)"),
]
CurrencyOpt = Annotated[str, typer.Option("--currency", help="ISO 4217 code")]


def _state(ctx: typer.Context) -> AppState:
    state = ctx.obj
    assert isinstance(state, AppState)
    return state


def _amount(text: str, option: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        raise ConfigError(f"{text!r} is not an amount; write it like 1250.50", key=option) from None
    if value <= 0:
        raise ConfigError("the amount must be positive", key=option)
    return value


def _new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _done(state: AppState, payload: dict[str, object], text: str) -> None:
    if state.json_output:
        state.emit_json(payload)
    else:
        state.console.print(text)


customer_app = typer.Typer(help="Pause or resume the dunning of a customer.", no_args_is_help=True)


@customer_app.command("pause")
def pause(
    ctx: typer.Context,
    customer: CustomerArg,
    until: Annotated[
        str | None, typer.Option(help="last paused day (default: until resumed)")
    ] = None,
    reason: Annotated[str, typer.Option()] = "",
    on: On = None,
    tenant: Tenant = None,
) -> None:
    """Hold every reminder to a customer."""
    state = _state(ctx)
    record = state.tenant(tenant)
    found = state.customer(record, customer)
    since = parse_date(on, option="--on") or state.today(record, None)
    state.store.pause(
        record.slug,
        found.ref,
        Pause(since=since, until=parse_date(until, option="--until"), reason=reason),
    )
    _done(
        state,
        {"customer": found.ref.key, "paused_since": since.isoformat(), "until": until},
        f"{found.name}: paused from {since}" + (f" to {until}" if until else " until resumed"),
    )


@customer_app.command("resume")
def resume(ctx: typer.Context, customer: str, on: On = None, tenant: Tenant = None) -> None:
    """Resume the dunning of a paused customer."""
    state = _state(ctx)
    record = state.tenant(tenant)
    found = state.customer(record, customer)
    day = parse_date(on, option="--on") or state.today(record, None)
    state.store.resume(record.slug, found.ref, day)
    _done(
        state,
        {"customer": found.ref.key, "resumed_on": day.isoformat()},
        f"{found.name}: resumed on {day}",
    )


def _open_invoices(
    state: AppState, tenant: str, customer_key: str, numbers: list[str]
) -> list[Receivable]:
    if numbers:
        invoices = [state.store.find_receivable(tenant, n) for n in numbers]
        for invoice in invoices:
            if invoice.customer_ref.key != customer_key:
                raise ConfigError(
                    f"invoice {invoice.number} belongs to another customer", key="--invoice"
                )
        return invoices
    return [
        r
        for r in state.store.open_receivables(tenant)
        if r.customer_ref.key == customer_key and r.kind is ReceivableKind.INVOICE
    ]


def _covered_balance(invoices: list[Receivable], currency: str) -> Money:
    return sum(
        (r.open_balance for r in invoices if r.is_open and r.currency == currency),
        Money.zero(currency),
    )


def promise(
    ctx: typer.Context,
    customer: CustomerArg,
    amount: Annotated[str, typer.Option(help="amount promised")],
    by: Annotated[str, typer.Option("--by", help="promised payment date (YYYY-MM-DD)")],
    currency: CurrencyOpt = "EUR",
    invoice: Invoices = None,
    note: Annotated[str, typer.Option()] = "",
    on: On = None,
    tenant: Tenant = None,
) -> None:
    """Record a promise to pay: reminders wait until the date (+ grace), then resume at once."""
    state = _state(ctx)
    record = state.tenant(tenant)
    found = state.customer(record, customer)
    invoices = _open_invoices(state, record.slug, found.ref.key, invoice or [])
    covered = _covered_balance(invoices, currency)
    promised = Money.of(_amount(amount, "--amount"), currency)
    if not covered.is_positive:
        raise ConfigError(
            f"{found.name} owes nothing open in {currency} on those invoices", key="--invoice"
        )
    item = Promise(
        id=_new_id("promise"),
        customer_ref=found.ref,
        promised_on=require_date(by, option="--by"),
        amount=promised,
        recorded_on=parse_date(on, option="--on") or state.today(record, None),
        balance_at_promise=covered,
        receivable_refs=tuple(r.ref for r in invoices if invoice),
        note=note,
    )
    state.store.add_promise(record.slug, item)
    _done(
        state,
        {
            "promise": item.id,
            "customer": found.ref.key,
            "amount": str(promised.amount),
            "currency": currency,
            "by": item.promised_on.isoformat(),
        },
        f"{found.name}: promise {item.id} to pay {promised} by {item.promised_on} recorded",
    )


dispute_app = typer.Typer(help="Open or resolve a dispute on an invoice.", no_args_is_help=True)


@dispute_app.command("open")
def dispute_open(
    ctx: typer.Context,
    invoice: Annotated[str, typer.Argument(help="invoice number")],
    reason: Annotated[str, typer.Option()] = "",
    on: On = None,
    tenant: Tenant = None,
) -> None:
    """The customer contests the invoice: it is held and no longer claimed."""
    state = _state(ctx)
    record = state.tenant(tenant)
    found = state.receivable(record, invoice)
    item = Dispute(
        id=_new_id("dispute"),
        receivable_ref=found.ref,
        opened_on=parse_date(on, option="--on") or state.today(record, None),
        reason=reason,
    )
    state.store.add_dispute(record.slug, item)
    _done(
        state,
        {"dispute": item.id, "invoice": found.number},
        f"{found.number}: dispute {item.id} opened; the invoice is held",
    )


@dispute_app.command("resolve")
def dispute_resolve(
    ctx: typer.Context, dispute_id: str, on: On = None, tenant: Tenant = None
) -> None:
    """The dispute is settled: the invoice (if still open) is chased again."""
    state = _state(ctx)
    record = state.tenant(tenant)
    day = parse_date(on, option="--on") or state.today(record, None)
    state.store.resolve_dispute(record.slug, dispute_id, day)
    _done(
        state,
        {"dispute": dispute_id, "resolved_on": day.isoformat()},
        f"dispute {dispute_id} resolved on {day}",
    )


def _schedule(text: str, currency: str) -> tuple[Instalment, ...]:
    instalments = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        when, _, amount = part.partition("=")
        day = parse_date(when.strip(), option="--schedule")
        if day is None or not amount:
            raise ConfigError(f"{part!r}: write each instalment as DATE=AMOUNT", key="--schedule")
        instalments.append(
            Instalment(due_on=day, amount=Money.of(_amount(amount, "--schedule"), currency))
        )
    if not instalments:
        raise ConfigError(
            "at least one instalment, e.g. 2026-12-15=400,2027-01-15=400", key="--schedule"
        )
    return tuple(instalments)


def payment_plan(
    ctx: typer.Context,
    customer: CustomerArg,
    schedule: Annotated[str, typer.Option(help="DATE=AMOUNT,DATE=AMOUNT,...")],
    invoice: Invoices = None,
    currency: CurrencyOpt = "EUR",
    on: On = None,
    tenant: Tenant = None,
) -> None:
    """Agree an échéancier: the covered invoices are chased by instalment."""
    state = _state(ctx)
    record = state.tenant(tenant)
    found = state.customer(record, customer)
    invoices = [
        r
        for r in _open_invoices(state, record.slug, found.ref.key, invoice or [])
        if r.currency == currency
    ]
    covered = _covered_balance(invoices, currency)
    instalments = _schedule(schedule, currency)
    planned = sum((i.amount for i in instalments), Money.zero(currency))
    if planned != covered:
        raise ConfigError(
            f"the instalments add up to {planned}, the invoices to {covered}",
            key="--schedule",
            hint="make the schedule cover the whole balance",
        )
    item = PaymentPlan(
        id=_new_id("plan"),
        customer_ref=found.ref,
        agreed_on=parse_date(on, option="--on") or state.today(record, None),
        receivable_refs=tuple(r.ref for r in invoices),
        instalments=instalments,
        balance_at_plan=covered,
    )
    state.store.add_plan(record.slug, item)
    _done(
        state,
        {"plan": item.id, "customer": found.ref.key, "instalments": len(instalments)},
        f"{found.name}: plan {item.id} with {len(instalments)} instalments recorded",
    )


def register(app: typer.Typer) -> None:
    app.add_typer(customer_app, name="customer")
    app.command()(promise)
    app.add_typer(dispute_app, name="dispute")
    app.command("payment-plan")(payment_plan)
