"""relance claim: the law's figures on one late invoice, checkable by hand (the tables it
reads: ``rates_cmds``)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer
from rich.table import Table

from connector.cli._context import AppState, parse_date, require_date
from connector.errors import ConfigError
from connector.legal import DayCount, InvoiceDebt, RateTables, assess
from connector.money import Money

__all__ = ["register"]


def _state(ctx: typer.Context) -> AppState:
    state = ctx.obj
    assert isinstance(state, AppState)
    return state


def _tables(state: AppState) -> RateTables:
    return RateTables(state.settings.rates_dir)


def claim(
    ctx: typer.Context,
    principal: Annotated[str, typer.Option(help="the amount still owed")],
    due: Annotated[str, typer.Option(help="due date YYYY-MM-DD")],
    as_of: Annotated[str, typer.Option("--as-of", help="compute up to this day")],
    currency: Annotated[str, typer.Option()] = "EUR",
    jurisdiction: Annotated[str, typer.Option(help="FR, EU, UK, DE, BE or ES")] = "FR",
    b2c: Annotated[bool, typer.Option("--b2c", help="the debtor is a consumer")] = False,
    notice: Annotated[str | None, typer.Option(help="formal notice date (FR consumers)")] = None,
    basis: Annotated[DayCount, typer.Option(help="day count")] = DayCount.ACT_365,
    unconfirmed: Annotated[bool, typer.Option(help="accept rates not yet confirmed")] = False,
) -> None:
    """The indemnity and the interest on one late invoice, period by period."""
    state = _state(ctx)
    try:
        amount = Decimal(principal)
    except InvalidOperation:
        raise ConfigError(f"{principal!r} is not an amount", key="--principal") from None
    due_on = require_date(due, option="--due")
    day = require_date(as_of, option="--as-of")
    result = assess(
        [InvoiceDebt("invoice", Money.of(amount, currency), due_on)],
        as_of=day,
        jurisdiction=jurisdiction,
        b2c=b2c,
        notice_on=parse_date(notice, option="--notice"),
        tables=_tables(state),
        day_count=basis,
        allow_unconfirmed=unconfirmed,
    )
    (invoice,) = result.invoices
    interest = invoice.interest
    assert interest is not None  # assess computes it unless told not to (or raises MissingRate)
    total = interest + invoice.indemnity if invoice.indemnity.currency == currency else interest
    if state.json_output:
        state.emit_json(
            {
                "jurisdiction": result.jurisdiction,
                "b2c": b2c,
                "as_of": day.isoformat(),
                "day_count": result.day_count,
                "legal_basis": list(result.legal_basis),
                "principal": str(invoice.principal.amount),
                "currency": currency,
                "indemnity": {
                    "amount": str(invoice.indemnity.rounded().amount),
                    "currency": invoice.indemnity.currency,
                },
                "periods": [
                    {
                        "start": p.start.isoformat(),
                        "end": p.end.isoformat(),
                        "days": p.days,
                        "rate": str(p.rate),
                        "amount": str(p.amount.amount),
                    }
                    for p in invoice.periods
                ],
                "interest": str(interest.amount),
                "total_claimable": str(total.rounded().amount),
            }
        )
        return
    view = Table(
        title=f"{result.jurisdiction} {'B2C' if b2c else 'B2B'}: {invoice.principal} "
        f"due {due_on}, as of {day} ({result.day_count})"
    )
    for column in ("from", "to", "days", "rate %", "interest"):
        view.add_column(column, justify="right")
    for p in invoice.periods:
        view.add_row(str(p.start), str(p.end), str(p.days), str(p.rate), str(p.amount))
    view.add_row("", "", "", "total", str(interest))
    state.console.print(view)
    state.console.print(f"Recovery indemnity: {invoice.indemnity}")
    state.console.print(f"Interest + indemnity: {total.rounded()}")
    for basis_text in result.legal_basis:
        state.console.print(f"  {basis_text}")


def register(app: typer.Typer) -> None:
    app.command()(claim)
