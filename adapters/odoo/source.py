"""OdooSource: customers and open customer invoices of one Odoo company.

* Customers are commercial entities (``res.partner`` without a parent): the invoices of a
  contact belong to its ``commercial_partner_id``, which is dunned.
* Open receivables: ``account.move`` of type ``out_invoice``/``out_refund``, posted, with
  ``payment_state`` ``not_paid`` or ``partial`` (``in_payment`` counts as paid), their
  ``amount_residual``; an invoice whose payment terms split it is read with its
  instalments, one per receivable line (``date_maturity``, ``amount_residual_currency``).
* Incremental by ``write_date`` from the last one seen minus an overlap, the cursor capped
  at the sync's start by the core; a full read brings every open document (the sync closes
  the rest). The mapping to the model is ``mapping.py``.
* Payments: ``account.payment`` of customers, with the part still unmatched (the payment's
  unreconciled receivable lines), which the planner deducts, and what it settled of each
  invoice (its reconciliations: reconcile.py).
* **One company**: a letter speaks for one creditor. On a database with several companies
  the tenant must name its ``company_id`` (one relance tenant per company): without it the
  source refuses to read, listing the companies; with it every read is restricted to that
  company (its invoices, payments, and the customers it shares or owns).

Write-back: writeback.py. Webhooks (an automation rule's "Send Webhook Notification" with
a token in its URL, each one a hint to re-read the record named): webhooks.py.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any, ClassVar

from connector.clock import Clock
from connector.errors import (
    ConfigError,
    DataError,
    Unsupported,
)
from connector.http import HttpClient
from connector.model import Platform, Receivable, SourceRef
from connector.money import Money
from connector.oauth import TokenVault, load_fernet
from connector.settings import Settings, TenantConfig
from connector.source import (
    Batch,
    ConnectionInfo,
    Cursor,
    Outcome,
    Resource,
    WriteReceipt,
)
from connector.store import Store

from .client import POLICY, OdooClient, classify
from .mapping import (
    MOBILE_UNTIL,
    MOVE_FIELDS,
    OPEN,
    PARTNER_FIELDS,
    PAYMENT_DAYS,
    PAYMENT_FIELDS,
    RECEIVABLE_LINES,
    TERM_FIELDS,
    TITLE_UNTIL,
    clean_text,
    customer_from_odoo,
    many2one_id,
    odoo_time,
    payment_from_odoo,
    receivable_from_odoo,
    record_ref,
    utc_stamp,
)
from .reconcile import payment_allocations
from .webhooks import WEBHOOK_KEY, OdooWebhooks
from .writeback import OdooWriter

__all__ = ["WEBHOOK_KEY", "OdooSource"]

log = logging.getLogger(__name__)
OVERLAP = timedelta(minutes=5)


class OdooSource(OdooWebhooks):
    platform: ClassVar[Platform] = Platform.ODOO

    def __init__(
        self,
        client: OdooClient,
        tenant: str,
        clock: Clock,
        *,
        country: str = "FR",
        company_id: int | None = None,
        vault: TokenVault | None = None,
        webhook_token: str | None = None,
    ) -> None:
        self.client, self.tenant, self.clock, self.country = client, tenant, clock, country
        self.company_id, self.vault, self.webhook_token = company_id, vault, webhook_token
        self._known: set[int] = set()  # partners read in this process
        self._company_checked = False
        self.writer = OdooWriter(client)

    @classmethod
    def from_tenant(
        cls,
        config: TenantConfig,
        *,
        clock: Clock,
        store: Store,
        settings: Settings | None = None,
        **_: Any,
    ) -> OdooSource:
        if settings is None:
            raise ConfigError("Odoo needs the settings (for the key's encryption)", key="settings")
        if not config.api_url or not config.odoo.database or not config.odoo.login:
            raise ConfigError(
                f"tenant {config.slug} needs api_url, [odoo] database and login",
                key="odoo",
                hint="see adapters/odoo/README.md",
            )
        vault = TokenVault(store, load_fernet(settings))
        key = vault.load(config.slug, "odoo").access_token
        http = HttpClient(
            POLICY, base_url=config.api_url, tenant=config.slug, clock=clock, classify=classify
        )
        client = OdooClient(
            http,
            database=config.odoo.database,
            login=config.odoo.login,
            key=key,
            protocol=config.odoo.protocol,
        )
        return cls(
            client,
            config.slug,
            clock,
            country=config.country,
            company_id=config.odoo.company_id,
            vault=vault,
        )

    def close(self) -> None:
        self.client.http.close()

    # --- one company ----------------------------------------------------------------------------
    def companies(self) -> list[tuple[int, str]]:
        """The companies relance's Odoo user can see: ``(id, name)``."""
        rows = self.client.search_read("res.company", [], ["name"])
        return [(int(row["id"]), clean_text(row.get("name"))) for row in rows]

    def _require_one_company(self) -> None:
        """A letter speaks for one creditor: a database with several companies needs the
        tenant to name its own, or invoices of several creditors would mix in one letter."""
        if self._company_checked:
            return
        found = self.companies()
        listed = ", ".join(f"{cid} ({name})" for cid, name in found)
        if self.company_id is None and len(found) > 1:
            raise ConfigError(
                f"the Odoo database of tenant {self.tenant} has {len(found)} companies: "
                f"{listed}; relance reads one company per tenant",
                key="odoo.company_id",
                hint=f"add company_id = <id> under [odoo] in config/tenants/{self.tenant}.toml "
                "(one tenant per company), then run relance again",
            )
        if self.company_id is not None and self.company_id not in {cid for cid, _ in found}:
            raise ConfigError(
                f"tenant {self.tenant} names Odoo company {self.company_id}, which relance's "
                f"Odoo user does not reach (it reaches {listed or 'none'})",
                key="odoo.company_id",
                hint="set company_id to one of these, or give the user access to the company",
            )
        self._company_checked = True

    def _in_company(self, domain: list[Any], field: str = "company_id") -> list[Any]:
        if self.company_id is None:
            return domain
        return [*domain, [field, "=", self.company_id]]

    def check_connection(self) -> ConnectionInfo:
        """The company the key reaches; refused (with the list) when it reaches several and
        the tenant names none."""
        self._require_one_company()
        found = dict(self.companies())
        company = self.company_id if self.company_id is not None else next(iter(found), 0)
        return ConnectionInfo(str(company), found.get(company, "?"))

    # --- pull ---------------------------------------------------------------------------------
    def pull(self, resource: Resource, since: Cursor | None) -> Iterator[Batch]:
        self._require_one_company()
        if resource is Resource.PAYMENTS:
            yield self._payments(since)
            return
        started = self.clock.now()
        full = since is None or since.as_of is None
        model = "res.partner" if resource is Resource.CUSTOMERS else "account.move"
        fields: Sequence[str]
        if resource is Resource.CUSTOMERS:
            domain: list[Any] = [["parent_id", "=", False]]
            if self.company_id is not None:  # the company's own partners and the shared ones
                domain.append(["company_id", "in", [self.company_id, False]])
            fields = self._partner_fields()
        else:
            domain = self._in_company(list(OPEN) if full else [OPEN[0]])
            fields = MOVE_FIELDS
        as_of = started
        if since is not None and since.as_of is not None:
            domain.append(["write_date", ">=", odoo_time(since.as_of - OVERLAP)])
            as_of = since.as_of
        rows = list(self.client.search_read(model, domain, fields))
        if not full:  # the newest change seen; the core caps it at the sync's start
            for row in rows:
                seen = utc_stamp(row.get("write_date"))
                if seen is not None and seen > as_of:
                    as_of = seen
        cursor = Cursor(as_of.isoformat(), as_of)
        if resource is Resource.CUSTOMERS:
            yield self._customers(rows, cursor, full)
        else:
            yield self._receivables(rows, cursor, full)

    def _partner_fields(self) -> list[str]:
        major = self.client.major
        extra = ["mobile"] if major < MOBILE_UNTIL else []
        if 0 < major < TITLE_UNTIL:  # a saas~18.x server reports no number: left out
            extra.append("title")
        return [*PARTNER_FIELDS, *extra]

    def _customers(self, rows: list[dict[str, Any]], cursor: Cursor, full: bool) -> Batch:
        customers, problems, unreadable = [], [], []
        for raw in rows:
            try:
                customers.append(customer_from_odoo(raw, self.tenant, self.country))
                self._known.add(int(raw["id"]))
            except DataError as exc:
                problems.append(exc.message)
                unreadable.append(record_ref(self.tenant, "partner", int(raw["id"])))
        return Batch(
            Resource.CUSTOMERS,
            customers=customers,
            cursor=cursor,
            complete=full,
            unreadable=unreadable,
            problems=problems,
        )

    def _receivables(self, rows: list[dict[str, Any]], cursor: Cursor, full: bool) -> Batch:
        terms = self._terms([int(r["id"]) for r in rows])
        receivables: list[Receivable] = []
        problems: list[str] = []
        unreadable: list[SourceRef] = []
        for raw in rows:
            try:
                item = receivable_from_odoo(raw, self.tenant, terms.get(int(raw["id"]), ()))
            except DataError as exc:
                log.warning("skipped: %s", exc.message)
                problems.append(exc.message)
                unreadable.append(record_ref(self.tenant, "move", int(raw["id"])))
                continue
            if item is not None:
                receivables.append(item)
        # the commercial partners these documents name that relance has not read yet
        named = {p for r in rows if (p := many2one_id(r.get("commercial_partner_id"))) is not None}
        missing = sorted(named - self._known)
        extra = (
            self._customers(
                self.client.call("res.partner", "read", ids=missing, fields=self._partner_fields()),
                cursor,
                False,
            )
            if missing
            else Batch(Resource.CUSTOMERS)
        )
        return Batch(
            Resource.RECEIVABLES,
            customers=extra.customers,
            receivables=receivables,
            cursor=cursor,
            complete=full,
            unreadable=[*unreadable, *extra.unreadable],
            problems=[*problems, *extra.problems],
        )

    def _payments(self, since: Cursor | None) -> Batch:
        """Customer payments, with the part not yet matched to any invoice."""
        started = self.clock.now()
        domain: list[Any] = self._in_company(
            [["partner_type", "=", "customer"], ["state", "in", ["posted", "paid", "in_process"]]]
        )
        as_of = started
        if since is not None and since.as_of is not None:
            domain.append(["write_date", ">=", odoo_time(since.as_of - OVERLAP)])
            as_of = since.as_of
        else:
            horizon = (started - timedelta(days=PAYMENT_DAYS)).date().isoformat()
            domain.append(["date", ">=", horizon])
        rows = list(self.client.search_read("account.payment", domain, PAYMENT_FIELDS))
        unapplied: dict[int, Decimal] = {}
        ids = [int(r["id"]) for r in rows]
        for start in range(0, len(ids), 500):
            lines = self.client.search_read(
                "account.move.line",
                [
                    ["payment_id", "in", ids[start : start + 500]],
                    ["account_id.account_type", "=", "asset_receivable"],
                    ["reconciled", "=", False],
                ],
                ["payment_id", "amount_residual"],
            )
            for line in lines:
                payment = many2one_id(line.get("payment_id"))
                if payment is not None:
                    left = abs(Decimal(str(line.get("amount_residual") or 0)))
                    unapplied[payment] = unapplied.get(payment, Decimal(0)) + left
        read, problems = {}, []
        for raw in rows:
            seen = utc_stamp(raw.get("write_date"))
            if since is not None and seen is not None and seen > as_of:
                as_of = seen
            try:
                read[int(raw["id"])] = payment_from_odoo(
                    raw, self.tenant, unapplied.get(int(raw["id"]))
                )
            except DataError as exc:
                problems.append(exc.message)
        named = {
            int(r["id"]): [int(i) for i in r.get("reconciled_invoice_ids") or []] for r in rows
        }
        allocated = payment_allocations(
            self.client, self.tenant, {i: (p.applied, named[i]) for i, p in read.items()}
        )
        payments = [
            payment_from_odoo(raw, self.tenant, unapplied.get(i), allocated.get(i))
            for raw in rows
            if (i := int(raw["id"])) in read
        ]
        return Batch(
            Resource.PAYMENTS,
            payments=payments,
            cursor=Cursor(as_of.isoformat(), as_of),
            problems=problems,
        )

    def _terms(self, move_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
        """Each move's receivable lines: one per instalment of its payment terms."""
        found: dict[int, list[dict[str, Any]]] = {}
        for start in range(0, len(move_ids), 500):
            lines = self.client.search_read(
                "account.move.line",
                [["move_id", "in", list(move_ids[start : start + 500])], *RECEIVABLE_LINES],
                TERM_FIELDS,
            )
            for line in lines:
                move = many2one_id(line.get("move_id"))
                if move is not None:
                    found.setdefault(move, []).append(line)
        return found

    # --- the rest of the protocol ---------------------------------------------------------------
    def open_balance(self, ref: SourceRef) -> Money:
        kind, _, raw = ref.external_id.partition(":")
        if kind != "move" or not raw.isdigit():
            raise DataError(f"{ref.key} is not an Odoo invoice")
        (row,) = self.client.call("account.move", "read", ids=[int(raw)], fields=list(MOVE_FIELDS))
        item = receivable_from_odoo(row, self.tenant)  # the whole balance: no terms needed
        if item is None:
            raise DataError(f"Odoo invoice {raw} is a draft again")
        return item.open_balance

    def write_back(self, ref: SourceRef, outcome: Outcome) -> WriteReceipt:
        """A note in the invoice's chatter; a call activity for a phone step."""
        return self.writer.write(ref, outcome)

    def read(self, refs: Sequence[SourceRef]) -> Iterator[Batch]:
        """Re-read the invoices and partners an event names."""
        now = self.clock.now()
        wanted: dict[str, list[int]] = {}
        for item in refs:
            kind, _, raw = item.external_id.partition(":")
            if raw.isdigit():
                wanted.setdefault(kind, []).append(int(raw))
        if wanted.get("partner"):
            rows = self.client.call(
                "res.partner",
                "read",
                ids=sorted(set(wanted["partner"])),
                fields=self._partner_fields(),
            )
            batch = self._customers(rows, Cursor("", now), False)
            yield replace(batch, cursor=None)
        if wanted.get("move"):
            ids = sorted(set(wanted["move"]))  # a move id, unlike a partner id, may be gone
            domain = self._in_company([["id", "in", ids]])  # another company's: not ours
            rows = list(self.client.search_read("account.move", domain, MOVE_FIELDS))
            seen = {r["id"] for r in rows}
            gone = [record_ref(self.tenant, "move", i) for i in ids if i not in seen]
            batch = self._receivables(rows, Cursor("", now), False)
            yield replace(batch, cursor=None, deleted=gone)

    def document(self, ref: SourceRef) -> bytes:
        raise Unsupported("Odoo invoice PDFs are not fetched yet")
