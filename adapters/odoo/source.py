"""OdooSource (read side): customers and open customer invoices of one Odoo company.

* Customers are commercial entities (``res.partner`` without a parent): the invoices of a
  contact belong to its ``commercial_partner_id``, which is dunned.
* Open receivables: ``account.move`` of type ``out_invoice``/``out_refund``, posted, with
  ``payment_state`` ``not_paid`` or ``partial`` (``in_payment`` counts as paid), their
  ``amount_residual``; the due date is the earliest unreconciled receivable line's maturity
  (``invoice_date_due`` holds only the last instalment's).
* Incremental by ``write_date`` from the last one seen minus an overlap, the cursor capped
  at the sync's start by the core; a full read brings every open document (the sync closes
  the rest). Amounts arrive as JSON numbers: parsed as Decimal, rounded to the currency.

* Payments: ``account.payment`` of customers, with the part still unmatched (the payment's
  unreconciled receivable lines), which the planner deducts, and what it settled of each
  invoice (its reconciliations: reconcile.py).

Write-back: writeback.py. Webhooks: an automation rule's "Send Webhook Notification" with
a token in its URL, each one a hint to re-read the record named. Not built yet (issue 6
goes on): the Odoo add-on.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

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
    Allocation,
    Civility,
    Contact,
    Customer,
    LegalKind,
    Payment,
    Platform,
    PostalAddress,
    Receivable,
    ReceivableKind,
    ReceivableStatus,
    SourceRef,
)
from connector.money import Money, check_currency
from connector.oauth import Token, TokenVault, load_fernet
from connector.settings import Settings, TenantConfig
from connector.source import (
    Batch,
    Cursor,
    Event,
    EventKind,
    Outcome,
    Resource,
    Subscription,
    WriteReceipt,
)
from connector.store import Store

from .client import POLICY, OdooClient, classify
from .reconcile import payment_allocations
from .writeback import OdooWriter

__all__ = ["WEBHOOK_KEY", "OdooSource"]

WEBHOOK_KEY = "odoo-webhook"  # the vault record holding the automation rule's URL token

log = logging.getLogger(__name__)
OVERLAP = timedelta(minutes=5)
PARTNER_FIELDS = (
    "name", "email", "phone", "street", "street2", "zip", "city", "country_code",
    "lang", "vat", "company_registry", "is_company", "parent_id", "write_date",
)  # fmt: skip
MOBILE_UNTIL = 19  # res.partner.mobile is gone from Odoo 19 on
TITLE_UNTIL = 19  # res.partner.title (Madam, Mister…) is gone from saas~18.1 on (odoo/odoo#187357)
MOVE_FIELDS = (
    "name", "move_type", "state", "payment_state", "invoice_date", "invoice_date_due",
    "amount_total", "amount_residual", "currency_id", "commercial_partner_id", "write_date",
)  # fmt: skip
PAYMENT_FIELDS = ("name", "date", "amount", "currency_id", "partner_id", "reconciled_invoice_ids",
                  "write_date")  # fmt: skip
PAYMENT_DAYS = 400  # the payment history a full read brings
OPEN = [
    ["move_type", "in", ["out_invoice", "out_refund"]],
    ["state", "=", "posted"],
    ["payment_state", "in", ["not_paid", "partial"]],
]


def _ref(tenant: str, kind: str, odoo_id: int) -> SourceRef:
    return SourceRef(platform=Platform.ODOO, tenant=tenant, external_id=f"{kind}:{odoo_id}")


def _id(value: Any) -> int | None:
    """A many2one as Odoo sends it: ``[id, "name"]``, or ``false``."""
    if isinstance(value, list | tuple) and value:
        return int(value[0])
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: Any) -> str:
    return "" if value in (None, False) else str(value).strip()


def _stamp(value: Any) -> datetime | None:
    """Odoo's datetimes are UTC without an offset."""
    text = _text(value)
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError:
        return None


def _odoo_time(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _civility(title: Any) -> Civility | None:
    """Madame or Monsieur from a partner's title (``[id, "Madam"]``); None when not gendered."""
    return Civility.from_title(_text(title[1]) if isinstance(title, list | tuple) else "")


def customer_from_odoo(raw: Mapping[str, Any], tenant: str, country: str) -> Customer:
    label = f"Odoo partner {raw.get('id', '?')}"
    name = _text(raw.get("name"))
    if not name:
        raise DataError(f"{label} has no name", hint="the record is skipped")
    code = _text(raw.get("country_code")).upper() or country
    lines = tuple(x for x in (_text(raw.get("street")), _text(raw.get("street2"))) if x)
    address = (
        PostalAddress(
            lines=lines,
            postal_code=_text(raw.get("zip")),
            city=_text(raw.get("city")),
            country=code,
        )
        if lines or raw.get("city")
        else None
    )
    emails = [e.strip() for e in _text(raw.get("email")).replace(";", ",").split(",") if "@" in e]
    civility = None if raw.get("is_company") else _civility(raw.get("title"))
    contacts = [
        Contact(name=name, civility=civility, email=e, address=address, primary=i == 0)
        for i, e in enumerate(emails)
    ]
    phone = _text(raw.get("phone")) or _text(raw.get("mobile"))
    if phone:
        contacts.append(Contact(name=name, civility=civility, phone=phone, primary=not contacts))
    try:
        return Customer(
            ref=_ref(tenant, "partner", int(raw["id"])),
            name=name,
            legal_kind=LegalKind.B2B if raw.get("is_company") else LegalKind.B2C,
            language=(_text(raw.get("lang")) or "fr_FR").split("_")[0],
            country=code,
            registration_id=_text(raw.get("company_registry")) or _text(raw.get("vat")) or None,
            address=address,
            contacts=tuple(contacts),
        )
    except ValueError as exc:
        raise DataError(f"{label}: {str(exc).splitlines()[0]}") from None


def receivable_from_odoo(raw: Mapping[str, Any], tenant: str, due: Any = None) -> Receivable | None:
    """The receivable, or None for a draft; ``due`` is the earliest open instalment's date."""
    label = f"Odoo invoice {raw.get('id', '?')} ({_text(raw.get('name')) or 'no number'})"
    if raw.get("state") == "draft":
        return None
    partner = _id(raw.get("commercial_partner_id"))
    if partner is None:
        raise DataError(f"{label} has no customer", hint="set one in Odoo")
    try:
        currency = check_currency(_text((raw.get("currency_id") or [0, "EUR"])[1]) or "EUR")
        issued = date.fromisoformat(_text(raw.get("invoice_date")))
        last_due = _text(raw.get("invoice_date_due")) or _text(raw.get("invoice_date"))
        due_on = date.fromisoformat(_text(due) or last_due)
        total = Decimal(str(raw.get("amount_total") or 0))
        residual = Decimal(str(raw.get("amount_residual") or 0))
    except (ValueError, TypeError, IndexError, ArithmeticError) as exc:
        raise DataError(f"{label}: {exc}", hint="the record is skipped") from None
    state, paying = raw.get("state"), raw.get("payment_state")
    if state == "cancel":
        status, residual = ReceivableStatus.CANCELLED, Decimal(0)
    elif paying in ("paid", "in_payment", "reversed") or residual <= 0:
        status, residual = ReceivableStatus.PAID, Decimal(0)
    elif paying == "partial" or residual < total:
        status = ReceivableStatus.PARTIALLY_PAID
    else:
        status = ReceivableStatus.OPEN
    money_total = Money(abs(total), currency).rounded()
    money_open = Money(abs(residual), currency).rounded()
    try:
        return Receivable(
            ref=_ref(tenant, "move", int(raw["id"])),
            customer_ref=_ref(tenant, "partner", partner),
            kind=ReceivableKind.CREDIT_NOTE
            if raw.get("move_type") == "out_refund"
            else ReceivableKind.INVOICE,
            number=_text(raw.get("name")) or str(raw["id"]),
            issued_on=issued,
            due_on=max(due_on, issued),
            currency=currency,
            total=Money(max(money_total.amount, money_open.amount), currency),
            open_balance=money_open,
            status=status,
            updated_at=_stamp(raw.get("write_date")),
        )
    except ValueError as exc:
        raise DataError(f"{label}: {str(exc).splitlines()[0]}") from None


def payment_from_odoo(
    raw: Mapping[str, Any],
    tenant: str,
    unapplied: Decimal | None,
    allocated: Mapping[int, Decimal] | None = None,
) -> Payment:
    """``allocated``: what the payment settled of each invoice (move id -> amount), from
    :func:`adapters.odoo.reconcile.payment_allocations`; without it, no allocations."""
    label = f"Odoo payment {raw.get('id', '?')} ({_text(raw.get('name')) or 'no number'})"
    partner = _id(raw.get("partner_id"))
    if partner is None:
        raise DataError(f"{label} has no customer")
    try:
        currency = check_currency(_text((raw.get("currency_id") or [0, "EUR"])[1]) or "EUR")
        amount = Money(abs(Decimal(str(raw.get("amount") or 0))), currency).rounded()
        left = Money(min(unapplied or Decimal(0), amount.amount), currency).rounded()
        return Payment(
            ref=_ref(tenant, "payment", int(raw["id"])),
            customer_ref=_ref(tenant, "partner", partner),
            received_on=date.fromisoformat(_text(raw.get("date"))),
            amount=amount,
            unapplied=left,
            allocations=tuple(
                Allocation(
                    receivable_ref=_ref(tenant, "move", move),
                    amount=Money(amount, currency).rounded(),
                )
                for move, amount in sorted((allocated or {}).items())
                if Money(amount, currency).rounded().is_positive
            ),
        )
    except (ValueError, TypeError, IndexError, ArithmeticError) as exc:
        raise DataError(f"{label}: {str(exc).splitlines()[0]}") from None


class OdooSource:
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

    # --- pull ---------------------------------------------------------------------------------
    def pull(self, resource: Resource, since: Cursor | None) -> Iterator[Batch]:
        if resource is Resource.PAYMENTS:
            yield self._payments(since)
            return
        started = self.clock.now()
        full = since is None or since.as_of is None
        model = "res.partner" if resource is Resource.CUSTOMERS else "account.move"
        fields: Sequence[str]
        if resource is Resource.CUSTOMERS:
            domain: list[Any] = [["parent_id", "=", False]]
            fields = self._partner_fields()
        else:
            domain = list(OPEN) if full else [OPEN[0]]
            fields = MOVE_FIELDS
            if self.company_id is not None:  # one company of a multi-company database
                domain.append(["company_id", "=", self.company_id])
        as_of = started
        if since is not None and since.as_of is not None:
            domain.append(["write_date", ">=", _odoo_time(since.as_of - OVERLAP)])
            as_of = since.as_of
        rows = list(self.client.search_read(model, domain, fields))
        if not full:  # the newest change seen; the core caps it at the sync's start
            for row in rows:
                seen = _stamp(row.get("write_date"))
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
                unreadable.append(_ref(self.tenant, "partner", int(raw["id"])))
        return Batch(
            Resource.CUSTOMERS,
            customers=customers,
            cursor=cursor,
            complete=full,
            unreadable=unreadable,
            problems=problems,
        )

    def _receivables(self, rows: list[dict[str, Any]], cursor: Cursor, full: bool) -> Batch:
        due = self._first_open_due([int(r["id"]) for r in rows])
        receivables: list[Receivable] = []
        problems: list[str] = []
        unreadable: list[SourceRef] = []
        for raw in rows:
            try:
                item = receivable_from_odoo(raw, self.tenant, due.get(int(raw["id"])))
            except DataError as exc:
                log.warning("skipped: %s", exc.message)
                problems.append(exc.message)
                unreadable.append(_ref(self.tenant, "move", int(raw["id"])))
                continue
            if item is not None:
                receivables.append(item)
        # the commercial partners these documents name that relance has not read yet
        named = {p for r in rows if (p := _id(r.get("commercial_partner_id"))) is not None}
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
        domain: list[Any] = [
            ["partner_type", "=", "customer"],
            ["state", "in", ["posted", "paid", "in_process"]],
        ]
        if self.company_id is not None:
            domain.append(["company_id", "=", self.company_id])
        as_of = started
        if since is not None and since.as_of is not None:
            domain.append(["write_date", ">=", _odoo_time(since.as_of - OVERLAP)])
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
                payment = _id(line.get("payment_id"))
                if payment is not None:
                    left = abs(Decimal(str(line.get("amount_residual") or 0)))
                    unapplied[payment] = unapplied.get(payment, Decimal(0)) + left
        read, problems = {}, []
        for raw in rows:
            seen = _stamp(raw.get("write_date"))
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

    def _first_open_due(self, move_ids: Sequence[int]) -> dict[int, str]:
        """Each move's earliest unreconciled receivable instalment."""
        found: dict[int, str] = {}
        for start in range(0, len(move_ids), 500):
            lines = self.client.search_read(
                "account.move.line",
                [
                    ["move_id", "in", list(move_ids[start : start + 500])],
                    ["account_id.account_type", "=", "asset_receivable"],
                    ["reconciled", "=", False],
                ],
                ["move_id", "date_maturity"],
            )
            for line in lines:
                move, when = _id(line.get("move_id")), _text(line.get("date_maturity"))
                if move is not None and when and (move not in found or when < found[move]):
                    found[move] = when
        return found

    # --- the rest of the protocol ---------------------------------------------------------------
    def open_balance(self, ref: SourceRef) -> Money:
        kind, _, raw = ref.external_id.partition(":")
        if kind != "move" or not raw.isdigit():
            raise DataError(f"{ref.key} is not an Odoo invoice")
        (row,) = self.client.call("account.move", "read", ids=[int(raw)], fields=list(MOVE_FIELDS))
        item = receivable_from_odoo(row, self.tenant)
        if item is None:
            raise DataError(f"Odoo invoice {raw} is a draft again")
        return item.open_balance

    def write_back(self, ref: SourceRef, outcome: Outcome) -> WriteReceipt:
        """A note in the invoice's chatter; a call activity for a phone step."""
        return self.writer.write(ref, outcome)

    # --- webhooks: an automation rule's "Send Webhook Notification" ---------------------------
    def _token(self) -> str | None:
        if self.webhook_token is None:
            self.webhook_token = self._stored_token()
        return self.webhook_token

    def _stored_token(self) -> str | None:
        if self.vault is None:
            return None
        try:
            return self.vault.load(self.tenant, WEBHOOK_KEY).access_token
        except AuthorizationLost:
            return None

    def subscribe(self, url: str) -> Subscription:
        """A token for the automation rule's URL (Odoo signs nothing): kept encrypted."""
        if self.vault is None:
            raise ConfigError("webhooks need the store's token vault", key="store")
        token = secrets.token_urlsafe(24)
        self.vault.save(self.tenant, WEBHOOK_KEY, Token(token, None, None))
        self.webhook_token = token
        joiner = "&" if "?" in url else "?"
        return Subscription(
            id="automation-rule",
            url=f"{url}{joiner}token={token}",
            events=("account.move: on save",),
            enabled=True,
            instructions="in Odoo, create an automation rule on Journal Entry (on save, when "
            "Payment Status or Amount Due changes, filtered to customer invoices and credit "
            "notes) with the action 'Send Webhook Notification' to this address, sending Last "
            "Updated on; keep it private, it carries the token",
        )

    def subscriptions(self) -> list[Subscription]:
        raise Unsupported(
            "Odoo keeps its automation rules to itself",
            hint="see them in Odoo > Settings > Technical > Automation Rules",
        )

    def unsubscribe(self, subscription_id: str) -> None:
        if self.vault is not None:
            self.vault.reconnect_needed(self.tenant, WEBHOOK_KEY, "unsubscribed")
        self.webhook_token = None

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[Event]:
        """The token from the rule's URL (the receiver passes it as X-Relance-Token) first."""
        expected = self._token()
        if expected is None:
            raise Unsupported(
                f"no Odoo webhook token for tenant {self.tenant}",
                hint=f"relance webhooks subscribe --tenant {self.tenant} --url https://…",
            )
        given = next((v for k, v in headers.items() if k.lower() == "x-relance-token"), "")
        if not given or not hmac.compare_digest(given.encode(), expected.encode()):
            fresh = self._stored_token() if given else None  # subscribed again since?
            if fresh is None or not hmac.compare_digest(given.encode(), fresh.encode()):
                raise SourceRejected(
                    "Odoo webhook without the tenant's token", platform="odoo", status=401
                )
            self.webhook_token = fresh
        try:
            payload = json.loads(body)
            model, record_id = str(payload["_model"]), int(payload["_id"])
        except (ValueError, KeyError, TypeError):
            raise DataError(
                "an Odoo webhook body is not an automation rule's notification",
                hint="the rule's action must be 'Send Webhook Notification'",
            ) from None
        kind = {"account.move": "move", "res.partner": "partner"}.get(model)
        if kind is None:
            return []
        stamp = str(payload.get("write_date") or hashlib.sha256(body).hexdigest()[:16])
        return [
            Event(
                f"{model}:{record_id}:{stamp}",
                EventKind.CHANGED,
                (_ref(self.tenant, kind, record_id),),
                self.clock.now(),
            )
        ]

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
            rows = list(self.client.search_read("account.move", [["id", "in", ids]], MOVE_FIELDS))
            gone = [_ref(self.tenant, "move", i) for i in ids if i not in {r["id"] for r in rows}]
            batch = self._receivables(rows, Cursor("", now), False)
            yield replace(batch, cursor=None, deleted=gone)

    def document(self, ref: SourceRef) -> bytes:
        raise Unsupported("Odoo invoice PDFs are not fetched yet")
