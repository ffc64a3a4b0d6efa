"""QuickBooks Online Accounting API v3 on connector.http: queries, CDC, batch, sparse updates.

* Every call carries ``minorversion`` (pinned here, once): Intuit retired 1-74 on 1 Aug 2025.
* Every JSON call says ``Accept: application/json``: without it QuickBooks answers XML
  (developer.intuit.com … learn/rest-api-features, "Common request header fields").
* Limits (platform-apis.md §2.7): 500 requests per minute per realm, 10 per second (or 10
  concurrent) per realm and app; batch: 30 items, and since 31 October 2025 at most 120
  batch requests per minute per realm (blogs.intuit.com 2025-08-13, "Upcoming changes to
  the Accounting API"), besides the general limit. The client paces itself at 8 per second,
  one at a time, which stays under both however the limit is counted, and its batch
  requests at 110 in any minute per company.
* CDC's ``changedSince`` is written as Intuit's DateTime type documents it,
  ``YYYY-MM-DDTHH:MM:SS±HH:MM`` (seconds, with the offset; an instant with a fraction of a
  second is taken back to the whole second, so nothing is skipped).
* Intuit's faults (``{"Fault": {"Error": [{"code", "Message", "Detail"}], "type"}}``, keys
  sometimes lower-case, 429 sometimes in XML) become relance errors; ``intuit_tid`` is
  logged as the request id.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import requests

from connector.clock import Clock
from connector.errors import (
    AuthorizationLost,
    DataError,
    RateLimited,
    SourceRejected,
    SourceUnavailable,
)
from connector.http import HttpClient, HttpPolicy, parse_retry_after, shared_limiter

__all__ = [
    "BASE_URL",
    "BATCH",
    "BATCH_POLICY",
    "MINOR_VERSION",
    "PAGE",
    "POLICY",
    "SANDBOX_URL",
    "QuickBooksClient",
    "StaleObject",
    "classify",
    "fault_of",
]

BASE_URL = "https://quickbooks.api.intuit.com/v3/company"
SANDBOX_URL = "https://sandbox-quickbooks.api.intuit.com/v3/company"
MINOR_VERSION = "75"
PAGE, BATCH, IDS_PER_QUERY = 1000, 30, 200
POLICY = HttpPolicy(platform="quickbooks", rate=8.0, burst=1, retry_after_cap=90.0)
# 120 batch requests per minute per company (Intuit, since 2025-10-31): 110, for the margin
BATCH_POLICY = HttpPolicy(platform="quickbooks-batch", rate=110 / 60, burst=110, window=60.0)
JSON = {"Accept": "application/json"}
THROTTLE_WAIT = 60.0  # Intuit documents no Retry-After: wait a minute, as its guide says


class StaleObject(SourceRejected):
    """The record changed since it was read (a SyncToken behind): read again, then write."""


def fault_of(body: Any) -> tuple[str, str]:
    """(code, message) of an Intuit fault, whatever the case of its keys."""
    if not isinstance(body, dict):
        return "", ""
    fault = next((v for k, v in body.items() if k.lower() == "fault"), None)
    if not isinstance(fault, dict):
        return "", ""
    errors = next((v for k, v in fault.items() if k.lower() == "error"), None) or [{}]
    first = {k.lower(): v for k, v in errors[0].items()} if isinstance(errors[0], dict) else {}
    message = str(first.get("message") or "")
    detail = str(first.get("detail") or "")
    text = f"{message}: {detail}" if detail and detail != message else message
    return str(first.get("code") or ""), text[:240]


def _fault(response: requests.Response) -> tuple[str, str]:
    try:
        return fault_of(response.json())
    except ValueError:
        text = response.text[:2000]  # XML, as Intuit sometimes answers a 429
        code = re.search(r"code=\"?(\d+)|<code>(\d+)</code>|errorCode=0*(\d+)", text, re.I)
        found = next((g for g in code.groups() if g), "") if code else ""
        return found, "non-JSON fault"


def classify(response: requests.Response, policy: HttpPolicy, now: datetime) -> None:
    status = response.status_code
    if status < 400:
        return
    code, message = _fault(response)
    tid = response.headers.get("intuit_tid")
    where = f"QuickBooks answered HTTP {status}" + (f" (code {code}: {message})" if code else "")
    if status == 401:
        raise AuthorizationLost(
            f"QuickBooks refused the access token{f' (code {code})' if code else ''}",
            platform="quickbooks",
            status=401,
            request_id=tid,
            hint="reconnect: relance connect quickbooks --tenant NAME",
        )
    if status == 429 or code == "3001":
        wait = parse_retry_after(response.headers.get("retry-after"), now)
        raise RateLimited(
            "QuickBooks throttled the requests (code 3001)",
            platform="quickbooks",
            retry_after=THROTTLE_WAIT if wait is None else wait,
            request_id=tid,
        )
    if status >= 500:
        raise SourceUnavailable(
            where, platform="quickbooks", status=status, request_id=tid, hint="relance retries"
        )
    if code == "5010":
        raise StaleObject(where, platform="quickbooks", status=status, request_id=tid)
    hints = {
        "3100": "the company no longer authorizes relance: relance connect quickbooks",
        "120": "the QuickBooks user who connected relance lost access to the company",
        "6190": "the company's QuickBooks subscription has ended",
        "610": "the record was deleted or made inactive in QuickBooks",
    }
    raise SourceRejected(
        where, platform="quickbooks", status=status, request_id=tid, hint=hints.get(code)
    )


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def changed_since(instant: datetime) -> str:
    """``changedSince`` as Intuit's DateTime: whole seconds, with the offset."""
    if instant.tzinfo is None:
        raise ValueError("changedSince needs a timezone-aware instant")
    return instant.replace(microsecond=0).isoformat()


class QuickBooksClient:
    def __init__(self, http: HttpClient, realm: str, *, clock: Clock | None = None) -> None:
        self.http, self.realm = http, realm
        # batch requests have a limit of their own, per company: one pace per realm, shared
        # by every client of the process (the HttpClient's clock unless told otherwise)
        self._batch_pace = shared_limiter(BATCH_POLICY, realm, clock or http._clock)

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        idempotency_key: str | None = None,
    ) -> Any:
        query = {"minorversion": MINOR_VERSION, **(params or {})}
        response = self.http.request(
            method,
            f"/{self.realm}/{path}",
            params=query,
            json=body,
            headers=JSON,
            idempotency_key=idempotency_key,
        )
        try:
            return response.json(parse_float=Decimal)
        except ValueError:
            raise DataError(f"QuickBooks sent something that is not JSON for {path}") from None

    # --- reads --------------------------------------------------------------------------------
    def query(self, statement: str, include: str | None = None) -> dict[str, Any]:
        """One statement; ``include`` asks for what Intuit leaves out unless asked
        (``invoiceLink``: the invoice's pay-online link, minor version 36 and later)."""
        params = {"query": statement, **({"include": include} if include else {})}
        data = self._call("GET", "query", params=params)
        response = data.get("QueryResponse") if isinstance(data, dict) else None
        if not isinstance(response, dict):
            raise DataError("QuickBooks answered a query without a QueryResponse")
        return response

    def query_all(
        self, entity: str, where: str = "", include: str | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every row, a thousand per request, in Id order (paging while a page is full)."""
        start = 1
        while True:
            statement = (  # Intuit's query language, values quoted by _quote
                f"select * from {entity}{f' where {where}' if where else ''} "  # noqa: S608
                f"ORDERBY Id STARTPOSITION {start} MAXRESULTS {PAGE}"
            )
            rows = self.query(statement, include).get(entity, [])
            yield from rows
            if len(rows) < PAGE:
                return
            start += PAGE

    def by_ids(
        self, entity: str, ids: Sequence[str], include: str | None = None
    ) -> Iterator[dict[str, Any]]:
        for start in range(0, len(ids), IDS_PER_QUERY):
            chunk = ", ".join(_quote(i) for i in ids[start : start + IDS_PER_QUERY])
            yield from self.query_all(entity, f"Id IN ({chunk})", include)

    def read(self, entity: str, entity_id: str) -> dict[str, Any]:
        data = self._call("GET", f"{entity.lower()}/{entity_id}")
        record = data.get(entity) if isinstance(data, dict) else None
        if not isinstance(record, dict):
            raise DataError(f"QuickBooks answered a read of {entity} {entity_id} without it")
        return record

    def cdc(self, entities: Sequence[str], since: datetime) -> dict[str, list[dict[str, Any]]]:
        """What changed since ``since``, per entity (deleted ones with ``status: Deleted``)."""
        data = self._call(
            "GET",
            "cdc",
            params={"entities": ",".join(entities), "changedSince": changed_since(since)},
        )
        found: dict[str, list[dict[str, Any]]] = {e: [] for e in entities}
        for block in data.get("CDCResponse", []) if isinstance(data, dict) else []:
            for response in block.get("QueryResponse", []):
                for entity in entities:
                    found[entity].extend(response.get(entity, []))
        return found

    def pdf(self, entity: str, entity_id: str) -> bytes:
        """The document as QuickBooks renders it (``GET /{entity}/{id}/pdf``)."""
        response = self.http.request(
            "GET",
            f"/{self.realm}/{entity.lower()}/{entity_id}/pdf",
            params={"minorversion": MINOR_VERSION},
            headers={"Accept": "application/pdf"},
        )
        if not response.content.startswith(b"%PDF"):
            raise DataError(f"QuickBooks sent something that is not a PDF for {entity} {entity_id}")
        return response.content

    def preferences(self) -> dict[str, Any]:
        data = self._call("GET", "preferences")
        return dict(data.get("Preferences") or {}) if isinstance(data, dict) else {}

    # --- writes -------------------------------------------------------------------------------
    def create(self, entity: str, body: dict[str, Any], request_id: str) -> dict[str, Any]:
        """A create Intuit deduplicates by ``requestid``: replaying it adds nothing."""
        data = self._call(
            "POST",
            entity.lower(),
            params={"requestid": request_id},
            body=body,
            idempotency_key=request_id,  # the same requestid: safe to replay after a timeout
        )
        return dict(data.get(entity) or {}) if isinstance(data, dict) else {}

    def batch(self, items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """Batch items by ``bId``, 30 per request; each item answers (or faults) alone. The
        requests are paced under the batch limit as well as the general one."""
        answers: dict[str, dict[str, Any]] = {}
        for start in range(0, len(items), BATCH):
            chunk = items[start : start + BATCH]
            self._batch_pace.acquire()
            data = self._call("POST", "batch", body={"BatchItemRequest": chunk})
            for item in data.get("BatchItemResponse", []) if isinstance(data, dict) else []:
                answers[str(item.get("bId"))] = item
        return answers

    @staticmethod
    def quote(value: str) -> str:
        return _quote(value)
