"""How the receiver is served: uvicorn with a deadline on request headers, its log lines
through relance's own handlers (JSON in the daemon), and, when asked, a second listener
("ops") carrying /metrics and the API description instead of the webhook port.

uvicorn has no deadline for a request's headers: a connection that sends nothing, or a
byte now and then, is kept for ever (its keep-alive timeout only runs between requests).
``DeadlineProtocol`` is uvicorn's own HTTP protocol plus one timer, armed when a connection
opens and after each answer, cancelled once the next request's headers are in; when it
fires first, the connection gets a 408 and is closed. The body's deadline is the app's
(``create_app(body_timeout=…)``).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from typing import TYPE_CHECKING, Any

import uvicorn
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from connector.errors import ConfigError
from connector.metrics import CONTENT_TYPE, Metrics

if TYPE_CHECKING:
    from connector.settings import ReceiverConfig

__all__ = [
    "HEADER_TIMEOUT",
    "DeadlineProtocol",
    "deadline_protocol",
    "ops_app",
    "run_listeners",
    "server_config",
]

log = logging.getLogger("connector.receiver")
HEADER_TIMEOUT = 10.0  # seconds a connection has to send a request's headers
_LATE = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"

try:  # uvicorn's faster parser, when httptools is installed (it imports it)
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _Http
except ImportError:  # pragma: no cover - uvicorn's pure-Python parser instead
    from uvicorn.protocols.http.h11_impl import H11Protocol as _Http  # type: ignore[assignment]


class DeadlineProtocol(_Http):
    """uvicorn's HTTP protocol, closing a connection whose request headers are not all in
    within ``header_timeout`` seconds of its opening (or of the previous answer)."""

    header_timeout: float = HEADER_TIMEOUT
    _header_timer: asyncio.TimerHandle | None = None
    _awaited: object = None  # the request in hand when the timer was armed

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._header_timer is not None and self.cycle is not self._awaited:
            self._disarm()  # a new request's headers are in

    def on_response_complete(self) -> None:
        super().on_response_complete()
        # kept alive and idle (no pipelined request started): the next headers are awaited
        if not self.transport.is_closing() and (self.cycle is None or self.cycle.response_complete):
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._awaited = self.cycle
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_late)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        if self.cycle is self._awaited and not self.transport.is_closing():
            peer = self.client[0] if self.client else "?"
            log.info(
                "connection from %s closed: no complete request headers in %g s",
                peer,
                self.header_timeout,
            )
            self.transport.write(_LATE)
            self.transport.close()


def deadline_protocol(header_timeout: float) -> type[DeadlineProtocol]:
    """``DeadlineProtocol`` with its own deadline (one process may serve two listeners)."""
    return type("DeadlineProtocol", (DeadlineProtocol,), {"header_timeout": header_timeout})


def server_config(
    app: FastAPI, host: str, port: int, *, header_timeout: float, log_level: str = "info"
) -> uvicorn.Config:
    """uvicorn for the receiver: headers on a deadline, no access log, and no logging set up
    of its own: its lines go to the root logger's handlers (JSON lines in the daemon)."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=deadline_protocol(header_timeout),
        log_config=None,
        log_level=log_level,
        access_log=False,
        lifespan="on",
    )


def ops_app(main: FastAPI, *, metrics: Metrics | None, docs: bool) -> FastAPI:
    """The side listener's app: /healthz, /metrics (when counted) and ``main``'s API
    description at /openapi.json, /docs and /redoc (when ``docs``)."""
    app = FastAPI(title="relance receiver: operations", docs_url=None, redoc_url=None,
                  openapi_url=None)  # fmt: skip

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    if metrics is not None:

        @app.get("/metrics", response_class=Response)
        async def prometheus() -> Response:
            body = await run_in_threadpool(metrics.render)
            return Response(body, media_type=CONTENT_TYPE)

    if docs:
        title = main.title

        @app.get("/openapi.json")
        async def description() -> JSONResponse:
            return JSONResponse(main.openapi())

        @app.get("/docs")
        async def swagger() -> Response:
            return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{title} - docs")

        @app.get("/redoc")
        async def redoc() -> Response:
            return get_redoc_html(openapi_url="/openapi.json", title=f"{title} - ReDoc")

    return app


def listening_socket(host: str, port: int, *, key: str) -> socket.socket:
    """A socket bound now, so that a port taken is a clear error before anything starts."""
    try:
        return socket.create_server((host, port), family=_family(host), reuse_port=False)
    except OSError as exc:
        raise ConfigError(
            f"cannot listen on {host}:{port} ({exc.strerror})",
            key=key,
            hint="choose another address or port, or stop what listens there",
        ) from None


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


class OpsListener:
    """The side listener, in a thread of its own (its own event loop)."""

    def __init__(self, app: FastAPI, settings: ReceiverConfig, port: int) -> None:
        self.server = uvicorn.Server(
            server_config(
                app, settings.ops_host, port, header_timeout=settings.header_timeout,
                log_level="warning",
            )
        )  # fmt: skip
        self.sock = listening_socket(settings.ops_host, port, key="--ops-port")
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, name="ops", daemon=True
        )

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


def run_listeners(main: uvicorn.Config, ops: OpsListener | None, **run: Any) -> None:
    """Serve ``main`` in this thread until SIGTERM or Ctrl-C, and ``ops`` beside it."""
    if ops is not None:
        ops.start()
    try:
        uvicorn.Server(main).run(**run)
    finally:
        if ops is not None:
            ops.stop()
