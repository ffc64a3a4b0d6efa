"""The subscription's signing secret is read from the vault once, and again only when a
delivery does not verify with it (the tenant subscribed again since)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from adapters.pennylane.source import WEBHOOK_KEY
from connector.clock import FrozenClock
from connector.errors import SourceRejected
from connector.model import Platform
from connector.oauth import Token, TokenVault
from connector.store import Store
from tests.emulators.pennylane import PennylaneState

from .conftest import MakeSource


class CountingVault(TokenVault):
    loads = 0

    def load(self, tenant: str, platform: str) -> Token:
        self.loads += 1
        return super().load(tenant, platform)


def _subscribe(state: PennylaneState, sub_id: int, secret: str) -> None:
    state.subscriptions[sub_id] = {
        "id": sub_id,
        "callback_url": "https://relance.example.fr/webhooks/pennylane/acme",
        "events": ["customer_invoice.created"],
        "enabled": True,
        "secret": secret,
    }


def test_the_secret_is_read_once_and_again_after_a_new_subscription(
    pl_state: PennylaneState, make_source: MakeSource, tmp_path: Path, pl_clock: FrozenClock
) -> None:
    from tests.secrets_watch import watch

    old, new = "whsec_old_0123456789abcdef", "whsec_new_0123456789abcdef"
    watch(old)
    watch(new)
    with Store.open(f"sqlite:///{tmp_path / 's.sqlite'}", clock=pl_clock) as store:
        store.ensure_tenant("acme", platform=Platform.PENNYLANE)
        vault = CountingVault(store, Fernet(Fernet.generate_key()))
        vault.save("acme", WEBHOOK_KEY, Token(old, None, None))
        source = make_source(vault=vault)
        _subscribe(pl_state, 1, old)
        for n in range(5):
            headers, body = pl_state.signed_delivery(1, "customer_invoice.created", {"id": n})
            assert source.parse_webhook(headers, body)
        assert vault.loads == 1, "read once, not per delivery"

        vault.save("acme", WEBHOOK_KEY, Token(new, None, None))  # subscribed again
        _subscribe(pl_state, 2, new)
        headers, body = pl_state.signed_delivery(2, "customer_invoice.created", {"id": 9})
        assert source.parse_webhook(headers, body), "the new secret, found on a second look"
        assert vault.loads == 2
        headers, body = pl_state.signed_delivery(1, "customer_invoice.created", {"id": 10})
        with pytest.raises(SourceRejected):
            source.parse_webhook(headers, body)  # the old subscription's secret: no more
        forged = body.replace(b'"id": 10', b'"id": 11')
        with pytest.raises(SourceRejected):
            source.parse_webhook(headers, forged)
