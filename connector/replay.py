"""Replaying a ledger day by day, as if relance had run on each of those days.

The demo's sample ledger is a snapshot of its last day, and its scenario (disputes, promises,
payment plans, pauses) a list of dated records. A replay must let each day see only what
existed on it, and leave an audit trail where everything is dated when it happened:

* :class:`LedgerOnDay` is the source as it stood on the replayed day: documents issued by
  then, open by what had been received by then, and the payments received by then
  (:mod:`connector.asof`). Synced each day, it brings a payment into the store, and into the
  trail, on the day it came.
* :class:`Scenario` records each side state on its own day (a dispute when it is opened, a
  promise when it is made, for what the customer owed that day), never ahead of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import date
from typing import Any, ClassVar

from connector.asof import payments_as_of, receivables_as_of
from connector.errors import Unsupported
from connector.model import (
    Dispute,
    Instalment,
    Pause,
    Payment,
    PaymentPlan,
    Platform,
    Promise,
    Receivable,
    ReceivableKind,
    SourceRef,
)
from connector.money import Money
from connector.source import Batch, Cursor, Event, Outcome, Resource, Source, WriteReceipt
from connector.store import Store

__all__ = ["LedgerOnDay", "Scenario"]


class LedgerOnDay:
    """A file source's snapshot, shown as it stood on ``day`` (move it with :meth:`show`)."""

    platform: ClassVar[Platform] = Platform.FILES

    def __init__(self, source: Source, day: date) -> None:
        self.source = source
        self.day = day
        self._payments: tuple[Payment, ...] | None = None
        self._balances: dict[str, Money] = {}

    def show(self, day: date) -> None:
        self.day = day
        self._balances = {}

    def _all_payments(self) -> tuple[Payment, ...]:
        if self._payments is None:
            self._payments = tuple(
                p for batch in self.source.pull(Resource.PAYMENTS, None) for p in batch.payments
            )
        return self._payments

    def _documents(self, receivables: Iterable[Receivable]) -> tuple[Receivable, ...]:
        return receivables_as_of(receivables, self._all_payments(), self.day)

    def pull(self, resource: Resource, since: Cursor | None) -> Iterator[Batch]:
        for batch in self.source.pull(resource, since):
            documents = self._documents(batch.receivables)
            if resource is Resource.RECEIVABLES:
                self._balances = {r.ref.key: r.open_balance for r in documents}
            yield replace(
                batch, receivables=documents, payments=payments_as_of(batch.payments, self.day)
            )

    def open_balance(self, ref: SourceRef) -> Money:
        if not self._balances:
            for batch in self.source.pull(Resource.RECEIVABLES, None):
                documents = self._documents(batch.receivables)
                self._balances.update((r.ref.key, r.open_balance) for r in documents)
        if ref.key not in self._balances:
            raise Unsupported(f"{ref.external_id} did not exist on {self.day}")
        return self._balances[ref.key]

    def write_back(self, ref: SourceRef, outcome: Outcome) -> WriteReceipt:
        return self.source.write_back(ref, outcome)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[Event]:
        return self.source.parse_webhook(headers, body)

    def document(self, ref: SourceRef) -> bytes:
        return self.source.document(ref)


def _day(text: str) -> date:
    return date.fromisoformat(text)


class Scenario:
    """The demo's side states (``dunning.toml``), each recorded in the store on its day."""

    def __init__(self, store: Store, tenant: str, scenario: Mapping[str, Any]) -> None:
        self.store, self.tenant = store, tenant
        self._due: list[tuple[date, str, int, dict[str, Any]]] = []
        for kind, field in (
            ("dispute", "opened_on"),
            ("promise", "recorded_on"),
            ("plan", "agreed_on"),
            ("pause", "since"),
        ):
            for n, item in enumerate(scenario.get(kind, []), start=1):
                self._due.append((_day(item[field]), kind, n, item))
        self._due.sort(key=lambda entry: entry[0])

    def record_until(self, day: date) -> None:
        """Record everything dated on or before ``day`` not recorded yet, oldest first."""
        while self._due and self._due[0][0] <= day:
            _, kind, n, item = self._due.pop(0)
            getattr(self, f"_{kind}")(n, item)

    def _ref(self, external_id: str) -> SourceRef:
        return SourceRef(platform=Platform.FILES, tenant=self.tenant, external_id=external_id)

    def _dispute(self, n: int, item: dict[str, Any]) -> None:
        invoice = self.store.find_receivable(self.tenant, item["invoice"])
        self.store.add_dispute(
            self.tenant,
            Dispute(
                id=f"demo-dispute-{n}",
                receivable_ref=invoice.ref,
                opened_on=_day(item["opened_on"]),
                reason=item["reason"],
            ),
        )

    def _promise(self, n: int, item: dict[str, Any]) -> None:
        """For what the customer owes today: the invoices named, else every open one."""
        customer, currency = self._ref(item["customer"]), item["currency"]
        if item["invoices"]:
            covered = [self.store.find_receivable(self.tenant, x) for x in item["invoices"]]
        else:
            covered = [
                r
                for r in self.store.open_receivables(self.tenant)
                if r.customer_ref == customer and r.kind is ReceivableKind.INVOICE
            ]
        balance = sum(
            (r.open_balance for r in covered if r.currency == currency), Money.zero(currency)
        )
        self.store.add_promise(
            self.tenant,
            Promise(
                id=f"demo-promise-{n}",
                customer_ref=customer,
                promised_on=_day(item["promised_on"]),
                recorded_on=_day(item["recorded_on"]),
                amount=Money.of(item["amount"], currency),
                balance_at_promise=balance,
                receivable_refs=tuple(r.ref for r in covered if item["invoices"]),
                note=item["note"],
            ),
        )

    def _plan(self, n: int, item: dict[str, Any]) -> None:
        covered = [self.store.find_receivable(self.tenant, x) for x in item["invoices"]]
        currency = covered[0].currency
        instalments = tuple(
            Instalment(due_on=_day(i["due_on"]), amount=Money.of(i["amount"], currency))
            for i in item["instalments"]
        )
        self.store.add_plan(
            self.tenant,
            PaymentPlan(
                id=f"demo-plan-{n}",
                customer_ref=self._ref(item["customer"]),
                agreed_on=_day(item["agreed_on"]),
                receivable_refs=tuple(r.ref for r in covered),
                instalments=instalments,
                balance_at_plan=sum((i.amount for i in instalments), Money.zero(currency)),
            ),
        )

    def _pause(self, n: int, item: dict[str, Any]) -> None:
        until = item.get("until")
        self.store.pause(
            self.tenant,
            self._ref(item["customer"]),
            Pause(
                since=_day(item["since"]),
                until=_day(until) if until else None,
                reason=item["reason"],
            ),
        )
