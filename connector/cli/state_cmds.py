"""Side states a person records: a customer paused, an invoice disputed (promises and
payment plans: ``commitment_cmds``)."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer

from connector.cli._context import AppState, parse_date
from connector.model import (
    Dispute,
    Pause,
)

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


def _new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


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
    state.done(
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
    state.done(
        {"customer": found.ref.key, "resumed_on": day.isoformat()},
        f"{found.name}: resumed on {day}",
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
    state.done(
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
    state.done(
        {"dispute": dispute_id, "resolved_on": day.isoformat()},
        f"dispute {dispute_id} resolved on {day}",
    )


def register(app: typer.Typer) -> None:
    app.add_typer(customer_app, name="customer")
    app.add_typer(dispute_app, name="dispute")
