from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from adapters.pennylane.webhooks import parse_delivery, sign, verify
from connector.errors import SourceRejected
from connector.source import EventKind
from tests.secrets_watch import watch

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
SECRET = "whsec_test"
watch(SECRET)
BODY = json.dumps(
    {
        "id": "dlv_1",
        "event": "customer_invoice.created",
        "retry_count": 0,
        "created": int(NOW.timestamp()),
        "data": {"context": {"company_id": 1}, "object": {"id": 4021}},
    }
).encode()


def test_a_signed_delivery_names_the_invoice_to_re_read() -> None:
    headers = {"X-Pennylane-Signature": sign(SECRET, int(NOW.timestamp()), BODY)}
    verify(headers, BODY, SECRET, NOW)
    (event,) = parse_delivery(BODY, "acme", NOW)
    assert event.event_id == "dlv_1" and event.kind is EventKind.CHANGED
    assert event.refs[0].external_id == "invoice:4021"


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "without a valid signature"),
        (
            {"X-Pennylane-Signature": sign("other-secret", int(NOW.timestamp()), BODY)},
            "does not match",
        ),
        (
            {
                "X-Pennylane-Signature": sign(
                    SECRET, int((NOW - timedelta(minutes=6)).timestamp()), BODY
                )
            },
            "too long ago",
        ),
    ],
)
def test_forged_or_replayed_deliveries_are_refused(headers: dict[str, str], message: str) -> None:
    with pytest.raises(SourceRejected, match=message):
        verify(headers, BODY, SECRET, NOW)


def test_a_tampered_body_fails_and_an_unusable_one_names_nothing() -> None:
    headers = {"X-Pennylane-Signature": sign(SECRET, int(NOW.timestamp()), BODY)}
    with pytest.raises(SourceRejected, match="does not match"):
        verify(headers, BODY.replace(b"4021", b"4022"), SECRET, NOW)
    # signed by Pennylane but of no use to relance: acknowledged, nothing to re-read (an
    # error answer would get the subscription disabled; the changelog brings the change)
    quote = b'{"id": 2, "event": "quote.created", "data": {"object": {"id": 5}}}'
    no_id = b'{"id": 3, "event": "customer_invoice.created", "data": {"object": {"id": null}}}'
    for unusable in (b'{"id": 1}', b"[]", quote, no_id):
        assert parse_delivery(unusable, "acme", NOW) == []
