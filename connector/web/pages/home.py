"""The first page: the tenants the person may see (an accountant's clients), or straight to
the only one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from connector.web.rendering import page
from connector.web.security import Access, Visitor, context_of, tenant_access, visitor

__all__ = ["router"]

router = APIRouter()


@router.get("/")
def home(request: Request, who: Annotated[Visitor, Depends(visitor)]) -> Response:
    store = context_of(request).store
    mine = [t for t in store.tenants() if t.slug in who.person.roles]
    if len(mine) == 1:
        return RedirectResponse(f"/t/{mine[0].slug}/today", status_code=303)
    return page(request, "home.html", mine=mine, roles=who.person.roles)


@router.get("/t/{tenant}")
@router.get("/t/{tenant}/")
def tenant_home(access: Annotated[Access, Depends(tenant_access())]) -> Response:
    return RedirectResponse(f"/t/{access.tenant.slug}/today", status_code=303)
