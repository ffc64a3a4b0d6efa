"""PennylaneSource: pull customers and customer invoices, full or through the changelogs.

Incremental reads follow the changelog from the last ``processed_at`` seen (minus an
overlap, since entries can land late), fetch the records named, and move the watermark to
the newest entry read; a watermark older than the 4-week retention means a full read.
Payments are not pulled: an invoice's remaining amount already reflects them.
Not built yet (issue 4 goes on): write-back and invoice PDFs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar

import requests

from connector.clock import Clock
from connector.errors import ConfigError, DataError, Unsupported
from connector.http import HttpClient
from connector.model import Customer, Platform, Receivable, SourceRef
from connector.money import Money
from connector.oauth import TokenVault, load_fernet
from connector.settings import Settings, TenantConfig
from connector.source import Batch, Cursor, Event, Outcome, Resource, WriteReceipt
from connector.store import Store

from .client import BASE_URL, POLICY, PennylaneClient, classify
from .mapping import (
    customer_from_wire,
    customer_ref,
    parse_customer,
    parse_invoice,
    receivable_from_wire,
)
from .webhooks import parse_delivery, verify

__all__ = ["PennylaneSource"]

log = logging.getLogger(__name__)
OVERLAP = timedelta(minutes=5)
RETENTION = timedelta(days=27)  # the changelogs keep 4 weeks; keep a day of margin


class _StoredToken(requests.auth.AuthBase):
    """Bearer auth from the tenant's encrypted API token (read at each request)."""

    def __init__(self, vault: TokenVault, tenant: str) -> None:
        self.vault, self.tenant = vault, tenant

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = (
            f"Bearer {self.vault.load(self.tenant, 'pennylane').access_token}"
        )
        return request


class PennylaneSource:
    platform: ClassVar[Platform] = Platform.PENNYLANE

    def __init__(
        self,
        client: PennylaneClient,
        tenant: str,
        clock: Clock,
        *,
        webhook_secret: str | None = None,
    ) -> None:
        self.client, self.tenant, self.clock = client, tenant, clock
        self.webhook_secret = webhook_secret
        self.skipped: list[str] = []  # records that could not be normalized, with why

    @classmethod
    def from_tenant(
        cls,
        config: TenantConfig,
        *,
        clock: Clock,
        store: Store,
        settings: Settings | None = None,
        **_: Any,
    ) -> PennylaneSource:
        if settings is None:
            raise ConfigError("Pennylane needs the settings (for the token key)", key="settings")
        vault = TokenVault(store, load_fernet(settings))
        http = HttpClient(
            POLICY,
            base_url=config.api_url or BASE_URL,
            tenant=config.slug,
            clock=clock,
            auth=_StoredToken(vault, config.slug),
            classify=classify,
        )
        return cls(PennylaneClient(http), config.slug, clock)

    # --- pull ---------------------------------------------------------------------------------
    def pull(self, resource: Resource, since: Cursor | None) -> Iterator[Batch]:
        if resource is Resource.PAYMENTS:
            return
        started = self.clock.now()
        name = "customers" if resource is Resource.CUSTOMERS else "customer_invoices"
        if since is None or since.as_of is None or started - since.as_of > RETENTION:
            raw = (
                self.client.customers()
                if resource is Resource.CUSTOMERS
                else self.client.invoices()
            )
            yield self._batch(resource, list(raw), (), Cursor(started.isoformat(), started), True)
            return
        ids: set[int] = set()
        deleted: list[SourceRef] = []
        watermark = since.as_of
        for change in self.client.changes(name, since.as_of - OVERLAP):
            processed = datetime.fromisoformat(str(change["processed_at"]))
            watermark = max(watermark, processed)
            if change["operation"] == "delete":
                deleted.append(self._ref(resource, int(change["id"])))
            else:
                ids.add(int(change["id"]))
        fetch = self.client.customer if resource is Resource.CUSTOMERS else self.client.invoice
        records = [fetch(i) for i in sorted(ids)]
        yield self._batch(
            resource, records, deleted, Cursor(watermark.isoformat(), watermark), False
        )

    def _ref(self, resource: Resource, pennylane_id: int) -> SourceRef:
        if resource is Resource.CUSTOMERS:
            return customer_ref(self.tenant, pennylane_id)
        return SourceRef(
            platform=Platform.PENNYLANE, tenant=self.tenant, external_id=f"invoice:{pennylane_id}"
        )

    def _batch(
        self,
        resource: Resource,
        records: list[dict[str, Any]],
        deleted: Any,
        cursor: Cursor,
        complete: bool,
    ) -> Batch:
        customers: list[Customer] = []
        receivables: list[Receivable] = []
        for raw in records:
            try:
                if resource is Resource.CUSTOMERS:
                    customers.append(customer_from_wire(parse_customer(raw), self.tenant))
                elif (item := receivable_from_wire(parse_invoice(raw), self.tenant)) is not None:
                    receivables.append(item)
            except DataError as exc:  # one bad record is skipped, counted and reported
                log.warning("skipped: %s", exc.message)
                self.skipped.append(exc.message)
        return Batch(
            resource,
            customers=customers,
            receivables=receivables,
            deleted=tuple(deleted),
            cursor=cursor,
            complete=complete,
        )

    # --- fresh balance ------------------------------------------------------------------------
    def open_balance(self, ref: SourceRef) -> Money:
        kind, _, raw_id = ref.external_id.partition(":")
        if kind != "invoice" or not raw_id.isdigit():
            raise DataError(f"{ref.key} is not a Pennylane invoice reference")
        receivable = receivable_from_wire(
            parse_invoice(self.client.invoice(int(raw_id))), self.tenant
        )
        if receivable is None:
            raise DataError(f"Pennylane invoice {raw_id} is no longer finalized")
        return receivable.open_balance

    # --- not built yet ------------------------------------------------------------------------
    def write_back(self, ref: SourceRef, outcome: Outcome) -> WriteReceipt:
        raise Unsupported(
            "write-back to Pennylane is not available in this version",
            hint="the audit trail (relance history) keeps the record",
        )

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[Event]:
        """Verify the signature, then name the invoices to re-read."""
        if self.webhook_secret is None:
            raise Unsupported(
                "no Pennylane webhook secret for this tenant",
                hint="it is returned once, when the subscription is created",
            )
        verify(headers, body, self.webhook_secret, self.clock.now())
        return parse_delivery(body, self.tenant, self.clock.now())

    def document(self, ref: SourceRef) -> bytes:
        raise Unsupported("Pennylane invoice PDFs are not fetched in this version")
