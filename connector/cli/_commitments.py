"""What ``relance promise`` and ``relance payment-plan`` share: their options, reading what a
person typed (amounts, invoices), and the ledger their listings show."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

from connector import recording
from connector.cli._context import AppState
from connector.commitments import Standing
from connector.errors import StoreError
from connector.model import Receivable, SourceRef
from connector.recording import covered_balance, new_id, parse_amount

if TYPE_CHECKING:
    from connector.planner import CustomerState
    from connector.store import TenantRecord

__all__ = [
    "AsOf",
    "CurrencyOpt",
    "CustomerArg",
    "CustomerFilter",
    "Invoices",
    "ListedLedger",
    "On",
    "Reason",
    "StandingFilter",
    "Tenant",
    "covered_balance",
    "customer_filter",
    "iso",
    "new_id",
    "open_invoices",
    "parse_amount",
    "standing_text",
    "state_of",
]

Tenant = Annotated[str | None, typer.Option("--tenant")]
On = Annotated[str | None, typer.Option("--on", help="the day it happened (default: today)")]
AsOf = Annotated[str | None, typer.Option("--as-of", help="where they stand on that day")]
Reason = Annotated[str, typer.Option(help="why (kept in the audit trail)")]
CustomerArg = Annotated[str, typer.Argument(help="id or part of the name")]
CustomerFilter = Annotated[
    str | None, typer.Argument(help="only this customer (id or part of the name)")
]
StandingFilter = Annotated[
    Standing | None, typer.Option("--status", help="only those in that state")
]
Invoices = Annotated[
    list[str] | None,
    typer.Option("--invoice", help="invoices it covers (repeat it; default: every open one)"),
]
CurrencyOpt = Annotated[str, typer.Option("--currency", help="ISO 4217 code")]


def state_of(ctx: typer.Context) -> AppState:
    state = ctx.obj
    assert isinstance(state, AppState)
    return state


def open_invoices(
    state: AppState, tenant: str, customer_key: str, numbers: list[str]
) -> list[Receivable]:
    from connector.store.ledger import ref_from_key

    return recording.open_invoices(state.store, tenant, ref_from_key(customer_key), numbers)


class ListedLedger:
    """The customers a listing names, with their open receivables as they stood on the day
    of the listing (``connector.asof``: nothing paid or issued after it), read once."""

    def __init__(
        self, state: AppState, tenant: str, customers: Iterable[SourceRef], day: date
    ) -> None:
        self._state, self._tenant = state, tenant
        self._by_key: dict[str, CustomerState] = {
            s.customer.ref.key: s
            for s in state.store.customer_states(tenant, customer_refs=list(customers), as_of=day)
        }

    def name(self, customer: SourceRef) -> str:
        found = self._by_key.get(customer.key)
        return found.customer.name if found else customer.external_id

    def open(self, customer: SourceRef) -> Sequence[Receivable]:
        found = self._by_key.get(customer.key)
        return found.receivables if found else ()

    def numbers(self, customer: SourceRef, refs: Sequence[SourceRef]) -> list[str]:
        open_numbers = {r.ref.key: r.number for r in self.open(customer)}
        numbers = []
        for ref in refs:
            if ref.key not in open_numbers:  # paid since: read it from the ledger
                try:
                    open_numbers[ref.key] = self._state.store.receivable(self._tenant, ref).number
                except StoreError:
                    open_numbers[ref.key] = ref.external_id
            numbers.append(open_numbers[ref.key])
        return numbers


def customer_filter(
    state: AppState, record: TenantRecord, customer: str | None
) -> SourceRef | None:
    return state.customer(record, customer).ref if customer else None


def iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def standing_text(standing: Standing, since: date | None) -> str:
    return f"{standing} since {since}" if since else standing.value
