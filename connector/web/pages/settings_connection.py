"""Settings > Connection: the tenant's platform and the state of its connection (tokens,
their expiry, the last cycle and how it ended, the sync cursors), and connecting it from
the browser.

* **OAuth** (Pennylane, QuickBooks): « Connect » sends the person to the platform's consent
  page with a ``state`` signed with their session's secret (and dated), and the platform
  sends them back to this app's ``/t/{tenant}/settings/connection/callback`` — that address
  must be registered as a redirect URI of relance's app at the platform (its developer
  console). The callback checks the state against the session and stores the tokens exactly
  as ``relance connect`` does (``connector.connect.finish_oauth``).
* **API key** (a Pennylane company token, an Odoo API key): a password field; the key is
  stored encrypted and never shown, logged, or written in the journal.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from connector.accounts import Role
from connector.connect import authorization_url, connect_token, finish_oauth
from connector.errors import RelanceError
from connector.model import Platform
from connector.oauth import TokenVault, load_fernet
from connector.source import Resource
from connector.sources import oauth_app_for
from connector.web.pages.settings import MANAGER_POST, audit, settings_page
from connector.web.security import Access, context_of, tenant_access
from connector.web.webhooks_view import webhook_view

__all__ = ["router"]

router = APIRouter()

OAUTH = (Platform.PENNYLANE, Platform.QUICKBOOKS)
API_KEY = (Platform.PENNYLANE, Platform.ODOO)
NOT_ASKED = (
    "That answer from the platform was not asked for by this session: nothing was stored. "
    "Connect again from this page."
)
STATE_LIFETIME = 15 * 60  # seconds from « Connect » to the platform's answer


def _(text: str) -> str:
    return text


def _state_for(access: Access, issued: int, nonce: str) -> str:
    """``issued.nonce.signature``: the signature by the session's own secret (its CSRF
    token), so only the session that asked can bring the answer back."""
    message = f"{access.tenant.slug}.{issued}.{nonce}".encode()
    signature = hmac.new(access.visitor.csrf.encode(), message, hashlib.sha256).hexdigest()
    return f"{issued}.{nonce}.{signature[:32]}"


def _state_ok(access: Access, state: str) -> bool:
    try:
        issued_text, nonce, _signature = state.split(".")
        issued = int(issued_text)
    except ValueError:
        return False
    if not 0 <= time.time() - issued <= STATE_LIFETIME:
        return False
    return hmac.compare_digest(state, _state_for(access, issued, nonce))


def redirect_uri(request: Request, access: Access) -> str:
    """This app's callback, as the browser reaches it (register it with the platform)."""
    base = str(request.base_url).rstrip("/")
    return f"{base}/t/{access.tenant.slug}/settings/connection/callback"


def _show(
    request: Request,
    access: Access,
    *,
    saved: str | None = None,
    problems: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    web = context_of(request)
    store, platform = web.store, access.tenant.platform
    credential = store.credential(access.tenant.slug, platform.value)
    cursors = [(r.value, store.cursor(access.tenant.slug, r)) for r in Resource]
    oauth_ready = None
    if platform in OAUTH:
        try:
            oauth_app_for(platform.value, web.settings)
            oauth_ready = True
        except RelanceError:
            oauth_ready = False
    return settings_page(
        request,
        access,
        "connection",
        platform=platform,
        credential=credential,
        cycle=store.cycle_row(access.tenant.slug),
        cursors=[(name, c) for name, c in cursors if c is not None],
        oauth=platform in OAUTH,
        oauth_ready=oauth_ready,
        api_key=platform in API_KEY,
        callback=redirect_uri(request, access),
        webhooks=(
            None
            if platform is Platform.FILES
            else webhook_view(store, web.settings, access.tenant.slug, platform)
        ),
        saved=saved,
        problems=problems,
        status_code=status_code,
    )


@router.get("/t/{tenant}/settings/connection")
def connection(request: Request, access: Annotated[Access, Depends(tenant_access())]) -> Response:
    saved = (
        _("Connected: the tokens are stored, encrypted.")
        if "saved" in request.query_params
        else None
    )
    return _show(request, access, saved=saved)


@router.post("/t/{tenant}/settings/connection/authorize")
def authorize(request: Request, access: Annotated[Access, Depends(MANAGER_POST)]) -> Response:
    platform = access.tenant.platform
    if platform not in OAUTH:
        return _show(
            request, access, problems={"": _("This platform connects with a key.")}, status_code=400
        )
    try:
        app = oauth_app_for(platform.value, context_of(request).settings)
    except RelanceError as exc:
        return _show(request, access, problems={"": exc.message}, status_code=400)
    state = _state_for(access, int(time.time()), secrets.token_urlsafe(16))
    url = authorization_url(app, redirect_uri=redirect_uri(request, access), state=state)
    return RedirectResponse(url, status_code=303)


@router.get("/t/{tenant}/settings/connection/callback")
def callback(request: Request, access: Annotated[Access, Depends(tenant_access())]) -> Response:
    """Where the platform sends the person back; only a manager's answer is taken."""
    answer = {k: v for k, v in request.query_params.items()}
    if not answer:  # opened by hand: the page itself
        return RedirectResponse(f"/t/{access.tenant.slug}/settings/connection", status_code=303)
    if not access.may(Role.MANAGER) or not _state_ok(access, answer.get("state", "")):
        return _show(
            request,
            access,
            problems={"": _(NOT_ASKED)},
            status_code=400,
        )
    web = context_of(request)
    platform = access.tenant.platform
    try:
        app = oauth_app_for(platform.value, web.settings)
        vault = TokenVault(web.store, load_fernet(web.settings))
        finish_oauth(
            app,
            vault,
            access.tenant.slug,
            web.clock,
            redirect_uri=redirect_uri(request, access),
            state=answer.get("state", ""),
            answer=answer,
        )
    except RelanceError as exc:
        return _show(request, access, problems={"": exc.message}, status_code=400)
    audit(request, access, "connection", platform=platform.value, how="oauth")
    return RedirectResponse(f"/t/{access.tenant.slug}/settings/connection?saved=1", status_code=303)


@router.post("/t/{tenant}/settings/connection/key")
async def api_key(request: Request, access: Annotated[Access, Depends(MANAGER_POST)]) -> Response:
    platform = access.tenant.platform
    form = await request.form()
    key = form.get("api_key")
    if platform not in API_KEY or not isinstance(key, str):
        return _show(
            request,
            access,
            problems={"": _("This platform connects in the browser.")},
            status_code=400,
        )
    web = context_of(request)
    try:
        vault = TokenVault(web.store, load_fernet(web.settings))
        connect_token(vault, access.tenant.slug, platform.value, key)
    except RelanceError as exc:
        return _show(request, access, problems={"api_key": exc.message}, status_code=400)
    audit(request, access, "connection", platform=platform.value, how="api key")
    return RedirectResponse(f"/t/{access.tenant.slug}/settings/connection?saved=1", status_code=303)
