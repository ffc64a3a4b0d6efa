"""The tenant's settings: what the sections share (their tabs, the tenant's files, the audit
line every change writes), and /t/{tenant}/settings, which opens the first section.

Every section is readable by every role of the tenant; only a manager changes anything
(``tenant_access(Role.MANAGER, post=True)``: 403 to the others, 404 outside the tenant)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from connector.accounts import Role
from connector.settings import TenantConfig
from connector.store import EventType
from connector.web.rendering import page
from connector.web.security import Access, context_of, tenant_access

__all__ = ["MANAGER_POST", "SECTIONS", "audit", "router", "settings_page", "tenant_file"]

router = APIRouter()


def _(text: str) -> str:
    """Marks a text for the catalog; the template translates it."""
    return text


# (path under /settings/, English title): the tabs, in order
SECTIONS = (
    ("identity", _("Identity")),
    ("policy", _("Policy")),
    ("connection", _("Connection")),
    ("rates", _("Rate tables")),
    ("users", _("Users")),
)

MANAGER_POST = tenant_access(Role.MANAGER, post=True)


def tenant_file(request: Request, access: Access) -> Path:
    return context_of(request).settings.tenants_dir / f"{access.tenant.slug}.toml"


def tenant_config(request: Request, access: Access) -> TenantConfig:
    """The tenant's file as the daemon reads it (a ConfigError names a key that does not
    load: the app's 503 page says which)."""
    ctx = context_of(request).app_state()
    try:
        return ctx.tenant_config(access.tenant)
    finally:
        ctx.close_sources()


def audit(request: Request, access: Access, section: str, **details: Any) -> None:
    """The journal's line for a change made in the settings, with who made it."""
    context_of(request).store.log_event(
        access.tenant.slug,
        EventType.SETTINGS_CHANGED,
        payload={"by": access.person.login, "section": section, **details},
    )


def settings_page(
    request: Request,
    access: Access,
    section: str,
    *,
    saved: str | None = None,
    problems: dict[str, str] | None = None,
    status_code: int = 200,
    **values: Any,
) -> Response:
    """A section's page (``settings/<section>.html``) in the settings' frame; ``saved``
    (an English text) says what a change did, ``problems`` what stopped it, by field."""
    return page(
        request,
        f"settings/{section}.html",
        status_code=status_code,
        sections=SECTIONS,
        section=section,
        section_title=dict(SECTIONS)[section],
        manager=access.may(Role.MANAGER),
        saved=saved,
        problems=problems or {},
        **values,
    )


@router.get("/t/{tenant}/settings")
def settings_home(access: Annotated[Access, Depends(tenant_access())]) -> Response:
    return RedirectResponse(f"/t/{access.tenant.slug}/settings/identity", status_code=303)
