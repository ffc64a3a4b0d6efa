"""The webhook receiver: an ASGI app (FastAPI) in front of ``connector.intake.receive``.

``POST /webhooks/{platform}/{tenant}`` reads the raw body, lets the tenant's own source check
the platform's signature (each adapter's ``parse_webhook``, a constant-time comparison) and
stores the events in the inbox, deduplicated by the platform's event id, before answering
202 (200 to QuickBooks, as Intuit asks). Nothing is processed here: ``process_inbox``
re-reads what the events name, later. ``POST /webhooks/{platform}`` takes the deliveries a
platform sends once per app for every connected account (QuickBooks: one address for every
company), routed by account to the tenants connected to it (webhook_accounts.py).

Answers, each a JSON object ``{"error": …, "hint": …}`` when refused:

* 401: a forged or unsigned delivery (nothing stored);
* 400: a malformed body, or events naming another tenant's records;
* 404: an unknown tenant, or a platform that is not the tenant's;
* 413: a body over the size limit;
* 503: the store cannot be reached (the platform retries later).

A token in the query string (``?token=…``, how Odoo's automation rules authenticate) is
handed to the source as the ``X-Relance-Token`` header, never logged.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.routing import Route

from connector.errors import (
    AuthorizationLost,
    DataError,
    RelanceError,
    SourceRejected,
    StoreError,
    Unsupported,
)
from connector.metrics import CONTENT_TYPE, Metrics
from connector.source import Event, Source
from connector.store import Store, TenantRecord
from connector.webhook_accounts import (
    ACCOUNT_WEBHOOK_OPERATION,
    ACCOUNT_WEBHOOK_PATH,
    AccountDirectory,
    account_webhook,
)

__all__ = ["MAX_BODY", "create_app"]

log = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024  # platforms send small JSON documents; anything bigger is refused
TENANT_CACHE_SECONDS = 60.0
STORE_TIMEOUT = 30.0  # seconds a delivery waits for its commit before a 503
VERIFIERS = 2  # threads verifying deliveries: a source may read its secret from the store
TOKEN_HEADER = "X-Relance-Token"  # noqa: S105 - a header name, not a secret
# the status a stored delivery is answered with: Intuit wants 200 (… webhooks/best-practices)
ACKNOWLEDGED = {"quickbooks": 200}


WEBHOOK_PATH = "/webhooks/{platform}/{tenant}"
_TEXT = {"schema": {"type": "string"}}
_REFUSAL = {
    "application/json": {
        "schema": {
            "type": "object",
            "properties": {"error": {"type": "string"}, "hint": {"type": "string"}},
        }
    }
}
WEBHOOK_OPERATION: dict[str, Any] = {
    "summary": "One delivery from a platform",
    "description": "Verified with the tenant's own source and stored, once per platform event "
    "id, before the answer.",
    "operationId": "webhook",
    "parameters": [
        {"name": "platform", "in": "path", "required": True, **_TEXT},
        {"name": "tenant", "in": "path", "required": True, **_TEXT},
        {"name": "token", "in": "query", "required": False, **_TEXT},
    ],
    "requestBody": {"content": {"application/json": {"schema": {}}}},
    "responses": {
        "202": {
            "description": "stored (or already stored)",
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {"events": {"type": "integer"}, "new": {"type": "integer"}},
                    }
                }
            },
        },
        **{
            str(status): {"description": text, "content": _REFUSAL}
            for status, text in (
                (400, "malformed delivery"),
                (401, "forged or unsigned delivery"),
                (404, "unknown tenant or platform"),
                (413, "body too large"),
                (503, "store unavailable; retry"),
            )
        },
    },
}
_Delivery = tuple[str, str, list[Event], Future[int]]  # tenant, platform, events, commit


class InboxWriter:
    """One thread that stores what the request handlers verified, a few deliveries per
    transaction: each request still waits for its own commit before it answers, but
    concurrent requests share one commit (one fsync) instead of one each."""

    def __init__(self, store: Store, *, batch: int = 64, linger: float = 0.002) -> None:
        self.store, self.batch, self.linger = store, batch, linger
        self._queue: queue.SimpleQueue[_Delivery | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="inbox-writer", daemon=True)
        self._thread.start()

    def submit(self, tenant: str, platform: str, events: list[Event]) -> Future[int]:
        done: Future[int] = Future()
        self._queue.put((tenant, platform, events, done))
        return done

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            items = [first]
            deadline = time.monotonic() + self.linger
            while len(items) < self.batch:
                try:
                    item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)  # finish this batch, then stop
                    break
                items.append(item)
            # a request that gave up waiting (and answered 503) is not stored now: its
            # platform retries; one already being stored is kept (a retry is then a duplicate)
            self._store([item for item in items if item[3].set_running_or_notify_cancel()])

    def _store(self, items: list[_Delivery]) -> None:
        if not items:
            return
        try:
            counts = self.store.record_inbound_batch([(t, p, e) for t, p, e, _ in items])
        except (RelanceError, SQLAlchemyError):
            for tenant, platform, events, done in items:  # each on its own: errors stay theirs
                try:
                    done.set_result(self.store.record_inbound(tenant, platform, events))
                except (RelanceError, SQLAlchemyError) as exc:
                    done.set_exception(exc)
            return
        for (_, _, _, done), count in zip(items, counts, strict=True):
            done.set_result(count)


def _refuse(status: int, error: str, hint: str = "") -> JSONResponse:
    return JSONResponse({"error": error, "hint": hint}, status_code=status)


def _unstored(slug: str, exc: Exception) -> JSONResponse:
    """The answer to a verified delivery the store refused or could not take."""
    if isinstance(exc, DataError) or (isinstance(exc, StoreError) and "names" in exc.message):
        return _refuse(400, exc.message, exc.hint or "")  # e.g. naming another tenant's record
    reason = exc.message if isinstance(exc, RelanceError) else type(exc).__name__
    log.error("webhook for %s not stored: %s", slug, reason)
    return _refuse(503, "the event could not be stored", "the platform will retry")


def _describe_webhook(app: FastAPI) -> None:
    """Add the webhook route, which FastAPI does not see, to the published description."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            paths = generate()["paths"]
            paths[WEBHOOK_PATH] = {"post": WEBHOOK_OPERATION}
            paths[ACCOUNT_WEBHOOK_PATH] = {"post": ACCOUNT_WEBHOOK_OPERATION}
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(
    store: Store,
    source_for: Callable[[str], Source | None],
    *,
    max_body: int = MAX_BODY,
    ready: Callable[[], bool] | None = None,
    metrics: Metrics | None = None,
    verifiers: int = VERIFIERS,
) -> FastAPI:
    """The receiver for every tenant of ``store``; ``source_for(slug)`` opens a tenant's source
    (kept for the app's life: a source holds its HTTP session and webhook secret).

    A delivery is read on the event loop, verified by one of ``verifiers`` threads (a source
    may read its secret from the store) and handed to the inbox writer; the event loop
    awaits the commit, so no thread is held while a delivery waits for its transaction."""
    app = FastAPI(
        title="relance webhook receiver",
        version="1",
        description="Platforms report invoices paid or changed; relance stores each event "
        "once and re-reads what it names.",
    )
    sources: dict[str, tuple[float, Source | None]] = {}
    lock = threading.Lock()
    writer = InboxWriter(store)
    pool = ThreadPoolExecutor(verifiers, thread_name_prefix="webhook-verify")
    app.router.on_shutdown.append(writer.close)
    app.router.on_shutdown.append(pool.shutdown)

    def source(slug: str) -> Source | None:
        """Asked of ``source_for`` once a minute per tenant, so that a tenant added or
        changed meanwhile is served as it is now (``source_for`` keeps its own sources)."""
        with lock:
            cached = sources.get(slug)
            if cached is None or time.monotonic() - cached[0] >= TENANT_CACHE_SECONDS:
                cached = sources[slug] = (time.monotonic(), source_for(slug))
            return cached[1]

    known: dict[str, tuple[float, TenantRecord]] = {}

    def tenant_record(slug: str) -> TenantRecord:
        """Tenants change rarely: looked up once a minute, not once a delivery."""
        cached = known.get(slug)
        if cached is not None and time.monotonic() - cached[0] < TENANT_CACHE_SECONDS:
            return cached[1]
        record = store.tenant(slug)
        known[slug] = (time.monotonic(), record)
        return record

    def verified(
        platform: str, slug: str, headers: dict[str, str], body: bytes
    ) -> JSONResponse | tuple[str, list[Event]]:
        """The tenant's platform and the delivery's events, or the answer refusing it."""
        try:
            tenant = tenant_record(slug)
        except StoreError:
            return _refuse(404, f"no tenant {slug!r} here", "check the address in the platform")
        if str(tenant.platform) != platform:
            return _refuse(404, f"tenant {slug!r} is not on {platform}", "check the address")
        try:
            found = source(slug)
        except RelanceError as exc:  # its file does not load: fixable, and the platform retries
            log.error("webhook for %s: the tenant's source does not open: %s", slug, exc.message)
            return _refuse(503, f"tenant {slug!r} cannot be served now", "the platform will retry")
        if found is None:
            return _refuse(404, f"tenant {slug!r} has no live source to verify deliveries")
        try:
            return str(tenant.platform), found.parse_webhook(headers, body)
        except (SourceRejected, AuthorizationLost) as exc:
            if exc.status in (None, 401, 403):
                log.warning("webhook for %s refused: %s", slug, exc.message)
                return _refuse(401, exc.message, exc.hint or "")
            return _refuse(400, exc.message, exc.hint or "")
        except (Unsupported, DataError) as exc:
            return _refuse(400, exc.message, exc.hint or "")
        except RelanceError as exc:  # the source could not read its secret
            return _unstored(slug, exc)

    async def intake(
        platform: str, slug: str, headers: dict[str, str], body: bytes
    ) -> JSONResponse:
        loop = asyncio.get_running_loop()
        try:
            checked = await loop.run_in_executor(pool, verified, platform, slug, headers, body)
        except SQLAlchemyError as exc:  # the store is down: no tenant, no secret to read
            return _unstored(slug, exc)
        if isinstance(checked, JSONResponse):
            return checked
        stored, events = checked
        commit = writer.submit(slug, stored, events)
        try:
            async with asyncio.timeout(STORE_TIMEOUT):
                new = await asyncio.wrap_future(commit)
        except TimeoutError:
            log.error("webhook for %s not stored in time", slug)
            return _refuse(503, "the event could not be stored in time", "the platform will retry")
        except (RelanceError, SQLAlchemyError) as exc:
            return _unstored(slug, exc)
        log.info("webhook for %s: %d event(s), %d new", slug, len(events), new)
        answer = {"events": len(events), "new": new}
        return JSONResponse(answer, status_code=ACKNOWLEDGED.get(stored, 202))

    async def webhook(request: Request) -> Response:
        """One delivery from a platform, verified and stored before the answer."""
        platform, tenant = request.path_params["platform"], request.path_params["tenant"]
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_body:
            return _refuse(413, f"body over {max_body} bytes")
        body = bytearray()
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > max_body:
                return _refuse(413, f"body over {max_body} bytes")
        headers = dict(request.headers)
        token = request.query_params.get("token")
        if token:
            headers[TOKEN_HEADER] = token
        answer = await intake(platform, tenant, headers, bytes(body))
        if metrics is not None:
            outcome = {
                200: "stored",
                202: "stored",
                401: "refused",
                400: "malformed",
                404: "unknown",
            }
            metrics.webhooks.labels(platform[:20], outcome.get(answer.status_code, "failed")).inc()
        return answer

    # a plain Starlette route: the body is read raw (its signature covers the bytes), so
    # FastAPI's per-request parameter handling would only cost time; described by hand
    app.router.routes.append(Route(WEBHOOK_PATH, webhook, methods=["POST"]))
    # one address per platform app, for every account connected to it (QuickBooks)
    directory = AccountDirectory(store.tenants, source)
    app.router.on_startup.append(directory.warm)
    account_handler = account_webhook(
        directory,
        pool,
        writer.submit,
        max_body=max_body,
        store_timeout=STORE_TIMEOUT,
        count=None if metrics is None else lambda p, o: metrics.webhooks.labels(p, o).inc(),
    )
    app.router.routes.append(Route(ACCOUNT_WEBHOOK_PATH, account_handler, methods=["POST"]))
    _describe_webhook(app)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        """The process answers."""
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz() -> Any:
        """The store answers (events can be stored) and, in the daemon, the scheduler runs."""
        if ready is not None and not ready():
            return _refuse(503, "not ready", "starting or stopping")
        try:
            await run_in_threadpool(store.tenants)
        except (RelanceError, SQLAlchemyError):
            return _refuse(503, "the store is not reachable", "check store_url and the database")
        return {"status": "ready"}

    if metrics is not None:

        @app.get("/metrics", response_class=Response)
        async def prometheus() -> Response:
            """Counters and gauges in the Prometheus text format."""
            body = await run_in_threadpool(metrics.render)
            return Response(body, media_type=CONTENT_TYPE)

    return app
