"""QuickBooks webhook deliveries: ``intuit-signature`` first, then either payload format.

The signature is base64(HMAC-SHA256(verifier token, raw body)), compared in constant time,
before the body is parsed. Intuit sends two payload shapes (platform-apis.md §2.6): the
legacy object ``{"eventNotifications": [{realmId, dataChangeEvent: {entities: [...]}}]}``
and the CloudEvents array ``[{id, type: "qbo.invoice.updated.v1", intuitaccountid,
intuitentityid, time, …}]`` (blogs.intuit.com 2025-11-12, "Upcoming change to webhooks
payload structure"; sent as ``application/cloudevents+json`` by Intuit's own account);
both are read. Webhooks are set once per Intuit app and cover every company connected to
it: one delivery can name several companies. ``realms_of`` says which (the receiver's
``/webhooks/quickbooks`` routes by it); ``parse_delivery`` keeps only the tenant's own
realm, so one tenant's webhook never touches another's data.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from connector.errors import DataError, SourceRejected
from connector.source import Event, EventKind

from .mapping import ref

__all__ = ["ENTITIES", "ForgedWebhook", "parse_delivery", "realms_of", "sign", "verify"]

# entity name (as Intuit spells it) -> relance's ref kind; others are not about receivables
ENTITIES = {
    "invoice": "invoice",
    "payment": "payment",
    "creditmemo": "creditmemo",
    "customer": "customer",
}
_KINDS = {"delete": EventKind.DELETED, "deleted": EventKind.DELETED}


class ForgedWebhook(SourceRejected):
    """A delivery whose signature does not hold: refused before anything is read."""


def sign(verifier: str, body: bytes) -> str:
    digest = hmac.new(verifier.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify(headers: Mapping[str, str], body: bytes, verifier: str) -> None:
    given = next((v for k, v in headers.items() if k.lower() == "intuit-signature"), "")
    if not given:
        raise ForgedWebhook("QuickBooks webhook without intuit-signature", platform="quickbooks")
    if not hmac.compare_digest(sign(verifier, body).encode(), given.strip().encode()):
        raise ForgedWebhook(
            "QuickBooks webhook signature does not match",
            platform="quickbooks",
            status=401,
            hint="check RELANCE_QUICKBOOKS__WEBHOOK_VERIFIER (the app's verifier token)",
        )


def _event(
    tenant: str, event_id: str, entity: str, entity_id: str, operation: str, at: datetime
) -> Event | None:
    kind = ENTITIES.get(entity.lower())
    if kind is None or not entity_id:
        return None
    return Event(
        event_id,
        _KINDS.get(operation.lower(), EventKind.CHANGED),
        (ref(tenant, kind, entity_id),),
        at,
    )


def _payload(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        raise DataError("a QuickBooks webhook body is not JSON") from None


_SHAPE = DataError(
    "a QuickBooks webhook body is neither the legacy nor the CloudEvents shape",
    hint="check the payload format chosen on the app's webhook page",
)


def realms_of(body: bytes) -> set[str]:
    """The companies (realmIds) a verified delivery names, in either shape."""
    payload = _payload(body)
    try:
        if isinstance(payload, list):  # CloudEvents: intuitaccountid is the realmId
            return {str(item["intuitaccountid"]) for item in payload}
        return {str(note["realmId"]) for note in payload["eventNotifications"]}
    except (KeyError, TypeError):
        raise _SHAPE from None


def parse_delivery(body: bytes, tenant: str, realm: str, received_at: datetime) -> list[Event]:
    """The events of a verified delivery that concern ``realm``'s receivables."""
    payload = _payload(body)
    events: list[Event] = []
    try:
        if isinstance(payload, list):  # CloudEvents
            for item in payload:
                if str(item.get("intuitaccountid")) != realm:
                    continue
                _, entity, operation, *_ = [*str(item["type"]).split("."), "", "", ""]
                found = _event(
                    tenant,
                    str(item["id"]),
                    entity,
                    str(item.get("intuitentityid") or ""),
                    operation,
                    received_at,
                )
                if found:
                    events.append(found)
        else:  # the legacy shape
            for note in payload["eventNotifications"]:
                if str(note.get("realmId")) != realm:
                    continue
                for entity in note["dataChangeEvent"]["entities"]:
                    # legacy deliveries carry no event id: name, id, operation and time do
                    event_id = ":".join(
                        str(entity.get(k, "")) for k in ("name", "id", "operation", "lastUpdated")
                    )
                    found = _event(
                        tenant,
                        f"{realm}:{event_id}",
                        str(entity["name"]),
                        str(entity["id"]),
                        str(entity.get("operation", "")),
                        received_at,
                    )
                    if found:
                        events.append(found)
    except (KeyError, TypeError, AttributeError):
        raise _SHAPE from None
    return events
