"""An OAuth-connected Pennylane tenant, built as `relance sync` builds it (from_tenant)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from adapters.pennylane.source import PennylaneSource
from connector.clock import FrozenClock
from connector.errors import AuthorizationLost
from connector.model import Creditor, Platform
from connector.oauth import RECONNECT, Token, TokenVault
from connector.settings import OAuthAppConfig, Settings, TenantConfig
from connector.source import Resource
from connector.store import Store
from connector.sync import sync
from tests.emulators.pennylane import Fault, PennylaneEmulator, PennylaneState, seed


@pytest.fixture
def store(tmp_path: Path, pl_clock: FrozenClock) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 's.sqlite'}", clock=pl_clock) as store:
        store.ensure_tenant("acme", platform=Platform.PENNYLANE)
        yield store


@pytest.fixture
def settings(
    pl_server: PennylaneEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    monkeypatch.chdir(tmp_path)  # no relance.toml of the developer's
    return Settings(
        secret_key=SecretStr(Fernet.generate_key().decode()),
        pennylane=OAuthAppConfig(
            client_id="relance-app",
            client_secret=SecretStr("app-secret"),
            token_url=pl_server.token_url,
        ),
    )


def connect(
    state: PennylaneState, store: Store, settings: Settings, expires_in: timedelta
) -> tuple[TokenVault, Token]:
    """What `relance connect pennylane` leaves in the store after the consent screen."""
    pair = state.issue_pair()
    token = Token(pair["access_token"], pair["refresh_token"], state.clock.now() + expires_in)
    from connector.oauth import load_fernet

    vault = TokenVault(store, load_fernet(settings))
    vault.save("acme", "pennylane", token)
    return vault, token


def source_for(pl_server: PennylaneEmulator, store: Store, settings: Settings) -> PennylaneSource:
    config = TenantConfig(
        slug="acme",
        platform=Platform.PENNYLANE,
        creditor=Creditor(name="Atelier Dupont SAS"),
        api_url=pl_server.base_url,
    )
    return PennylaneSource.from_tenant(
        config, clock=pl_server.state.clock, store=store, settings=settings
    )


def test_the_token_expires_and_rotates_in_the_middle_of_a_sync(
    pl_server: PennylaneEmulator, pl_state: PennylaneState, store: Store, settings: Settings
) -> None:
    seed(pl_state, customers=3000, invoices=300, today=pl_state.clock.now().date())
    # the access token has 5 min 3 s left; the refresh margin is 5 min: after the first 25
    # pages the rate limit makes the client wait 5 s, and the token falls due mid-sync
    vault, first = connect(pl_state, store, settings, timedelta(minutes=5, seconds=3))
    report = sync(store, "acme", source_for(pl_server, store, settings), clock=pl_state.clock)
    assert report.counts["customers"] == 3000 and report.counts["receivables"] > 0
    now = vault.load("acme", "pennylane")
    assert now.refresh_token != first.refresh_token and now.access_token != first.access_token
    assert first.access_token not in pl_state.tokens  # rotation killed the old pair ...
    assert first.refresh_token not in pl_state.refresh_tokens
    assert now.access_token in pl_state.tokens  # ... and the stored one is the live one
    assert pl_state.throttled == 0


def test_a_token_rejected_mid_sync_is_refreshed_and_the_call_replayed(
    pl_server: PennylaneEmulator, pl_state: PennylaneState, store: Store, settings: Settings
) -> None:
    seed(pl_state, customers=250, invoices=50, today=pl_state.clock.now().date())
    vault, first = connect(pl_state, store, settings, timedelta(hours=20))
    pl_state.inject(Fault("GET", "/customers", 401, {"error": "The access token is invalid"}))
    report = sync(store, "acme", source_for(pl_server, store, settings), clock=pl_state.clock)
    assert report.counts["customers"] == 250
    assert vault.load("acme", "pennylane").refresh_token != first.refresh_token


def test_a_revoked_connection_marks_the_tenant_for_reconnection(
    pl_server: PennylaneEmulator, pl_state: PennylaneState, store: Store, settings: Settings
) -> None:
    seed(pl_state, customers=5, invoices=5, today=pl_state.clock.now().date())
    _, first = connect(pl_state, store, settings, timedelta(hours=20))
    pl_state.revoke(first.refresh_token or "")  # the user revoked relance in Pennylane
    source = source_for(pl_server, store, settings)
    with pytest.raises(AuthorizationLost, match="invalid_grant") as caught:
        list(source.pull(Resource.CUSTOMERS, None))
    assert caught.value.hint and "relance connect pennylane --tenant acme" in caught.value.hint
    row = store.credential("acme", "pennylane")
    assert row is not None and row.status == RECONNECT
    assert pl_state.requests_to("GET", "/") == 1  # one refused call, one refused refresh: no loop
    with pytest.raises(AuthorizationLost, match="refused tenant acme's authorization"):
        list(source.pull(Resource.CUSTOMERS, None))


def test_a_company_token_needs_no_refresh(
    pl_server: PennylaneEmulator, pl_state: PennylaneState, store: Store, settings: Settings
) -> None:
    seed(pl_state, customers=5, invoices=5, today=pl_state.clock.now().date())
    from connector.oauth import load_fernet

    TokenVault(store, load_fernet(settings)).save(
        "acme", "pennylane", Token("plt_test_token", None, None)
    )
    pl_state.clock.advance(timedelta(days=400))  # type: ignore[attr-defined]
    (batch,) = source_for(pl_server, store, settings).pull(Resource.CUSTOMERS, None)
    assert len(batch.customers) == 5
