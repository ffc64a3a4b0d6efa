"""Settings > Identity: the logo printed on letters, uploaded, shown and removed.

A manager uploads a PNG or JPEG (``connector.web.logo_files`` checks it and writes it beside
the tenant file); a body announcing more than the limit is refused before a byte of it is
read, and one without a length is refused too. Anyone of the tenant sees the logo through
its own route (never a public address). Each change is a line of the journal."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from connector.accounts import Role
from connector.errors import RelanceError
from connector.web.logo_files import MAX_BYTES, LogoRefused, remove_logo, save_logo
from connector.web.pages.settings import MANAGER_POST, audit, tenant_config, tenant_file
from connector.web.pages.settings_identity import identity_page
from connector.web.security import Access, check_csrf, tenant_access

__all__ = ["router"]

router = APIRouter()

_FORM_ROOM = 64 * 1024  # the multipart envelope and the form's other field, beyond the file
_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


def _(text: str) -> str:
    return text


def _refused(request: Request, access: Access, message: str, status: int) -> Response:
    return identity_page(request, access, problems={"logo": message}, status_code=status)


@router.post("/t/{tenant}/settings/identity/logo")
async def upload_logo(
    request: Request, access: Annotated[Access, Depends(tenant_access(Role.MANAGER))]
) -> Response:
    announced = request.headers.get("content-length", "")
    if not announced.isdigit():
        return _refused(request, access, _("Send the file from this page's form."), 411)
    if int(announced) > MAX_BYTES + _FORM_ROOM:
        return _refused(
            request,
            access,
            _(
                "The file is over 2 MiB: export the logo smaller (a few hundred pixels "
                "wide is plenty)."
            ),
            413,
        )
    await check_csrf(request, access.visitor)  # reads the form, now known to be small
    upload = (await request.form()).get("logo")
    data = await upload.read(MAX_BYTES + 1) if isinstance(upload, UploadFile) else b""
    try:
        saved = save_logo(tenant_file(request, access), access.tenant.slug, data)
    except LogoRefused as exc:
        return _refused(request, access, exc.message, 400)
    except RelanceError as exc:
        return _refused(request, access, exc.message, 400)
    audit(request, access, "identity", changed=["logo"], logo=saved.name, bytes=len(data))
    return RedirectResponse(
        f"/t/{access.tenant.slug}/settings/identity?saved=logo#logo", status_code=303
    )


@router.post("/t/{tenant}/settings/identity/logo/remove")
def remove(request: Request, access: Annotated[Access, Depends(MANAGER_POST)]) -> Response:
    try:
        remove_logo(tenant_file(request, access), access.tenant.slug)
    except RelanceError as exc:
        return _refused(request, access, exc.message, 400)
    audit(request, access, "identity", changed=["logo"], logo=None)
    return RedirectResponse(
        f"/t/{access.tenant.slug}/settings/identity?saved=no-logo#logo", status_code=303
    )


@router.get("/t/{tenant}/settings/identity/logo")
def logo(request: Request, access: Annotated[Access, Depends(tenant_access())]) -> Response:
    named = tenant_config(request, access).creditor.logo
    path = Path(named) if named else None
    if path is None or path.suffix.lower() not in _TYPES or not path.is_file():
        raise HTTPException(status_code=404)
    return Response(
        path.read_bytes(),
        media_type=_TYPES[path.suffix.lower()],
        headers={"Cache-Control": "private, no-store"},
    )
