"""QuickBooks rows to a Batch of relance's model, with the customer tree behind them.

The bill-to customer is dunned: a sub-customer (job) billed with its parent has its
documents put on the top of its ``ParentRef`` chain. Customers a document names that relance
has not read yet are read with it (and their parents); an invoice's ``BillEmail`` the
customer record lacks becomes a billing contact. A record that does not parse is reported
with its id and skipped, never taken for gone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from connector.errors import DataError
from connector.model import Customer, Payment, Receivable, SourceRef
from connector.source import Batch, Cursor, Resource

from .client import QuickBooksClient
from .mapping import (
    Directory,
    credit_from_wire,
    customer_from_wire,
    parse,
    payment_from_wire,
    receivable_from_wire,
    ref,
)
from .wire import QCreditMemo, QCustomer, QInvoice, QPayment

__all__ = ["BatchBuilder", "chunks"]

log = logging.getLogger(__name__)


class BatchBuilder:
    def __init__(self, client: QuickBooksClient, tenant: str, directory: Directory) -> None:
        self.client, self.tenant, self.directory = client, tenant, directory

    def learn(self, raw_customers: list[dict[str, Any]], problems: list[str]) -> None:
        for raw in raw_customers:
            try:
                wire = parse(QCustomer, raw, "customer")
            except DataError as exc:
                problems.append(exc.message)
                continue
            self.directory.customers[wire.Id] = wire

    def complete_tree(self, named: set[str], problems: list[str]) -> list[str]:
        """Read the customers (and their parents) documents name but relance lacks."""
        fetched: list[str] = []
        missing = self.directory.missing(named)
        while missing:
            rows = list(self.client.by_ids("Customer", sorted(missing)))
            self.learn(rows, problems)
            fetched.extend(str(r.get("Id")) for r in rows)
            still = self.directory.missing(named | set(fetched)) - set(fetched)
            if still == missing:
                break  # gone from QuickBooks: the documents naming them are reported
            missing = still
        return fetched

    def build(
        self,
        resource: Resource,
        raw: Mapping[str, Iterable[dict[str, Any]]],
        cursor: Cursor,
        *,
        complete: bool,
    ) -> Batch:
        problems: list[str] = []
        unreadable: list[SourceRef] = []
        if resource is Resource.CUSTOMERS:
            rows = list(raw.get("Customer", ()))
            self.learn(rows, problems)
            ids = [str(r.get("Id")) for r in rows]
            customers = self.customers(ids, {}, problems, unreadable)
            return Batch(
                resource,
                customers=customers,
                cursor=cursor,
                complete=complete,
                unreadable=unreadable,
                problems=problems,
            )
        receivables: list[Receivable] = []
        payments: list[Payment] = []
        bill_emails: dict[str, set[str]] = {}
        fetched: list[str] = []
        steps: list[tuple[str, type[Any], Callable[[Any, Directory], Any], str]] = [
            ("Invoice", QInvoice, receivable_from_wire, "invoice"),
            ("CreditMemo", QCreditMemo, credit_from_wire, "credit memo"),
            ("Payment", QPayment, payment_from_wire, "payment"),
        ]
        for entity, model, mapper, what in steps:
            # a page at a time: the JSON of a page is dropped once it is mapped
            for chunk in chunks(raw.get(entity, ()), 1000):
                named = {
                    str((r.get("CustomerRef") or {}).get("value"))
                    for r in chunk
                    if isinstance(r, dict)
                }
                fetched.extend(self.complete_tree(named, problems))
                for row in chunk:
                    try:
                        wire = parse(model, row, what)
                        item = mapper(wire, self.directory)
                    except DataError as exc:
                        log.warning("skipped: %s", exc.message)
                        problems.append(exc.message)
                        if row.get("Id") is not None and entity != "Payment":
                            unreadable.append(ref(self.tenant, entity.lower(), str(row["Id"])))
                        continue
                    if isinstance(item, Payment):
                        payments.append(item)
                        continue
                    if entity == "CreditMemo" and complete and not item.is_open:
                        continue  # a used-up credit memo: nothing to net
                    receivables.append(item)
                    if isinstance(wire, QInvoice) and wire.BillEmail and wire.BillEmail.Address:
                        owner = self.directory.bill_to(wire.CustomerRef.value)
                        address = wire.BillEmail.Address.strip()
                        if not self._has_email(owner, address):
                            bill_emails.setdefault(owner, set()).add(address)
        # customers the store may lack (read just now), and those whose invoices went to an
        # address their record does not have
        owners = {self.directory.bill_to(c) for c in fetched} | set(fetched) | set(bill_emails)
        customers = self.customers(sorted(owners), bill_emails, problems, unreadable)
        return Batch(
            resource,
            customers=customers,
            receivables=receivables,
            payments=payments,
            cursor=cursor,
            complete=complete,
            unreadable=unreadable,
            problems=problems,
        )

    def _has_email(self, customer_id: str, address: str) -> bool:
        wire = self.directory.customers.get(customer_id)
        primary = wire.PrimaryEmailAddr.Address if wire and wire.PrimaryEmailAddr else None
        return address.lower() in (primary or "").lower()

    def customers(
        self,
        ids: Sequence[str],
        bill_emails: Mapping[str, set[str]],
        problems: list[str],
        unreadable: list[SourceRef],
    ) -> list[Customer]:
        customers = []
        for cid in ids:
            wire = self.directory.customers.get(cid)
            if wire is None:
                continue
            try:
                customers.append(
                    customer_from_wire(
                        wire, self.directory, tuple(sorted(bill_emails.get(cid, ())))
                    )
                )
            except (DataError, ValueError) as exc:
                message = f"QuickBooks customer {cid}: {getattr(exc, 'message', exc)}"
                problems.append(message)
                unreadable.append(ref(self.tenant, "customer", cid))
        return customers


def chunks(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
