"""The webhook receiver: an ASGI app (FastAPI) in front of ``connector.intake.receive``.

``POST /webhooks/{platform}/{tenant}`` reads the raw body, lets the tenant's own source check
the platform's signature (each adapter's ``parse_webhook``, a constant-time comparison) and
stores the events in the inbox, deduplicated by the platform's event id, before answering
202. Nothing is processed here: ``process_inbox`` re-reads what the events name, later.

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

import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

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

__all__ = ["MAX_BODY", "create_app"]

log = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024  # platforms send small JSON documents; anything bigger is refused
TENANT_CACHE_SECONDS = 60.0
TOKEN_HEADER = "X-Relance-Token"  # noqa: S105 - a header name, not a secret


class InboxWriter:
    """One thread that stores what the request threads verified, a few deliveries per
    transaction: each request still waits for its own commit before it answers, but
    concurrent requests share one commit (one fsync) instead of one each."""

    def __init__(self, store: Store, *, batch: int = 64, linger: float = 0.002) -> None:
        self.store, self.batch, self.linger = store, batch, linger
        self._queue: queue.Queue[tuple[str, str, list[Event], Future[int]] | None] = queue.Queue()
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
            self._store(items)

    def _store(self, items: list[tuple[str, str, list[Event], Future[int]]]) -> None:
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


def create_app(
    store: Store,
    source_for: Callable[[str], Source | None],
    *,
    max_body: int = MAX_BODY,
    ready: Callable[[], bool] | None = None,
    metrics: Metrics | None = None,
) -> FastAPI:
    """The receiver for every tenant of ``store``; ``source_for(slug)`` opens a tenant's source
    (kept for the app's life: a source holds its HTTP session and webhook secret)."""
    app = FastAPI(
        title="relance webhook receiver",
        version="1",
        description="Platforms report invoices paid or changed; relance stores each event "
        "once and re-reads what it names.",
    )
    sources: dict[str, Source | None] = {}
    lock = threading.Lock()
    writer = InboxWriter(store)
    app.router.on_shutdown.append(writer.close)

    def source(slug: str) -> Source | None:
        with lock:
            if slug not in sources:
                sources[slug] = source_for(slug)
            return sources[slug]

    def intake(platform: str, slug: str, headers: dict[str, str], body: bytes) -> Any:
        try:
            answer = verified(platform, slug, headers, body)
        except SQLAlchemyError as exc:
            log.error("webhook for %s not stored: %s", slug, type(exc).__name__)
            answer = _refuse(503, "the event could not be stored", "the platform will retry")
        if metrics is not None:
            outcome = {202: "stored", 401: "refused", 400: "malformed", 404: "unknown"}
            metrics.webhooks.labels(platform[:20], outcome.get(answer.status_code, "failed")).inc()
        return answer

    known: dict[str, tuple[float, TenantRecord]] = {}

    def tenant_record(slug: str) -> TenantRecord:
        """Tenants change rarely: looked up once a minute, not once a delivery."""
        cached = known.get(slug)
        if cached is not None and time.monotonic() - cached[0] < TENANT_CACHE_SECONDS:
            return cached[1]
        record = store.tenant(slug)
        known[slug] = (time.monotonic(), record)
        return record

    def verified(platform: str, slug: str, headers: dict[str, str], body: bytes) -> Any:
        try:
            tenant = tenant_record(slug)
        except StoreError:
            return _refuse(404, f"no tenant {slug!r} here", "check the address in the platform")
        if str(tenant.platform) != platform:
            return _refuse(404, f"tenant {slug!r} is not on {platform}", "check the address")
        found = source(slug)
        if found is None:
            return _refuse(404, f"tenant {slug!r} has no live source to verify deliveries")
        try:
            events = found.parse_webhook(headers, body)
            new = writer.submit(slug, str(tenant.platform), events).result(timeout=30)
        except (SourceRejected, AuthorizationLost) as exc:
            if exc.status in (None, 401, 403):
                log.warning("webhook for %s refused: %s", slug, exc.message)
                return _refuse(401, exc.message, exc.hint or "")
            return _refuse(400, exc.message, exc.hint or "")
        except Unsupported as exc:
            return _refuse(400, exc.message, exc.hint or "")
        except TimeoutError:
            log.error("webhook for %s not stored in time", slug)
            return _refuse(503, "the event could not be stored in time", "the platform will retry")
        except DataError as exc:
            return _refuse(400, exc.message, exc.hint or "")
        except StoreError as exc:
            if "names" in exc.message:  # an event naming another tenant's record
                return _refuse(400, exc.message, exc.hint or "")
            log.error("webhook for %s not stored: %s", slug, exc.message)
            return _refuse(503, "the event could not be stored", "the platform will retry")
        except RelanceError as exc:
            log.error("webhook for %s not stored: %s", slug, exc.message)
            return _refuse(503, "the event could not be stored", "the platform will retry")
        log.info("webhook for %s: %d event(s), %d new", slug, len(events), new)
        return JSONResponse({"events": len(events), "new": new}, status_code=202)

    @app.post(
        "/webhooks/{platform}/{tenant}",
        status_code=202,
        responses={
            202: {"description": "stored (or already stored)"},
            400: {"description": "malformed delivery"},
            401: {"description": "forged or unsigned delivery"},
            404: {"description": "unknown tenant or platform"},
            413: {"description": "body too large"},
            503: {"description": "store unavailable; retry"},
        },
    )
    async def webhook(platform: str, tenant: str, request: Request) -> Any:
        """One delivery from a platform, verified and stored before the answer."""
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
        return await run_in_threadpool(intake, platform, tenant, headers, bytes(body))

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
