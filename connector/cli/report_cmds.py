"""history and report: the audit trail, the aged balance and DSO."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from connector.cli._context import AppState, parse_date
from connector.clock import end_of_day
from connector.errors import ConfigError, StoreError

if TYPE_CHECKING:  # the figures' modules are imported by the commands that make them
    from connector.reports import AgedBalance

__all__ = ["register"]


def _state(ctx: typer.Context) -> AppState:
    state = ctx.obj
    assert isinstance(state, AppState)
    return state


def history(
    ctx: typer.Context,
    subject: Annotated[str, typer.Argument(help="a customer (id or name) or an invoice number")],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="only what was recorded by the end of that day")
    ] = None,
    tenant: Annotated[str | None, typer.Option("--tenant")] = None,
) -> None:
    """The audit trail of a customer or an invoice, oldest first: the evidence file."""
    state = _state(ctx)
    record = state.tenant(tenant)
    day = parse_date(as_of, option="--as-of")
    before = None if day is None else end_of_day(day, record.timezone)
    try:
        invoice = state.receivable(record, subject)
        events = state.store.history(record.slug, receivable_ref=invoice.ref, before=before)
        title = f"History of invoice {invoice.number}"
    except (StoreError, ConfigError):
        customer = state.customer(record, subject)
        events = state.store.history(record.slug, customer_ref=customer.ref, before=before)
        title = f"History of {customer.name}"
    if day is not None:
        title += f" up to {day}"
    if state.json_output:
        state.emit_json(
            [
                {
                    "id": e.id,
                    "at": e.at.isoformat(),
                    "kind": e.kind.value,
                    "customer": e.customer_key,
                    "receivables": list(e.receivable_keys),
                    "payload": e.payload,
                }
                for e in events
            ]
        )
        return
    table = Table(title=title)
    for column in ("when", "what", "details"):
        table.add_column(column)
    for event in events:
        details = ", ".join(f"{k}={v}" for k, v in sorted(event.payload.items()))
        table.add_row(event.at.strftime("%Y-%m-%d %H:%M"), event.kind.value, details)
    state.console.print(table)


def report(
    ctx: typer.Context,
    as_of: Annotated[str | None, typer.Option("--as-of")] = None,
    period: Annotated[int, typer.Option(help="days of sales for DSO")] = 90,
    customers: Annotated[
        bool, typer.Option("--customers", help="also each customer's net open balance")
    ] = False,
    dashboard: Annotated[
        bool,
        typer.Option(
            "--dashboard",
            help="also the dashboard's figures: aged balance and DSO at each month's end, "
            "what was paid after each step, promises kept or broken, cash expected",
        ),
    ] = False,
    tenant: Annotated[str | None, typer.Option("--tenant")] = None,
) -> None:
    """Aged balance by bucket (not due, 1-30, 31-60, 61-90, 90+ days late), credit notes and
    unapplied payments, net open and DSO (JSON: per customer too)."""
    from connector import insights
    from connector.asof import payments_as_of
    from connector.cli.dashboard_view import print_dashboard
    from connector.insights.export import dashboard_json
    from connector.reports import BUCKETS, DEDUCTIONS, aged_balance, days_sales_outstanding

    state = _state(ctx)
    record = state.tenant(tenant)
    day = state.today(record, as_of)
    figures = None
    if dashboard:
        policy = state.policy(state.tenant_config(record))
        figures = insights.dashboard(state.store, record.slug, day, policy=policy, period=period)
    aged = aged_balance(
        state.store.open_receivables(record.slug, as_of=day),
        day,
        payments_as_of(state.store.unapplied_payments(record.slug), day),
    )
    sales = state.store.invoiced_totals(record.slug, since=day - timedelta(days=period), until=day)
    dso = days_sales_outstanding(aged.totals(), sales, period)
    if state.json_output:
        state.emit_json(
            {
                **aged.as_dict(),
                "dso_days": {c: (str(v) if v is not None else None) for c, v in dso.items()},
                "dso_period_days": period,
                **({} if figures is None else {"dashboard": dashboard_json(figures)}),
            }
        )
        return
    table = Table(title=f"{record.slug}: aged balance on {day}")
    table.add_column("currency")
    for bucket in (*BUCKETS, "credit notes", "unapplied", "net open", f"DSO ({period} d)"):
        table.add_column(bucket, justify="right")
    for currency, columns in sorted(aged.by_currency.items()):
        value = dso.get(currency)
        table.add_row(
            currency,
            *(str(columns[b].rounded().amount) for b in BUCKETS),
            *(f"-{columns[d].rounded().amount}" for d in DEDUCTIONS),
            str(aged.total(currency).rounded().amount),
            "—" if value is None else str(value),
        )
    state.console.print(table)
    if customers:
        _print_customers(state, record.slug, aged)
    if figures is not None:
        print_dashboard(state.console, figures)


def _print_customers(state: AppState, tenant: str, aged: AgedBalance) -> None:
    """Each customer's net open balance: invoices less credit notes and unapplied payments."""
    table = Table(title="net open by customer")
    table.add_column("customer")
    table.add_column("net open", justify="right")
    names = state.store.customer_names(tenant)
    for key, totals in sorted(aged.by_customer.items(), key=lambda kv: names.get(kv[0], kv[0])):
        owed = ", ".join(str(m.rounded()) for m in totals.values())
        table.add_row(names.get(key, key), owed)
    state.console.print(table)


def dossier(
    ctx: typer.Context,
    customer: Annotated[str, typer.Argument(help="id or part of the name")],
    as_of: Annotated[str | None, typer.Option("--as-of")] = None,
    out: Annotated[Path | None, typer.Option(help="the zip to write")] = None,
    tenant: Annotated[str | None, typer.Option("--tenant")] = None,
) -> None:
    """Export the collection file of a customer: what an agency or a court asks for."""
    from connector.dossier import build_dossier, dossier_name
    from connector.legal import RateTables

    state = _state(ctx)
    record = state.tenant(tenant)
    found = state.customer(record, customer)
    config = state.tenant_config(record)
    day = state.today(record, as_of)
    target = out or Path(dossier_name(found.ref, day))
    result = build_dossier(
        state.store,
        record.slug,
        found.ref,
        creditor=config.creditor,
        policy=state.policy(config),
        as_of=day,
        out=target,
        source=state.source(config),
        jurisdiction=config.jurisdiction,
        contract=config.contract.terms_for(found.ref.external_id),
        rate_tables=RateTables(state.settings.rates_dir),
    )
    if state.json_output:
        state.emit_json(
            {"path": str(result.path), "files": list(result.files), "reminders": result.reminders}
        )
        return
    state.console.print(
        f"{found.name}: {len(result.files)} files, {result.reminders} reminders sent "
        f"— {result.path}"
    )


def register(app: typer.Typer) -> None:
    app.command()(dossier)
    app.command()(history)
    app.command()(report)
