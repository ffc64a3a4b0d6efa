"""relance claim: the law's figures on one late invoice, checkable by hand (the tables it
reads: ``rates_cmds``; how the figures are shown: ``claim_view``)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer

from connector.cli._context import AppState, parse_date, require_date
from connector.cli.claim_view import show_claim
from connector.errors import ConfigError
from connector.legal import ContractTerms, DayCount, InvoiceDebt, RateTables, assess
from connector.legal.regimes import (
    BE_DIRECTIVE_FROM,
    DE_DIRECTIVE_AFTER,
    ES_DIRECTIVE_FROM,
    EU_DIRECTIVE_FROM,
    FR_INDEMNITY_FROM,
    from_notice,
)
from connector.money import Money, check_currency

__all__ = ["register"]

# the day from which the answer depends on when the payment period began (or the contract
# was concluded): the law changed then (see connector.legal.regimes)
_DATE_QUESTION = {
    "FR": FR_INDEMNITY_FROM,
    "ES": ES_DIRECTIVE_FROM,
    "BE": BE_DIRECTIVE_FROM,
    "EU": EU_DIRECTIVE_FROM,
    "DE": DE_DIRECTIVE_AFTER + timedelta(days=1),
}


def _state(ctx: typer.Context) -> AppState:
    state = ctx.obj
    assert isinstance(state, AppState)
    return state


def _amount(text: str, option: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise ConfigError(f"{text!r} is not an amount", key=option, hint="e.g. 1250.00") from None
    if not value.is_finite():
        raise ConfigError(f"{text!r} is not an amount", key=option, hint="e.g. 1250.00")
    return value


def _payment(text: str, currency: str) -> tuple[date, Money]:
    day, sep, amount = text.partition(":")
    if not sep:
        raise ConfigError(
            f"{text!r} is not a payment", key="--payment", hint="DATE:AMOUNT, e.g. 2024-07-01:500"
        )
    paid = _amount(amount, "--payment")
    if paid <= 0:
        raise ConfigError(f"the payment {text!r} is not a positive amount", key="--payment")
    on = require_date(day.strip(), option="--payment")
    return on, Money(paid, currency)


def _currency(given: str | None, jurisdiction: str) -> str:
    """The claim's currency: as given, else the jurisdiction's (GBP in the UK)."""
    if given is None:
        return "GBP" if jurisdiction == "UK" else "EUR"
    try:
        currency = check_currency(given.strip().upper())
    except ValueError as exc:
        raise ConfigError(str(exc), key="--currency", hint="an ISO 4217 code: EUR, GBP…") from None
    if jurisdiction == "UK" and currency != "GBP":
        raise ConfigError(
            f"the Late Payment Act's fixed sums are set in pounds by the size of the debt; "
            f"relance computes UK claims in GBP, not {currency}",
            key="--currency",
            hint="give --currency GBP (or leave it out)",
        )
    return currency


def _period_start(
    jurisdiction: str, b2c: bool, due_on: date, given: date | None, invoiced: date | None
) -> date | None:
    """When the payment period began: as given, else the invoice date. Without either, an
    error only where the answer depends on it (see ``_DATE_QUESTION``)."""
    start = given or invoiced
    if start is not None:
        if start > due_on:
            raise ConfigError(
                f"the payment period cannot begin ({start}) after the due date ({due_on})",
                key="--period-start",
            )
        return start
    changed = _DATE_QUESTION.get(jurisdiction)
    if changed is not None and not b2c and changed <= due_on < changed + timedelta(days=365):
        raise ConfigError(
            f"for an invoice due on {due_on}, the {jurisdiction} rules depend on when the "
            f"payment period began (the law changed on {changed})",
            key="--period-start",
            hint="give --invoiced DATE (or --period-start DATE when it began later)",
        )
    return None


def claim(
    ctx: typer.Context,
    principal: Annotated[str, typer.Option(help="the invoice's amount (before --payment)")],
    due: Annotated[str, typer.Option(help="due date YYYY-MM-DD")],
    as_of: Annotated[str, typer.Option("--as-of", help="compute up to this day (inclusive)")],
    currency: Annotated[
        str | None, typer.Option(help="ISO 4217 code; default: the jurisdiction's (UK: GBP)")
    ] = None,
    jurisdiction: Annotated[str, typer.Option(help="FR, EU, UK, DE, BE or ES")] = "FR",
    b2c: Annotated[bool, typer.Option("--b2c", help="the debtor is a consumer")] = False,
    private_creditor: Annotated[
        bool,
        typer.Option(
            "--private-creditor",
            help="the creditor is a natural person not acting for professional needs (FR: "
            "legal rate for private creditors, from the formal notice)",
        ),
    ] = False,
    notice: Annotated[
        str | None, typer.Option(help="formal notice sent on (FR consumer, private creditor)")
    ] = None,
    notice_received: Annotated[
        str | None,
        typer.Option(help="formal notice received on: interest runs from the day after"),
    ] = None,
    contract_rate: Annotated[
        str | None,
        typer.Option(
            help="late-payment rate of the terms of sale, percent a year (FR: raised to "
            "3 x the legal rate when lower)"
        ),
    ] = None,
    payment: Annotated[
        list[str] | None,
        typer.Option(
            help="a payment received, DATE:AMOUNT; repeat for several (imputed on interest, "
            "then the indemnity, then the principal: Code civil 1343-1)"
        ),
    ] = None,
    invoiced: Annotated[str | None, typer.Option(help="invoice date YYYY-MM-DD")] = None,
    period_start: Annotated[
        str | None,
        typer.Option(help="the payment period began on (default: the invoice date)"),
    ] = None,
    contract_date: Annotated[
        str | None,
        typer.Option(help="contract concluded on (BE, DE, EU; default: the period's start)"),
    ] = None,
    basis: Annotated[DayCount, typer.Option(help="day count")] = DayCount.ACT_365,
    unconfirmed: Annotated[bool, typer.Option(help="accept rates not yet confirmed")] = False,
) -> None:
    """The indemnity and the interest on one late invoice, period by period: each period is
    rounded to the cent and the interest is their sum."""
    state = _state(ctx)
    place = jurisdiction.strip().upper()
    money = _currency(currency, place)
    amount = _amount(principal, "--principal")
    if amount < 0:
        raise ConfigError(
            f"the principal {principal} is negative",
            key="--principal",
            hint="give the invoice's amount; a credit note is not claimed",
        )
    due_on = require_date(due, option="--due")
    day = require_date(as_of, option="--as-of")
    if due_on > day:
        raise ConfigError(
            f"the due date {due_on} is after the as-of date {day}: nothing is late yet",
            key="--due",
        )
    sent = parse_date(notice, option="--notice")
    received = parse_date(notice_received, option="--notice-received")
    if sent is not None and received is not None and received < sent:
        raise ConfigError(
            f"the notice was received ({received}) before it was sent ({sent})",
            key="--notice-received",
        )
    began = _period_start(
        place,
        b2c or private_creditor,
        due_on,
        parse_date(period_start, option="--period-start"),
        parse_date(invoiced, option="--invoiced"),
    )
    rate = None if contract_rate is None else _amount(contract_rate, "--contract-rate")
    if rate is not None and rate < 0:
        raise ConfigError(f"the contract rate {contract_rate} is negative", key="--contract-rate")
    paid = tuple(_payment(p, money) for p in payment or ())
    late = [p for p in paid if p[0] > day]
    if late:
        raise ConfigError(
            f"a payment on {late[0][0]} is after the as-of date {day}", key="--payment"
        )
    debt = InvoiceDebt(
        "invoice",
        Money(amount, money),
        due_on,
        payments=paid,
        period_start=began,
        contract_on=parse_date(contract_date, option="--contract-date"),
    )
    result = assess(
        [debt],
        as_of=day,
        jurisdiction=place,
        b2c=b2c,
        contract=ContractTerms(rate=rate) if rate is not None else None,
        notice_on=sent,
        notice_received_on=received,
        private_creditor=private_creditor,
        tables=RateTables(state.settings.rates_dir),
        day_count=basis,
        allow_unconfirmed=unconfirmed,
    )
    waiting = from_notice(place, b2c, private_creditor) and sent is None and received is None
    show_claim(state, result, debt, waiting_for_notice=waiting)


def register(app: typer.Typer) -> None:
    app.command()(claim)
