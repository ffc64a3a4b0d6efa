"""The accounting API the emulator answers: queries, reads, creates and updates (sparse or
full, with SyncToken checks and requestid replays), /cdc, /batch, /preferences, the PDF."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from .query import ENTITIES, run_query
from .state import COMPANY_TZ, Change, QuickBooksState, stamp
from .wire import Reply, fault

__all__ = ["BATCH_MAX", "CDC_CAP", "route"]

CDC_CAP, BATCH_MAX = 1000, 30
# Intuit's DateTime type: local time, UTC ("Z") or an offset, to the second
_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)?")


def _shown(entity: str, rows: list[dict[str, Any]], include: str) -> list[dict[str, Any]]:
    """Rows as Intuit answers them: an invoice's ``InvoiceLink`` only when the request said
    ``include=invoiceLink`` (minor version 36 and later; Invoice reference, InvoiceLink)."""
    if entity != "Invoice" or "invoicelink" in include.lower().split(","):
        return rows
    return [{k: v for k, v in row.items() if k != "InvoiceLink"} for row in rows]


def route(
    state: QuickBooksState, realm: str, method: str, path: str, query: dict[str, str], raw: bytes
) -> tuple[int, Any]:
    """(status, body) of one accounting API call, or Reply raised with a fault."""
    tables = state.data.get(realm)
    if tables is None:
        raise Reply(403, fault("3100", "ApplicationAuthorizationFailed", "AUTHORIZATION"))
    include = query.get("include", "")
    if path == "/query":
        statement = query.get("query") or raw.decode()
        state.queries.append(statement)
        queried, response = run_query(tables, statement)
        if queried in response:
            response = {**response, queried: _shown(queried, response[queried], include)}
        return 200, {"QueryResponse": response}
    if path == "/cdc" and method == "GET":
        return _cdc(state, realm, query)
    if path == "/preferences" and method == "GET":
        return 200, {"Preferences": state.preferences[realm]}
    if path == "/batch" and method == "POST":
        return _batch(state, realm, json.loads(raw or b"{}", parse_float=Decimal))
    pdf = re.match(r"^/invoice/([^/]+)/pdf$", path)
    if pdf and method == "GET":
        invoice = tables["Invoice"].get(pdf.group(1))
        if invoice is None:
            raise Reply(400, fault("610", "Object Not Found"))
        return 200, _invoice_pdf(str(invoice.get("DocNumber") or invoice["Id"]))
    found = re.match(r"^/([a-z]+)(?:/([^/]+))?$", path)
    if not found:
        raise Reply(404, fault("610", "Object Not Found"))
    entity = next((e for e in ENTITIES if e.lower() == found.group(1)), None)
    if entity is None:
        raise Reply(400, fault("610", "Object Not Found", detail=found.group(1)))
    if method == "GET" and found.group(2):
        record = tables[entity].get(found.group(2))
        if record is None:
            raise Reply(400, fault("610", "Object Not Found"))
        return 200, {entity: _shown(entity, [record], include)[0]}
    if method == "POST" and not found.group(2):
        request_id = query.get("requestid")
        if request_id and (realm, request_id) in state.request_ids:
            return state.request_ids[(realm, request_id)]
        body = json.loads(raw or b"{}", parse_float=Decimal)
        status, written = _write(state, realm, entity, body, operation=query.get("operation"))
        answer = status, {entity: _shown(entity, [written[entity]], include)[0]}
        if request_id:
            state.request_ids[(realm, request_id)] = answer
        return answer
    raise Reply(400, fault("500", "Unsupported Operation"))


def _write(
    state: QuickBooksState, realm: str, entity: str, body: Any, operation: str | None = None
) -> tuple[int, Any]:
    table = state.data[realm][entity]
    if not isinstance(body, dict):
        raise Reply(400, fault("2020", "Required param missing, need to supply the entity"))
    if operation == "delete":
        if body.get("Id") not in table:
            raise Reply(400, fault("610", "Object Not Found"))
        state.delete(entity, body["Id"], realm)
        return 200, {entity: {"Id": body["Id"], "status": "Deleted"}}
    if "Id" in body:
        current = table.get(str(body["Id"]))
        if current is None:
            raise Reply(400, fault("610", "Object Not Found"))
        if str(body.get("SyncToken")) != current["SyncToken"]:
            raise Reply(
                400,
                fault(
                    "5010",
                    "Stale Object Error",
                    detail=f"You and another user were working on the same thing. "
                    f"SyncToken {body.get('SyncToken')} is not {current['SyncToken']}",
                ),
            )
        changes = {k: v for k, v in body.items() if k not in ("sparse", "SyncToken")}
        if "CustomField" in changes:
            changes["CustomField"] = _custom_fields(state, realm, changes["CustomField"])
        if body.get("sparse"):  # what is sent replaces what was there; a list, whole
            merged = {**current, **changes}
        else:  # a full update: what is not sent is cleared
            keep = {"Id", "MetaData", "domain", "SyncToken"}
            merged = {k: v for k, v in current.items() if k in keep} | changes
        return 200, {entity: state.put(entity, merged, realm)}
    if entity == "Attachable":
        refs = body.get("AttachableRef") or []
        for item in refs:
            target = item.get("EntityRef") or {}
            kind = str(target.get("type", ""))
            if state.data[realm].get(kind, {}).get(str(target.get("value"))) is None:
                raise Reply(400, fault("610", "Object Not Found", detail="AttachableRef"))
    return 200, {entity: state.put(entity, body, realm)}


def _custom_fields(state: QuickBooksState, realm: str, fields: Any) -> list[dict[str, Any]]:
    """A transaction's legacy custom fields as Intuit stores them: each with its name (from
    Preferences.SalesFormsPrefs) and type. The list sent is the list kept."""
    if not isinstance(fields, list):
        raise Reply(400, fault("2010", "Invalid CustomField", detail="a list is expected"))
    names = {
        item["Name"].removeprefix("SalesFormsPrefs.SalesCustomName"): item.get("StringValue")
        for group in state.preferences[realm]["SalesFormsPrefs"]["CustomField"]
        for item in group["CustomField"]
        if "SalesCustomName" in item["Name"]
    }
    kept = []
    for item in fields:
        definition = str(item.get("DefinitionId", ""))
        if definition not in names:
            raise Reply(400, fault("2010", "Invalid CustomField", detail=definition))
        kept.append({**item, "Name": names[definition], "Type": "StringType"})
    return kept


def _cdc(state: QuickBooksState, realm: str, query: dict[str, str]) -> tuple[int, Any]:
    """Changes since ``changedSince`` (Intuit's DateTime; within the last 30 days), at most
    1,000 objects per answer (change-data-capture page). Which ones an answer holds when more
    changed is not documented, nor is a way to continue: the emulator keeps the first by
    entity and Id, not the oldest, so a client that continues from the newest change it got
    misses some."""
    raw = query.get("changedSince", "")
    if not _DATETIME.fullmatch(raw):
        raise Reply(400, fault("2010", "Invalid changedSince", detail=f"not a DateTime: {raw}"))
    since = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    if since.tzinfo is None:  # local time: the company's
        since = since.replace(tzinfo=COMPANY_TZ)
    if state.clock.now() - since > timedelta(days=30):
        raise Reply(400, fault("2010", "changedSince must be within the last 30 days"))
    wanted = [e for e in query.get("entities", "").split(",") if e in ENTITIES]
    if not wanted:
        raise Reply(400, fault("2010", "entities is required"))
    latest: dict[tuple[str, str], Change] = {}
    for change in state.changes:
        if change.realm == realm and change.entity in wanted and change.at >= since:
            latest[(change.entity, change.id)] = change
    order = {entity: n for n, entity in enumerate(wanted)}
    ordered = sorted(
        latest.values(), key=lambda c: (order[c.entity], int(c.id) if c.id.isdigit() else 0)
    )[:CDC_CAP]
    blocks: dict[str, list[Any]] = {e: [] for e in wanted}
    for change in ordered:
        record = state.data[realm][change.entity].get(change.id)
        if change.deleted or record is None:
            blocks[change.entity].append(
                {
                    "Id": change.id,
                    "status": "Deleted",
                    "domain": "QBO",
                    "MetaData": {"LastUpdatedTime": stamp(change.at)},
                }
            )
        else:
            blocks[change.entity].extend(_shown(change.entity, [record], ""))
    responses = [
        {entity: rows, "startPosition": 1, "maxResults": len(rows)}
        for entity, rows in blocks.items()
        if rows
    ]
    return 200, {"CDCResponse": [{"QueryResponse": responses}]}


def _batch(state: QuickBooksState, realm: str, body: Any) -> tuple[int, Any]:
    items = body.get("BatchItemRequest") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise Reply(400, fault("2020", "BatchItemRequest is required"))
    if len(items) > BATCH_MAX:
        raise Reply(400, fault("2010", f"a batch holds at most {BATCH_MAX} items"))
    answers = []
    tables = state.data[realm]
    for item in items:
        bid = item.get("bId")
        try:
            if "Query" in item:
                state.queries.append(item["Query"])
                queried, response = run_query(tables, item["Query"])
                if queried in response:
                    response = {**response, queried: _shown(queried, response[queried], "")}
                answers.append({"bId": bid, "QueryResponse": response})
                continue
            entity = next((e for e in ENTITIES if e in item), None)
            if entity is None:
                raise Reply(400, fault("2020", "no entity in the batch item"))
            _, result = _write(state, realm, entity, item[entity], item.get("operation"))
            answers.append({"bId": bid, **result})
        except Reply as reply:
            answers.append({"bId": bid, **reply.body})
    return 200, {"BatchItemResponse": answers}


def _invoice_pdf(number: str) -> bytes:
    """A one-page PDF standing for the invoice QuickBooks renders."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(text=f"Invoice {number}")
    return bytes(pdf.output())
