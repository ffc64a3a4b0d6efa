"""The webhook receiver: an ASGI app (FastAPI) in front of ``connector.intake``.

``POST /webhooks/{platform}/{tenant}`` first checks, before reading a byte of the body,
that the tenant exists on that platform and that the platform's signature header is there
and well formed (``connector.receiver_guard``); then reads the raw body (within
``body_timeout`` seconds), lets the tenant's own source check the platform's signature (each
adapter's ``parse_webhook``, a constant-time comparison) and stores the events in the inbox,
deduplicated by the platform's event id, before answering 202 (200 to QuickBooks, as Intuit
asks). At most ``max_requests`` deliveries, announcing at most ``max_buffered`` bytes of
bodies in all, are handled at once. Nothing is processed here: ``process_inbox`` re-reads
what the events name, later. ``POST /webhooks/{platform}`` takes the deliveries a platform
sends once per app for every connected account (QuickBooks: one address for every company),
routed by account to the tenants connected to it (webhook_accounts.py), within the same
limits.

Answers, each a JSON object ``{"error": …, "hint": …}`` when refused:

* 401: anything short of a good signature: an unknown tenant or platform, a tenant without
  webhooks set up, a signature header missing, malformed or wrong. Always the same words:
  an anonymous caller learns nothing about which tenants exist (the log says which case);
* 400: a signed body that cannot be read, or events naming another tenant's records;
* 408: the body did not arrive in time; 413: a body over the size limit;
* 503: too many deliveries at once, or the store cannot be reached (the platform retries).

Refusals sent before the body is read close the connection. A token in the query string
(``?token=…``, how Odoo's automation rules authenticate) is handed to the source as the
``X-Relance-Token`` header, never logged.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError as RefusedValue
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect
from starlette.routing import Route

from connector.errors import (
    AuthorizationLost,
    DataError,
    RelanceError,
    SourceRejected,
    StoreError,
    Unsupported,
)
from connector.inbox_writer import InboxWriter
from connector.intake import fitted
from connector.metrics import CONTENT_TYPE, Metrics
from connector.model import Platform
from connector.receiver_guard import (
    Admission,
    TenantDirectory,
    metric_platform,
    refused,
    signature_problem,
)
from connector.source import Event, Source
from connector.store import Store
from connector.webhook_accounts import (
    ACCOUNT_WEBHOOK_OPERATION,
    ACCOUNT_WEBHOOK_PATH,
    AccountDirectory,
    account_webhook,
)
from connector.webhook_refusals import EVERY_COMPANY, RefusalTally

__all__ = [
    "BODY_TIMEOUT",
    "MAX_BODY",
    "MAX_BUFFERED",
    "MAX_REQUESTS",
    "InboxWriter",
    "create_app",
]

log = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024  # platforms send small JSON documents; anything bigger is refused
BODY_TIMEOUT = 20.0  # seconds a delivery's body may take to arrive once its headers are in
MAX_REQUESTS = 128  # deliveries handled at once; more are answered 503 at once
MAX_BUFFERED = 16 * 1024 * 1024  # bytes of bodies (as announced) held at once; more: 503
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
                (400, "signed, but malformed"),
                (401, "refused: unknown address, or a signature missing, malformed or wrong"),
                (408, "the body did not arrive in time"),
                (413, "body too large"),
                (503, "too many deliveries at once, or store unavailable; retry"),
            )
        },
    },
}
# what reading a body may raise when it is not what the adapter expects (a list where an
# object should be, a number too long to convert, JSON nested deeper than the parser goes)
_UNREADABLE = (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError,
               OverflowError)  # fmt: skip
_OUTCOMES = {
    200: "stored",
    202: "stored",
    400: "malformed",
    401: "refused",
    408: "timeout",
    413: "too_large",
}


def _refuse(status: int, error: str, hint: str = "", *, close: bool = False) -> JSONResponse:
    headers = {"connection": "close"} if close else None
    return JSONResponse({"error": error, "hint": hint}, status_code=status, headers=headers)


def _unstored(slug: str, exc: Exception) -> JSONResponse:
    """The answer to a verified delivery the store refused or could not take."""
    if isinstance(exc, DataError) or (isinstance(exc, StoreError) and "names" in exc.message):
        return _refuse(400, exc.message, exc.hint or "")  # e.g. naming another tenant's record
    if isinstance(exc, RefusedValue):  # the database refuses a value: a retry would be too
        log.error("webhook for %s not stored, a value refused: %s", slug, exc.orig)
        return _refuse(400, "the event cannot be stored as sent", "see the receiver's log")
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
    body_timeout: float = BODY_TIMEOUT,
    max_requests: int = MAX_REQUESTS,
    max_buffered: int = MAX_BUFFERED,
    ready: Callable[[], bool] | None = None,
    metrics: Metrics | None = None,
    serve_metrics: bool = True,
    docs: bool = True,
    verifiers: int = VERIFIERS,
) -> FastAPI:
    """The receiver for every tenant of ``store``; ``source_for(slug)`` opens a tenant's source
    (kept for the app's life: a source holds its HTTP session and webhook secret).

    A delivery is read on the event loop, verified by one of ``verifiers`` threads (a source
    may read its secret from the store) and handed to the inbox writer; the event loop
    awaits the commit, so no thread is held while a delivery waits for its transaction.
    ``metrics`` are counted; served at /metrics when ``serve_metrics`` (else see
    ``connector.receiver_serve.ops_app``); ``docs``: /docs, /redoc and /openapi.json here."""
    app = FastAPI(
        title="relance webhook receiver",
        version="1",
        description="Platforms report invoices paid or changed; relance stores each event "
        "once and re-reads what it names.",
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    sources: dict[str, tuple[float, Source | None]] = {}
    lock = threading.Lock()
    writer = InboxWriter(store)
    pool = ThreadPoolExecutor(verifiers, thread_name_prefix="webhook-verify")
    directory = TenantDirectory(store)
    refusals = RefusalTally(store)
    app.router.on_shutdown.append(writer.close)
    app.router.on_shutdown.append(refusals.close)
    app.router.on_shutdown.append(pool.shutdown)

    def source(slug: str) -> Source | None:
        """Asked of ``source_for`` once a minute per tenant, so that a tenant added or
        changed meanwhile is served as it is now (``source_for`` keeps its own sources)."""
        with lock:
            cached = sources.get(slug)
            if cached is None or time.monotonic() - cached[0] >= TENANT_CACHE_SECONDS:
                cached = sources[slug] = (time.monotonic(), source_for(slug))
            return cached[1]

    async def unknown(platform: str, slug: str, headers: dict[str, str]) -> str | None:
        """Why the delivery is refused before its body is read (None: read it)."""
        problem = signature_problem(platform, headers)
        if problem is not None:
            return problem
        if directory.due(slug):  # the store is asked: off the event loop
            found = await asyncio.get_running_loop().run_in_executor(
                pool, directory.platform_of, slug
            )
        else:
            found = directory.platform_of(slug)
        if found is None:
            return "no such tenant"
        return None if found == platform else f"the tenant is on {found}"

    def verified(
        platform: str, slug: str, headers: dict[str, str], body: bytes
    ) -> JSONResponse | list[Event]:
        """The delivery's events, or the answer refusing it."""
        try:
            found = source(slug)
        except RelanceError as exc:  # its file does not load: fixable, and the platform retries
            log.error("webhook for %s: the tenant's source does not open: %s", slug, exc.message)
            return _refuse(503, "the delivery cannot be handled now", "the platform will retry")
        if found is None:
            log.warning("webhook for %s refused: the tenant has no live source", slug)
            return refused()
        try:
            return fitted(found.parse_webhook(headers, body))
        except (SourceRejected, AuthorizationLost, Unsupported) as exc:
            log.warning("webhook for %s refused: %s", slug, exc.message)
            refusals.add(slug, platform, exc.message)  # shown on the tenant's settings
            return refused()
        except DataError as exc:  # signed, so its sender may read why
            return _refuse(400, exc.message, exc.hint or "")
        except RelanceError as exc:  # the source could not read its secret
            return _unstored(slug, exc)
        except _UNREADABLE as exc:
            log.warning("webhook for %s: body not readable (%s)", slug, type(exc).__name__)
            return _refuse(400, "the delivery's body could not be read", "send the documented JSON")

    async def intake(
        platform: str, slug: str, headers: dict[str, str], body: bytes
    ) -> JSONResponse:
        loop = asyncio.get_running_loop()
        try:
            checked = await loop.run_in_executor(pool, verified, platform, slug, headers, body)
        except SQLAlchemyError as exc:  # the store is down: no secret to read
            return _unstored(slug, exc)
        if isinstance(checked, JSONResponse):
            return checked
        commit = writer.submit(slug, platform, checked)
        try:
            async with asyncio.timeout(STORE_TIMEOUT):
                new = await asyncio.wrap_future(commit)
        except TimeoutError:
            log.error("webhook for %s not stored in time", slug)
            return _refuse(503, "the event could not be stored in time", "the platform will retry")
        except (RelanceError, SQLAlchemyError) as exc:
            return _unstored(slug, exc)
        log.info("webhook for %s: %d event(s), %d new", slug, len(checked), new)
        answer = {"events": len(checked), "new": new}
        return JSONResponse(answer, status_code=ACKNOWLEDGED.get(platform, 202))

    async def body_of(request: Request, slug: str) -> bytes | JSONResponse | None:
        """The raw body (its signature covers the bytes), an answer refusing it, or None when
        the caller left before sending it all (not an error: nobody is there to answer)."""
        body = bytearray()
        try:
            async with asyncio.timeout(body_timeout):
                async for chunk in request.stream():
                    body.extend(chunk)
                    if len(body) > max_body:
                        return _refuse(413, f"body over {max_body} bytes", close=True)
        except TimeoutError:
            log.warning("webhook for %s: the body took over %g s; connection closed", slug,
                        body_timeout)  # fmt: skip
            return _refuse(408, "the body did not arrive in time", "send it at once", close=True)
        except ClientDisconnect:
            log.info("webhook for %s: the caller left before sending its whole body", slug)
            return None
        return bytes(body)

    async def delivery(request: Request) -> tuple[Response, str]:
        """The answer to one delivery, and what to count it as."""
        platform, slug = request.path_params["platform"], request.path_params["tenant"]
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_body:
            return _refuse(413, f"body over {max_body} bytes", close=True), "too_large"
        headers = dict(request.headers)
        token = request.query_params.get("token")
        if token:
            headers[TOKEN_HEADER] = token
        try:
            problem = await unknown(platform, slug, headers)
        except (RelanceError, SQLAlchemyError) as exc:  # no tenant list read yet
            return _unstored(slug[:80], exc), "failed"
        if problem is not None:
            log.warning("webhook for %.80r on %.40r refused before its body: %s",
                        slug, platform, problem)  # fmt: skip
            return refused(), "refused"
        body = await body_of(request, slug)
        if body is None:
            return _refuse(400, "the caller left", close=True), "disconnected"
        answer = (
            body if isinstance(body, JSONResponse) else await intake(platform, slug, headers, body)
        )
        return answer, _OUTCOMES.get(answer.status_code, "failed")

    admission = Admission(max_requests, max_buffered, max_body)

    def count(platform: str, outcome: str) -> None:
        if metrics is not None:
            metrics.webhooks.labels(metric_platform(platform), outcome).inc()

    async def admitted(
        request: Request, handle: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        """``handle``'s answer, or a 503 when the receiver already holds its fill."""
        size = min(admission.size(request.headers.get("content-length", "")), max_body + 1)
        if not admission.enter(size):
            log.warning("webhook refused: %d deliveries (%d body bytes) already in hand",
                        admission.held, admission.bytes_held)  # fmt: skip
            busy = _refuse(503, "too many deliveries at once", "retry in a moment", close=True)
            busy.headers["retry-after"] = "1"
            count(request.path_params["platform"], "busy")
            return busy
        try:
            return await handle(request)
        finally:
            admission.leave(size)

    async def counted_delivery(request: Request) -> Response:
        answer, outcome = await delivery(request)
        count(request.path_params["platform"], outcome)
        return answer

    async def webhook(request: Request) -> Response:
        """One delivery from a platform, verified and stored before the answer."""
        return await admitted(request, counted_delivery)

    # a plain Starlette route: the body is read raw (its signature covers the bytes), so
    # FastAPI's per-request parameter handling would only cost time; described by hand
    app.router.routes.append(Route(WEBHOOK_PATH, webhook, methods=["POST"]))

    # one address per platform app, for every account connected to it (QuickBooks): the
    # same limits, the signature header's shape checked before the body, the same deadline
    accounts = AccountDirectory(store.tenants, source)
    app.router.on_startup.append(accounts.warm)
    account_delivery = account_webhook(
        accounts,
        pool,
        writer.submit,
        max_body=max_body,
        store_timeout=STORE_TIMEOUT,
        count=count,
        read_body=lambda request: body_of(request, request.path_params["platform"]),
        refused=lambda platform, reason: refusals.add(EVERY_COMPANY, platform, reason),
    )

    async def shaped_account_delivery(request: Request) -> Response:
        platform = request.path_params["platform"]
        problem = (
            signature_problem(platform, dict(request.headers))
            if platform == Platform.QUICKBOOKS
            else None
        )
        if problem is not None:
            log.warning("%.40r webhook refused before its body: %s", platform, problem)
            count(platform, "refused")
            return refused()
        return cast(Response, await account_delivery(request))

    async def account_webhook_route(request: Request) -> Response:
        """One delivery for every account of a platform app, routed to their tenants."""
        return await admitted(request, shaped_account_delivery)

    app.router.routes.append(Route(ACCOUNT_WEBHOOK_PATH, account_webhook_route, methods=["POST"]))
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

    if metrics is not None and serve_metrics:

        @app.get("/metrics", response_class=Response)
        async def prometheus() -> Response:
            """Counters and gauges in the Prometheus text format."""
            body = await run_in_threadpool(metrics.render)
            return Response(body, media_type=CONTENT_TYPE)

    return app
