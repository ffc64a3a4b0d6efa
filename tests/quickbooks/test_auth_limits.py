"""Tokens that expire, rotate and get revoked; throttles and Intuit's faults; webhooks."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connector.clock import FrozenClock
from connector.errors import AuthorizationLost, RateLimited, SourceRejected
from connector.oauth import RECONNECT
from connector.settings import Settings
from connector.source import EventKind, Resource
from connector.store import Store
from connector.sync import sync
from tests.emulators.quickbooks import Fault, QuickBooksEmulator, QuickBooksState, seed

from .conftest import VERIFIER, Connect, MakeSource


def test_the_token_expires_and_rotates_in_the_middle_of_a_sync(
    qb_state: QuickBooksState,
    make_source: MakeSource,
    connect: Connect,
    store: Store,
    qb_clock: FrozenClock,
) -> None:
    seed(qb_state, customers=3500, invoices=200, today=qb_clock.now().date())
    # 5 min 0.3 s left, refreshed 5 min ahead: due after the first calls (8 per second)
    first = connect(timedelta(minutes=5, milliseconds=300))
    report = sync(store, "acme", make_source(), clock=qb_clock)
    assert report.counts["customers"] >= 3500
    now = first.vault.load("acme", "quickbooks")
    assert now.refresh_token != first.token.refresh_token
    assert now.extra["realmId"] == "9130350000000001"  # the company id survives rotation
    assert qb_state.throttled == 0


def test_a_revoked_grant_marks_the_tenant_for_reconnection(
    qb_state: QuickBooksState,
    make_source: MakeSource,
    connect: Connect,
    store: Store,
    qb_clock: FrozenClock,
) -> None:
    first = connect()
    qb_state.revoke(first.token.refresh_token or "")  # disconnected in QuickBooks
    with pytest.raises(AuthorizationLost, match="invalid_grant") as caught:
        list(make_source().pull(Resource.CUSTOMERS, None))
    assert caught.value.hint and "relance connect quickbooks --tenant acme" in caught.value.hint
    row = store.credential("acme", "quickbooks")
    assert row is not None and row.status == RECONNECT


def test_a_throttled_call_waits_a_minute_then_goes_on(
    qb_state: QuickBooksState, make_source: MakeSource, store: Store, qb_clock: FrozenClock
) -> None:
    seed(qb_state, customers=20, invoices=50, today=qb_clock.now().date())
    qb_state.inject(
        Fault(
            "GET",
            "/query",
            429,
            '<IntuitResponse><Fault type="SERVICE"><Error code="3001">'
            "<Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>"
            "</Error></Fault></IntuitResponse>",
        )
    )
    report = sync(store, "acme", make_source(), clock=qb_clock)
    assert report.counts["customers"] >= 20 and report.counts["receivables"] > 0
    assert 60.0 in qb_clock.slept


def test_intuit_faults_become_errors_that_say_what_to_do(
    qb_state: QuickBooksState, make_source: MakeSource
) -> None:
    source = make_source()
    qb_state.inject(
        Fault(
            "GET",
            "/query",
            403,
            {
                "Fault": {
                    "Error": [
                        {"Message": "message=ApplicationAuthorizationFailed", "code": "3100"}
                    ],
                    "type": "AUTHORIZATION",
                }
            },
        )
    )
    with pytest.raises(SourceRejected, match="code 3100") as caught:
        list(source.pull(Resource.CUSTOMERS, None))
    assert caught.value.request_id and caught.value.request_id.startswith("1-")  # intuit_tid
    assert caught.value.hint and "relance connect quickbooks" in caught.value.hint
    qb_state.inject(Fault("GET", "/query", 429, {"fault": {"error": [{"code": "3001"}]}}, times=9))
    with pytest.raises(RateLimited):
        list(source.pull(Resource.CUSTOMERS, None))


@pytest.mark.parametrize("cloudevents", [False, True])
def test_webhooks_in_both_shapes_are_verified_and_kept_to_the_tenant_s_company(
    qb_state: QuickBooksState, make_source: MakeSource, cloudevents: bool
) -> None:
    source = make_source()
    headers, body = qb_state.webhook(
        [("Invoice", "130", "Update"), ("Payment", "77", "Create"), ("Invoice", "9", "Delete")],
        verifier=VERIFIER,
        cloudevents=cloudevents,
    )
    events = source.parse_webhook(headers, body)
    assert [(e.kind, e.refs[0].external_id) for e in events] == [
        (EventKind.CHANGED, "invoice:130"),
        (EventKind.CHANGED, "payment:77"),
        (EventKind.DELETED, "invoice:9"),
    ]
    assert len({e.event_id for e in events}) == 3
    other, other_body = qb_state.webhook(
        [("Invoice", "1", "Update")], verifier=VERIFIER, cloudevents=cloudevents, realm="123"
    )
    assert source.parse_webhook(other, other_body) == []  # another company's event
    with pytest.raises(SourceRejected, match="signature"):
        source.parse_webhook(headers, body.replace(b"130", b"131"))
    with pytest.raises(SourceRejected, match="without intuit-signature"):
        source.parse_webhook({}, body)


def test_connect_runs_intuit_s_flow_and_keeps_the_company_id(
    qb_server: QuickBooksEmulator, qb_state: QuickBooksState, store: Store, settings: Settings
) -> None:
    import socket
    import threading

    import requests

    from adapters.quickbooks.oauth import oauth_app
    from connector.connect import connect_oauth
    from connector.oauth import TokenVault, load_fernet

    assert settings.quickbooks is not None
    config = settings.quickbooks.model_copy(update={"authorize_url": qb_server.authorize_url})
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    qb_state.consent_realm = "4620816365000000"

    def browser(url: str) -> bool:  # the user clicks "Connect" on Intuit's page
        threading.Thread(target=requests.get, args=(url,), kwargs={"timeout": 5}).start()
        return True

    vault = TokenVault(store, load_fernet(settings))
    connect_oauth(
        oauth_app(config),
        vault,
        "acme",
        qb_state.clock,
        redirect_uri=f"http://127.0.0.1:{port}/callback",
        open_browser=browser,
        wait=5,
    )
    stored = vault.load("acme", "quickbooks")
    assert stored.extra == {"realmId": "4620816365000000"}
    assert stored.access_token in qb_state.access  # exchanged with Basic client auth


def test_a_payment_webhook_leads_to_a_targeted_re_read(
    qb_state: QuickBooksState, make_source: MakeSource, store: Store, qb_clock: FrozenClock
) -> None:
    from decimal import Decimal

    from connector.intake import process_inbox, receive

    seed(qb_state, customers=20, invoices=80, today=qb_clock.now().date())
    source = make_source()
    sync(store, "acme", source, clock=qb_clock)
    table = qb_state.data["9130350000000001"]["Invoice"]
    target = next(i for i, r in table.items() if r["Balance"] > 0)
    qb_clock.advance(timedelta(minutes=3))
    qb_state.put("Invoice", {**table[target], "Balance": Decimal(0)})
    headers, body = qb_state.webhook([("Invoice", target, "Update")], verifier=VERIFIER)
    assert receive(store, "acme", source, headers, body).new == 1
    assert receive(store, "acme", source, headers, body).new == 0  # redelivered
    qb_state.calls.clear()
    report = process_inbox(store, "acme", source, clock=qb_clock)
    assert report.events == 1 and not report.full_sync
    assert [p for _, p in qb_state.calls] == ["/query"]  # that invoice, nothing else
    assert not store.receivable("acme", f"quickbooks:acme:invoice:{target}").is_open


def test_a_payment_event_re_reads_the_invoices_it_pays(
    qb_state: QuickBooksState, make_source: MakeSource, store: Store, qb_clock: FrozenClock
) -> None:
    from decimal import Decimal

    from connector.intake import process_inbox, receive

    seed(qb_state, customers=10, invoices=40, today=qb_clock.now().date())
    source = make_source()
    sync(store, "acme", source, clock=qb_clock)
    table = qb_state.data["9130350000000001"]["Invoice"]
    target = next(i for i, r in table.items() if r["Balance"] > 0)
    qb_state.put("Invoice", {**table[target], "Balance": Decimal(0)})
    payment = qb_state.put(
        "Payment",
        {
            "TxnDate": "2026-03-09",
            "TotalAmt": table[target]["TotalAmt"],
            "UnappliedAmt": Decimal(0),
            "CustomerRef": table[target]["CustomerRef"],
            "Line": [
                {
                    "Amount": table[target]["TotalAmt"],
                    "LinkedTxn": [{"TxnId": target, "TxnType": "Invoice"}],
                }
            ],
        },
    )
    headers, body = qb_state.webhook(
        [("Payment", payment["Id"], "Create")], verifier=VERIFIER, cloudevents=True
    )
    receive(store, "acme", source, headers, body)
    process_inbox(store, "acme", source, clock=qb_clock)
    assert not store.receivable("acme", f"quickbooks:acme:invoice:{target}").is_open
