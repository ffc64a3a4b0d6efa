"""A stateful Pennylane Company API v2 emulator on loopback, held to Pennylane's own spec.

Every answer on the API paths is checked, in tests/pennylane/test_openapi_contract.py,
against ``../shared/specs/pennylane-company-api-v2-openapi-2026-04.json`` (and the webhook
subscriptions of the later form against the extract in tests/pennylane/contract/). What it
does as the spec and the documentation say Pennylane does:

* Auth: company tokens with scopes (403 naming the missing scope) and OAuth2 — a consent
  page at ``/oauth/authorize`` that consents at once to the scopes asked (or declines), an
  authorization-code grant (codes single-use, ten minutes, bound to the client and the
  redirect URI) and a refresh grant at ``/oauth/token`` (``/oauth/oauth/token``
  too) that rotates: each refresh returns a new pair and kills *both* old tokens; access
  tokens live 24 h; ``/oauth/revoke``; ``invalid_grant``/``invalid_client`` errors.
* Reads: ``/me``; ``/customers`` and ``/customer_invoices`` with cursor paging (limit 1-100,
  400 above) and the ``filter`` grammar (``id`` eq/in/gt…, ``draft``, ``customer_id``);
  single records, typed customers; ``/changelogs/*`` (``start_date`` xor ``cursor``, 4-week
  retention → 422); ``public_file_url`` links that expire after 30 minutes. Records are
  served with every field their schema requires (records.py).
* Writes: invoice categories (PUT replaces all; weights per group must sum to 1; drafts
  refused), categories (a label already in the group: 422, as the spec lists no 409) and
  groups (groups cannot be created), invoice appendices (multipart, allowed types only),
  customer fields through the typed ``/company_customers`` and ``/individual_customers``,
  and webhook subscriptions in the form the company's API version has (subscriptions.py).
* Limits: 25 requests per sliding 5 s per token, ``ratelimit-*`` headers, 429 with
  ``retry-after`` and the plain-text body; error bodies as §1.7 shows them.
* Faults on demand (:meth:`PennylaneState.inject`); every exchange recorded when
  ``state.exchanges`` is a list.

Time comes from the clock the test shares with the client, so no test sleeps.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import math
import secrets
import threading
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from . import subscriptions
from .answers import Reply, error, filtered, limit, page
from .records import customer_view, invoice_view, transaction_view
from .state import ALL_SCOPES, Exchange, Fault, Grant, PennylaneState

__all__ = ["ALL_SCOPES", "Fault", "Grant", "PennylaneEmulator", "PennylaneState"]

WINDOW, LIMIT = timedelta(seconds=5), 25
FILE_LIFE = timedelta(minutes=30)
API = "/api/external/v2"
APPENDIX_TYPES = {
    "image/png",
    "image/jpeg",
    "image/tiff",
    "image/bmp",
    "image/gif",
    "application/pdf",
}
INVOICE_DEFAULTS = {"draft": False}  # what a stored invoice without the field is served with
_CUSTOMER_WRITABLE = {
    "phone", "billing_address", "delivery_address", "payment_conditions", "billing_iban",
    "recipient", "reference", "notes", "emails", "external_reference", "billing_language",
}  # fmt: skip
WRITABLE = {  # putCompanyCustomer's and putIndividualCustomer's request bodies
    "company": _CUSTOMER_WRITABLE | {"name", "vat_number", "reg_no"},
    "individual": _CUSTOMER_WRITABLE | {"first_name", "last_name"},
}


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
        self._record(status, ctype, data)
        self.send_response(status)
        self.send_header("content-type", ctype)
        self.send_header("x-request-id", secrets.token_hex(8))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _record(self, status: int, ctype: str, data: bytes) -> None:
        state = getattr(self, "state", None)
        if state is None or state.exchanges is None:
            return
        parts = urlsplit(self.path)
        exchange = Exchange(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query),
            headers=dict(self.headers.items()),
            body=self._body(),
            status=status,
            response_type=ctype,
            response=data,
        )
        with state.lock:
            state.exchanges.append(exchange)

    def _body(self) -> bytes:
        """The request body, read once (keep-alive needs it consumed on every path)."""
        if not hasattr(self, "_raw"):
            self._raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        return self._raw

    def _json_body(self) -> Any:
        try:
            return json.loads(self._body() or b"null")
        except ValueError:
            raise Reply(400, {"message": "body is not JSON", "code": "ValidateError"}) from None

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
        self.state = resolved[0] if resolved is not None else self.server.state
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
                    raise error(401, "The access token is invalid")
                headers = self._limited(token)
                family = _scope_family(path)
                if family:
                    needed = f"{family}:all"
                    allowed = {needed} if method != "GET" else {needed, f"{family}:readonly"}
                    if not allowed & grant.scopes:
                        self._body()
                        raise error(
                            403, f'Access to this resource requires scope "{sorted(allowed)[0]}".'
                        )
                status, body = self._route(method, path, query)
        except _Throttled as t:
            return self._send(
                429, f"Rate limit exceeded. Please retry in {t.wait} seconds.", t.headers
            )
        except Reply as reply:
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
    def _consent(self, query: dict[str, str]) -> None:
        """``GET /oauth/authorize``: the person consents at once (or declines, when the test
        says so); back to ``redirect_uri`` with a code for the scopes asked (space-separated),
        or ``error=access_denied``, and the ``state`` as sent."""
        state = self.state
        if state.clients.get(query.get("client_id", "")) is None:
            return self._send(400, {"error": "invalid_client"})
        scopes = frozenset(query.get("scope", "").split())
        if query.get("response_type") != "code" or not scopes or not scopes <= ALL_SCOPES:
            return self._send(400, {"error": "invalid_request"})
        if not query.get("redirect_uri"):
            return self._send(400, {"error": "invalid_redirect_uri"})
        if state.consent == "deny":
            answer = urlencode({"error": "access_denied", "state": query.get("state", "")})
        else:
            code = state.authorize(scopes, query["client_id"], query["redirect_uri"])
            answer = urlencode({"code": code, "state": query.get("state", "")})
        self.send_response(302)
        self.send_header("location", f"{query['redirect_uri']}?{answer}")
        self.send_header("content-length", "0")
        self.end_headers()

    def _oauth(self, path: str, method: str) -> None:
        state = self.state
        if path == "/oauth/authorize" and method == "GET":
            return self._consent({k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()})
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
                scopes = state.redeem(
                    form.get("code", ""), form["client_id"], form.get("redirect_uri", "")
                )
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

    def _invoice_out(self, invoice: dict[str, Any]) -> dict[str, Any]:
        """The invoice as served, with a fresh 30-minute link to its PDF (none for drafts)."""
        now = self.state.clock.now()
        view = invoice_view(invoice, self.origin + API, now.isoformat())
        expires = int((now + FILE_LIFE).timestamp())
        link = f"{self.origin}/files/{invoice['id']}.pdf?expires={expires}"
        view["public_file_url"] = None if view["draft"] else link
        return view

    def _customer_out(self, customer: dict[str, Any], *, typed: bool = False) -> dict[str, Any]:
        stamp = self.state.clock.now().isoformat()
        return customer_view(customer, self.origin + API, stamp, typed=typed)

    # --- the API ------------------------------------------------------------------------------
    def _route(self, method: str, path: str, query: dict[str, str]) -> tuple[int, Any]:
        state = self.state
        segments = path.strip("/").split("/")
        if method == "GET":
            if "limit" in query:
                limit(query, 1000 if path.startswith("/changelogs") else 100)
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
                got = page(filtered(items, query.get("filter"), fields), query)
                got["items"] = [self._customer_out(c) for c in got["items"]]
                return 200, got
            if path == "/customer_invoices":
                items = [state.invoices[k] for k in sorted(state.invoices)]
                fields = {"id", "draft", "customer_id", "invoice_number", "date"}
                got = page(filtered(items, query.get("filter"), fields, INVOICE_DEFAULTS), query)
                got["items"] = [self._invoice_out(i) for i in got["items"]]
                return 200, got
            if segments[0] == "changelogs" and len(segments) == 2 and segments[1] in state.changes:
                return self._changelog(segments[1], query)
            if path == "/category_groups":
                return 200, page(
                    [state.category_groups[k] for k in sorted(state.category_groups)], query
                )
            if path == "/categories":
                items = [state.categories[k] for k in sorted(state.categories)]
                kept = filtered(items, query.get("filter"), {"id", "label"})
                return 200, page(kept, query)
            if segments[0] == "category_groups" and len(segments) == 3:
                group = int(segments[1])
                if group not in state.category_groups:
                    raise error(404, "Not Found")
                items = [  # a group's categories are listed without their group
                    {k: v for k, v in c.items() if k != "category_group"}
                    for _, c in sorted(state.categories.items())
                    if c["category_group"]["id"] == group
                ]
                return 200, page(items, query)
        if segments[0] in ("customers", "company_customers", "individual_customers"):
            return self._customer(method, segments)
        if segments[0] == "customer_invoices" and len(segments) >= 2:
            return self._invoice(method, segments, query)
        if path == "/categories" and method == "POST":
            return self._create_category(self._json_body())
        if segments[0] in subscriptions.PATHS.values():
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            return subscriptions.answer(state, method, segments, query, self._json_body, token)
        raise error(404, "Not Found")

    def _customer(self, method: str, segments: list[str]) -> tuple[int, Any]:
        state = self.state
        if len(segments) != 2 or not segments[1].isdigit():
            raise error(404, "Not Found")
        record = state.customers.get(int(segments[1]))
        kind = {"company_customers": "company", "individual_customers": "individual"}.get(
            segments[0]
        )
        if record is None or (kind and record["customer_type"] != kind):
            raise error(404, "Not Found")
        if method == "GET":
            return 200, self._customer_out(record, typed=kind is not None)
        if method != "PUT" or kind is None:
            raise error(404, "Not Found")
        body = self._json_body()
        if not isinstance(body, dict):
            raise Reply(400, {"message": "body must be an object", "code": "ValidateError"})
        unknown = set(body) - WRITABLE[kind]
        if unknown:
            raise Reply(
                400,
                {
                    "message": f"unknown property {sorted(unknown)[0]}",
                    "code": "NotExistPropertyDefinition",
                },
            )
        if "notes" in body and not isinstance(body["notes"], str):
            raise Reply(
                400,
                {"message": "notes must be a string", "field": "notes", "code": "ValidateError"},
            )
        updated = {**record, **body, "updated_at": state.clock.now().isoformat()}
        state.put("customers", updated)
        return 200, self._customer_out(updated, typed=True)

    def _invoice(self, method: str, segments: list[str], query: dict[str, str]) -> tuple[int, Any]:
        state = self.state
        if not segments[1].isdigit() or int(segments[1]) not in state.invoices:
            raise error(404, "Not Found")
        invoice_id = int(segments[1])
        invoice = state.invoices[invoice_id]
        sub = segments[2] if len(segments) > 2 else None
        if sub is None and method == "GET":
            return 200, self._invoice_out(invoice)
        if sub == "categories" and method == "GET":
            return 200, page(self._categories_of(invoice_id), query)
        if sub == "categories" and method == "PUT":
            return self._put_categories(invoice, self._json_body())
        if sub == "matched_transactions" and method == "GET":
            base = self.origin + API
            items = [transaction_view(t, base) for t in state.matched.get(invoice_id, [])]
            return 200, page(items, query)
        if sub == "appendices" and method == "GET":
            return 200, page(state.appendices.get(invoice_id, []), query)
        if sub == "appendices" and method == "POST":
            return self._upload(invoice_id)
        raise error(404, "Not Found")

    def _categories_of(self, invoice_id: int) -> list[dict[str, Any]]:
        state = self.state
        return [
            {**{k: v for k, v in state.categories[c].items() if k != "direction"}, "weight": w}
            for c, w in state.invoice_categories.get(invoice_id, [])
        ]

    def _put_categories(self, invoice: dict[str, Any], body: Any) -> tuple[int, Any]:
        state = self.state
        if invoice.get("draft"):
            raise error(422, "Categories cannot be set on a draft invoice")
        if not isinstance(body, list):
            raise Reply(400, {"message": "body must be an array", "code": "ValidateError"})
        sums: dict[int, Decimal] = {}
        chosen: list[tuple[int, str]] = []
        for item in body:
            if not isinstance(item, dict) or set(item) != {"id", "weight"}:
                raise Reply(
                    400, {"message": "each item needs id and weight", "code": "NotExistRequiredKey"}
                )
            category = state.categories.get(item["id"])
            if category is None:
                raise error(404, "Not Found")
            try:
                weight = Decimal(str(item["weight"]))
            except InvalidOperation:
                raise Reply(
                    400,
                    {
                        "message": "weight is not a number",
                        "field": "weight",
                        "code": "InvalidPattern",
                    },
                ) from None
            if not 0 < weight <= 1 or weight.as_tuple().exponent < -4:  # type: ignore[operator]
                raise Reply(
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
            raise error(422, "The sum of the weights of a category group must be equal to 1")
        state.invoice_categories[invoice["id"]] = chosen
        state.put("customer_invoices", {**invoice, "updated_at": state.clock.now().isoformat()})
        return 200, self._categories_of(invoice["id"])

    def _upload(self, invoice_id: int) -> tuple[int, Any]:
        state = self.state
        ctype = self.headers.get("content-type", "")
        if not ctype.startswith("multipart/form-data"):
            raise Reply(
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
                raise error(422, f"File type {content_type} is not allowed")
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
        raise Reply(
            400, {"message": "file is missing", "field": "file", "code": "NotExistRequiredKey"}
        )

    def _create_category(self, body: Any) -> tuple[int, Any]:
        state = self.state
        if not isinstance(body, dict) or not body.get("label") or "category_group_id" not in body:
            raise Reply(
                400,
                {
                    "message": "label and category_group_id are required",
                    "code": "NotExistRequiredKey",
                },
            )
        if body["category_group_id"] not in state.category_groups:
            raise error(404, "Not Found")
        taken = any(
            c["label"] == body["label"] and c["category_group"]["id"] == body["category_group_id"]
            for c in state.categories.values()
        )
        if taken:  # the spec lists no 409 for postCategories: a taken label is a 422
            raise error(422, "Label has already been taken in this category group")
        category_id = state.add_category(body["label"], body["category_group_id"])
        return 201, state.categories[category_id]

    def _changelog(self, resource: str, query: dict[str, str]) -> tuple[int, Any]:
        state = self.state
        if "start_date" in query and "cursor" in query:
            raise Reply(400, {"message": "start_date and cursor are exclusive"})
        since, offset = query.get("start_date"), 0
        if "cursor" in query:  # opaque to clients: the start date and an offset
            since, _, raw = query["cursor"].partition("|")
            offset = int(raw)
        changes = state.changes[resource]
        retained = [c for c in changes if state.clock.now() - c.processed_at <= timedelta(weeks=4)]
        if since:
            start = datetime.fromisoformat(since)
            if state.clock.now() - start > timedelta(weeks=4):
                raise error(422, "start_date is older than 4 weeks")
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
