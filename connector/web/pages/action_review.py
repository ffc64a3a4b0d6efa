"""One action: its preview exactly as it will go out (the e-mail's text and HTML, the
letter's PDF, the to-do), and a person's decisions about it — approve, hold, skip, edit the
text, release or cancel a held or failed one. Each decision is the store's (one transaction,
an audit event naming the person)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from connector.accounts import Role
from connector.errors import RelanceError
from connector.preview import Preview, preview
from connector.store import ActionRecord, ActionStatus
from connector.web.action_lookup import find, recorded
from connector.web.rendering import page
from connector.web.security import Access, context_of, tenant_access

__all__ = ["router"]

log = logging.getLogger("relance.web")
router = APIRouter()
# the e-mail's HTML, shown in a sandboxed frame: its own styles, nothing else
_MESSAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data: https:; sandbox"


def _preview(request: Request, access: Access, key: str) -> tuple[Preview, ActionRecord | None]:
    web = context_of(request)
    state = web.app_state()
    try:
        executor = state.executor(access.tenant)  # a letter appends the invoices' PDFs
        item = find(executor, web.store, access.tenant.slug, key, web.today(access.tenant))
        return preview(executor, item), item if isinstance(item, ActionRecord) else None
    except RelanceError as exc:
        log.warning("preview of %s: %s", key, exc.message)
        raise HTTPException(status_code=404) from None
    finally:
        state.close_sources()


@router.get("/t/{tenant}/actions/{action}/preview")
def action_page(
    request: Request, action: str, access: Annotated[Access, Depends(tenant_access())]
) -> Response:
    shown, record = _preview(request, access, action)
    web = context_of(request)
    try:
        name = web.store.customer(access.tenant.slug, shown.customer_key).name
    except RelanceError:
        name = shown.customer_key
    return page(
        request,
        "today/action.html",
        shown=shown,
        record=record,
        customer_name=name,
        key=action,
        quoted=quote(action, safe=""),
        may_decide=access.may(Role.USER),
        editable=shown.pdf is None and record is not None and record.status in _EDITABLE,
        today=web.today(access.tenant),
    )


_EDITABLE = (
    ActionStatus.AWAITING_APPROVAL,
    ActionStatus.PLANNED,
    ActionStatus.HELD,
    ActionStatus.FAILED,
)


@router.get("/t/{tenant}/actions/{action}/message.html")
def message_html(
    request: Request, action: str, access: Annotated[Access, Depends(tenant_access())]
) -> Response:
    shown, _record = _preview(request, access, action)
    if shown.html is None:
        raise HTTPException(status_code=404)
    return Response(
        shown.html,
        media_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": _MESSAGE_CSP, "Cache-Control": "no-store"},
    )


@router.get("/t/{tenant}/actions/{action}/letter.pdf")
def letter_pdf(
    request: Request, action: str, access: Annotated[Access, Depends(tenant_access())]
) -> Response:
    shown, _record = _preview(request, access, action)
    if shown.pdf is None:
        raise HTTPException(status_code=404)
    return Response(
        shown.pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": "inline; filename=letter.pdf", "Cache-Control": "no-store"},
    )


def _decided(access: Access, action: str, what: str, back: str = "") -> Response:
    """Back to the Today page (when the decision was taken there) or to the action's preview."""
    log.info("web: %s %s %s", access.person.login, what, action)
    if back == "today":
        return RedirectResponse(f"/t/{access.tenant.slug}/today?done={what}", status_code=303)
    target = f"/t/{access.tenant.slug}/actions/{quote(action, safe='')}/preview?done={what}"
    return RedirectResponse(target, status_code=303)


def _refused(request: Request, access: Access, action: str, exc: RelanceError) -> Response:
    shown, record = _preview(request, access, action)
    return page(
        request, "today/action.html", status_code=409, shown=shown, record=record,
        customer_name=shown.customer_key, key=action, quoted=quote(action, safe=""),
        may_decide=True, editable=False, problem=exc.message,
    )  # fmt: skip


def _record_of(request: Request, access: Access, action: str) -> ActionRecord:
    found = recorded(context_of(request).store, access.tenant.slug, action)
    if found is None:
        raise HTTPException(status_code=404)
    return found


@router.post("/t/{tenant}/actions/{action}/approve")
def approve(
    request: Request,
    action: str,
    access: Annotated[Access, Depends(tenant_access(Role.USER, post=True))],
    back: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    _record_of(request, access, action)
    try:
        done = context_of(request).store.approve_action(
            access.tenant.slug, action, access.person.login
        )
    except RelanceError as exc:
        return _refused(request, access, action, exc)
    if request.headers.get("hx-request") == "true":  # the Today page's row, in place
        log.info("web: %s approved %s", access.person.login, action)
        return page(request, "today/_approved.html", r=done)
    return _decided(access, action, "approved", back)


def _decide(
    request: Request, access: Access, action: str, what: str, decision: Callable[[], object],
    back: str = "",
) -> Response:  # fmt: skip
    """A person's decision about a recorded action of this tenant (404 for any other): the
    store's refusal shown on the preview, else back where the decision was taken."""
    _record_of(request, access, action)
    try:
        decision()
    except RelanceError as exc:
        return _refused(request, access, action, exc)
    return _decided(access, action, what, back)


@router.post("/t/{tenant}/actions/{action}/hold")
def hold(
    request: Request,
    action: str,
    access: Annotated[Access, Depends(tenant_access(Role.USER, post=True))],
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    store, slug, who = context_of(request).store, access.tenant.slug, access.person.login
    return _decide(
        request, access, action, "held", lambda: store.hold_action(slug, action, who, reason)
    )


@router.post("/t/{tenant}/actions/{action}/skip")
def skip(
    request: Request,
    action: str,
    access: Annotated[Access, Depends(tenant_access(Role.USER, post=True))],
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    web = context_of(request)
    state = web.app_state()

    def skipped() -> object:
        policy = state.policy(state.tenant_config(access.tenant))
        return web.store.skip_action(
            access.tenant.slug, action, access.person.login, reason, policy=policy,
            on=web.today(access.tenant),
        )  # fmt: skip

    try:
        return _decide(request, access, action, "skipped", skipped)
    finally:
        state.close_sources()


@router.post("/t/{tenant}/actions/{action}/release")
def release(
    request: Request,
    action: str,
    access: Annotated[Access, Depends(tenant_access(Role.USER, post=True))],
    back: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    store, slug, who = context_of(request).store, access.tenant.slug, access.person.login
    return _decide(
        request, access, action, "released", lambda: store.release_held(slug, action, by=who),
        back,
    )  # fmt: skip


@router.post("/t/{tenant}/actions/{action}/posted")
def posted(
    request: Request,
    action: str,
    access: Annotated[Access, Depends(tenant_access(Role.USER, post=True))],
    posted_on: Annotated[date | None, Form()] = None,
    tracking_number: Annotated[str, Form(max_length=100)] = "",
    back: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """A person posted the printed letter: its day and registered-mail number go in the
    record (the proof of a formal notice), the schedule moves on from that day, and the
    source is told, as `relance action letter` does."""
    web = context_of(request)
    state = web.app_state()
    who = access.person.login

    def record() -> object:
        executor = state.executor(access.tenant)
        return executor.record_posting(
            action, posted_on=posted_on, tracking_number=tracking_number.strip() or None,
            by=who,
        )  # fmt: skip

    try:
        return _decide(request, access, action, "posted", record, back)
    finally:
        state.close_sources()


@router.post("/t/{tenant}/actions/{action}/cancel")
def cancel(
    request: Request,
    action: str,
    access: Annotated[Access, Depends(tenant_access(Role.USER, post=True))],
    reason: Annotated[str, Form(max_length=500)] = "",
    back: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    store, slug, who = context_of(request).store, access.tenant.slug, access.person.login
    why = reason.strip() or "cancelled"
    return _decide(
        request, access, action, "cancelled",
        lambda: store.cancel_action(slug, action, why, by=who), back,
    )  # fmt: skip


@router.post("/t/{tenant}/actions/{action}/edit")
def edit(
    request: Request,
    action: str,
    access: Annotated[Access, Depends(tenant_access(Role.USER, post=True))],
    subject: Annotated[str, Form(max_length=500)] = "",
    text: Annotated[str, Form(max_length=100_000)] = "",
) -> Response:
    _record_of(request, access, action)  # another tenant's action: 404 before anything else
    if not subject.strip() or not text.strip():
        raise HTTPException(status_code=422, detail="subject and text")
    shown, _record = _preview(request, access, action)
    try:
        context_of(request).store.edit_message(
            access.tenant.slug, action, access.person.login, subject=subject, text=text,
            before={"subject": shown.subject, "text": shown.text},
        )  # fmt: skip
    except RelanceError as exc:
        return _refused(request, access, action, exc)
    return _decided(access, action, "edited")
