"""Pennylane webhook deliveries: the signature first, then the envelope.

``X-Pennylane-Signature: t=<unix seconds>,v1=<hex>``, where v1 is HMAC-SHA256 of
``"<t>.<raw body>"`` with the subscription's secret; a timestamp more than 300 s away is
refused (replays), the comparison is constant-time. The envelope is
``{id, event, retry_count, created, data: {context, object}}``; the delivery id
deduplicates redeliveries. Facts: ../shared/docs/platform-apis.md §1.6 (format
unconfirmed against the official text: kept strict).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime, timedelta

from connector.errors import DataError, SourceRejected
from connector.model import Platform, SourceRef
from connector.source import Event, EventKind

__all__ = ["TOLERANCE", "parse_delivery", "sign", "verify"]

TOLERANCE = timedelta(seconds=300)


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
    """The invoices a (verified) delivery names, as a change to re-read."""
    try:
        envelope = json.loads(body)
        delivery, event = str(envelope["id"]), str(envelope["event"])
        obj = envelope["data"]["object"]
    except (ValueError, KeyError, TypeError):
        raise DataError(
            "a Pennylane webhook body is not the documented envelope",
            hint="check the subscription's API version",
        ) from None
    if not event.startswith("customer_invoice.") or "id" not in obj:
        return []  # dms files, quotes, supplier invoices: nothing to dun
    ref = SourceRef(platform=Platform.PENNYLANE, tenant=tenant, external_id=f"invoice:{obj['id']}")
    return [Event(delivery, EventKind.CHANGED, (ref,), received_at)]
