"""Pennylane Company API v2 endpoints on connector.http: paging, changelogs, single reads.

Limits: 25 requests per 5 seconds per token (https://pennylane.readme.io/docs/rate-limiting-1),
lists at most 100 items a page, changelogs 1000. Cursors are short-lived: never stored.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import requests

from connector.errors import AuthorizationLost, DataError, SourceRejected, SourceUnavailable
from connector.http import HttpClient, HttpPolicy, default_classify
from connector.source import Page, pages

from .wire import WirePage

__all__ = ["BASE_URL", "POLICY", "PennylaneClient", "classify"]

log = logging.getLogger(__name__)

BASE_URL = "https://app.pennylane.com/api/external/v2"
# 25 requests in any 5 s, counted per token over a sliding window
POLICY = HttpPolicy(platform="pennylane", rate=5.0, burst=25, window=5.0)
PAGE, CHANGES_PAGE = 100, 1000
SINGULAR, PLURAL = "webhook_subscription", "webhook_subscriptions"
FILE_TIMEOUT = (5.0, 60.0)


def classify(response: requests.Response, policy: HttpPolicy, now: datetime) -> None:
    """Pennylane's errors: its short JSON messages are safe to show, bodies otherwise not."""
    status = response.status_code
    if status in (401, 403, 404, 409, 422):
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

    def _json(
        self, path: str, params: dict[str, Any] | None = None, attempts: int | None = None
    ) -> Any:
        response = self.http.request("GET", path, params=params, attempts=attempts)
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

    # --- targeted reads -----------------------------------------------------------------------
    def _by_ids(self, path: str, ids: Sequence[int]) -> Iterator[dict[str, Any]]:
        """Records by id, a hundred per request (the ``id in`` filter), not one call each."""
        for start in range(0, len(ids), PAGE):
            chunk = [str(i) for i in ids[start : start + PAGE]]
            rule = json.dumps([{"field": "id", "operator": "in", "value": chunk}])
            yield from self._pages(path, {"filter": rule}, PAGE)

    def customers_by_id(self, ids: Sequence[int]) -> Iterator[dict[str, Any]]:
        return self._by_ids("/customers", ids)

    def invoices_by_id(self, ids: Sequence[int]) -> Iterator[dict[str, Any]]:
        return self._by_ids("/customer_invoices", ids)

    def matched_transactions(self, invoice_id: int) -> list[dict[str, Any]]:
        return list(self._pages(f"/customer_invoices/{invoice_id}/matched_transactions", {}, PAGE))

    def me(self) -> dict[str, Any]:
        """Who the token reaches; one attempt, since a person is waiting for the answer."""
        return dict(self._json("/me", attempts=1))

    # --- write-back ---------------------------------------------------------------------------
    def invoice_categories(self, invoice_id: int) -> list[dict[str, Any]]:
        return list(self._pages(f"/customer_invoices/{invoice_id}/categories", {}, PAGE))

    def set_invoice_categories(self, invoice_id: int, items: list[dict[str, Any]]) -> None:
        """Replaces every category of the invoice (PUT: safe to replay)."""
        self.http.request("PUT", f"/customer_invoices/{invoice_id}/categories", json=items)

    def category_groups(self) -> list[dict[str, Any]]:
        return list(self._pages("/category_groups", {}, PAGE))

    def group_categories(self, group_id: int) -> list[dict[str, Any]]:
        return list(self._pages(f"/category_groups/{group_id}/categories", {}, PAGE))

    def create_category(self, label: str, group_id: int) -> dict[str, Any]:
        response = self.http.request(
            "POST", "/categories", json={"label": label, "category_group_id": group_id}
        )
        return dict(response.json())

    def appendices(self, invoice_id: int) -> list[dict[str, Any]]:
        return list(self._pages(f"/customer_invoices/{invoice_id}/appendices", {}, PAGE))

    def upload_appendix(self, invoice_id: int, filename: str, data: bytes) -> dict[str, Any]:
        response = self.http.request(
            "POST",
            f"/customer_invoices/{invoice_id}/appendices",
            files={"file": (filename, data, "application/pdf")},
        )
        return dict(response.json())

    def update_customer(self, kind: str, customer_id: int, fields: dict[str, Any]) -> None:
        """PUT on the typed customer (``company`` or ``individual``): replaces those fields."""
        self.http.request("PUT", f"/{kind}_customers/{customer_id}", json=fields)

    # --- webhook subscriptions (two published forms: see subscriptions.py) --------------------
    def webhook_subscriptions(self) -> list[dict[str, Any]] | None:
        """The plural form's list, or None when the company's API has no such path (404)."""
        try:
            return list(self._pages(f"/{PLURAL}", {}, PAGE))
        except SourceRejected as exc:
            if exc.status == 404:
                return None
            raise

    def webhook_subscription(self) -> dict[str, Any] | None:
        """The singular form's one subscription of this token, or None (404: there is none)."""
        try:
            return dict(self._json(f"/{SINGULAR}"))
        except SourceRejected as exc:
            if exc.status == 404:
                return None
            raise

    def create_webhook_subscription(
        self, plural: bool, callback_url: str, events: Sequence[str]
    ) -> dict[str, Any]:
        response = self.http.request(
            "POST",
            f"/{PLURAL if plural else SINGULAR}",
            json={"callback_url": callback_url, "events": list(events), "enabled": True},
        )
        return dict(response.json())

    def delete_webhook_subscription(self, subscription_id: int | None) -> None:
        """Delete one by id (the plural form), or this token's one (``None``: singular)."""
        path = f"/{SINGULAR}" if subscription_id is None else f"/{PLURAL}/{subscription_id}"
        self.http.request("DELETE", path)

    # --- files --------------------------------------------------------------------------------
    def download(self, url: str) -> bytes:
        """A ``public_file_url``: pre-signed, on another host, so fetched without our token."""
        where = url.split("?", 1)[0]
        try:
            response = requests.get(url, timeout=FILE_TIMEOUT)
        except requests.RequestException as exc:
            raise SourceUnavailable(
                f"Pennylane file {where} unreachable ({type(exc).__name__})", platform="pennylane"
            ) from None
        log.info("GET %s %s (invoice file)", where, response.status_code)
        if response.status_code != 200:
            raise SourceRejected(
                f"Pennylane file {where} answered HTTP {response.status_code}",
                platform="pennylane",
                status=response.status_code,
                hint="the link lasts 30 minutes: relance re-reads the invoice for a fresh one",
            )
        return response.content
