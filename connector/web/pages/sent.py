"""A message as it went out, opened from the customer's timeline: the e-mail (its text, and its
HTML in a sandboxed frame under a Content-Security-Policy of its own that runs no script and
loads nothing), the letter's PDF, the to-do. The files are the outbox's own (the action's
receipt, or the copy of an e-mail a relay took), served only from the outbox folder and only
for an action of the tenant in the URL."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from connector.errors import StoreError
from connector.model import Channel
from connector.store import ActionRecord
from connector.web.pages.customers import customer_url
from connector.web.rendering import page
from connector.web.security import Access, context_of, tenant_access

__all__ = ["router"]

router = APIRouter()

# the e-mail's own HTML: no script, nothing loaded from anywhere (images inline only), no
# form, no link that opens in this page; the frame itself is sandboxed too
FRAME_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'; sandbox"
)


def _(text: str) -> str:
    return text


# the e-mail's headers shown, with the page's words for them
HEADERS = (("From", _("From")), ("To", _("To")), ("Cc", _("Cc")), ("Subject", _("Subject")),
           ("Date", _("Date")))  # fmt: skip
_MEDIA = {".pdf": "application/pdf", ".md": "text/plain; charset=utf-8", ".eml": "message/rfc822"}


def _record(request: Request, access: Access, key: str) -> ActionRecord:
    try:
        return context_of(request).store.action(access.tenant.slug, key)
    except StoreError:
        raise HTTPException(status_code=404) from None


def _file(request: Request, record: ActionRecord) -> Path | None:
    """The action's file in the outbox folder, if it is there — never a path outside it. A
    folder moved since (a restored backup, another mount point) is found by the file's place
    under the outbox: its last folders and name."""
    outbox = context_of(request).settings.outbox_dir.resolve()
    for candidate in (record.details.get("copy"), record.receipt):
        if not isinstance(candidate, str) or not candidate:
            continue
        given = Path(candidate)
        for path in (given, *(outbox.joinpath(*given.parts[-n:]) for n in (2, 3))):
            resolved = path.resolve()
            if resolved.is_relative_to(outbox) and resolved.is_file():
                return resolved
    return None


def _parts(message: EmailMessage) -> tuple[str, str]:
    """(text, html) of an e-mail."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return (
        text.get_content() if isinstance(text, EmailMessage) else "",
        html.get_content() if isinstance(html, EmailMessage) else "",
    )


def _email(path: Path) -> EmailMessage:
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


@router.get("/t/{tenant}/sent/{action:path}/html")
def email_html(
    request: Request, access: Annotated[Access, Depends(tenant_access())], action: str
) -> Response:
    record = _record(request, access, action)
    path = _file(request, record)
    if record.channel is not Channel.EMAIL or path is None or path.suffix != ".eml":
        raise HTTPException(status_code=404)
    _text, html = _parts(_email(path))
    return Response(
        html,
        media_type="text/html; charset=utf-8",
        headers={
            "Content-Security-Policy": FRAME_POLICY,
            "Cache-Control": "no-store",
            "X-Frame-Options": "SAMEORIGIN",
        },
    )


@router.get("/t/{tenant}/sent/{action:path}/file")
def message_file(
    request: Request, access: Annotated[Access, Depends(tenant_access())], action: str
) -> Response:
    """The file itself: the letter's PDF (shown by the browser), the .eml, the to-do."""
    record = _record(request, access, action)
    path = _file(request, record)
    if path is None or path.suffix not in _MEDIA:
        raise HTTPException(status_code=404)
    shown = "inline" if path.suffix != ".eml" else "attachment"
    return Response(
        path.read_bytes(),
        media_type=_MEDIA[path.suffix],
        headers={
            "Content-Disposition": f'{shown}; filename="{path.name}"',
            "Cache-Control": "no-store",
            # a PDF is shown by the browser's own viewer, which a sandbox would refuse
            "Content-Security-Policy": "default-src 'none'; frame-ancestors 'self'"
            + ("" if path.suffix == ".pdf" else "; sandbox"),
        },
    )


def _customer_name(request: Request, access: Access, record: ActionRecord) -> str:
    try:
        return context_of(request).store.customer(access.tenant.slug, record.customer_ref.key).name
    except StoreError:  # gone from the ledger since: its id
        return record.customer_ref.external_id


@router.get("/t/{tenant}/sent/{action:path}")
def message(
    request: Request, access: Annotated[Access, Depends(tenant_access())], action: str
) -> Response:
    record = _record(request, access, action)
    path = _file(request, record)
    headers: dict[str, str] = {}
    text = html = ""
    attachments: list[str] = []
    if path is not None and path.suffix == ".eml":
        parsed = _email(path)
        headers = {label: str(parsed[name]) for name, label in HEADERS if parsed[name]}
        text, html = _parts(parsed)
        attachments = [part.get_filename() or "" for part in parsed.iter_attachments()]
    elif path is not None and path.suffix == ".md":
        text = path.read_text(encoding="utf-8", errors="replace")
    here = f"/t/{access.tenant.slug}/sent/{quote(record.key, safe=':')}"
    return page(
        request,
        "customers/message.html",
        record=record,
        customer_name=_customer_name(request, access, record),
        found=path is not None,
        kind=path.suffix if path is not None else "",
        headers=headers,
        text=text,
        has_html=bool(html),
        attachments=[a for a in attachments if a],
        html_url=f"{here}/html",
        file_url=f"{here}/file",
        back=customer_url(access.tenant.slug, record.customer_ref.key),
        reason=_reason(record),
    )


def _reason(record: ActionRecord) -> str:
    """A person's own words on why the step was not carried out (not relance's default
    words, nor the name of who decided, said beside them)."""
    said = (record.error or "").strip()
    who = record.details.get("skipped_by")
    if who and said.endswith(f"({who})"):
        said = said[: -len(f"({who})")].strip()
    return "" if said in ("", "skipped by a person") else said
