"""QuickBooksSource: customers, open invoices, credit memos and payments of one company.

* **Full read**: the query endpoint, a thousand rows per request — customers and terms,
  invoices with ``Balance > '0'``, credit memos (kept while credit remains), payments of
  the last ``payments_days``. A full read of receivables is one complete batch: an invoice
  no longer open is closed.
* **Incremental**: the change-data-capture endpoint from the last ``LastUpdatedTime`` seen
  minus an overlap; deleted documents leave the ledger, voided ones come back emptied. A
  watermark older than the 30-day window means a full read, and so does an answer holding
  CDC's 1,000 objects (Intuit documents the cap, but no paging and not which changes an
  answer at the cap leaves out): the query endpoint pages, and a full read closes what it
  no longer finds, deletions included. Open invoices CDC reports are read again with
  ``include=invoiceLink``, the only documented way to get their pay-online link.
* **Bill-to**: documents of a sub-customer billed with its parent go to the top of the
  tree; customers a document names but relance has not read yet are read with it
  (batches.py).
* Write-back, webhooks: writeback.py, webhooks.py. The invoice's PDF comes from
  ``GET /invoice/{id}/pdf``, for letters.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from connector.clock import Clock
from connector.errors import AuthorizationLost, ConfigError, DataError, Unsupported
from connector.http import HttpClient
from connector.model import Platform, SourceRef
from connector.money import Money
from connector.oauth import BearerAuth, TokenManager, TokenVault, load_fernet
from connector.settings import Settings, TenantConfig
from connector.source import (
    Batch,
    Cursor,
    Event,
    Outcome,
    Resource,
    WriteReceipt,
)
from connector.store import Store

from .batches import BatchBuilder, chunks
from .client import BASE_URL, POLICY, SANDBOX_URL, QuickBooksClient, classify
from .mapping import (
    Directory,
    credit_from_wire,
    parse,
    receivable_from_wire,
    ref,
)
from .oauth import oauth_app
from .webhooks import parse_delivery, realms_of, verify
from .wire import QCreditMemo, QInvoice
from .writeback import QuickBooksWriter, WriteOptions

__all__ = ["QuickBooksSource"]

log = logging.getLogger(__name__)
OVERLAP = timedelta(minutes=5)
WINDOW = timedelta(days=29)  # CDC looks back 30 days at most; keep a day of margin
CDC_CAP = 1000
LINK = "invoiceLink"  # InvoiceLink comes only when asked for (Invoice reference, minor v. 36)
FULL_BATCH = 10_000  # records per batch of a full read: memory stays flat however large
ENTITIES = {
    Resource.CUSTOMERS: ("Customer",),
    Resource.RECEIVABLES: ("Invoice", "CreditMemo"),
    Resource.PAYMENTS: ("Payment",),
}


class QuickBooksSource:
    platform: ClassVar[Platform] = Platform.QUICKBOOKS

    def __init__(
        self,
        client: QuickBooksClient,
        tenant: str,
        clock: Clock,
        *,
        directory: Directory | None = None,
        options: WriteOptions | None = None,
        verifier: str | None = None,
        payments_days: int = 400,
    ) -> None:
        self.client, self.tenant, self.clock = client, tenant, clock
        self.realm = client.realm
        self.directory = directory or Directory(tenant)
        self.batches = BatchBuilder(client, tenant, self.directory)
        self.writer = QuickBooksWriter(client, options or WriteOptions())
        self.verifier = verifier
        self.payments_days = payments_days
        self._terms_read = False

    @classmethod
    def from_tenant(
        cls,
        config: TenantConfig,
        *,
        clock: Clock,
        store: Store,
        settings: Settings | None = None,
        **_: Any,
    ) -> QuickBooksSource:
        if settings is None or settings.quickbooks is None:
            raise ConfigError(
                "QuickBooks needs relance's app credentials",
                key="RELANCE_QUICKBOOKS__CLIENT_ID",
                hint="set RELANCE_QUICKBOOKS__CLIENT_ID and RELANCE_QUICKBOOKS__CLIENT_SECRET",
            )
        vault = TokenVault(store, load_fernet(settings))
        realm = vault.load(config.slug, "quickbooks").extra.get("realmId")
        if not realm:
            raise AuthorizationLost(
                f"tenant {config.slug} has no QuickBooks company id (realmId)",
                platform="quickbooks",
                hint=f"relance connect quickbooks --tenant {config.slug}",
            )
        manager = TokenManager(oauth_app(settings.quickbooks), vault, config.slug, clock)
        http = HttpClient(
            POLICY,
            base_url=config.api_url or (SANDBOX_URL if config.quickbooks.sandbox else BASE_URL),
            tenant=config.slug,
            clock=clock,
            auth=BearerAuth(manager),
            classify=classify,
        )
        verifier = settings.quickbooks.webhook_verifier
        return cls(
            QuickBooksClient(http, realm),
            config.slug,
            clock,
            directory=Directory(
                config.slug,
                country=config.country,
                language=config.language,
                home_currency="EUR" if config.country in ("FR", "DE", "BE", "ES") else "USD",
            ),
            options=WriteOptions(
                custom_field=config.quickbooks.custom_field,
                notes=config.quickbooks.notes,
                language=config.language,
            ),
            verifier=verifier.get_secret_value() if verifier else None,
            payments_days=config.quickbooks.payments_days,
        )

    def close(self) -> None:
        """Release the connection pool."""
        self.client.http.close()

    # --- pull ---------------------------------------------------------------------------------
    def pull(self, resource: Resource, since: Cursor | None) -> Iterator[Batch]:
        started = self.clock.now()
        if since is None or since.as_of is None or started - since.as_of > WINDOW:
            yield from self._full(resource, started)
            return
        changes = self._changes(ENTITIES[resource], since.as_of)
        if changes is None:  # CDC's answer was full: what it left out cannot be known
            log.info("QuickBooks reported %s changes or more: full read of %s", CDC_CAP, resource)
            yield from self._full(resource, started)
            return
        changed, watermark = changes
        yield self._delta(resource, changed, Cursor(watermark.isoformat(), watermark))

    def _terms(self) -> None:
        if not self._terms_read:
            for raw in self.client.query_all("Term"):
                if raw.get("DueDays") is not None:
                    self.directory.term_days[str(raw["Id"])] = int(raw["DueDays"])
            self._terms_read = True

    def _full(self, resource: Resource, started: datetime) -> Iterator[Batch]:
        """A full read, in batches of FULL_BATCH records (the sync closes what none held)."""
        cursor = Cursor(started.isoformat(), started)
        if resource is Resource.CUSTOMERS:
            self._terms()
            sources = {"Customer": self.client.query_all("Customer")}
        elif resource is Resource.RECEIVABLES:
            sources = {
                "Invoice": self.client.query_all("Invoice", "Balance > '0'", LINK),
                "CreditMemo": self.client.query_all("CreditMemo"),
            }
        else:
            since = (started - timedelta(days=self.payments_days)).date()
            sources = {"Payment": self.client.query_all("Payment", f"TxnDate >= '{since}'")}
        empty = True
        for entity, rows in sources.items():
            for chunk in chunks(rows, FULL_BATCH):
                empty = False
                yield self.batches.build(resource, {entity: chunk}, cursor, complete=True)
        if empty:  # nothing open: the read still counts, and moves the cursor
            yield self.batches.build(resource, {}, cursor, complete=True)

    def _changes(
        self, entities: Sequence[str], since: datetime
    ) -> tuple[dict[str, list[dict[str, Any]]], datetime] | None:
        """Everything CDC reports since ``since`` (minus the overlap), with the newest change
        time seen; None when the answer holds CDC's 1,000 objects. Intuit documents that cap
        but neither which objects an answer at the cap leaves out nor a way to continue (CDC
        has no paging, and no end to its period): such an answer is not taken as complete."""
        answer = self.client.cdc(entities, since - OVERLAP)
        if sum(len(rows) for rows in answer.values()) >= CDC_CAP:
            return None
        watermark = since
        for rows in answer.values():
            for row in rows:
                stamp = _updated(row)
                if stamp is not None:
                    watermark = max(watermark, stamp)
        return answer, watermark

    def _delta(
        self, resource: Resource, changed: dict[str, list[dict[str, Any]]], cursor: Cursor
    ) -> Batch:
        deleted: list[SourceRef] = []
        live: dict[str, list[dict[str, Any]]] = {}
        for entity, rows in changed.items():
            kind = entity.lower()
            for row in rows:
                if str(row.get("status", "")).lower() == "deleted":
                    deleted.append(ref(self.tenant, kind, str(row.get("Id"))))
                else:
                    live.setdefault(entity, []).append(row)
        if live.get("Invoice"):
            live["Invoice"] = self._with_links(live["Invoice"])
        batch = self.batches.build(resource, live, cursor, complete=False)
        if resource is Resource.PAYMENTS:
            deleted = []  # a deleted payment shows in the balances it changed
        return Batch(
            batch.resource,
            customers=batch.customers,
            receivables=batch.receivables,
            payments=batch.payments,
            deleted=tuple(deleted),
            cursor=cursor,
            complete=False,
            unreadable=batch.unreadable,
            problems=batch.problems,
        )

    def _with_links(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """CDC's invoices, the open ones read again with their pay-online link (CDC is not
        documented to honour ``include=invoiceLink``; the query endpoint is)."""
        open_ids = sorted(
            {str(r.get("Id")) for r in rows if _positive(r.get("Balance")) and r.get("Id")}
        )
        if not open_ids:
            return rows
        fresh = {str(r.get("Id")): r for r in self.client.by_ids("Invoice", open_ids, LINK)}
        return [fresh.get(str(r.get("Id")), r) for r in rows]

    # --- targeted re-read (webhook events) ------------------------------------------------------
    def read(self, refs: Sequence[SourceRef]) -> Iterator[Batch]:
        wanted: dict[str, list[str]] = {}
        for item in refs:
            kind, _, raw_id = item.external_id.partition(":")
            wanted.setdefault(kind, []).append(raw_id)
        now = self.clock.now()
        if wanted.get("customer"):
            rows = list(self.client.by_ids("Customer", sorted(set(wanted["customer"]))))
            yield _without_cursor(
                self.batches.build(
                    Resource.CUSTOMERS, {"Customer": rows}, Cursor("", now), complete=False
                )
            )
        payments: list[dict[str, Any]] = []
        if wanted.get("payment"):  # a payment changes the balances of the invoices it names
            payments = list(self.client.by_ids("Payment", sorted(set(wanted["payment"]))))
            for row in payments:
                for line in row.get("Line") or []:
                    for link in line.get("LinkedTxn") or []:
                        if link.get("TxnType") == "Invoice" and link.get("TxnId"):
                            wanted.setdefault("invoice", []).append(str(link["TxnId"]))
        raw: dict[str, list[dict[str, Any]]] = {}
        for kind, entity in (("invoice", "Invoice"), ("creditmemo", "CreditMemo")):
            if wanted.get(kind):
                include = LINK if entity == "Invoice" else None
                raw[entity] = list(self.client.by_ids(entity, sorted(set(wanted[kind])), include))
        if raw:
            batch = self.batches.build(Resource.RECEIVABLES, raw, Cursor("", now), complete=False)
            found = {r.ref.external_id for r in batch.receivables}
            gone = [
                ref(self.tenant, kind, i)
                for kind in ("invoice", "creditmemo")
                for i in sorted(set(wanted.get(kind, [])))
                if f"{kind}:{i}" not in found and ref(self.tenant, kind, i) not in batch.unreadable
            ]
            yield _without_cursor(batch, deleted=gone)
        if payments:
            yield _without_cursor(
                self.batches.build(
                    Resource.PAYMENTS, {"Payment": payments}, Cursor("", now), complete=False
                )
            )

    # --- fresh balance ------------------------------------------------------------------------
    def open_balance(self, item: SourceRef) -> Money:
        kind, _, raw_id = item.external_id.partition(":")
        if kind not in ("invoice", "creditmemo"):
            raise DataError(f"{item.key} is not a QuickBooks invoice or credit memo")
        entity = "Invoice" if kind == "invoice" else "CreditMemo"
        raw = self.client.read(entity, raw_id)
        named = {str((raw.get("CustomerRef") or {}).get("value"))}
        self.batches.complete_tree(named, [])
        mapped = (
            receivable_from_wire(parse(QInvoice, raw, "invoice"), self.directory)
            if kind == "invoice"
            else credit_from_wire(parse(QCreditMemo, raw, "credit memo"), self.directory)
        )
        return mapped.open_balance

    # --- write-back ---------------------------------------------------------------------------
    def write_back(self, item: SourceRef, outcome: Outcome) -> WriteReceipt:
        return self.writer.write([item], outcome)[item.key]

    def write_back_all(self, outcome: Outcome) -> dict[str, WriteReceipt]:
        """Every invoice of one reminder, in two batch requests."""
        return self.writer.write(list(outcome.receivables), outcome)

    # --- webhooks -----------------------------------------------------------------------------
    def _verify(self, headers: Mapping[str, str], body: bytes) -> None:
        if not self.verifier:
            raise Unsupported(
                "no QuickBooks webhook verifier token",
                hint="set RELANCE_QUICKBOOKS__WEBHOOK_VERIFIER (developer portal > Webhooks)",
            )
        verify(headers, body, self.verifier)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[Event]:
        self._verify(headers, body)
        return parse_delivery(body, self.tenant, self.realm, self.clock.now())

    @property
    def webhook_account(self) -> str:
        """The company this tenant is connected to: /webhooks/quickbooks routes by it."""
        return self.realm

    def webhook_accounts(self, headers: Mapping[str, str], body: bytes) -> set[str]:
        """The companies a delivery to the app's one address names, once it is verified."""
        self._verify(headers, body)
        return realms_of(body)

    def document(self, item: SourceRef) -> bytes:
        """The invoice as QuickBooks prints it, to append to a letter."""
        kind, _, raw_id = item.external_id.partition(":")
        if kind != "invoice" or not raw_id:
            raise Unsupported(f"{item.key} has no QuickBooks PDF")
        return self.client.pdf("Invoice", raw_id)


def _updated(row: Mapping[str, Any]) -> datetime | None:
    raw = (row.get("MetaData") or {}).get("LastUpdatedTime")
    if not raw:
        return None
    try:
        stamp = datetime.fromisoformat(str(raw))
    except ValueError:
        return None
    return stamp if stamp.tzinfo is not None else None


def _positive(value: Any) -> bool:
    try:
        return Decimal(str(value)) > 0
    except (InvalidOperation, ValueError):
        return False


def _without_cursor(batch: Batch, deleted: Sequence[SourceRef] = ()) -> Batch:
    return Batch(
        batch.resource,
        customers=batch.customers,
        receivables=batch.receivables,
        payments=batch.payments,
        deleted=tuple(deleted),
        cursor=None,
        complete=False,
        unreadable=batch.unreadable,
        problems=batch.problems,
    )
