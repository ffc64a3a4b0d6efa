"""The tenant's journal: the audit trail, newest first, a page at a time — every action of
relance and of the people in the app (who, when, what)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from connector.web.rendering import page
from connector.web.security import Access, context_of, tenant_access

__all__ = ["router"]

router = APIRouter()
PAGE_SIZE = 50


@router.get("/t/{tenant}/journal")
def journal(
    request: Request,
    access: Annotated[Access, Depends(tenant_access())],
    before: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    store = context_of(request).store
    events = store.journal(access.tenant.slug, before_id=before, limit=PAGE_SIZE + 1)
    more = len(events) > PAGE_SIZE
    events = events[:PAGE_SIZE]
    keys = {e.customer_key for e in events if e.customer_key}
    return page(
        request,
        "journal.html",
        events=events,
        names=store.customer_names(access.tenant.slug, keys=keys) if keys else {},
        older=events[-1].id if more and events else None,
    )
