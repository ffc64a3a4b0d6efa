"""relance payment-plan add|list|cancel: payment plans (échéanciers), agreed, listed with
where each stands (live, kept, broken, cancelled: ``connector.commitments``) and ended.

An invoice is in one live plan only: the store refuses a second (``Store.add_plan``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

import typer

from connector.cli._commitments import (
    AsOf,
    CurrencyOpt,
    CustomerArg,
    CustomerFilter,
    Invoices,
    ListedLedger,
    On,
    Reason,
    StandingFilter,
    Tenant,
    customer_filter,
    iso,
    standing_text,
    state_of,
)
from connector.cli._context import parse_date
from connector.commitments import plan_paid, plan_standing
from connector.errors import ConfigError
from connector.recording import new_plan, parse_amount

__all__ = ["register"]

plan_app = typer.Typer(
    help="Payment plans (échéanciers): agree one, list them with where each stands, cancel one.",
    no_args_is_help=True,
)


def _schedule(text: str) -> list[tuple[date, Decimal]]:
    instalments = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        when, _, amount = part.partition("=")
        day = parse_date(when.strip(), option="--schedule")
        if day is None or not amount:
            raise ConfigError(f"{part!r}: write each instalment as DATE=AMOUNT", key="--schedule")
        instalments.append((day, parse_amount(amount, "--schedule")))
    if not instalments:
        raise ConfigError(
            "at least one instalment, e.g. 2026-12-15=400,2027-01-15=400", key="--schedule"
        )
    return instalments


@plan_app.command("add")
def plan_add(
    ctx: typer.Context,
    customer: CustomerArg,
    schedule: Annotated[str, typer.Option(help="DATE=AMOUNT,DATE=AMOUNT,...")],
    invoice: Invoices = None,
    currency: CurrencyOpt = "EUR",
    on: On = None,
    tenant: Tenant = None,
) -> None:
    """Agree an échéancier: its invoices are chased by instalment (one live plan per invoice)."""
    state = state_of(ctx)
    record = state.tenant(tenant)
    found = state.customer(record, customer)
    item = new_plan(
        state.store,
        record.slug,
        found,
        schedule=_schedule(schedule),
        currency=currency,
        agreed_on=parse_date(on, option="--on") or state.today(record, None),
        invoices=invoice or [],
    )
    instalments = item.instalments
    state.store.add_plan(record.slug, item)
    state.done(
        {"plan": item.id, "customer": found.ref.key, "instalments": len(instalments)},
        f"{found.name}: plan {item.id} with {len(instalments)} instalments recorded",
    )


@plan_app.command("list")
def plan_list(
    ctx: typer.Context,
    customer: CustomerFilter = None,
    status: StandingFilter = None,
    as_of: AsOf = None,
    tenant: Tenant = None,
) -> None:
    """Payment plans and where each stands: live, kept, broken or cancelled."""
    state = state_of(ctx)
    record = state.tenant(tenant)
    day = state.today(record, as_of)
    plans = [  # as they were on the day: none agreed after it
        p
        for p in state.store.plans(record.slug, customer_filter(state, record, customer))
        if p.agreed_on <= day
    ]
    ledger = ListedLedger(state, record.slug, {p.customer_ref for p in plans}, day)
    listed = [
        (item, standing, plan_paid(item, ledger.open(item.customer_ref)))
        for item in plans
        if (standing := plan_standing(item, ledger.open(item.customer_ref), day)) is status
        or status is None
    ]
    if state.json_output:
        state.emit_json(
            [
                {
                    "id": item.id,
                    "customer": item.customer_ref.key,
                    "customer_name": ledger.name(item.customer_ref),
                    "invoices": ledger.numbers(item.customer_ref, item.receivable_refs),
                    "total": str(item.balance_at_plan.amount),
                    "paid": str(paid.amount),
                    "currency": item.balance_at_plan.currency,
                    "instalments": [
                        {"due_on": i.due_on.isoformat(), "amount": str(i.amount.amount)}
                        for i in item.instalments
                    ],
                    "agreed_on": item.agreed_on.isoformat(),
                    "cancelled_on": iso(item.cancelled_on),
                    "status": standing.value,
                }
                for item, standing, paid in listed
            ]
        )
        return
    count = f"{len(listed)} payment plan{'' if len(listed) == 1 else 's'}"
    lines = [f"{record.slug}: {count}, as they stand on {day}"]
    for item, standing, paid in listed:
        numbers = ", ".join(ledger.numbers(item.customer_ref, item.receivable_refs))
        lines += [
            f"{item.id}  {ledger.name(item.customer_ref)}  "
            + standing_text(standing, item.cancelled_on),
            f"  agreed {item.agreed_on} for {numbers}; paid {paid.amount} of "
            f"{item.balance_at_plan}",
            *(f"  {i.due_on}  {i.amount}" for i in item.instalments),
        ]
    state.console.print("\n".join(lines), markup=False)


@plan_app.command("cancel")
def plan_cancel(
    ctx: typer.Context,
    plan_id: Annotated[str, typer.Argument(metavar="ID", help="as `relance payment-plan list`")],
    reason: Reason = "",
    on: On = None,
    tenant: Tenant = None,
) -> None:
    """End a payment plan: from that day its invoices are chased by their own due dates."""
    state = state_of(ctx)
    record = state.tenant(tenant)
    day = parse_date(on, option="--on") or state.today(record, None)
    state.store.cancel_plan(record.slug, plan_id, day, reason)
    state.done(
        {"plan": plan_id, "cancelled_on": day.isoformat()},
        f"payment plan {plan_id} cancelled on {day}",
    )


def register(app: typer.Typer) -> None:
    app.add_typer(plan_app, name="payment-plan")
