"""PennylaneSource: pull customers and customer invoices, full or through the changelogs.

Incremental reads follow the changelog from the last ``processed_at`` seen (minus an
overlap, since entries can land late), fetch the records named, and move the watermark to
the newest entry read; a watermark older than the 4-week retention means a full read.
Records named by the changelog are re-read a hundred at a time (the ``id in`` filter);
one that no longer comes back left the ledger. Payments are not pulled: an invoice's
remaining amount already reflects them. Write-back: see writeback.py and README.md.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar

import requests

from connector.clock import Clock
from connector.errors import (
    AuthorizationLost,
    ConfigError,
    DataError,
    SourceRejected,
    Unsupported,
)
from connector.http import HttpClient
from connector.model import (
    Customer,
    Platform,
    Receivable,
    ReceivableKind,
    ReceivableStatus,
    SourceRef,
)
from connector.money import Money
from connector.oauth import BearerAuth, TokenManager, TokenVault, load_fernet
from connector.settings import Settings, TenantConfig
from connector.source import (
    Batch,
    ConnectionInfo,
    Cursor,
    Event,
    Outcome,
    Resource,
    Subscription,
    WriteReceipt,
)
from connector.store import Store

from .amounts import withdrawn
from .client import BASE_URL, POLICY, PennylaneClient, classify
from .mapping import (
    customer_from_wire,
    customer_ref,
    parse_customer,
    parse_invoice,
    payments_from_wire,
    receivable_from_wire,
)
from .oauth import oauth_app
from .subscriptions import WEBHOOK_KEY, WebhookSubscriptions
from .webhooks import parse_delivery, verify
from .writeback import PennylaneWriter, WriteOptions

__all__ = ["WEBHOOK_KEY", "PennylaneSource"]

NEEDED_SCOPES = {
    "customer_invoices:readonly": "reading invoices",
    "customers:readonly": "reading customers",
}
WRITE_SCOPES = {
    "customer_invoices:all": "tagging invoices and attaching letters",
    "customers:all": "the line in the customer's notes",
    "categories:all": "creating the step categories",
}

log = logging.getLogger(__name__)
OVERLAP = timedelta(minutes=5)
FULL_BATCH = 5000  # records per batch of a full read
RETENTION = timedelta(days=27)  # the changelogs keep 4 weeks; keep a day of margin


class _StoredToken(requests.auth.AuthBase):
    """Bearer auth from the tenant's encrypted API token, read once per source (a source
    lives for one cycle or one batch of webhook events, so a new token is seen at the next)."""

    def __init__(self, vault: TokenVault, tenant: str) -> None:
        self.vault, self.tenant = vault, tenant
        self._header: str | None = None

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if self._header is None:
            self._header = f"Bearer {self.vault.load(self.tenant, 'pennylane').access_token}"
        request.headers["Authorization"] = self._header
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
        options: WriteOptions | None = None,
        vault: TokenVault | None = None,
        read_payments: bool = True,
    ) -> None:
        self.client, self.tenant, self.clock = client, tenant, clock
        self.webhook_secret = webhook_secret
        self.vault = vault
        self._secret: str | None = None  # the vault's webhook secret, once read
        self.writer = PennylaneWriter(client, options or WriteOptions())
        self.webhooks = WebhookSubscriptions(client, tenant, vault)
        self.skipped: list[str] = []  # records that could not be normalized, with why
        self.read_payments = read_payments
        # invoices whose matched transactions the payments pull reads, by id
        self._settled: dict[int, Receivable] = {}

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
        # a company API token is used as is; an OAuth connection is refreshed and rotated
        auth: requests.auth.AuthBase = _StoredToken(vault, config.slug)
        if settings.pennylane is not None:
            manager = TokenManager(oauth_app(settings.pennylane), vault, config.slug, clock)
            auth = BearerAuth(manager)
        http = HttpClient(
            POLICY,
            base_url=config.api_url or BASE_URL,
            tenant=config.slug,
            clock=clock,
            auth=auth,
            classify=classify,
        )
        options = WriteOptions(
            category_group=config.pennylane.category_group,
            customer_notes=config.pennylane.customer_notes,
            appendices=config.pennylane.appendices,
            language=config.language,
        )
        return cls(
            PennylaneClient(http),
            config.slug,
            clock,
            options=options,
            vault=vault,
            read_payments=config.pennylane.payments,
        )

    def close(self) -> None:
        """Release the connection pool."""
        self.client.http.close()

    # --- pull ---------------------------------------------------------------------------------
    def pull(self, resource: Resource, since: Cursor | None) -> Iterator[Batch]:
        if resource is Resource.PAYMENTS:
            yield from self._payments()
            return
        started = self.clock.now()
        name = "customers" if resource is Resource.CUSTOMERS else "customer_invoices"
        if since is None or since.as_of is None or started - since.as_of > RETENTION:
            raw = (
                self.client.customers()
                if resource is Resource.CUSTOMERS
                else self.client.invoices()
            )
            cursor = Cursor(started.isoformat(), started)
            chunk: list[dict[str, Any]] = []
            any_batch = False
            for record in raw:  # batches of FULL_BATCH: the sync closes what none held
                chunk.append(record)
                if len(chunk) == FULL_BATCH:
                    yield self._batch(resource, chunk, (), cursor, True)
                    chunk, any_batch = [], True
            if chunk or not any_batch:  # an empty ledger still moves the cursor
                yield self._batch(resource, chunk, (), cursor, True)
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
        fetch = (
            self.client.customers_by_id
            if resource is Resource.CUSTOMERS
            else self.client.invoices_by_id
        )
        records = list(fetch(sorted(ids)))
        gone = ids - {int(r["id"]) for r in records if str(r.get("id", "")).isdigit()}
        deleted.extend(self._ref(resource, i) for i in sorted(gone))
        yield self._batch(
            resource, records, deleted, Cursor(watermark.isoformat(), watermark), False
        )

    def read(self, refs: Sequence[SourceRef]) -> Iterator[Batch]:
        """The invoices (and customers) named, a hundred per request; the gone ones deleted."""
        wanted: dict[str, set[int]] = {"customer": set(), "invoice": set()}
        for ref in refs:
            kind, _, raw = ref.external_id.partition(":")
            if kind in wanted and raw.isdigit():
                wanted[kind].add(int(raw))
        invoices = list(self.client.invoices_by_id(sorted(wanted["invoice"])))
        for raw_invoice in invoices:
            customer = raw_invoice.get("customer") or {}
            if str(customer.get("id", "")).isdigit():
                wanted["customer"].add(int(customer["id"]))
        customers = list(self.client.customers_by_id(sorted(wanted["customer"])))
        found = {int(c["id"]) for c in customers if str(c.get("id", "")).isdigit()}
        yield self._batch(
            Resource.CUSTOMERS,
            customers,
            [self._ref(Resource.CUSTOMERS, i) for i in sorted(wanted["customer"] - found)],
            None,
            False,
        )
        found = {int(i["id"]) for i in invoices if str(i.get("id", "")).isdigit()}
        yield self._batch(
            Resource.RECEIVABLES,
            invoices,
            [self._ref(Resource.RECEIVABLES, i) for i in sorted(wanted["invoice"] - found)],
            None,
            False,
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
        cursor: Cursor | None,
        complete: bool,
    ) -> Batch:
        customers: list[Customer] = []
        receivables: list[Receivable] = []
        unreadable: list[SourceRef] = []
        problems: list[str] = []
        gone = list(deleted)
        for raw in records:
            try:
                if resource is Resource.CUSTOMERS:
                    customers.append(customer_from_wire(parse_customer(raw), self.tenant))
                    continue
                wire = parse_invoice(raw)
                if withdrawn(wire) is not None:  # archived, incomplete: a stored copy closes
                    gone.append(self._ref(resource, wire.id))
                elif (item := receivable_from_wire(wire, self.tenant)) is not None:
                    receivables.append(item)
                    self._note_settlement(item)
            except DataError as exc:  # one bad record is skipped, counted and reported
                log.warning("skipped: %s", exc.message)
                self.skipped.append(exc.message)
                problems.append(exc.message)
                if str(raw.get("id", "")).isdigit():
                    unreadable.append(self._ref(resource, int(raw["id"])))
        return Batch(
            resource,
            customers=customers,
            receivables=receivables,
            deleted=tuple(gone),
            cursor=cursor,
            complete=complete,
            unreadable=unreadable,
            problems=problems,
        )

    # --- payments: the bank transactions matched to invoices --------------------------------
    def _note_settlement(self, item: Receivable) -> None:
        """Partly paid invoices get their payments read: still dunned, their history counts.

        A fully paid invoice is never reminded again; reading its transactions would cost a
        request each (at 5 per second) for nothing the dunning needs.
        """
        if item.status is ReceivableStatus.PARTIALLY_PAID and item.kind is ReceivableKind.INVOICE:
            self._settled[int(item.ref.external_id.partition(":")[2])] = item

    def _payments(self) -> Iterator[Batch]:
        """One request per invoice noted by the receivables pull of this sync."""
        settled, self._settled = self._settled, {}
        if not self.read_payments or not settled:
            return
        matched = {i: self.client.matched_transactions(i) for i in sorted(settled)}
        payments, problems = payments_from_wire(matched, settled, self.tenant)
        for problem in problems:  # each skipped alone: the others are kept
            log.warning("skipped: %s", problem)
        self.skipped.extend(problems)
        now = self.clock.now()
        yield Batch(
            Resource.PAYMENTS,
            payments=payments,
            problems=problems,
            cursor=Cursor(now.isoformat(), now),  # informative: payments follow the invoices
        )

    # --- fresh balance ------------------------------------------------------------------------
    def open_balance(self, ref: SourceRef) -> Money:
        kind, _, raw_id = ref.external_id.partition(":")
        if kind != "invoice" or not raw_id.isdigit():
            raise DataError(f"{ref.key} is not a Pennylane invoice reference")
        wire = parse_invoice(self.client.invoice(int(raw_id)))
        receivable = receivable_from_wire(wire, self.tenant)
        if receivable is None:
            why = withdrawn(wire) or "no longer finalized"
            raise DataError(f"Pennylane invoice {raw_id} is {why}: it is not dunned")
        return receivable.open_balance

    # --- write-back --------------------------------------------------------------------------
    def write_back(self, ref: SourceRef, outcome: Outcome) -> WriteReceipt:
        """The step as a category, the letter as an appendix, a line in the customer's notes."""
        return self.writer.write(ref, outcome)

    # --- webhooks -----------------------------------------------------------------------------
    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[Event]:
        """Verify the signature, then name the invoices to re-read."""
        secret = self.webhook_secret or self._stored_secret(cached=True)
        if secret is None:
            raise Unsupported(
                f"no Pennylane webhook subscription for tenant {self.tenant}",
                hint=f"relance webhooks subscribe --tenant {self.tenant} --url https://…",
            )
        try:
            verify(headers, body, secret, self.clock.now())
        except SourceRejected:
            # the secret in memory may be an old one (subscribed again since): one more look
            fresh = None if self.webhook_secret else self._stored_secret(cached=False)
            if fresh is None or fresh == secret:
                raise
            verify(headers, body, fresh, self.clock.now())
        return parse_delivery(body, self.tenant, self.clock.now())

    def _stored_secret(self, *, cached: bool) -> str | None:
        """The subscription's signing secret from the vault, kept in memory once read (a
        delivery then costs no store read and no decryption)."""
        if cached and self._secret is not None:
            return self._secret
        if self.vault is None:
            return None
        try:
            self._secret = self.vault.load(self.tenant, WEBHOOK_KEY).access_token
        except AuthorizationLost:
            self._secret = None
        return self._secret

    # --- connection check and webhook subscriptions ------------------------------------------
    def check_connection(self) -> ConnectionInfo:
        """The company the token reaches, and the scopes relance would miss."""
        me = self.client.me()
        company = me.get("company") or {}
        scopes = set(me.get("scopes") or [])

        def has(scope: str) -> bool:
            family = scope.split(":")[0]
            return scope in scopes or f"{family}:all" in scopes

        missing = [f"{s} ({why})" for s, why in NEEDED_SCOPES.items() if not has(s)]
        missing += [f"{s} ({why})" for s, why in WRITE_SCOPES.items() if s not in scopes]
        return ConnectionInfo(str(company.get("id", "?")), str(company.get("name", "?")), missing)

    def subscribe(self, url: str) -> Subscription:
        """Subscribe in the form (path, body, events) the company's API answers."""
        return self.webhooks.subscribe(url)

    def subscriptions(self) -> list[Subscription]:
        return self.webhooks.list()

    def unsubscribe(self, subscription_id: str) -> None:
        self.webhooks.unsubscribe(subscription_id)

    # --- the invoice's PDF --------------------------------------------------------------------
    def document(self, ref: SourceRef) -> bytes:
        """The invoice PDF Pennylane generated, through its 30-minute link (read fresh)."""
        kind, _, raw_id = ref.external_id.partition(":")
        if kind != "invoice" or not raw_id.isdigit():
            raise Unsupported(f"{ref.key} has no Pennylane PDF")
        url = self.client.invoice(int(raw_id)).get("public_file_url")
        if not url:
            raise Unsupported(
                f"Pennylane has no PDF for invoice {raw_id} yet",
                hint="Pennylane generates it shortly after finalization",
            )
        return self.client.download(str(url))
