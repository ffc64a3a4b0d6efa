"""Customers: every customer with an open balance (searched, filtered, sorted and paginated
in SQL: ``connector.store.customer_list``), a customer's page (``connector.web.customer_view``)
and its collection file. What people record there is ``customer_actions``; the messages as
they went out, ``sent``."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response, StreamingResponse

from connector.accounts import Role
from connector.cli._context import AppState
from connector.commitments import Standing
from connector.dossier import build_dossier, dossier_name
from connector.errors import ConfigError, RelanceError, StoreError
from connector.legal import RateTables
from connector.model import Customer
from connector.store import EventType
from connector.store.customer_list import Bucket, CustomerQuery, Sort
from connector.web.customer_view import customer_view, tenant_policy
from connector.web.i18n import gettext
from connector.web.rendering import page
from connector.web.security import Access, context_of, tenant_access

__all__ = ["customer_url", "find_customer", "render_customer", "router"]

router = APIRouter()
PAGE_SIZE = 50

# a column's first click sorts it this way (the most pressing first)
FIRST_DIRECTION = {Sort.NAME: "asc", Sort.BALANCE: "desc", Sort.LATE: "desc", Sort.NEXT: "asc"}


def _(text: str) -> str:
    return text


BUCKET_LABELS = {
    Bucket.NOT_DUE: _("Not late"),
    Bucket.D1_30: _("1 to 30 days late"),
    Bucket.D31_60: _("31 to 60 days late"),
    Bucket.D61_90: _("61 to 90 days late"),
    Bucket.D90: _("More than 90 days late"),
}


# the planner's own notes on a plan, in English and said again by what went out: not shown
HIDDEN_EVENTS = frozenset({EventType.ACTION_PLANNED})

STANDINGS = {
    Standing.LIVE: _("live"),
    Standing.KEPT: _("kept"),
    Standing.BROKEN: _("broken"),
    Standing.CANCELLED: _("cancelled"),
}


def customer_url(tenant: str, key: str) -> str:
    return f"/t/{tenant}/customers/{quote(key, safe=':')}"


def find_customer(request: Request, access: Access, key: str) -> Customer:
    """The tenant's own customer, else 404 (another tenant's key included)."""
    try:
        found = context_of(request).store.customer(access.tenant.slug, key)
    except StoreError:
        raise HTTPException(status_code=404) from None
    return found


@router.get("/t/{tenant}/customers")
def customers(
    request: Request,
    access: Annotated[Access, Depends(tenant_access())],
    q: Annotated[str, Query(max_length=200)] = "",
    late: Annotated[str, Query(alias="bucket", max_length=10)] = "",
    promise: bool = False,
    dispute: bool = False,
    paused: bool = False,
    blocked: bool = False,
    sort: Sort = Sort.BALANCE,
    direction: Annotated[str, Query(alias="dir", pattern="^(asc|desc)$")] = "",
    page_number: Annotated[int, Query(alias="page", ge=1, le=100_000)] = 1,
) -> Response:
    try:  # an empty choice ("any") is no filter
        bucket = Bucket(late) if late else None
    except ValueError:
        raise HTTPException(status_code=404) from None
    web = context_of(request)
    today = web.today(access.tenant)
    app = web.app_state()
    try:
        grace = tenant_policy(app, access.tenant)[0].promise_grace_days
    finally:
        app.close_sources()
    direction = direction or FIRST_DIRECTION[sort]
    query = CustomerQuery(
        today=today,
        search=q,
        bucket=bucket,
        promise=promise,
        dispute=dispute,
        paused=paused,
        blocked=blocked,
        sort=sort,
        descending=direction == "desc",
        page=page_number,
        size=PAGE_SIZE,
        grace_days=grace,
    )
    found = web.store.customers_page(access.tenant.slug, query)
    params: dict[str, Any] = {
        "q": q,
        "bucket": bucket.value if bucket else "",
        "promise": "1" if promise else "",
        "dispute": "1" if dispute else "",
        "paused": "1" if paused else "",
        "blocked": "1" if blocked else "",
        "sort": sort.value,
        "dir": direction,
    }

    def link(**changes: Any) -> str:
        merged = {**params, **changes}
        return "?" + urlencode({k: v for k, v in merged.items() if v not in ("", None)})

    def sort_link(column: str) -> str:
        chosen = Sort(column)
        if chosen is sort:
            return link(sort=column, dir="asc" if direction == "desc" else "desc", page="")
        return link(sort=column, dir=FIRST_DIRECTION[chosen], page="")

    pages = max(1, -(-found.total // PAGE_SIZE))
    return page(
        request,
        "customers/list.html",
        rows=found.rows,
        total=found.total,
        today=today,
        params=params,
        link=link,
        sort_link=sort_link,
        sort=sort.value,
        direction=direction,
        page_number=page_number,
        pages=pages,
        buckets=[(b.value, label) for b, label in BUCKET_LABELS.items()],  # said in the page
        customer_url=lambda key: customer_url(access.tenant.slug, key),
        never=date.max,
    )


@router.get("/t/{tenant}/customers/{customer:path}/dossier")
def dossier(
    request: Request,
    access: Annotated[Access, Depends(tenant_access())],
    customer: str,
) -> Response:
    """The collection file, as ``relance dossier`` writes it, streamed as a zip."""
    found = find_customer(request, access, customer)
    web = context_of(request)
    app = web.app_state()
    day = web.today(access.tenant)
    folder = Path(tempfile.mkdtemp(prefix="relance-dossier-"))
    target = folder / dossier_name(found.ref, day)
    try:
        config = app.tenant_config(access.tenant)
        build_dossier(
            app.store,
            access.tenant.slug,
            found.ref,
            creditor=config.creditor,
            policy=app.policy(config),
            as_of=day,
            out=target,
            source=app.source(config),
            jurisdiction=config.jurisdiction,
            contract=config.contract.terms_for(found.ref.external_id),
            rate_tables=RateTables(app.settings.rates_dir),
        )
    except ConfigError:  # the tenant's settings unreadable: the app's page says which key
        _remove(folder)
        raise
    except RelanceError:  # the source unreachable
        _remove(folder)
        raise HTTPException(status_code=503) from None
    finally:
        app.close_sources()
    return StreamingResponse(
        _stream_then_remove(target, folder),
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{target.name}"',
            "Cache-Control": "no-store",
        },
    )


def _stream_then_remove(path: Path, folder: Path) -> Iterator[bytes]:
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(64 * 1024):
                yield chunk
    finally:
        _remove(folder)


def _remove(folder: Path) -> None:
    for item in folder.iterdir():
        item.unlink(missing_ok=True)
    folder.rmdir()


@router.get("/t/{tenant}/customers/{customer:path}")
def customer_page(
    request: Request,
    access: Annotated[Access, Depends(tenant_access())],
    customer: str,
    done: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    found = find_customer(request, access, customer)
    return render_customer(request, access, found, done=done)


def render_customer(
    request: Request,
    access: Access,
    found: Customer,
    *,
    done: str = "",
    error: str = "",
    form: str = "",
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    """The customer's page; after a refused form, with the error beside it and what the
    person typed kept."""
    web = context_of(request)
    app: AppState = web.app_state()
    today = web.today(access.tenant)
    try:
        view = customer_view(app, access.tenant, found, today)
    finally:
        app.close_sources()
    return page(
        request,
        "customers/page.html",
        status_code=status_code,
        view=view,
        today=today,
        done=done,
        error=error,
        form=form,
        values=values or {},
        can_act=access.may(Role.USER),
        base=customer_url(access.tenant.slug, found.ref.key),
        hidden_events=HIDDEN_EVENTS,
        standing_label=lambda standing: gettext(STANDINGS[Standing(standing)]),
    )
