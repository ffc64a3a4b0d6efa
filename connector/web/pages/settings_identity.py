"""Settings > Identity: the creditor as its letters and e-mails show it, with a live preview.

The form's values go, as the person types (``static/settings.js`` posts the form into the
preview's frames), to the preview routes, which print a sample formal notice (the letter
channel's PDF) and render a sample reminder e-mail through the code every message goes
through. The e-mail is shown in a sandboxed frame under a Content-Security-Policy of its
own (its styles are inline, as an e-mail's must be), the letter as the PDF it is.

Saving checks the values with the model the tenant file is read with, writes the tenant
file safely (``connector.web.tenant_files``) and writes an audit line; a bad value is shown
next to its field and nothing is written."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from connector.errors import RelanceError
from connector.legal import RateTables
from connector.model import Creditor
from connector.policy import Policy
from connector.settings import TenantConfig
from connector.web.letter_preview import sample_email, sample_notice_pdf
from connector.web.pages.settings import (
    MANAGER_POST,
    audit,
    settings_page,
    tenant_config,
    tenant_file,
)
from connector.web.security import Access, context_of, tenant_access
from connector.web.tenant_files import CREDITOR_FIELDS, creditor_from_form, save_creditor

__all__ = ["router"]

router = APIRouter()

# the e-mail preview: its own inline styles and the logo it names, nothing else
_EMAIL_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; "
    "frame-ancestors 'self'; sandbox"
)


def _(text: str) -> str:
    return text


def _form_values(creditor: Creditor) -> dict[str, str]:
    address = creditor.address
    values = {name: str(getattr(creditor, name, "") or "") for name in CREDITOR_FIELDS}
    values["share_capital"] = (
        "" if creditor.share_capital is None else f"{creditor.share_capital.amount:f}"
    )
    values["address_lines"] = "\n".join(address.lines) if address else ""
    values["postal_code"] = address.postal_code if address else ""
    values["city"] = address.city if address else ""
    return values


def _logo(creditor: Creditor) -> dict[str, Any]:
    """The page's logo values: its file's name, and its time as the preview's cache key."""
    logo = Path(creditor.logo) if creditor.logo else None
    if logo is None or not logo.is_file():
        return {"logo": "", "logo_version": 0}
    return {"logo": logo.name, "logo_version": logo.stat().st_mtime_ns}


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def identity_page(
    request: Request,
    access: Access,
    *,
    saved: str | None = None,
    problems: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """The page with the tenant file's values (its logo shown if it has one)."""
    config = tenant_config(request, access)
    return settings_page(
        request,
        access,
        "identity",
        values=_form_values(config.creditor),
        **_logo(config.creditor),
        saved=saved,
        problems=problems,
        status_code=status_code,
    )


@router.get("/t/{tenant}/settings/identity")
def identity(request: Request, access: Annotated[Access, Depends(tenant_access())]) -> Response:
    saved = {
        "1": _("Saved: the next letters and e-mails use it."),
        "logo": _("Logo saved: the next letters print it."),
        "no-logo": _("Logo removed: the next letters have none."),
    }.get(request.query_params.get("saved", ""))
    return identity_page(request, access, saved=saved)


@router.post("/t/{tenant}/settings/identity")
async def save_identity(
    request: Request, access: Annotated[Access, Depends(MANAGER_POST)]
) -> Response:
    form = await _form(request)
    ctx = context_of(request).app_state()
    try:
        config = ctx.tenant_config(access.tenant)
        creditor, edit = creditor_from_form(config.creditor, form)
        if edit.ok and edit.changed:
            try:
                save_creditor(tenant_file(request, access), creditor)
            except RelanceError as exc:
                key = str(getattr(exc, "key", "") or "").removeprefix("creditor.")
                edit.problems[key if key in CREDITOR_FIELDS else ""] = exc.message
    finally:
        ctx.close_sources()
    if not edit.ok:
        values = {name: form.get(name, "") for name in CREDITOR_FIELDS}
        return settings_page(
            request,
            access,
            "identity",
            problems=edit.problems,
            values=values,
            **_logo(config.creditor),
            status_code=400,
        )
    if edit.changed:
        audit(request, access, "identity", changed=edit.changed)
    return RedirectResponse(f"/t/{access.tenant.slug}/settings/identity?saved=1", status_code=303)


def _creditor_and_policy(
    request: Request, access: Access, form: dict[str, str] | None
) -> tuple[Creditor, Policy, TenantConfig]:
    ctx = context_of(request).app_state()
    try:
        config = ctx.tenant_config(access.tenant)
        policy = ctx.policy(config)
    finally:
        ctx.close_sources()
    creditor = config.creditor
    if form is not None:
        creditor, _edit = creditor_from_form(creditor, form)  # a bad value: the saved one
    return creditor, policy, config


def _letter(request: Request, access: Access, form: dict[str, str] | None) -> Response:
    creditor, policy, config = _creditor_and_policy(request, access, form)
    pdf = sample_notice_pdf(
        creditor,
        policy,
        tenant=access.tenant.slug,
        language=config.language,
        today=context_of(request).today(access.tenant),
        jurisdiction=config.jurisdiction,
        tables=RateTables(context_of(request).settings.rates_dir),
    )
    if pdf is None:
        return HTMLResponse("<p>no formal notice in this policy</p>", status_code=404)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": 'inline; filename="sample-notice.pdf"',
            "Cache-Control": "no-store",
        },
    )


def _email(request: Request, access: Access, form: dict[str, str] | None) -> Response:
    creditor, policy, config = _creditor_and_policy(request, access, form)
    message = sample_email(
        creditor,
        policy,
        tenant=access.tenant.slug,
        language=config.language,
        today=context_of(request).today(access.tenant),
    )
    html = "<p>no reminder e-mail in this policy</p>" if message is None else message.html
    return HTMLResponse(
        html,
        headers={"Content-Security-Policy": _EMAIL_CSP, "Cache-Control": "no-store"},
    )


@router.get("/t/{tenant}/settings/identity/sample-notice.pdf")
def saved_letter(request: Request, access: Annotated[Access, Depends(tenant_access())]) -> Response:
    return _letter(request, access, None)


@router.post("/t/{tenant}/settings/identity/sample-notice.pdf")
async def typed_letter(
    request: Request, access: Annotated[Access, Depends(MANAGER_POST)]
) -> Response:
    return _letter(request, access, await _form(request))


@router.get("/t/{tenant}/settings/identity/sample-email")
def saved_email(request: Request, access: Annotated[Access, Depends(tenant_access())]) -> Response:
    return _email(request, access, None)


@router.post("/t/{tenant}/settings/identity/sample-email")
async def typed_email(
    request: Request, access: Annotated[Access, Depends(MANAGER_POST)]
) -> Response:
    return _email(request, access, await _form(request))
