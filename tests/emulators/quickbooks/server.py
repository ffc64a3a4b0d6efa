"""A stateful QuickBooks Online Accounting API v3 emulator on loopback (platform-apis.md §2).

* OAuth2 at ``/oauth2/v1/tokens/bearer`` (Basic client auth): single-use codes bound to a
  realm, access tokens of 3600 s, refresh tokens rotated with a 24 h grace for the previous
  one and a 100-day life, ``invalid_grant``; revocation at ``/v2/oauth2/tokens/revoke``.
* ``/v3/company/{realm}/…`` with a bearer token bound to that realm (401 with the
  lower-case fault Intuit sends) and ``minorversion`` ≥ 75 on every call; the API itself
  is in api.py, its query language in query.py, the companies in state.py. It answers
  XML, QuickBooks's default, to a request whose ``Accept`` does not ask for JSON
  (developer.intuit.com … learn/rest-api-features, "Common request header fields").
* Throttling per realm: 500 requests in any 60 s and 10 in flight, and 120 batch requests in
  any 60 s, then 429 with fault 3001.

Time is the test's clock: nothing sleeps. Amounts are kept as Decimal and written as JSON
numbers digit for digit (never through a float).
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from .api import route
from .state import GRACE, REALM, QuickBooksState, Seen
from .wire import Reply, dumps, fault, to_xml

__all__ = ["QuickBooksEmulator"]

# per realm: 500 requests a minute, 10 at once; 120 batch requests a minute (since
# 2025-10-31, blogs.intuit.com 2025-08-13), which also count among the 500
PER_MINUTE, IN_FLIGHT, BATCH_PER_MINUTE = 500, 10, 120


class QuickBooksEmulator(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: QuickBooksState) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state

    def start(self) -> QuickBooksEmulator:
        serve = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        serve.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    @property
    def base_url(self) -> str:
        return f"{self.origin}/v3/company"

    @property
    def token_url(self) -> str:
        return f"{self.origin}/oauth2/v1/tokens/bearer"

    @property
    def authorize_url(self) -> str:
        return f"{self.origin}/connect/oauth2"


class _Handler(BaseHTTPRequestHandler):
    server: QuickBooksEmulator
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        if isinstance(body, str):  # an XML fault, as Intuit sometimes sends
            data, ctype = body.encode(), "application/xml"
        elif isinstance(body, bytes):
            data, ctype = body, "application/pdf" if body.startswith(b"%PDF") else "text/plain"
        elif self._json:
            data, ctype = dumps(body), "application/json"
        else:  # QuickBooks answers XML unless asked for JSON
            data, ctype = to_xml(body), "application/xml"
        self.send_response(status)
        self.send_header("content-type", ctype)
        self.send_header("intuit_tid", f"1-{secrets.token_hex(8)}")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        if not hasattr(self, "_raw"):
            self._raw = self.rfile.read(int(self.headers.get("content-length") or 0))
        return self._raw

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        if hasattr(self, "_raw"):
            del self._raw
        self._body()
        self._json = True  # OAuth answers JSON; the API, what the request accepts
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if parts.path == "/connect/oauth2":  # the consent page: the user picks the company
            return self._consent(query)
        if parts.path == "/_stats":  # for benchmarks run in another process
            return self._send(200, {"calls": len(self.server.state.calls),
                                    "throttled": self.server.state.throttled})  # fmt: skip
        if parts.path == "/_touch" and method == "POST":  # benchmarks: pay a share of invoices
            return self._touch(float(query.get("share", "0.01")))
        if parts.path.startswith(("/oauth2/", "/v2/oauth2/")):
            return self._oauth(parts.path)
        found = re.match(r"^/v3/company/([^/]+)(/.*)$", parts.path)
        if not found:
            return self._send(404, fault("610", "Object Not Found"))
        realm, path = found.group(1), found.group(2)
        state = self.server.state
        accept = self.headers.get("Accept", "")
        self._json = "application/json" in accept.lower()
        with state.lock:
            state.calls.append((method, path))
            state.seen.append(Seen(method, path, query, accept))
            if state.before is not None:
                state.before(method, path)
            for injected in state.faults:
                if injected.method == method and path.startswith(injected.path) and injected.times:
                    injected.times -= 1
                    return self._send(injected.status, injected.body, injected.headers)
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            grant = state.access.get(token)
            if grant is None or grant[0] != realm or grant[1] <= state.clock.now():
                return self._send(
                    401,
                    {
                        "fault": {
                            "error": [
                                {
                                    "message": "message=AuthenticationFailed; errorCode=003200; "
                                    "statusCode=401",
                                    "detail": "Token expired or invalid",
                                    "code": "3200",
                                }
                            ],
                            "type": "AUTHENTICATION",
                        },
                        "time": state.clock.now().isoformat(),
                    },
                )
            now = state.clock.now()
            hits = [t for t in state.hits.get(realm, []) if now - t < timedelta(minutes=1)]
            batch = path == "/batch" and method == "POST"
            sent = state.batches.setdefault(realm, [])  # every batch request, for the tests
            batches = sum(
                1 for t in reversed(sent[-BATCH_PER_MINUTE:]) if now - t < timedelta(minutes=1)
            )
            if (
                len(hits) >= PER_MINUTE
                or state.in_flight.get(realm, 0) >= IN_FLIGHT
                or (batch and batches >= BATCH_PER_MINUTE)
            ):
                state.throttled += 1
                return self._send(
                    429,
                    fault(
                        "3001",
                        "message=ThrottleExceeded; errorCode=003001; statusCode=429",
                        "SERVICE",
                    ),
                )
            hits.append(now)
            if batch:
                sent.append(now)
            state.hits[realm] = hits
            state.in_flight[realm] = state.in_flight.get(realm, 0) + 1
        try:
            minor = query.get("minorversion", "")
            if not minor.isdigit() or int(minor) < 75:
                raise Reply(
                    400,
                    fault("2010", "Invalid minorversion", detail="minorversion 75 or later"),
                )
            with state.lock:
                status, body = route(state, realm, method, path, query, self._body())
        except Reply as reply:
            status, body = reply.status, reply.body
        finally:
            with state.lock:
                state.in_flight[realm] -= 1
        if isinstance(body, dict):
            body = {**body, "time": state.clock.now().isoformat()}
        return self._send(status, body)

    def _touch(self, share: float) -> None:
        state = self.server.state
        with state.lock:
            table = state.data[REALM]["Invoice"]
            open_ids = sorted((i for i, r in table.items() if r["Balance"] > 0), key=int)
            step = max(1, round(1 / share)) if share else 0
            touched = open_ids[::step] if step else []
            for invoice_id in touched:
                state.put("Invoice", {**table[invoice_id], "Balance": Decimal(0)})
        return self._send(200, {"touched": len(touched)})

    # --- OAuth --------------------------------------------------------------------------------
    def _consent(self, query: dict[str, str]) -> None:
        state = self.server.state
        if state.clients.get(query.get("client_id", "")) is None:
            return self._send(400, {"error": "invalid_client"})
        if query.get("scope") != "com.intuit.quickbooks.accounting":
            return self._send(400, {"error": "invalid_scope"})
        code = state.authorize(state.consent_realm)
        answer = urlencode(
            {"code": code, "state": query.get("state", ""), "realmId": state.consent_realm}
        )
        self.send_response(302)
        self.send_header("location", f"{query['redirect_uri']}?{answer}")
        self.send_header("content-length", "0")
        self.end_headers()

    def _oauth(self, path: str) -> None:
        state = self.server.state
        basic = self.headers.get("Authorization", "").removeprefix("Basic ")
        try:
            client_id, _, secret = base64.b64decode(basic).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            client_id, secret = "", ""
        with state.lock:
            if state.clients.get(client_id) != secret:
                return self._send(401, {"error": "invalid_client"})
            if path == "/v2/oauth2/tokens/revoke":
                token = json.loads(self._body() or b"{}").get("token", "")
                state.revoke(token)
                return self._send(200, {})
            form = {k: v[0] for k, v in parse_qs(self._body().decode()).items()}
            grant = form.get("grant_type")
            if grant == "authorization_code":
                realm = state.codes.pop(form.get("code", ""), None)
                if realm is None:
                    return self._send(400, {"error": "invalid_grant"})
                return self._send(200, state.issue_pair(realm))
            if grant == "refresh_token":
                token = form.get("refresh_token", "")
                entry = state.refresh.get(token)
                now = state.clock.now()
                if entry is None or entry[1] <= now or (entry[2] is not None and entry[2] <= now):
                    return self._send(
                        400,
                        {
                            "error": "invalid_grant",
                            "error_description": "Incorrect or invalid refresh token",
                        },
                    )
                entry[2] = entry[2] or now + GRACE  # the old one lives 24 h more
                return self._send(200, state.issue_pair(entry[0]))
            return self._send(400, {"error": "unsupported_grant_type"})

    # --- the API ------------------------------------------------------------------------------
