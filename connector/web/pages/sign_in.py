"""Logging in and out, and choosing the language.

A failed login is recorded in the store (so every replica counts it); after
``max_failures_per_login`` failures for a login, or ``max_failures_per_address`` from one
address, within ``login_window``, the form answers 429 until the window has passed — the
same answer whether the login exists or not. A successful login forgets that login's
failures. Every login, failed or not, and every logout is logged (never the password)."""

from __future__ import annotations

import hmac
import logging
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from connector.accounts import hash_password, password_matches, rehash_wanted
from connector.web.i18n import LANGUAGES
from connector.web.rendering import page
from connector.web.security import (
    LANGUAGE_COOKIE,
    SESSION_COOKIE,
    Visitor,
    browser_language,
    check_csrf,
    context_of,
    new_token,
    optional_visitor,
    token_hash,
)

__all__ = ["router"]

log = logging.getLogger("relance.web")
router = APIRouter()
LOGIN_COOKIE = "relance_login"  # the login form's CSRF token, before there is a session
# a hash to verify against when the login does not exist, so both take the same time
_NOBODY = hash_password("relance: no such account")


def _next(target: str | None) -> str:
    """Only a path of this site (never another host) after logging in."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    parts = urlsplit(target)
    return parts.path + (f"?{parts.query}" if parts.query else "") if not parts.netloc else "/"


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _login_page(
    request: Request, *, error: str | None = None, status_code: int = 200, login: str = "",
    target: str = "/",
) -> Response:  # fmt: skip
    token = new_token()
    response = page(
        request,
        "sign_in.html",
        language=browser_language(request),
        status_code=status_code,
        error=error,
        login=login,
        login_token=token,
        target=target,
    )
    response.set_cookie(
        LOGIN_COOKIE, token, httponly=True, samesite="strict", path="/login",
        secure=context_of(request).secure_cookies, max_age=3600,
    )  # fmt: skip
    if status_code == 429:
        response.headers["Retry-After"] = str(int(context_of(request).login_window.total_seconds()))
    return response


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    if optional_visitor(request) is not None:
        return RedirectResponse(_next(next), status_code=303)
    return _login_page(request, target=_next(next))


@router.post("/login")
def login(
    request: Request,
    login: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1000)],
    login_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    context = context_of(request)
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, login_token):
        raise HTTPException(status_code=403, detail="csrf")
    who = login.strip().lower()
    address = _client(request)
    failures = context.store.login_failures(who, address, context.login_window)
    if (
        failures["login"] >= context.max_failures_per_login
        or failures["address"] >= context.max_failures_per_address
    ):
        log.warning("web login refused: too many failures (login=%s address=%s)", who, address)
        return _login_page(
            request, error="too_many", status_code=429, login=login, target=_next(next)
        )
    found = context.store.person(who)
    matches = password_matches(found[1] if found else _NOBODY, password)
    if found is None or not matches:
        context.store.login_failed(who, address)
        log.info("web login failed (login=%s address=%s)", who, address)
        return _login_page(request, error="wrong", status_code=401, login=login, target=_next(next))
    person, stored = found
    if rehash_wanted(stored):
        context.store.set_password_hash(person.login, hash_password(password))
    context.store.login_succeeded(person.login)
    token = new_token()
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    context.store.open_session(
        token_hash(token), person.login, new_token(), context.session_lifetime,
        chosen if chosen in LANGUAGES else None,
    )  # fmt: skip
    log.info("web login (login=%s address=%s)", person.login, address)
    response = RedirectResponse(_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="lax", path="/",
        secure=context.secure_cookies,
    )  # fmt: skip
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, who: Annotated[Visitor, Depends(check_csrf)]) -> Response:
    context_of(request).store.close_session(who.session_hash)
    log.info("web logout (login=%s)", who.person.login)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/language")
async def choose_language(request: Request) -> Response:
    """The person's language, kept with the session (and in a cookie for the login page)."""
    form = await request.form()
    language = form.get("language")
    if language not in LANGUAGES:
        raise HTTPException(status_code=400, detail="language")
    who = optional_visitor(request)
    if who is not None:
        await check_csrf(request, who)
        context_of(request).store.set_session_language(who.session_hash, str(language))
    back = form.get("next")
    response = RedirectResponse(_next(back if isinstance(back, str) else "/"), status_code=303)
    response.set_cookie(
        LANGUAGE_COOKIE, str(language), samesite="lax", path="/", max_age=365 * 86400,
        secure=context_of(request).secure_cookies,
    )  # fmt: skip
    return response
