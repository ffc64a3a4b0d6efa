"""relance promise add|list|cancel: promises to pay, recorded, listed with where each stands
(live, kept, broken, cancelled: ``connector.commitments``) and withdrawn."""

from __future__ import annotations

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
from connector.cli._context import parse_date, require_date
from connector.commitments import promise_standing
from connector.recording import new_promise, parse_amount

__all__ = ["register"]

promise_app = typer.Typer(
    help="Promises to pay: record one, list them with where each stands, cancel one.",
    no_args_is_help=True,
)


@promise_app.command("add")
def promise_add(
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
    state = state_of(ctx)
    record = state.tenant(tenant)
    found = state.customer(record, customer)
    item = new_promise(
        state.store,
        record.slug,
        found,
        amount=parse_amount(amount, "--amount"),
        currency=currency,
        promised_on=require_date(by, option="--by"),
        recorded_on=parse_date(on, option="--on") or state.today(record, None),
        invoices=invoice or [],
        note=note,
    )
    promised = item.amount
    state.store.add_promise(record.slug, item)
    state.done(
        {
            "promise": item.id,
            "customer": found.ref.key,
            "amount": str(promised.amount),
            "currency": currency,
            "by": item.promised_on.isoformat(),
        },
        f"{found.name}: promise {item.id} to pay {promised} by {item.promised_on} recorded",
    )


@promise_app.command("list")
def promise_list(
    ctx: typer.Context,
    customer: CustomerFilter = None,
    status: StandingFilter = None,
    as_of: AsOf = None,
    tenant: Tenant = None,
) -> None:
    """Promises to pay and where each stands: live, kept, broken or cancelled."""
    state = state_of(ctx)
    record = state.tenant(tenant)
    day = state.today(record, as_of)
    grace = state.policy(state.tenant_config(record)).promise_grace_days
    promises = [  # as they were on the day: none recorded after it
        p
        for p in state.store.promises(record.slug, customer_filter(state, record, customer))
        if p.recorded_on <= day
    ]
    ledger = ListedLedger(state, record.slug, {p.customer_ref for p in promises}, day)
    listed = [
        (item, standing)
        for item in promises
        if (standing := promise_standing(item, ledger.open(item.customer_ref), day, grace))
        is status
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
                    "amount": str(item.amount.amount),
                    "currency": item.amount.currency,
                    "recorded_on": item.recorded_on.isoformat(),
                    "promised_on": item.promised_on.isoformat(),
                    "broken_on": iso(item.broken_on),
                    "cancelled_on": iso(item.cancelled_on),
                    "status": standing.value,
                    "note": item.note,
                }
                for item, standing in listed
            ]
        )
        return
    count = f"{len(listed)} promise{'' if len(listed) == 1 else 's'} to pay"
    lines = [f"{record.slug}: {count}, as they stand on {day}"]
    for item, standing in listed:
        numbers = ledger.numbers(item.customer_ref, item.receivable_refs)
        lines += [
            f"{item.id}  {ledger.name(item.customer_ref)}  "
            + standing_text(standing, item.cancelled_on or item.broken_on),
            f"  {item.amount} by {item.promised_on} (recorded {item.recorded_on}), for "
            + (", ".join(numbers) if numbers else "every open invoice"),
        ]
    state.console.print("\n".join(lines), markup=False)


@promise_app.command("cancel")
def promise_cancel(
    ctx: typer.Context,
    promise_id: Annotated[str, typer.Argument(metavar="ID", help="as `relance promise list`")],
    reason: Reason = "",
    on: On = None,
    tenant: Tenant = None,
) -> None:
    """Withdraw a promise to pay: from that day it holds no reminder."""
    state = state_of(ctx)
    record = state.tenant(tenant)
    day = parse_date(on, option="--on") or state.today(record, None)
    state.store.cancel_promise(record.slug, promise_id, day, reason)
    state.done(
        {"promise": promise_id, "cancelled_on": day.isoformat()},
        f"promise {promise_id} cancelled on {day}",
    )


def register(app: typer.Typer) -> None:
    app.add_typer(promise_app, name="promise")
