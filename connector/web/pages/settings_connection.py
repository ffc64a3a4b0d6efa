"""Settings > Connection: the tenant's platform and the state of its connection (tokens,
their expiry, the last cycle and how it ended, the sync cursors), and connecting it from
the browser.

* **OAuth** (Pennylane, QuickBooks): « Connect » sends the person to the platform's consent
  page with a ``state`` signed with their session's secret (and dated), and the platform
  sends them back to this app's ``/t/{tenant}/settings/connection/callback`` — that address
  must be registered as a redirect URI of relance's app at the platform (its developer
  console). The callback checks the state against the session and stores the tokens exactly
  as ``relance connect`` does (``connector.connect.finish_oauth``). A consent declined, a code
  the platform will not take (spent by a reload, expired) or a platform out of reach is said
  in the reader's language and leaves the stored connection as it was. The page's
  Content-Security-Policy names the consent site in ``form-action``: browsers check the
  redirect that follows the form's POST against it.
* **API key** (a Pennylane company token, an Odoo API key): a password field; the key is
  stored encrypted and never shown, logged, or written in the journal.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import secrets
import time
from typing import Annotated
from urllib.parse import urlsplit

import requests
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from connector.accounts import Role
from connector.connect import authorization_url, connect_token, finish_oauth
from connector.errors import AuthorizationLost, RelanceError
from connector.model import Platform
from connector.oauth import TokenVault, load_fernet
from connector.source import Resource
from connector.sources import oauth_app_for
from connector.web.pages.settings import MANAGER_POST, audit, settings_page
from connector.web.security import Access, content_security_policy, context_of, tenant_access
from connector.web.webhooks_view import webhook_view

__all__ = ["router"]

router = APIRouter()
log = logging.getLogger("relance.web")

OAUTH = (Platform.PENNYLANE, Platform.QUICKBOOKS)
API_KEY = (Platform.PENNYLANE, Platform.ODOO)
NOT_ASKED = (
    "That answer from the platform was not asked for by this session: nothing was stored. "
    "Connect again from this page."
)
REFUSED = (
    "The platform did not give relance access (you declined, or it refused): the connection "
    "stays as it was. Connect again when you are ready."
)
CODE_REFUSED = (
    "The platform did not accept the code it had just given (it may have expired): nothing "
    "was stored and the connection stays as it was. Connect again."
)
UNREACHABLE = (
    "The platform could not be reached to finish the connection: nothing was stored. Try "
    "again in a moment."
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
    consent_origin = None
    if platform in OAUTH:
        with contextlib.suppress(RelanceError):  # the page says the credentials are missing
            consent_origin = _origin(oauth_app_for(platform.value, web.settings).authorize_url)
    response = settings_page(
        request,
        access,
        "connection",
        platform=platform,
        credential=credential,
        cycle=store.cycle_row(access.tenant.slug),
        cursors=[(name, c) for name, c in cursors if c is not None],
        oauth=platform in OAUTH,
        oauth_ready=consent_origin is not None,
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
    if consent_origin:
        # « Connect » posts here and is sent on to the consent page: the browser checks that
        # redirect against this page's form-action, which must name the platform's site
        policy = content_security_policy(form_targets=(consent_origin,))
        response.headers["Content-Security-Policy"] = policy
    return response


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


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
    if "error" in answer:  # the person said no at the platform, or the platform did
        log.warning(
            "web: %s: %s answered the consent with %s",
            access.tenant.slug,
            platform.value,
            answer["error"][:64],
        )
        return _show(request, access, problems={"": _(REFUSED)}, status_code=400)
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
    except AuthorizationLost as exc:  # the code was not taken
        log.warning("web: %s: %s", access.tenant.slug, exc.message)
        return _show(request, access, problems={"": _(CODE_REFUSED)}, status_code=400)
    except requests.RequestException as exc:
        log.warning("web: %s: %s unreachable: %s", access.tenant.slug, platform.value, type(exc))
        return _show(request, access, problems={"": _(UNREACHABLE)}, status_code=502)
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
