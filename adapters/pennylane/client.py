"""Pennylane Company API v2 endpoints on connector.http: paging, changelogs, single reads.

Limits: 25 requests per 5 seconds per token (https://pennylane.readme.io/docs/rate-limiting-1),
lists at most 100 items a page, changelogs 1000. Cursors are short-lived: never stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

import requests

from connector.errors import AuthorizationLost, DataError, SourceRejected
from connector.http import HttpClient, HttpPolicy, default_classify
from connector.source import Page, pages

from .wire import WirePage

__all__ = ["BASE_URL", "POLICY", "PennylaneClient", "classify"]

BASE_URL = "https://app.pennylane.com/api/external/v2"
POLICY = HttpPolicy(platform="pennylane", rate=5.0, burst=25)
PAGE, CHANGES_PAGE = 100, 1000


def classify(response: requests.Response, policy: HttpPolicy, now: datetime) -> None:
    """Pennylane's errors: its short JSON messages are safe to show, bodies otherwise not."""
    status = response.status_code
    if status in (401, 403, 422):
        try:
            message = str(response.json().get("error") or "")[:200]
        except ValueError:
            message = ""
        if status == 401:
            raise AuthorizationLost(
                f"Pennylane refused the token ({message or 'HTTP 401'})",
                platform="pennylane",
                status=401,
                hint="reconnect: relance connect pennylane --tenant NAME",
            )
        raise SourceRejected(
            f"Pennylane answered HTTP {status}: {message}", platform="pennylane", status=status
        )
    default_classify(response, policy, now)


class PennylaneClient:
    def __init__(self, http: HttpClient) -> None:
        self.http = http

    def _json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        response = self.http.request("GET", path, params=params)
        try:
            return response.json(parse_float=Decimal)  # no float ever exists
        except ValueError:
            raise DataError(f"Pennylane sent something that is not JSON for {path}") from None

    def _pages(self, path: str, params: dict[str, Any], limit: int) -> Iterator[dict[str, Any]]:
        def fetch(cursor: str | None) -> Page[str]:
            query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
            page = WirePage.model_validate(self._json(path, query))
            return Page(page.items, page.next_cursor if page.has_more else None, "pennylane")

        for page in pages(fetch):
            yield from page.items

    def customers(self) -> Iterator[dict[str, Any]]:
        return self._pages("/customers", {}, PAGE)

    def invoices(self) -> Iterator[dict[str, Any]]:
        finalized = json.dumps([{"field": "draft", "operator": "eq", "value": "false"}])
        return self._pages("/customer_invoices", {"filter": finalized}, PAGE)

    def customer(self, pennylane_id: int) -> dict[str, Any]:
        return dict(self._json(f"/customers/{pennylane_id}"))

    def invoice(self, pennylane_id: int) -> dict[str, Any]:
        return dict(self._json(f"/customer_invoices/{pennylane_id}"))

    def changes(self, resource: str, since: datetime) -> Iterator[dict[str, Any]]:
        """Changelog entries since ``since`` (start_date on the first call, then the cursor)."""
        first = True

        def fetch(cursor: str | None) -> Page[str]:
            nonlocal first
            query: dict[str, Any] = {"limit": CHANGES_PAGE}
            if first:
                query["start_date"] = since.isoformat()
                first = False
            else:
                query["cursor"] = cursor
            page = WirePage.model_validate(self._json(f"/changelogs/{resource}", query))
            return Page(page.items, page.next_cursor if page.has_more else None, "pennylane")

        for page in pages(fetch):
            yield from page.items
