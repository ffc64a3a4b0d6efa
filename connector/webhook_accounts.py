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

A source takes part by implementing ``AccountWebhooks``. The directory of accounts is
built from the sources themselves (the account is in each tenant's encrypted credentials)
when the receiver starts (or on the first delivery), read again in the background every
minute, and searched for new tenants (only them) when a delivery names an account it does
not know, at most every 5 s.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from concurrent.futures import Executor, Future
from dataclasses import dataclass
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
DIRECTORY_SECONDS = 60.0  # the directory is read again in full this often, in the background
UNKNOWN_RETRY_SECONDS = 5.0  # new tenants are looked for at most this often

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


@dataclass
class _Directory:
    built_at: float  # read in full
    scanned_at: float  # last searched for new tenants
    accounts: dict[str, list[str]]  # account -> tenants
    sources: dict[str, Source]  # tenant -> its source
    refreshing: bool = False


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
        self._built: dict[str, _Directory] = {}

    def _read(
        self, platform: str, skip: AbstractSet[str] = frozenset()
    ) -> tuple[dict[str, list[str]], dict[str, Source]]:
        """Each tenant of ``platform`` (but those in ``skip``) by the account it is on."""
        accounts: dict[str, list[str]] = {}
        sources: dict[str, Source] = {}
        for record in self._tenants():
            if str(record.platform) != platform or record.slug in skip:
                continue
            try:
                found = self._source(record.slug)
            except RelanceError as exc:  # not connected, or its file does not load
                log.warning("webhook directory: tenant %s left out: %s", record.slug, exc.message)
                continue
            if isinstance(found, AccountWebhooks):
                accounts.setdefault(found.webhook_account, []).append(record.slug)
                sources[record.slug] = found
        return accounts, sources

    def _refresh(self, platform: str) -> None:
        """Built again in the background: a tenant removed, or connected to another account."""
        try:
            accounts, sources = self._read(platform)
        except Exception:  # the store is unreachable: the current directory stays
            log.exception("webhook directory for %s not refreshed", platform)
            with self._lock:
                self._built[platform].refreshing = False
            return
        with self._lock:
            now = self._now()
            self._built[platform] = _Directory(now, now, accounts, sources)

    def _current(
        self, platform: str, wanted: AbstractSet[str] = frozenset()
    ) -> tuple[dict[str, list[str]], dict[str, Source]]:
        """The directory: built on first use; searched again, at most every few seconds and
        for tenants it does not hold yet only, when an account it does not know is wanted;
        rebuilt in the background every minute, while the current one serves."""
        with self._lock:
            entry, now = self._built.get(platform), self._now()
            if entry is None:
                accounts, sources = self._read(platform)
                entry = self._built[platform] = _Directory(now, now, accounts, sources)
            elif not wanted <= entry.accounts.keys() and (
                now - entry.scanned_at >= UNKNOWN_RETRY_SECONDS
            ):  # a tenant connected since? (new dicts: readers may hold the old ones)
                accounts, sources = self._read(platform, skip=entry.sources.keys())
                merged = {a: list(slugs) for a, slugs in entry.accounts.items()}
                for account, slugs in accounts.items():
                    merged.setdefault(account, []).extend(slugs)
                entry.accounts, entry.sources = merged, {**entry.sources, **sources}
                entry.scanned_at = now
            if now - entry.built_at >= DIRECTORY_SECONDS and not entry.refreshing:
                entry.refreshing = True
                threading.Thread(
                    target=self._refresh, args=(platform,), name="webhook-directory", daemon=True
                ).start()
            return entry.accounts, entry.sources

    def warm(self) -> None:
        """At start, in the background: the directory of each platform whose sources route
        by account, built before the first delivery has to wait for it (opening every
        tenant's source takes a few milliseconds each: seconds for a thousand tenants)."""

        def run() -> None:
            try:
                first = {str(r.platform): r.slug for r in reversed(self._tenants())}
                for platform, slug in sorted(first.items()):
                    try:
                        routed = isinstance(self._source(slug), AccountWebhooks)
                    except RelanceError:
                        routed = True  # that tenant's source does not open: try the others
                    if routed:
                        self._current(platform)
            except Exception:  # the first delivery builds it instead
                log.exception("webhook directory not built at start")

        threading.Thread(target=run, name="webhook-directory", daemon=True).start()

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
    directory: AccountDirectory,
    platform: str,
    headers: dict[str, str],
    body: bytes,
    refused: Callable[[str, str], None] | None = None,
) -> JSONResponse | list[tuple[str, list[Event]]]:
    """Each tenant's events of a verified delivery, or the answer refusing it (``refused``
    told the platform and why, when the signature does not hold)."""
    verifier = directory.verifier(platform)
    if verifier is None:
        return _answer(404, error=f"no {platform} tenant here to verify deliveries with")
    try:
        accounts = verifier.webhook_accounts(headers, body)
    except (SourceRejected, AuthorizationLost) as exc:
        log.warning("%s webhook refused: %s", platform, exc.message)
        if refused is not None:
            refused(platform, exc.message)
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
    read_body: Callable[[Request], Awaitable[bytes | JSONResponse | None]] | None = None,
    refused: Callable[[str, str], None] | None = None,
) -> Callable[[Request], Any]:
    """The ``POST /webhooks/{platform}`` handler: verified in ``pool``, each tenant's events
    handed to ``submit`` (the inbox writer), answered 200 once all are stored. ``read_body``
    reads the raw body within the receiver's deadline (an answer refusing it, or None when the
    caller left); without it, the body is read as it comes, up to ``max_body``."""

    async def whole_body(request: Request) -> bytes | JSONResponse | None:
        body = bytearray()
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > max_body:
                return _answer(413, error=f"body over {max_body} bytes")
        return bytes(body)

    reader = read_body or whole_body

    async def handle(request: Request) -> Response:
        platform = request.path_params["platform"]
        answer = await _handle(request, platform)
        if count is not None:
            outcome = {200: "stored", 401: "refused", 404: "unknown"}.get(answer.status_code)
            if answer.status_code == 200 and b'"error"' in answer.body:
                outcome = "malformed"  # acknowledged, so that Intuit does not retry it
            count(platform[:20], outcome or "failed")
        return answer

    async def _handle(request: Request, platform: str) -> JSONResponse:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_body:
            return _answer(413, error=f"body over {max_body} bytes")
        body = await reader(request)
        if body is None:
            return _answer(400, error="the caller left")
        if isinstance(body, JSONResponse):
            return body
        loop = asyncio.get_running_loop()
        try:
            routed = await loop.run_in_executor(
                pool, _route, directory, platform, dict(request.headers), bytes(body), refused
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
