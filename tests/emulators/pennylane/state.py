"""What one emulated Pennylane company holds, and how a test scripts it.

Records are stored as a test or the seed gives them (see records.py for the shape they are
served in); every change lands in the changelog, as Pennylane's does. Webhook subscriptions
follow the API version the company is configured with (subscriptions.py); deliveries are
signed as platform-apis.md §1.6 reads Pennylane's guide, and their answers are judged by
Pennylane's failures lifecycle (pennylane.readme.io/docs/failures-lifecycle).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from connector.clock import Clock
from tests.secrets_watch import watch

from .records import check_fields
from .subscriptions import API_2026_04, API_LATER, EVENTS, INVOICE_EVENT

__all__ = [
    "ACCESS_LIFE",
    "ALL_SCOPES",
    "API_2026_04",
    "API_LATER",
    "Change",
    "Consent",
    "Exchange",
    "Fault",
    "Grant",
    "PennylaneState",
]

ACCESS_LIFE, REFRESH_LIFE = timedelta(hours=24), timedelta(days=90)
CODE_LIFE = timedelta(minutes=10)  # RFC 6749 §4.1.2: a code lives ten minutes at most
ALL_SCOPES = frozenset(
    {"customer_invoices:all", "customers:all", "categories:all", "transactions:readonly"}
)
PERMANENT = frozenset({401, 403, 404, 410})  # answers that disable a subscription at once
REPEATED = 8  # consecutive failures the emulator takes for "a sustained period"


@dataclass
class Change:
    id: int
    operation: str
    processed_at: datetime


@dataclass
class Grant:
    """What a bearer token may do and until when (None: a company token, until revoked)."""

    scopes: frozenset[str]
    expires_at: datetime | None = None
    refresh_token: str | None = None  # the refresh token issued with it (OAuth pairs)


@dataclass
class Fault:
    """An answer forced on the next matching request(s), for tests of what goes wrong."""

    method: str
    path: str  # a prefix of the path after /api/external/v2
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    times: int = 1


@dataclass(frozen=True)
class Exchange:
    """One request the emulator answered and its answer, byte for byte."""

    method: str
    path: str  # as requested, /api/external/v2 included
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    status: int
    response_type: str
    response: bytes


@dataclass(frozen=True, slots=True)
class Consent:
    """A code the consent page handed out: for one client, one redirect URI, ten minutes."""

    scopes: frozenset[str]
    client_id: str
    redirect_uri: str
    expires: datetime


@dataclass
class PennylaneState:
    clock: Clock
    tokens: dict[str, Grant] = field(default_factory=lambda: {"plt_test_token": Grant(ALL_SCOPES)})
    clients: dict[str, str] = field(default_factory=lambda: {"relance-app": "app-secret"})
    refresh_tokens: dict[str, tuple[str, frozenset[str], datetime]] = field(default_factory=dict)
    codes: dict[str, Consent] = field(default_factory=dict)
    # what the person at the consent page does: "grant", or "deny" (back with access_denied)
    consent: str = "grant"
    customers: dict[int, dict[str, Any]] = field(default_factory=dict)
    invoices: dict[int, dict[str, Any]] = field(default_factory=dict)
    changes: dict[str, list[Change]] = field(
        default_factory=lambda: {"customers": [], "customer_invoices": []}
    )
    category_groups: dict[int, dict[str, Any]] = field(default_factory=dict)
    categories: dict[int, dict[str, Any]] = field(default_factory=dict)
    invoice_categories: dict[int, list[tuple[int, str]]] = field(default_factory=dict)
    appendices: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    matched: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # invoice -> txs
    files: dict[int, bytes] = field(default_factory=dict)
    # the webhook subscription API this company's Pennylane answers (subscriptions.py)
    webhook_api: str = API_2026_04
    subscriptions: dict[int, dict[str, Any]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)
    queries: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    exchanges: list[Exchange] | None = None  # a list: every exchange is recorded in it
    throttled: int = 0
    accepted: list[datetime] = field(default_factory=list)  # when each counted call landed
    file_auth: list[str] = field(default_factory=list)  # Authorization sent for file links
    hits: dict[str, list[datetime]] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(900_001))

    # --- seeding and scripting (test side) ----------------------------------------------------
    def __post_init__(self) -> None:
        watch(*self.tokens, *self.clients.values())
        if self.webhook_api not in EVENTS:
            raise ValueError(f"webhook_api is one of {sorted(EVENTS)}, not {self.webhook_api!r}")

    def put(self, resource: str, record: dict[str, Any], operation: str = "update") -> None:
        check_fields(resource, record)
        with self.lock:
            table = self.customers if resource == "customers" else self.invoices
            table[record["id"]] = record
            self.changes[resource].append(Change(record["id"], operation, self.clock.now()))

    def delete(self, resource: str, record_id: int) -> None:
        with self.lock:
            table = self.customers if resource == "customers" else self.invoices
            del table[record_id]
            self.changes[resource].append(Change(record_id, "delete", self.clock.now()))

    def add_group(self, label: str) -> int:
        """A category group, as a person creates it in Pennylane's screens."""
        with self.lock:
            group_id = next(self.ids)
            now = self.clock.now().isoformat()
            self.category_groups[group_id] = {
                "id": group_id,
                "label": label,
                "categories": {"url": f"/category_groups/{group_id}/categories"},
                "created_at": now,
                "updated_at": now,
            }
            return group_id

    def add_category(self, label: str, group_id: int) -> int:
        with self.lock:
            category_id = next(self.ids)
            now = self.clock.now().isoformat()
            self.categories[category_id] = {
                "id": category_id,
                "label": label,
                "direction": None,
                "category_group": {"id": group_id},
                "analytical_code": None,
                "created_at": now,
                "updated_at": now,
            }
            return category_id

    def authorize(self, scopes: frozenset[str], client_id: str, redirect_uri: str) -> str:
        """A code, as the consent screen returns it to the redirect URI."""
        code = secrets.token_urlsafe(12)
        with self.lock:
            expires = self.clock.now() + CODE_LIFE
            self.codes[code] = Consent(scopes, client_id, redirect_uri, expires)
        return code

    def redeem(self, code: str, client_id: str, redirect_uri: str) -> frozenset[str] | None:
        """The scopes a code grants, once (RFC 6749 §4.1.3): the same client, the same
        redirect URI as the consent, within its ten minutes; otherwise nothing (and the
        code is spent all the same)."""
        with self.lock:
            consent = self.codes.pop(code, None)
        if consent is None or consent.expires <= self.clock.now():
            return None
        if (consent.client_id, consent.redirect_uri) != (client_id, redirect_uri):
            return None
        return consent.scopes

    def issue_pair(self, scopes: frozenset[str] = ALL_SCOPES) -> dict[str, Any]:
        """A fresh OAuth access + refresh pair, as the token endpoint hands it out."""
        with self.lock:
            access, refresh = f"plo_{secrets.token_urlsafe(16)}", f"plr_{secrets.token_urlsafe(16)}"
            watch(access, refresh)
            now = self.clock.now()
            self.tokens[access] = Grant(scopes, now + ACCESS_LIFE, refresh)
            self.refresh_tokens[refresh] = (access, scopes, now + REFRESH_LIFE)
            return {
                "access_token": access,
                "refresh_token": refresh,
                "token_type": "Bearer",
                "expires_in": int(ACCESS_LIFE.total_seconds()),
                "scope": " ".join(sorted(scopes)),
                "created_at": int(now.timestamp()),
            }

    def revoke(self, token: str) -> None:
        """Revoked in Pennylane's screens or through /oauth/revoke: the pair dies."""
        with self.lock:
            grant = self.tokens.pop(token, None)
            if grant is not None and grant.refresh_token:
                self.refresh_tokens.pop(grant.refresh_token, None)
            paired = self.refresh_tokens.pop(token, None)
            if paired is not None:
                self.tokens.pop(paired[0], None)

    def match(
        self,
        invoice_id: int,
        on: str,
        amount: str,
        currency: str | None = "EUR",
        *,
        in_euros: str | None = None,
    ) -> int:
        """A bank transaction matched to the invoice, as a bookkeeper reconciles it:
        ``amount`` in the transaction's ``currency`` (None: Pennylane does not know it, as
        the spec allows), ``in_euros`` the same amount in euros (``amount`` when omitted)."""
        with self.lock:
            tx_id = next(self.ids)
            stamp = self.clock.now().isoformat()
            invoice = self.invoices[invoice_id]
            self.matched.setdefault(invoice_id, []).append(
                {
                    "id": tx_id,
                    "label": f"VIR SEPA {invoice.get('invoice_number') or invoice_id}",
                    "date": on,
                    "outstanding_balance": "0.00",
                    "currency": currency,
                    "currency_amount": amount,
                    "amount": in_euros or amount,
                    "customer": invoice.get("customer"),
                    "created_at": stamp,
                    "updated_at": stamp,
                }
            )
            return tx_id

    def set_e_invoicing(
        self, invoice_id: int, status: str, reason: str | None = None
    ) -> list[tuple[dict[str, str], bytes]]:
        """The approved platform (PA) reports a new e-invoicing status on the invoice: it
        is updated (a changelog entry) and, where the API version has the event, each
        subscription to it gets a signed delivery (returned, for the test to post)."""
        with self.lock:
            before = self.invoices[invoice_id]
            previous = before.get("e_invoicing")
            now = self.clock.now().isoformat()
            block = {"status": status, "reason": reason}
            self.put("customer_invoices", {**before, "e_invoicing": block, "updated_at": now})
            obj = {"id": invoice_id, "e_invoicing": block}
            return [
                self.signed_delivery(sub_id, INVOICE_EVENT, obj, previous={"e_invoicing": previous})
                for sub_id, sub in sorted(self.subscriptions.items())
                if INVOICE_EVENT in sub.get("events", ()) and sub.get("enabled", True)
            ]

    def inject(self, fault: Fault) -> None:
        with self.lock:
            self.faults.append(fault)

    def signed_delivery(
        self,
        subscription_id: int,
        event: str,
        obj: dict[str, Any],
        *,
        delivery_id: str = "",
        previous: dict[str, Any] | None = None,
    ) -> tuple[dict[str, str], bytes]:
        """Headers and body of a webhook delivery, signed as Pennylane signs them."""
        sub = self.subscriptions[subscription_id]
        now = int(self.clock.now().timestamp())
        data: dict[str, Any] = {"context": {"company_id": 1, "firm_id": None}, "object": obj}
        if previous is not None:
            data["previous_attributes"] = previous
        body = json.dumps(
            {
                "id": delivery_id or f"evt_{secrets.token_hex(8)}",
                "event": event,
                "retry_count": 0,
                "created": now,
                "data": data,
            }
        ).encode()
        mac = hmac.new(sub["secret"].encode(), f"{now}.".encode() + body, hashlib.sha256)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Pennylane-Webhooks",
            "X-Pennylane-Signature": f"t={now},v1={mac.hexdigest()}",
        }
        return headers, body

    def delivered(self, subscription_id: int, status: int) -> None:
        """Judge the answer to a delivery as Pennylane's failures lifecycle does: 401, 403,
        404 and 410 disable the subscription at once (``permanent_error``); any other
        non-2xx is retried and counted, and a long run of them disables it
        (``repeated_failure``); a 2xx resets the count."""
        with self.lock:
            sub = self.subscriptions[subscription_id]
            now = self.clock.now().isoformat()
            if 200 <= status < 300:
                sub["consecutive_failures"] = 0
                return
            sub.update(
                last_failure_status=status,
                last_failure_at=now,
                consecutive_failures=sub.get("consecutive_failures", 0) + 1,
            )
            if status in PERMANENT or sub["consecutive_failures"] >= REPEATED:
                reason = "permanent_error" if status in PERMANENT else "repeated_failure"
                sub.update(enabled=False, disabled_at=now, disabled_reason=reason)

    def requests_to(self, method: str, prefix: str) -> int:
        return sum(1 for m, p in self.calls if m == method and p.startswith(prefix))
