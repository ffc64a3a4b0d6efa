"""A stateful Pennylane Company API v2 emulator on loopback, after platform-apis.md §1.

What it does as the documentation says Pennylane does:

* Auth: company tokens with scopes (403 naming the missing scope) and OAuth2 — an
  authorization-code grant and a refresh grant at ``/oauth/token`` (``/oauth/oauth/token``
  too) that rotates: each refresh returns a new pair and kills *both* old tokens; access
  tokens live 24 h; ``/oauth/revoke``; ``invalid_grant``/``invalid_client`` errors.
* Reads: ``/me``; ``/customers`` and ``/customer_invoices`` with cursor paging (limit 1-100,
  400 above) and the ``filter`` grammar (``id`` eq/in/gt…, ``draft``, ``credit_note``,
  ``customer_id``); single records; ``/changelogs/*`` (``start_date`` xor ``cursor``,
  4-week retention → 422); ``public_file_url`` links that expire after 30 minutes.
* Writes: invoice categories (PUT replaces all; weights per group must sum to 1; drafts
  refused), categories and groups (groups cannot be created), invoice appendices
  (multipart, allowed types only), customer ``notes`` through the typed
  ``/company_customers`` and ``/individual_customers`` (the field is replaced), and
  ``/webhook_subscriptions`` (plural form, at most 10, secret returned once).
* Limits: 25 requests per sliding 5 s per token, ``ratelimit-*`` headers, 429 with
  ``retry-after`` and the plain-text body; error bodies as §1.7 shows them.
* Faults on demand (:meth:`PennylaneState.inject`) for what a test must survive.

Time comes from the clock the test shares with the client, so no test sleeps.
"""

from __future__ import annotations

import email.parser
import email.policy
import hashlib
import hmac
import itertools
import json
import math
import operator
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from connector.clock import Clock
from tests.secrets_watch import watch

__all__ = [
    "ALL_SCOPES",
    "Fault",
    "Grant",
    "PennylaneEmulator",
    "PennylaneState",
]

WINDOW, LIMIT = timedelta(seconds=5), 25
ACCESS_LIFE, REFRESH_LIFE = timedelta(hours=24), timedelta(days=90)
FILE_LIFE = timedelta(minutes=30)
ALL_SCOPES = frozenset(
    {"customer_invoices:all", "customers:all", "categories:all", "transactions:readonly"}
)
APPENDIX_TYPES = {
    "image/png",
    "image/jpeg",
    "image/tiff",
    "image/bmp",
    "image/gif",
    "application/pdf",
}
EVENTS = {
    "customer_invoice.e_invoicing_status_updated",
    "dms_file.created",
    "supplier_invoice.e_invoicing_received",
    "customer_invoice.created",
}


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


@dataclass
class PennylaneState:
    clock: Clock
    tokens: dict[str, Grant] = field(default_factory=lambda: {"plt_test_token": Grant(ALL_SCOPES)})
    clients: dict[str, str] = field(default_factory=lambda: {"relance-app": "app-secret"})
    refresh_tokens: dict[str, tuple[str, frozenset[str], datetime]] = field(default_factory=dict)
    codes: dict[str, frozenset[str]] = field(default_factory=dict)
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
    subscriptions: dict[int, dict[str, Any]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)
    queries: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    throttled: int = 0
    accepted: list[datetime] = field(default_factory=list)  # when each counted call landed
    file_auth: list[str] = field(default_factory=list)  # Authorization sent for file links
    hits: dict[str, list[datetime]] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(900_001))

    # --- seeding and scripting (test side) ----------------------------------------------------
    def __post_init__(self) -> None:
        watch(*self.tokens, *self.clients.values())

    def put(self, resource: str, record: dict[str, Any], operation: str = "update") -> None:
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

    def authorize(self, scopes: frozenset[str] = ALL_SCOPES) -> str:
        """A code, as the consent screen returns it to the redirect URI."""
        code = secrets.token_urlsafe(12)
        self.codes[code] = scopes
        return code

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

    def match(self, invoice_id: int, on: str, amount: str, currency: str = "EUR") -> int:
        """A bank transaction matched to the invoice, as a bookkeeper reconciles it."""
        with self.lock:
            tx_id = next(self.ids)
            stamp = self.clock.now().isoformat()
            invoice = self.invoices[invoice_id]
            self.matched.setdefault(invoice_id, []).append(
                {
                    "id": tx_id,
                    "label": f"VIR SEPA {invoice.get('invoice_number') or invoice_id}",
                    "attachment_required": False,
                    "date": on,
                    "outstanding_balance": "0.00",
                    "currency": currency,
                    "currency_amount": amount,
                    "amount": amount,
                    "currency_fee": "0.00",
                    "fee": "0.00",
                    "customer": invoice.get("customer"),
                    "categories": [],
                    "created_at": stamp,
                    "updated_at": stamp,
                    "archived_at": None,
                }
            )
            return tx_id

    def inject(self, fault: Fault) -> None:
        with self.lock:
            self.faults.append(fault)

    def signed_delivery(
        self, subscription_id: int, event: str, obj: dict[str, Any], *, delivery_id: str = ""
    ) -> tuple[dict[str, str], bytes]:
        """Headers and body of a webhook delivery, signed as Pennylane signs them."""
        sub = self.subscriptions[subscription_id]
        now = int(self.clock.now().timestamp())
        body = json.dumps(
            {
                "id": delivery_id or f"evt_{secrets.token_hex(8)}",
                "event": event,
                "retry_count": 0,
                "created": now,
                "data": {"context": {"company_id": 1, "firm_id": None}, "object": obj},
            }
        ).encode()
        mac = hmac.new(sub["secret"].encode(), f"{now}.".encode() + body, hashlib.sha256)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Pennylane-Webhooks",
            "X-Pennylane-Signature": f"t={now},v1={mac.hexdigest()}",
        }
        return headers, body

    def requests_to(self, method: str, prefix: str) -> int:
        return sum(1 for m, p in self.calls if m == method and p.startswith(prefix))


class PennylaneEmulator(ThreadingHTTPServer):
    """Serves ``state`` at the bare paths and each of ``companies`` (several Pennylane
    companies, one state each) under ``/companies/<name>``, e.g. for a fan-out benchmark."""

    daemon_threads = True

    def __init__(
        self, state: PennylaneState, companies: Mapping[str, PennylaneState] | None = None
    ) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state
        self.companies = dict(companies or {})

    def resolve(self, path: str) -> tuple[PennylaneState, str, str] | None:
        """The state a request path addresses, its origin, and the path inside it."""
        if not path.startswith("/companies/"):
            return self.state, self.origin, path
        name, _, rest = path.removeprefix("/companies/").partition("/")
        state = self.companies.get(name)
        if state is None:
            return None
        return state, self.company_origin(name), "/" + rest

    def company_origin(self, name: str) -> str:
        return f"{self.origin}/companies/{name}"

    def start(self) -> PennylaneEmulator:
        """Serve in a background thread (a short poll, so that shutdown is quick)."""
        threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    @property
    def base_url(self) -> str:
        return f"{self.origin}/api/external/v2"

    @property
    def token_url(self) -> str:
        return f"{self.origin}/oauth/token"


class _Reply(Exception):
    def __init__(self, status: int, body: Any) -> None:
        self.status, self.body = status, body


def _error(status: int, message: str) -> _Reply:
    return _Reply(status, {"error": message, "status": status})


def _page(items: list[Any], query: dict[str, str], cap: int = 100) -> dict[str, Any]:
    limit = _limit(query, cap)
    raw = query.get("cursor") or "0"
    if not raw.isdigit():
        raise _Reply(400, {"message": "Invalid cursor", "code": "InvalidPattern"})
    start = int(raw)
    chunk = items[start : start + limit]
    more = start + limit < len(items)
    return {"items": chunk, "has_more": more, "next_cursor": str(start + limit) if more else None}


def _limit(query: dict[str, str], cap: int) -> int:
    raw = query.get("limit", "20")
    if not raw.isdigit() or not 1 <= int(raw) <= cap:
        raise _Reply(
            400, {"message": f"limit must be between 1 and {cap}", "code": "MoreThanMaximum"}
        )
    return int(raw)


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "not_eq": operator.ne,
    "lt": operator.lt,
    "lteq": operator.le,
    "gt": operator.gt,
    "gteq": operator.ge,
    "in": lambda a, b: a in b,
    "not_in": lambda a, b: a not in b,
}


def _filtered(items: list[dict[str, Any]], raw: str | None, fields: set[str]) -> list[Any]:
    if not raw:
        return items
    try:
        rules = json.loads(raw)
        assert isinstance(rules, list)
    except (ValueError, AssertionError):
        raise _Reply(
            400, {"message": "filter must be a JSON array", "code": "ValidateError"}
        ) from None
    for rule in rules:
        name, op, value = rule.get("field"), rule.get("operator"), rule.get("value")
        if name not in fields or op not in _OPS:
            raise _Reply(
                400,
                {
                    "message": f"unsupported filter {name} {op}",
                    "field": name,
                    "code": "NotEnumInclude",
                },
            )
        if op in ("in", "not_in"):
            if not isinstance(value, list):
                raise _Reply(400, {"message": f"The filter's value ({name}) should be an array"})
            wanted: Any = {str(v) for v in value}
        elif isinstance(value, dict | list):
            raise _Reply(
                400,
                {
                    "message": f"The filter's value ({name}) should be a string, "
                    "but we received a hash"
                },
            )
        else:
            wanted = str(value).lower()

        def key(item: dict[str, Any], name: str = name) -> Any:
            if name == "customer_id":
                return str((item.get("customer") or {}).get("id"))
            got = item.get(name)
            return str(got).lower() if isinstance(got, bool) else str(got)

        if op in ("lt", "lteq", "gt", "gteq"):
            items = [i for i in items if _OPS[op](int(key(i)), int(str(value)))]
        else:
            items = [i for i in items if _OPS[op](key(i), wanted)]
    return items


def _scope_family(path: str) -> str | None:
    for prefix, family in (
        ("/changelogs/customer_invoices", "customer_invoices"),
        ("/changelogs/customers", "customers"),
        ("/customer_invoices", "customer_invoices"),
        ("/customers", "customers"),
        ("/company_customers", "customers"),
        ("/individual_customers", "customers"),
        ("/categories", "categories"),
        ("/category_groups", "categories"),
    ):
        if path.startswith(prefix):
            return family
    return None


class _Handler(BaseHTTPRequestHandler):
    server: PennylaneEmulator
    state: PennylaneState  # the company the current request addresses
    origin: str
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body leave at once: no 40 ms delayed ACK

    # --- plumbing -----------------------------------------------------------------------------
    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        if isinstance(body, bytes):
            data, ctype = body, "application/pdf"
        elif isinstance(body, str):
            data, ctype = body.encode(), "text/plain"
        elif body is None:
            data, ctype = b"", "application/json"
        else:
            data, ctype = json.dumps(body, default=str).encode(), "application/json"
        self.send_response(status)
        self.send_header("content-type", ctype)
        self.send_header("x-request-id", secrets.token_hex(8))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        """The request body, read once (keep-alive needs it consumed on every path)."""
        if not hasattr(self, "_raw"):
            self._raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        return self._raw

    def _json_body(self) -> Any:
        try:
            return json.loads(self._body() or b"null")
        except ValueError:
            raise _Reply(400, {"message": "body is not JSON", "code": "ValidateError"}) from None

    def _limited(self, token: str) -> dict[str, str]:
        state = self.state
        now = state.clock.now()
        hits = [t for t in state.hits.get(token, []) if now - t < WINDOW]
        reset = int(((hits[0] if hits else now) + WINDOW).timestamp())
        if len(hits) >= LIMIT:
            wait = max(1, math.ceil((hits[0] + WINDOW - now).total_seconds()))
            state.throttled += 1
            headers = {
                "retry-after": str(wait),
                "ratelimit-limit": str(LIMIT),
                "ratelimit-remaining": "0",
                "ratelimit-reset": str(reset),
            }
            raise _Throttled(wait, headers)
        hits.append(now)
        state.hits[token] = hits
        state.accepted.append(now)
        return {
            "ratelimit-limit": str(LIMIT),
            "ratelimit-remaining": str(LIMIT - len(hits)),
            "ratelimit-reset": str(reset),
        }

    def _handle(self, method: str) -> None:
        if hasattr(self, "_raw"):
            del self._raw  # the handler object serves every request of a connection
        self._body()
        resolved = self.server.resolve(self.path)
        if resolved is None:
            return self._send(404, {"error": "Not Found", "status": 404})
        self.state, self.origin, target = resolved
        state = self.state
        parts = urlsplit(target)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path.startswith("/oauth/"):
            return self._oauth(parts.path, method)
        if parts.path.startswith("/files/"):
            return self._file(parts.path, query)
        path = parts.path.removeprefix("/api/external/v2")
        headers: dict[str, str] = {}
        try:
            with state.lock:
                state.calls.append((method, path))
                state.queries.append((method, path, query))
                for fault in state.faults:
                    if fault.method == method and path.startswith(fault.path) and fault.times:
                        fault.times -= 1
                        self._body()
                        return self._send(fault.status, fault.body, fault.headers)
                token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                grant = state.tokens.get(token)
                if grant is None or (
                    grant.expires_at is not None and grant.expires_at <= state.clock.now()
                ):
                    self._body()
                    raise _error(401, "The access token is invalid")
                headers = self._limited(token)
                family = _scope_family(path)
                if family:
                    needed = f"{family}:all"
                    allowed = {needed} if method != "GET" else {needed, f"{family}:readonly"}
                    if not allowed & grant.scopes:
                        self._body()
                        raise _error(
                            403, f'Access to this resource requires scope "{sorted(allowed)[0]}".'
                        )
                status, body = self._route(method, path, query)
        except _Throttled as t:
            return self._send(
                429, f"Rate limit exceeded. Please retry in {t.wait} seconds.", t.headers
            )
        except _Reply as reply:
            return self._send(reply.status, reply.body, headers)
        return self._send(status, body, headers)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def log_message(self, *args: object) -> None:
        pass

    # --- OAuth --------------------------------------------------------------------------------
    def _oauth(self, path: str, method: str) -> None:
        state = self.state
        form = {k: v[0] for k, v in parse_qs(self._body().decode()).items()}
        if method != "POST":
            return self._send(405, {"error": "method_not_allowed"})
        with state.lock:
            if state.clients.get(form.get("client_id", "")) != form.get("client_secret"):
                return self._send(401, {"error": "invalid_client"})
            if path == "/oauth/revoke":
                state.revoke(form.get("token", ""))
                return self._send(200, {})
            if path not in ("/oauth/token", "/oauth/oauth/token"):
                return self._send(404, {"error": "Not Found", "status": 404})
            grant_type = form.get("grant_type")
            if grant_type == "authorization_code":
                scopes = state.codes.pop(form.get("code", ""), None)
                if scopes is None:
                    return self._send(400, {"error": "invalid_grant"})
                return self._send(200, state.issue_pair(scopes))
            if grant_type == "refresh_token":
                old = state.refresh_tokens.get(form.get("refresh_token", ""))
                if old is None or old[2] <= state.clock.now():
                    return self._send(400, {"error": "invalid_grant"})
                state.revoke(form["refresh_token"])  # rotation: both old tokens die
                return self._send(200, state.issue_pair(old[1]))
            return self._send(400, {"error": "unsupported_grant_type"})

    # --- files (public_file_url) --------------------------------------------------------------
    def _file(self, path: str, query: dict[str, str]) -> None:
        state = self.state
        state.file_auth.append(self.headers.get("Authorization", ""))
        name = path.rsplit("/", 1)[-1].removesuffix(".pdf")
        expires = query.get("expires", "")
        if not expires.isdigit() or int(expires) < state.clock.now().timestamp():
            return self._send(403, "<Error><Code>AccessDenied</Code></Error>")
        invoice = state.invoices.get(int(name)) if name.isdigit() else None
        if invoice is None:
            return self._send(404, "<Error><Code>NoSuchKey</Code></Error>")
        return self._send(200, _invoice_pdf(invoice))

    def _with_link(self, invoice: dict[str, Any]) -> dict[str, Any]:
        expires = int((self.state.clock.now() + FILE_LIFE).timestamp())
        link = f"{self.origin}/files/{invoice['id']}.pdf?expires={expires}"
        return {**invoice, "public_file_url": None if invoice.get("draft") else link}

    # --- the API ------------------------------------------------------------------------------
    def _route(self, method: str, path: str, query: dict[str, str]) -> tuple[int, Any]:
        state = self.state
        segments = path.strip("/").split("/")
        if method == "GET":
            if "limit" in query:
                _limit(query, 1000 if path.startswith("/changelogs") else 100)
            if path == "/me":
                return 200, {
                    "user": None,
                    "company": {"id": 1, "name": "Atelier Dupont SAS", "reg_no": "552100554"},
                    "scopes": sorted(
                        state.tokens[
                            self.headers.get("Authorization", "").removeprefix("Bearer ")
                        ].scopes
                    ),
                }
            if path == "/customers":
                items = [state.customers[k] for k in sorted(state.customers)]
                fields = {"id", "customer_type", "name", "external_reference", "reg_no"}
                return 200, _page(_filtered(items, query.get("filter"), fields), query)
            if path == "/customer_invoices":
                items = [state.invoices[k] for k in sorted(state.invoices)]
                fields = {"id", "draft", "credit_note", "customer_id", "invoice_number", "date"}
                page = _page(_filtered(items, query.get("filter"), fields), query)
                page["items"] = [self._with_link(i) for i in page["items"]]
                return 200, page
            if segments[0] == "changelogs" and len(segments) == 2 and segments[1] in state.changes:
                return self._changelog(segments[1], query)
            if path == "/category_groups":
                return 200, _page(
                    [state.category_groups[k] for k in sorted(state.category_groups)], query
                )
            if path == "/categories":
                items = [state.categories[k] for k in sorted(state.categories)]
                for c in items:
                    c["category_group_id"] = c["category_group"]["id"]
                got = _filtered(items, query.get("filter"), {"id", "label", "category_group_id"})
                return 200, _page(got, query)
            if segments[0] == "category_groups" and len(segments) == 3:
                group = int(segments[1])
                if group not in state.category_groups:
                    raise _error(404, "Not Found")
                items = [
                    c
                    for _, c in sorted(state.categories.items())
                    if c["category_group"]["id"] == group
                ]
                return 200, _page(items, query)
            if path == "/webhook_subscriptions":
                items = [_public_sub(s) for _, s in sorted(state.subscriptions.items())]
                return 200, _page(items, query)
        if segments[0] in ("customers", "company_customers", "individual_customers"):
            return self._customer(method, segments)
        if segments[0] == "customer_invoices" and len(segments) >= 2:
            return self._invoice(method, segments, query)
        if path == "/categories" and method == "POST":
            return self._create_category(self._json_body())
        if segments[0] == "webhook_subscriptions":
            return self._subscription(method, segments)
        raise _error(404, "Not Found")

    def _customer(self, method: str, segments: list[str]) -> tuple[int, Any]:
        state = self.state
        if len(segments) != 2 or not segments[1].isdigit():
            raise _error(404, "Not Found")
        record = state.customers.get(int(segments[1]))
        kind = {"company_customers": "company", "individual_customers": "individual"}.get(
            segments[0]
        )
        if record is None or (kind and record["customer_type"] != kind):
            raise _error(404, "Not Found")
        if method == "GET":
            return 200, record
        if method != "PUT" or kind is None:
            raise _error(404, "Not Found")
        body = self._json_body()
        if not isinstance(body, dict):
            raise _Reply(400, {"message": "body must be an object", "code": "ValidateError"})
        writable = {
            "notes",
            "name",
            "phone",
            "emails",
            "reg_no",
            "vat_number",
            "external_reference",
        }
        unknown = set(body) - writable
        if unknown:
            raise _Reply(
                400,
                {
                    "message": f"unknown property {sorted(unknown)[0]}",
                    "code": "NotExistPropertyDefinition",
                },
            )
        if "notes" in body and not isinstance(body["notes"], str):
            raise _Reply(
                400,
                {"message": "notes must be a string", "field": "notes", "code": "ValidateError"},
            )
        updated = {**record, **body, "updated_at": state.clock.now().isoformat()}
        state.put("customers", updated)
        return 200, updated

    def _invoice(self, method: str, segments: list[str], query: dict[str, str]) -> tuple[int, Any]:
        state = self.state
        if not segments[1].isdigit() or int(segments[1]) not in state.invoices:
            raise _error(404, "Not Found")
        invoice_id = int(segments[1])
        invoice = state.invoices[invoice_id]
        sub = segments[2] if len(segments) > 2 else None
        if sub is None and method == "GET":
            return 200, self._with_link(invoice)
        if sub == "categories" and method == "GET":
            return 200, _page(self._categories_of(invoice_id), query)
        if sub == "categories" and method == "PUT":
            return self._put_categories(invoice, self._json_body())
        if sub == "matched_transactions" and method == "GET":
            return 200, _page(state.matched.get(invoice_id, []), query)
        if sub == "appendices" and method == "GET":
            return 200, _page(state.appendices.get(invoice_id, []), query)
        if sub == "appendices" and method == "POST":
            return self._upload(invoice_id)
        raise _error(404, "Not Found")

    def _categories_of(self, invoice_id: int) -> list[dict[str, Any]]:
        state = self.state
        return [
            {**{k: v for k, v in state.categories[c].items() if k != "direction"}, "weight": w}
            for c, w in state.invoice_categories.get(invoice_id, [])
        ]

    def _put_categories(self, invoice: dict[str, Any], body: Any) -> tuple[int, Any]:
        state = self.state
        if invoice.get("draft"):
            raise _error(422, "Categories cannot be set on a draft invoice")
        if not isinstance(body, list):
            raise _Reply(400, {"message": "body must be an array", "code": "ValidateError"})
        sums: dict[int, Decimal] = {}
        chosen: list[tuple[int, str]] = []
        for item in body:
            if not isinstance(item, dict) or set(item) != {"id", "weight"}:
                raise _Reply(
                    400, {"message": "each item needs id and weight", "code": "NotExistRequiredKey"}
                )
            category = state.categories.get(item["id"])
            if category is None:
                raise _error(404, "Not Found")
            try:
                weight = Decimal(str(item["weight"]))
            except InvalidOperation:
                raise _Reply(
                    400,
                    {
                        "message": "weight is not a number",
                        "field": "weight",
                        "code": "InvalidPattern",
                    },
                ) from None
            if not 0 < weight <= 1 or weight.as_tuple().exponent < -4:  # type: ignore[operator]
                raise _Reply(
                    400,
                    {
                        "message": "weight out of range",
                        "field": "weight",
                        "code": "MoreThanMaximum",
                    },
                )
            group = category["category_group"]["id"]
            sums[group] = sums.get(group, Decimal(0)) + weight
            chosen.append((item["id"], str(item["weight"])))
        if any(total != 1 for total in sums.values()):
            raise _error(422, "The sum of the weights of a category group must be equal to 1")
        state.invoice_categories[invoice["id"]] = chosen
        state.put("customer_invoices", {**invoice, "updated_at": state.clock.now().isoformat()})
        return 200, self._categories_of(invoice["id"])

    def _upload(self, invoice_id: int) -> tuple[int, Any]:
        state = self.state
        ctype = self.headers.get("content-type", "")
        if not ctype.startswith("multipart/form-data"):
            raise _Reply(
                400, {"message": "expected multipart/form-data", "code": "NotAMultipartFile"}
            )
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + self._body()
        )
        for part in message.iter_parts():
            if part.get_param("name", header="content-disposition") != "file":
                continue
            content_type = part.get_content_type()
            if content_type not in APPENDIX_TYPES:
                raise _error(422, f"File type {content_type} is not allowed")
            data = part.get_payload(decode=True)
            appendix_id = next(state.ids)
            now = state.clock.now().isoformat()
            record = {
                "id": appendix_id,
                "url": f"{self.origin}/appendices/{appendix_id}",
                "filename": part.get_filename() or "appendix",
                "created_at": now,
                "updated_at": now,
            }
            state.files[appendix_id] = bytes(data) if isinstance(data, bytes) else b""
            state.appendices.setdefault(invoice_id, []).append(record)
            return 201, record
        raise _Reply(
            400, {"message": "file is missing", "field": "file", "code": "NotExistRequiredKey"}
        )

    def _create_category(self, body: Any) -> tuple[int, Any]:
        state = self.state
        if not isinstance(body, dict) or not body.get("label") or "category_group_id" not in body:
            raise _Reply(
                400,
                {
                    "message": "label and category_group_id are required",
                    "code": "NotExistRequiredKey",
                },
            )
        if body["category_group_id"] not in state.category_groups:
            raise _error(404, "Not Found")
        taken = any(
            c["label"] == body["label"] and c["category_group"]["id"] == body["category_group_id"]
            for c in state.categories.values()
        )
        if taken:
            raise _error(409, "Category already exists.")
        category_id = state.add_category(body["label"], body["category_group_id"])
        return 201, state.categories[category_id]

    def _subscription(self, method: str, segments: list[str]) -> tuple[int, Any]:
        state = self.state
        now = state.clock.now().isoformat()
        if len(segments) == 1 and method == "POST":
            body = self._json_body()
            self._check_subscription(body)
            if len(state.subscriptions) >= 10:
                raise _error(422, "A company can have at most 10 webhook subscriptions")
            sub_id = next(state.ids)
            state.subscriptions[sub_id] = {
                "id": sub_id,
                "callback_url": body["callback_url"],
                "events": body["events"],
                "enabled": body.get("enabled", True),
                "secret": _watched(secrets.token_hex(24)),
                "disabled_at": None,
                "disabled_reason": None,
                "last_failure_status": None,
                "last_failure_at": None,
                "consecutive_failures": 0,
                "created_at": now,
                "updated_at": now,
            }
            return 201, state.subscriptions[sub_id]  # the only answer that carries the secret
        if (
            len(segments) != 2
            or not segments[1].isdigit()
            or int(segments[1]) not in state.subscriptions
        ):
            raise _error(404, "Not Found")
        sub_id = int(segments[1])
        if method == "GET":
            return 200, _public_sub(state.subscriptions[sub_id])
        if method == "DELETE":
            del state.subscriptions[sub_id]
            return 204, None
        if method == "PUT":
            body = self._json_body()
            merged = {**_public_sub(state.subscriptions[sub_id]), **(body or {})}
            self._check_subscription(merged)
            state.subscriptions[sub_id].update(body or {}, updated_at=now)
            return 200, _public_sub(state.subscriptions[sub_id])
        raise _error(404, "Not Found")

    @staticmethod
    def _check_subscription(body: Any) -> None:
        if not isinstance(body, dict) or not str(body.get("callback_url", "")).startswith(
            "https://"
        ):
            raise _error(422, "callback_url must be an HTTPS URL")
        events = body.get("events")
        if not isinstance(events, list) or not events or not set(events) <= EVENTS:
            raise _Reply(
                400,
                {
                    "message": "events must be a non-empty list of known events",
                    "field": "events",
                    "code": "NotEnumInclude",
                },
            )

    def _changelog(self, resource: str, query: dict[str, str]) -> tuple[int, Any]:
        state = self.state
        if "start_date" in query and "cursor" in query:
            raise _Reply(400, {"message": "start_date and cursor are exclusive"})
        since, offset = query.get("start_date"), 0
        if "cursor" in query:  # opaque to clients: the start date and an offset
            since, _, raw = query["cursor"].partition("|")
            offset = int(raw)
        changes = state.changes[resource]
        retained = [c for c in changes if state.clock.now() - c.processed_at <= timedelta(weeks=4)]
        if since:
            start = datetime.fromisoformat(since)
            if state.clock.now() - start > timedelta(weeks=4):
                raise _error(422, "start_date is older than 4 weeks")
            retained = [c for c in retained if c.processed_at >= start]
        limit = int(query.get("limit", "20"))
        chunk = retained[offset : offset + limit]
        more = offset + limit < len(retained)
        items = [
            {
                "id": c.id,
                "operation": c.operation,
                "processed_at": c.processed_at.isoformat(),
                "updated_at": c.processed_at.isoformat(),
                "created_at": c.processed_at.isoformat(),
            }
            for c in chunk
        ]
        return 200, {
            "items": items,
            "has_more": more,
            "next_cursor": f"{since or ''}|{offset + limit}" if more else None,
        }


class _Throttled(Exception):
    def __init__(self, wait: int, headers: dict[str, str]) -> None:
        self.wait, self.headers = wait, headers


def _watched(secret: str) -> str:
    watch(secret)
    return secret


def _public_sub(sub: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in sub.items() if k != "secret"}


_PDF_CACHE: dict[str, bytes] = {}


def _invoice_pdf(invoice: dict[str, Any]) -> bytes:
    """A one-page PDF standing for the invoice Pennylane generated."""
    number = str(invoice.get("invoice_number") or invoice["id"])
    if number not in _PDF_CACHE:
        from fpdf import FPDF

        pdf = FPDF()
        pdf.add_page()
        pdf.set_font("helvetica", size=14)
        pdf.cell(text=f"Facture {number}")
        _PDF_CACHE[number] = bytes(pdf.output())
    return _PDF_CACHE[number]
