"""One webhook address per platform app, for every account connected to it.

Some platforms send one delivery stream per *app*, not per customer: Intuit calls a single
endpoint, set once on the app's page, for every QuickBooks company connected to the app, and
one delivery can name several companies (developer.intuit.com … develop/webhooks:
"Webhooks apply to all QuickBooks Online companies connected to your app"). The receiver
takes those at ``POST /webhooks/{platform}`` (``/webhooks/quickbooks``): it checks the
delivery's signature with any of the platform's sources (the app's verifier is shared),
asks which accounts it names, finds the tenants connected to each account (``realmId`` for
QuickBooks; two tenants may share one), and hands each of them its own events, filtered by
its own source, to the inbox, as the per-tenant address does. Intuit wants an HTTP 200
within 3 seconds (… webhooks/best-practices), so nothing is re-read here; a delivery for an
account no tenant is connected to is acknowledged, not refused, since Intuit retries a
refused one and may hold later ones until it is acknowledged.

A source takes part by implementing ``AccountWebhooks``; the directory of accounts is
built from the sources themselves (the account is in each tenant's encrypted credentials),
kept a minute, and built again sooner when a delivery names an account it does not know.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from concurrent.futures import Executor, Future
from typing import Any, Protocol, runtime_checkable

from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from connector.errors import (
    AuthorizationLost,
    DataError,
    RelanceError,
    SourceRejected,
    Unsupported,
)
from connector.source import Event, Source
from connector.store import TenantRecord

__all__ = [
    "ACCOUNT_WEBHOOK_OPERATION",
    "ACCOUNT_WEBHOOK_PATH",
    "AccountDirectory",
    "AccountWebhooks",
    "account_webhook",
]

log = logging.getLogger(__name__)

ACCOUNT_WEBHOOK_PATH = "/webhooks/{platform}"
DIRECTORY_SECONDS = 60.0  # the directory is rebuilt this often at most, unless an account…
UNKNOWN_RETRY_SECONDS = 5.0  # …it does not know comes, then this often at most

Submit = Callable[[str, str, list[Event]], "Future[int]"]


@runtime_checkable
class AccountWebhooks(Protocol):
    """Optional: a source whose platform sends one webhook stream per app."""

    @property
    def webhook_account(self) -> str:
        """The platform account the tenant is connected to (QuickBooks: the realmId)."""
        ...

    def webhook_accounts(self, headers: Mapping[str, str], body: bytes) -> set[str]:
        """Verify a delivery's signature (raising as ``parse_webhook`` does), then say which
        accounts it names."""
        ...


class AccountDirectory:
    """Which tenants are connected to which platform account, from their own sources."""

    def __init__(
        self,
        tenants: Callable[[], Sequence[TenantRecord]],
        source: Callable[[str], Source | None],
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._tenants, self._source, self._now = tenants, source, monotonic
        self._lock = threading.Lock()
        # platform -> (built at, account -> tenants, the tenants' sources)
        self._built: dict[str, tuple[float, dict[str, list[str]], dict[str, Source]]] = {}

    def _build(self, platform: str) -> None:
        accounts: dict[str, list[str]] = {}
        sources: dict[str, Source] = {}
        for record in self._tenants():
            if str(record.platform) != platform:
                continue
            try:
                found = self._source(record.slug)
            except RelanceError as exc:  # not connected, or its file does not load
                log.warning("webhook directory: tenant %s left out: %s", record.slug, exc.message)
                continue
            if isinstance(found, AccountWebhooks):
                accounts.setdefault(found.webhook_account, []).append(record.slug)
                sources[record.slug] = found
        self._built[platform] = (self._now(), accounts, sources)

    def _current(
        self, platform: str, wanted: AbstractSet[str] = frozenset()
    ) -> tuple[dict[str, list[str]], dict[str, Source]]:
        with self._lock:
            built = self._built.get(platform)
            age = self._now() - built[0] if built else None
            unknown = built is not None and not wanted <= built[1].keys()
            if (
                age is None
                or age >= DIRECTORY_SECONDS
                or (unknown and age >= UNKNOWN_RETRY_SECONDS)
            ):
                self._build(platform)
            _, accounts, sources = self._built[platform]
            return accounts, sources

    def verifier(self, platform: str) -> AccountWebhooks | None:
        """One of the platform's sources, to check a delivery's signature with."""
        _, sources = self._current(platform)
        found = next(iter(sources.values()), None)
        return found if isinstance(found, AccountWebhooks) else None

    def tenants(self, platform: str, accounts: AbstractSet[str]) -> dict[str, Source]:
        """The tenants connected to any of ``accounts``, with their sources (an account no
        tenant is connected to is logged: a company connected to the app, not to relance)."""
        directory, sources = self._current(platform, accounts)
        for account in sorted(accounts - directory.keys()):
            log.warning(
                "%s webhook for account %s: no tenant is connected to it", platform, account
            )
        return {
            slug: sources[slug]
            for account in sorted(accounts)
            for slug in directory.get(account, ())
        }


def _answer(status: int, **body: Any) -> JSONResponse:
    return JSONResponse(body, status_code=status)


def _route(
    directory: AccountDirectory, platform: str, headers: dict[str, str], body: bytes
) -> JSONResponse | list[tuple[str, list[Event]]]:
    """Each tenant's events of a verified delivery, or the answer refusing it."""
    verifier = directory.verifier(platform)
    if verifier is None:
        return _answer(404, error=f"no {platform} tenant here to verify deliveries with")
    try:
        accounts = verifier.webhook_accounts(headers, body)
    except (SourceRejected, AuthorizationLost) as exc:
        log.warning("%s webhook refused: %s", platform, exc.message)
        return _answer(401, error=exc.message, hint=exc.hint or "")
    except Unsupported as exc:  # relance lacks the verifier: Intuit retries once it is set
        log.error("%s webhook not verified: %s", platform, exc.message)
        return _answer(503, error=exc.message, hint=exc.hint or "")
    except DataError as exc:  # signed, but unreadable: a retry would not read better
        log.error("%s webhook not read: %s", platform, exc.message)
        return _answer(200, events=0, new=0, error=exc.message)
    routed = []
    for slug, source in directory.tenants(platform, accounts).items():
        try:  # the tenant's own source keeps its own account's events
            routed.append((slug, source.parse_webhook(headers, body)))
        except (SourceRejected, AuthorizationLost, DataError) as exc:
            log.error("%s webhook for %s not read: %s", platform, slug, exc.message)
    return routed


def account_webhook(
    directory: AccountDirectory,
    pool: Executor,
    submit: Submit,
    *,
    max_body: int,
    store_timeout: float,
    count: Callable[[str, str], None] | None = None,
) -> Callable[[Request], Any]:
    """The ``POST /webhooks/{platform}`` handler: verified in ``pool``, each tenant's events
    handed to ``submit`` (the inbox writer), answered 200 once all are stored."""

    async def handle(request: Request) -> Response:
        platform = request.path_params["platform"]
        answer = await _handle(request, platform)
        if count is not None:
            outcome = {200: "stored", 401: "refused", 404: "unknown", 413: "malformed"}
            count(platform[:20], outcome.get(answer.status_code, "failed"))
        return answer

    async def _handle(request: Request, platform: str) -> JSONResponse:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_body:
            return _answer(413, error=f"body over {max_body} bytes")
        body = bytearray()
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > max_body:
                return _answer(413, error=f"body over {max_body} bytes")
        loop = asyncio.get_running_loop()
        try:
            routed = await loop.run_in_executor(
                pool, _route, directory, platform, dict(request.headers), bytes(body)
            )
        except (RelanceError, SQLAlchemyError) as exc:  # the store is down: no tenant list
            log.error("%s webhook not routed: %s", platform, type(exc).__name__)
            return _answer(503, error="the event could not be stored", hint="retried later")
        if isinstance(routed, JSONResponse):
            return routed
        commits = [submit(slug, platform, events) for slug, events in routed]
        try:
            async with asyncio.timeout(store_timeout):
                new = sum(await asyncio.gather(*(asyncio.wrap_future(c) for c in commits)))
        except (TimeoutError, RelanceError, SQLAlchemyError) as exc:
            log.error("%s webhook not stored: %s", platform, type(exc).__name__)
            return _answer(503, error="the event could not be stored", hint="retried later")
        events = sum(len(e) for _, e in routed)
        log.info(
            "%s webhook: %d event(s) for %d tenant(s), %d new", platform, events, len(routed), new
        )
        return _answer(200, events=events, new=new)

    return handle


_REFUSAL = {
    "application/json": {
        "schema": {
            "type": "object",
            "properties": {"error": {"type": "string"}, "hint": {"type": "string"}},
        }
    }
}
ACCOUNT_WEBHOOK_OPERATION: dict[str, Any] = {
    "summary": "One delivery for every account connected to the platform app (QuickBooks)",
    "description": "Verified with the app's verifier, routed by account (realmId) to the "
    "tenants connected to it, stored once per event id, then answered 200.",
    "operationId": "accountWebhook",
    "parameters": [
        {"name": "platform", "in": "path", "required": True, "schema": {"type": "string"}}
    ],
    # Intuit's two shapes: the legacy object, the CloudEvents array
    "requestBody": {
        "content": {
            "application/json": {"schema": {"type": ["object", "array"]}},
            "application/cloudevents+json": {"schema": {"type": "array"}},
        }
    },
    "responses": {
        "200": {
            "description": "stored, already stored, or about no tenant here",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "events": {"type": "integer"},
                            "new": {"type": "integer"},
                            "error": {"type": "string"},
                        },
                    }
                }
            },
        },
        **{
            str(status): {"description": text, "content": _REFUSAL}
            for status, text in (
                (401, "forged or unsigned delivery"),
                (404, "no tenant of that platform"),
                (413, "body too large"),
                (503, "store unavailable; retry"),
            )
        },
    },
}
