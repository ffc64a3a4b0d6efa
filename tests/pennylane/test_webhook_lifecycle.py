"""Pennylane disables a subscription whose endpoint answers 401, 403, 404 or 410, and one that
keeps failing otherwise (pennylane.readme.io/docs/failures-lifecycle; the emulator judges
each answer so). Whatever Pennylane sends that relance cannot use must not cost the
subscription: quotes, files, supplier invoices, invoices relance never stored, bodies it
cannot read are acknowledged; only what Pennylane did not sign is refused."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import uvicorn
from cryptography.fernet import Fernet

from adapters.pennylane.webhooks import sign
from connector.clock import FrozenClock
from connector.model import Platform
from connector.oauth import TokenVault
from connector.receiver import create_app
from connector.store import Store
from tests.emulators.pennylane import API_2026_04, API_LATER, PennylaneEmulator, PennylaneState
from tests.secrets_watch import watch

from .conftest import MakeSource, StaticToken

HOOK = "https://relance.example.fr/webhooks/pennylane/acme"


@pytest.fixture(params=[API_2026_04, API_LATER])
def pl_state(request: pytest.FixtureRequest, pl_clock: FrozenClock) -> PennylaneState:
    state = PennylaneState(pl_clock, webhook_api=request.param)
    state.put("customers", {"id": 77, "name": "Hôtel", "customer_type": "company"}, "insert")
    return state


@pytest.fixture
def store(tmp_path: Path, pl_clock: FrozenClock) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 's.sqlite'}", clock=pl_clock) as store:
        store.ensure_tenant("acme", platform=Platform.PENNYLANE)
        yield store


@pytest.fixture
def receiver(store: Store, make_source: MakeSource, pl_server: PennylaneEmulator) -> Iterator[str]:
    source = make_source(vault=TokenVault(store, Fernet(Fernet.generate_key())))
    source.subscribe(HOOK)
    app = create_app(store, {"acme": source}.get)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the receiver did not start"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=10)


def _deliver(state: PennylaneState, url: str, headers: dict[str, str], body: bytes) -> int:
    """Post as Pennylane does, and let it judge the answer."""
    (sub_id,) = state.subscriptions
    status = requests.post(f"{url}/webhooks/pennylane/acme", headers=headers, data=body,
                           timeout=10).status_code  # fmt: skip
    state.delivered(sub_id, status)
    return status


def test_what_relance_cannot_use_never_gets_the_subscription_disabled(
    receiver: str, pl_state: PennylaneState, store: Store
) -> None:
    (sub_id,) = pl_state.subscriptions
    sub = pl_state.subscriptions[sub_id]
    unusable = [
        ("quote.created", {"id": 12}),
        ("dms_file.created", {"id": 13, "filename": "scan.pdf"}),
        ("supplier_invoice.e_invoicing_received", {"id": 14}),
        (sub["events"][0], {"id": 999_999}),  # an invoice relance never stored
        (sub["events"][0], {"reference": "no id"}),
    ]
    statuses = []
    for event, obj in unusable * 3:  # again and again: no failure builds up
        headers, body = pl_state.signed_delivery(sub_id, event, obj)
        statuses.append(_deliver(pl_state, receiver, headers, body))
    odd = b"not the documented envelope"  # signed by Pennylane all the same
    stamp = int(pl_state.clock.now().timestamp())
    signed = {"X-Pennylane-Signature": sign(sub["secret"], stamp, odd)}
    statuses.append(_deliver(pl_state, receiver, signed, odd))
    assert set(statuses) == {202}
    assert sub["enabled"] and sub.get("consecutive_failures", 0) == 0
    # the invoice relance never stored was recorded to be re-read (and found gone then)
    assert len(store.pending_inbound("acme")) == 3


def test_only_what_pennylane_did_not_sign_is_refused(
    receiver: str, pl_state: PennylaneState
) -> None:
    (sub_id,) = pl_state.subscriptions
    headers, body = pl_state.signed_delivery(sub_id, "dms_file.created", {"id": 1})
    forged = requests.post(f"{receiver}/webhooks/pennylane/acme", headers=headers,
                           data=body.replace(b'"id": 1', b'"id": 2'), timeout=10)  # fmt: skip
    assert forged.status_code == 401  # not from Pennylane: its subscription is not touched
    assert pl_state.subscriptions[sub_id]["enabled"]
    # a subscription whose secret relance no longer holds (made elsewhere, or replaced):
    # refused, and Pennylane disables that one, as its lifecycle says
    watch("whsec_someone_else_0123456789")
    pl_state.subscriptions[sub_id]["secret"] = "whsec_someone_else_0123456789"
    headers, body = pl_state.signed_delivery(sub_id, "dms_file.created", {"id": 3})
    assert _deliver(pl_state, receiver, headers, body) == 401
    assert pl_state.subscriptions[sub_id]["disabled_reason"] == "permanent_error"
    assert StaticToken().token in pl_state.tokens  # the API token itself is untouched
