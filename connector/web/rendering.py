"""Pages as HTML: one Jinja environment (templates/ in the package, autoescaped), the
formats of the letters (connector.formats) as filters, and the context every page has —
the visitor, the tenant, its role, the CSRF token, the language, the tenants to switch to."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib.resources import files
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from jinja2.runtime import Context
from markupsafe import Markup

from connector import formats
from connector.money import Money
from connector.web.customer_view import MESSAGE_EVENTS
from connector.web.i18n import current_language, gettext, in_language, ngettext
from connector.web.labels import (
    channel_label,
    channel_word,
    event_label,
    outcome_label,
    platform_label,
    role_label,
    status_label,
    step_label,
)
from connector.web.reasons import in_words
from connector.web.security import Access, Visitor, context_of

__all__ = ["environment", "money_text", "page", "render_fragment"]


def _money(value: Money | None) -> str:
    return "" if value is None else formats.money(value, current_language())


def _amount(value: Decimal | None, currency: str) -> str:
    return "" if value is None else formats.money(Money(value, currency), current_language())


def _day(value: date | datetime | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.date()
    return formats.long_date(value, current_language())


def _short_day(value: date | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):  # a day the audit trail kept as text
        try:
            return formats.short_date(date.fromisoformat(value), current_language())
        except ValueError:
            return value
    return formats.short_date(value, current_language())


def _decimal_text(value: object) -> str:
    """An amount the audit trail kept as text ("449.89"), in the page's format."""
    try:
        return formats.number(Decimal(str(value)), current_language(), places=2)
    except ArithmeticError:
        return str(value)


def money_text(value: object) -> Money | None:
    """A Money the audit trail kept as text ("79.75 EUR"), to show in the page's format."""
    amount, _space, currency = str(value).partition(" ")
    try:
        return Money.of(amount, currency) if len(currency) == 3 else None
    except (ArithmeticError, ValueError):
        return None


@pass_context
def _when(context: Context, value: datetime, long: bool = False) -> str:
    """An instant as the tenant's people read it: its day and hour in the tenant's time zone
    (UTC, said so, for a zone this machine does not know)."""
    tenant = context.get("tenant")
    zone_name = getattr(tenant, "timezone", "") or "UTC"
    try:
        local, suffix = value.astimezone(ZoneInfo(zone_name)), ""
    except (ZoneInfoNotFoundError, ValueError):
        local, suffix = value.astimezone(ZoneInfo("UTC")), " UTC"
    day = (formats.long_date if long else formats.short_date)(local.date(), current_language())
    return f"{day} {local:%H:%M}{suffix}"


def _number(value: Decimal | int | None, places: int | None = None) -> str:
    return "" if value is None else formats.number(value, current_language(), places=places)


@cache
def _static_version(name: str) -> str:
    data = (files("connector.web") / "static" / name).read_bytes()
    return hashlib.sha256(data).hexdigest()[:12]


def static_url(name: str) -> str:
    """``/static/NAME?v=HASH``: cached for long by the browser, reloaded when it changes."""
    return f"/static/{name}?v={_static_version(name)}"


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("connector.web", "templates"),
        autoescape=select_autoescape(["html", "svg"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        _=gettext,
        ngettext=ngettext,
        static_url=static_url,
        event_label=event_label,
        role_label=role_label,
        step_label=step_label,
        channel_label=channel_label,
        channel_word=channel_word,
        status_label=status_label,
        platform_label=platform_label,
        outcome_label=outcome_label,
        money_text=money_text,
        message_events=MESSAGE_EVENTS,
    )
    env.filters.update(
        money=_money,
        amount=_amount,
        day=_day,
        short_day=_short_day,
        number=_number,
        decimal_text=_decimal_text,
        when=_when,
        reason=in_words,
    )
    return env


def _common(request: Request) -> dict[str, Any]:
    who: Visitor | None = getattr(request.state, "visitor", None)
    access: Access | None = getattr(request.state, "access", None)
    tenants: list[tuple[str, str]] = []
    if who is not None:
        names = {t.slug: t.name for t in context_of(request).store.tenants()}
        tenants = sorted(
            ((slug, names[slug]) for slug in who.person.roles if slug in names),
            key=lambda pair: pair[1].lower(),
        )
    return {
        "request": request,
        "visitor": who,
        "access": access,
        "tenant": access.tenant if access else None,
        "role": access.role if access else None,
        "csrf": who.csrf if who else None,
        "tenants": tenants,
        "path": request.url.path,
    }


def render_fragment(request: Request, template: str, language: str, **values: Any) -> str:
    with in_language(language):
        context = {**_common(request), "language": language, **values}
        return environment().get_template(template).render(context)


def page(
    request: Request,
    template: str,
    *,
    language: str | None = None,
    status_code: int = 200,
    **values: Any,
) -> HTMLResponse:
    """A whole page (or, for an htmx request, whatever ``template`` renders), in the
    visitor's language; never cached by the browser or a proxy."""
    if language is None:
        who: Visitor | None = getattr(request.state, "visitor", None)
        language = who.language if who else "en"
    html = render_fragment(request, template, language, **values)
    response = HTMLResponse(html, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Language"] = language
    return response


def safe(text: str) -> Markup:
    """Markup a page built itself (an SVG chart whose texts it escaped)."""
    return Markup(text)  # noqa: S704
