"""Who is asking, and what they may see and do.

* **Sessions**: the cookie holds a random token (HttpOnly, SameSite=Lax, Secure unless the
  app was told it runs on plain HTTP); the store keeps its SHA-256, the person, a CSRF token,
  and its end (``WebContext.session_lifetime`` after the login, or ``session_idle`` after the
  last request). Logging out, changing a password or removing the account ends it everywhere.
* **CSRF**: every form posts the session's token (``csrf`` field, or the ``X-CSRF-Token``
  header htmx sends); a POST without the right one is refused with 403 and changes nothing.
  The login form, before there is a session, uses a token of its own in a cookie.
* **Tenants**: every page of a tenant is under ``/t/{tenant}/``, and :func:`tenant_access`
  answers 404 — the same as for a tenant that does not exist — to a person with no role in
  it, so no page tells anyone which other tenants exist; a role too low for a POST is 403.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, HTTPException, Request

from connector.accounts import Person, Role
from connector.errors import StoreError
from connector.store import TenantRecord
from connector.web.context import WebContext
from connector.web.i18n import language_of

__all__ = [
    "SESSION_COOKIE",
    "Access",
    "LoginRequired",
    "Visitor",
    "check_csrf",
    "content_security_policy",
    "context_of",
    "new_token",
    "tenant_access",
    "token_hash",
    "visitor",
]

SESSION_COOKIE = "relance_session"
LANGUAGE_COOKIE = "relance_language"


class LoginRequired(Exception):
    """No valid session: the app answers with the login page (or 401 to htmx)."""


@dataclass(frozen=True, slots=True)
class Visitor:
    person: Person
    csrf: str
    language: str
    session_hash: str


@dataclass(frozen=True, slots=True)
class Access:
    """A person on a tenant's pages, with the role they have there."""

    visitor: Visitor
    tenant: TenantRecord
    role: Role

    @property
    def person(self) -> Person:
        return self.visitor.person

    def may(self, needed: Role) -> bool:
        return self.role.allows(needed)


def content_security_policy(*, form_targets: tuple[str, ...] = ()) -> str:
    """The policy every page carries: scripts, styles, images and frames from this site only,
    and forms that post here — plus ``form_targets`` (origins), for the one page whose form
    leads on to another site: « Connect » posts here and is redirected to the platform's
    consent page, and browsers hold that redirect to the form page's ``form-action``."""
    targets = " ".join(("'self'", *form_targets))
    return (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; frame-src 'self'; frame-ancestors 'self'; base-uri 'none'; "
        f"form-action {targets}"
    )


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def context_of(request: Request) -> WebContext:
    context = request.app.state.web
    assert isinstance(context, WebContext)
    return context


def browser_language(request: Request) -> str:
    return language_of(request.headers.get("accept-language"), request.cookies.get(LANGUAGE_COOKIE))


def optional_visitor(request: Request) -> Visitor | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token or len(token) > 200:
        return None
    context = context_of(request)
    hashed = token_hash(token)
    record = context.store.session(hashed, context.session_idle)
    if record is None:
        return None
    language = language_of(request.headers.get("accept-language"), record.language)
    return Visitor(record.person, record.csrf, language, hashed)


def visitor(request: Request) -> Visitor:
    found = optional_visitor(request)
    if found is None:
        raise LoginRequired
    request.state.visitor = found
    return found


async def check_csrf(request: Request, who: Visitor = Depends(visitor)) -> Visitor:  # noqa: B008
    """For every POST: the session's CSRF token, from the form or the htmx header."""
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        form = await request.form()
        value = form.get("csrf")
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent, who.csrf):
        raise HTTPException(status_code=403, detail="csrf")
    return who


def tenant_access(needed: Role = Role.VIEWER, *, post: bool = False) -> Callable[..., Any]:
    """A dependency giving the :class:`Access` to ``/t/{tenant}/…``: 404 without a role in
    the tenant, 403 with a role below ``needed``. With ``post``, the CSRF token too."""

    def dependency(tenant: str, request: Request, who: Visitor = Depends(visitor)) -> Access:  # noqa: B008
        role = who.person.role_in(tenant)
        if role is None:
            raise HTTPException(status_code=404)
        try:
            record = context_of(request).store.tenant(tenant)
        except StoreError:
            raise HTTPException(status_code=404) from None
        if not role.allows(needed):
            raise HTTPException(status_code=403, detail="role")
        access = Access(who, record, role)
        request.state.access = access
        return access

    if not post:
        return dependency

    async def with_csrf(
        request: Request,
        access: Access = Depends(dependency),  # noqa: B008
    ) -> Access:
        await check_csrf(request, access.visitor)
        return access

    return with_csrf
