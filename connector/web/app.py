"""The web app (ASGI, FastAPI): review, approve and follow up in a browser.

:func:`create_app` builds it over a :class:`~connector.web.context.WebContext`; ``relance
web`` and ``relance daemon --web-port`` serve it with uvicorn, on a port of its own (never the
webhook port). Pages are rendered on the server (Jinja2), enhanced by htmx where it helps;
every asset is in the package (``static/``): no CDN, nothing fetched at run time.

Every response carries a strict Content-Security-Policy (scripts and styles from this site
only, forms posting here; the connection page's also lets « Connect » lead to the platform's
consent page), ``X-Frame-Options: SAMEORIGIN`` and ``Referrer-Policy: same-origin``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from importlib.resources import files

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from connector.errors import ConfigError
from connector.web.context import WebContext
from connector.web.pages import (
    action_review,
    customer_actions,
    customers,
    dashboard,
    home,
    journal,
    sent,
    settings,
    settings_connection,
    settings_identity,
    settings_logo,
    settings_policy,
    settings_rates,
    settings_users,
    sign_in,
    today,
)
from connector.web.rendering import page
from connector.web.security import (
    LoginRequired,
    browser_language,
    content_security_policy,
    optional_visitor,
)

__all__ = ["PAGES", "create_app"]

log = logging.getLogger("relance.web")

# each screen's module; a new screen adds its module here
PAGES = (
    sign_in,
    home,
    journal,
    today,
    action_review,
    customers,
    customer_actions,
    sent,
    dashboard,
    settings,
    settings_identity,
    settings_logo,
    settings_policy,
    settings_connection,
    settings_rates,
    settings_users,
)

_HEADERS = {
    "Content-Security-Policy": content_security_policy(),
    "X-Frame-Options": "SAMEORIGIN",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def create_app(context: WebContext) -> FastAPI:
    app = FastAPI(
        title="relance", docs_url=None, redoc_url=None, openapi_url=None, redirect_slashes=False
    )
    app.state.web = context
    for module in PAGES:
        app.include_router(module.router)
    static = StaticFiles(directory=str(files("connector.web") / "static"))
    app.mount("/static", static, name="static")

    @app.middleware("http")
    async def headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        try:
            response = await call_next(request)
        except Exception as exc:
            # the person reads that nothing was changed; the log has the traceback (never
            # the page); the connection is answered, not dropped
            log.error("web: %s %s failed", request.method, request.url.path, exc_info=exc)
            response = _problem(request, 500)
        for name, value in _HEADERS.items():
            response.headers.setdefault(name, value)
        if request.url.path.startswith("/static/"):
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, _exc: LoginRequired) -> Response:
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        if request.method != "GET":
            return Response("log in again", status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={target}", status_code=303)

    @app.exception_handler(HTTPException)
    async def refused(request: Request, exc: HTTPException) -> Response:
        return _problem(request, exc.status_code)

    @app.exception_handler(ConfigError)
    async def unreadable(request: Request, exc: ConfigError) -> Response:
        # a tenant file (or the policy it names) that does not load: said, with what to do,
        # rather than a bare error; nothing was changed
        log.warning("web: %s: settings do not load: %s", request.url.path, exc.message)
        return _problem(request, 503, reason=str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, _exc: RequestValidationError) -> Response:
        return _problem(request, 400 if request.method == "POST" else 404)

    return app


def _problem(request: Request, status: int, *, reason: str = "") -> Response:
    who = optional_visitor(request)
    if who is not None:
        request.state.visitor = who
    language = who.language if who else browser_language(request)
    return page(
        request, "problem.html", language=language, status_code=status, status=status,
        reason=reason,
    )  # fmt: skip
