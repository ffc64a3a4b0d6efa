"""A stateful Pennylane Company API v2 emulator on loopback, after platform-apis.md §1.

Bearer tokens, `/me`, `/customers` and `/customer_invoices` with cursor paging (limit 1-100,
400 above) and the `filter` grammar for `draft`, single records, `/changelogs/*` (start_date
or cursor, not both; 4-week retention → 422), and the 25 requests / 5 s bucket per token with
the `ratelimit-*` headers and 429 + `retry-after`. Time comes from the clock the test shares
with the client, so no test sleeps.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from connector.clock import FrozenClock

WINDOW, LIMIT = timedelta(seconds=5), 25


@dataclass
class Change:
    id: int
    operation: str
    processed_at: datetime


@dataclass
class PennylaneState:
    clock: FrozenClock
    tokens: set[str] = field(default_factory=lambda: {"plt_test_token"})
    customers: dict[int, dict[str, Any]] = field(default_factory=dict)
    invoices: dict[int, dict[str, Any]] = field(default_factory=dict)
    changes: dict[str, list[Change]] = field(
        default_factory=lambda: {"customers": [], "customer_invoices": []}
    )
    calls: list[tuple[str, str]] = field(default_factory=list)
    hits: dict[str, list[datetime]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def put(self, resource: str, record: dict[str, Any], operation: str = "update") -> None:
        table = self.customers if resource == "customers" else self.invoices
        table[record["id"]] = record
        self.changes[resource].append(Change(record["id"], operation, self.clock.now()))


class PennylaneEmulator(ThreadingHTTPServer):
    def __init__(self, state: PennylaneState) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}/api/external/v2"


def _page(items: list[Any], query: dict[str, str], key: str = "id") -> dict[str, Any]:
    limit = int(query.get("limit", "20"))
    start = int(query.get("cursor", "0") or 0)
    chunk = items[start : start + limit]
    more = start + limit < len(items)
    return {"items": chunk, "has_more": more, "next_cursor": str(start + limit) if more else None}


class _Handler(BaseHTTPRequestHandler):
    server: PennylaneEmulator

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = (json.dumps(body) if not isinstance(body, str) else body).encode()
        self.send_response(status)
        self.send_header(
            "content-type", "application/json" if not isinstance(body, str) else "text/plain"
        )
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _limited(self, token: str) -> dict[str, str] | None:
        state = self.server.state
        now = state.clock.now()
        hits = [t for t in state.hits.get(token, []) if now - t < WINDOW]
        reset = int((hits[0] + WINDOW).timestamp()) if hits else int((now + WINDOW).timestamp())
        if len(hits) >= LIMIT:
            wait = math.ceil((hits[0] + WINDOW - now).total_seconds())
            self._send(
                429,
                f"Rate limit exceeded. Please retry in {wait} seconds.",
                {
                    "retry-after": str(wait),
                    "ratelimit-limit": str(LIMIT),
                    "ratelimit-remaining": "0",
                    "ratelimit-reset": str(reset),
                },
            )
            return None
        hits.append(now)
        state.hits[token] = hits
        return {
            "ratelimit-limit": str(LIMIT),
            "ratelimit-remaining": str(LIMIT - len(hits)),
            "ratelimit-reset": str(reset),
        }

    def do_GET(self) -> None:
        state = self.server.state
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        path = parts.path.removeprefix("/api/external/v2")
        token = self.headers.get("Authorization", "").removeprefix("Bearer ")
        with state.lock:
            state.calls.append(("GET", path))
            if token not in state.tokens:
                return self._send(401, {"error": "The access token is invalid", "status": 401})
            headers = self._limited(token)
            if headers is None:
                return None
            status, body = self._route(path, query)
        return self._send(status, body, headers)

    def _route(self, path: str, query: dict[str, str]) -> tuple[int, Any]:
        state = self.server.state
        if "limit" in query and not 1 <= int(query["limit"]) <= (
            1000 if path.startswith("/changelogs") else 100
        ):
            return 400, {"message": "limit out of range", "code": "MoreThanMaximum"}
        if path == "/me":
            return 200, {
                "user": None,
                "company": {"id": 1, "name": "Atelier", "reg_no": "1"},
                "scopes": ["customer_invoices:all", "customers:all"],
            }
        if path == "/customers":
            return 200, _page([state.customers[k] for k in sorted(state.customers)], query)
        if path == "/customer_invoices":
            items = [state.invoices[k] for k in sorted(state.invoices)]
            for rule in json.loads(query.get("filter", "[]")):
                if rule["field"] == "draft" and rule["operator"] == "eq":
                    items = [i for i in items if str(i["draft"]).lower() == rule["value"]]
            return 200, _page(items, query)
        for resource, table in (
            ("customers", state.customers),
            ("customer_invoices", state.invoices),
        ):
            if path.startswith(f"/{resource}/"):
                record = table.get(int(path.rsplit("/", 1)[1]))
                return (200, record) if record else (404, {"error": "Not Found", "status": 404})
            if path == f"/changelogs/{resource}":
                return self._changelog(resource, query)
        return 404, {"error": "Not Found", "status": 404}

    def _changelog(self, resource: str, query: dict[str, str]) -> tuple[int, Any]:
        state = self.server.state
        if "start_date" in query and "cursor" in query:
            return 400, {"message": "start_date and cursor are exclusive"}
        since, offset = query.get("start_date"), 0
        if "cursor" in query:  # opaque to clients: the start date and an offset
            since, _, raw = query["cursor"].partition("|")
            offset = int(raw)
        changes = state.changes[resource]
        if since:
            start = datetime.fromisoformat(since)
            if state.clock.now() - start > timedelta(weeks=4):
                return 422, {"error": "start_date is older than 4 weeks", "status": 422}
            changes = [c for c in changes if c.processed_at >= start]
        limit = int(query.get("limit", "20"))
        chunk = changes[offset : offset + limit]
        more = offset + limit < len(changes)
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

    def log_message(self, *args: object) -> None:
        pass
