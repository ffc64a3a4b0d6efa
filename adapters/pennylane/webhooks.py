"""Pennylane webhook deliveries: the signature first, then the envelope.

Pennylane's guide (pennylane.readme.io/docs/authorization, "Receiving & verifying") names
the header, ``X-Pennylane-Signature``, the envelope ``{id, event, retry_count, created,
data: {context, object, previous_attributes?}}`` and asks for a 2xx within a few seconds.
The text of its "Verify the signature" section was not available to us; the format relance
checks is the one two independent clients of that guide implement:
``t=<unix seconds>,v1=<hex>``, v1 being HMAC-SHA256 of ``"<t>.<raw body>"`` with the
subscription's secret, a timestamp more than 300 s away refused (replays), compared in
constant time. See README.md, "Webhooks", for what stays unconfirmed. The delivery id
deduplicates redeliveries.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from connector.errors import SourceRejected
from connector.model import Platform, SourceRef
from connector.source import Event, EventKind

__all__ = ["TOLERANCE", "parse_delivery", "sign", "verify"]

TOLERANCE = timedelta(seconds=300)
log = logging.getLogger(__name__)


class ForgedWebhook(SourceRejected):
    """A delivery whose signature does not hold: refused before anything is read."""


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify(headers: Mapping[str, str], body: bytes, secret: str, now: datetime) -> None:
    header = next((v for k, v in headers.items() if k.lower() == "x-pennylane-signature"), "")
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    if "t" not in parts or "v1" not in parts or not parts["t"].isdigit():
        raise ForgedWebhook(
            "Pennylane webhook without a valid signature header", platform="pennylane", status=401
        )
    timestamp = int(parts["t"])
    if abs(now.timestamp() - timestamp) > TOLERANCE.total_seconds():
        raise ForgedWebhook(
            "Pennylane webhook signed too long ago (possible replay)",
            platform="pennylane",
            status=401,
        )
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    if not hmac.compare_digest(expected, parts["v1"]):
        raise ForgedWebhook(
            "Pennylane webhook signature does not match", platform="pennylane", status=401
        )


def parse_delivery(body: bytes, tenant: str, received_at: datetime) -> list[Event]:
    """The invoices a (verified) delivery names, as a change to re-read.

    A delivery relance cannot use — an event about quotes or files, a body that is not the
    documented envelope, an object without an id — names nothing and is acknowledged all the
    same: Pennylane disables a subscription whose endpoint answers 401, 403, 404 or 410, and
    one that keeps answering anything else but a 2xx (pennylane.readme.io/docs/
    failures-lifecycle). The changelog brings whatever such a delivery was about.
    """
    try:
        envelope = json.loads(body)
        delivery, event = str(envelope["id"]), str(envelope["event"])
        obj = envelope["data"]["object"]
        invoice_id = obj.get("id") if isinstance(obj, dict) else None
    except (ValueError, KeyError, TypeError, AttributeError):
        log.warning("a signed Pennylane delivery is not the documented envelope: nothing to read")
        return []
    if not event.startswith("customer_invoice.") or not str(invoice_id).isdigit():
        log.info("Pennylane delivery %s (%s): nothing to dun", delivery[:40], event[:60])
        return []  # dms files, quotes, supplier invoices
    ref = SourceRef(platform=Platform.PENNYLANE, tenant=tenant, external_id=f"invoice:{invoice_id}")
    return [Event(delivery, EventKind.CHANGED, (ref,), received_at)]
