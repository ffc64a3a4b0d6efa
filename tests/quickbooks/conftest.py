"""A running QuickBooks emulator and a tenant connected to it as `relance connect` leaves it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from adapters.quickbooks.source import QuickBooksSource
from connector.clock import FrozenClock
from connector.model import Creditor, Platform
from connector.oauth import Token, TokenVault, load_fernet
from connector.settings import OAuthAppConfig, QuickBooksOptions, Settings, TenantConfig
from connector.store import Store
from tests.emulators.quickbooks import REALM, QuickBooksEmulator, QuickBooksState
from tests.secrets_watch import watch

VERIFIER = "qbo-verifier-token-0123"
watch(VERIFIER)


@pytest.fixture
def qb_clock() -> FrozenClock:
    return FrozenClock.on(date(2026, 3, 10))


@pytest.fixture
def qb_state(qb_clock: FrozenClock) -> QuickBooksState:
    return QuickBooksState(qb_clock)


@pytest.fixture
def qb_server(qb_state: QuickBooksState) -> Iterator[QuickBooksEmulator]:
    server = QuickBooksEmulator(qb_state).start()
    yield server
    server.stop()


@pytest.fixture
def store(tmp_path: Path, qb_clock: FrozenClock) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 's.sqlite'}", clock=qb_clock) as store:
        store.ensure_tenant("acme", platform=Platform.QUICKBOOKS)
        yield store


@pytest.fixture
def settings(
    qb_server: QuickBooksEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    monkeypatch.chdir(tmp_path)
    return Settings(
        secret_key=SecretStr(Fernet.generate_key().decode()),
        quickbooks=OAuthAppConfig(
            client_id="relance-qbo",
            client_secret=SecretStr("qbo-secret"),
            token_url=qb_server.token_url,
            webhook_verifier=SecretStr(VERIFIER),
        ),
    )


@dataclass
class Connected:
    vault: TokenVault
    token: Token


Connect = Callable[..., Connected]
MakeSource = Callable[..., QuickBooksSource]


@pytest.fixture
def connect(qb_state: QuickBooksState, store: Store, settings: Settings) -> Connect:
    def run(expires_in: timedelta = timedelta(hours=1), realm: str = REALM) -> Connected:
        pair = qb_state.issue_pair(realm)
        token = Token(
            pair["access_token"],
            pair["refresh_token"],
            qb_state.clock.now() + expires_in,
            {"realmId": realm},
        )
        vault = TokenVault(store, load_fernet(settings))
        vault.save("acme", "quickbooks", token)
        return Connected(vault, token)

    return run


@pytest.fixture
def make_source(
    qb_server: QuickBooksEmulator, store: Store, settings: Settings, connect: Connect
) -> Iterator[MakeSource]:
    made: list[QuickBooksSource] = []

    def make(connected: bool = True, **options: Any) -> QuickBooksSource:
        if connected and store.credential("acme", "quickbooks") is None:
            connect()
        config = TenantConfig(
            slug="acme",
            platform=Platform.QUICKBOOKS,
            creditor=Creditor(name="Cooper Design LLC"),
            language="en",
            country="US",
            api_url=qb_server.base_url,
            quickbooks=QuickBooksOptions(**options),
        )
        source = QuickBooksSource.from_tenant(
            config, clock=qb_server.state.clock, store=store, settings=settings
        )
        made.append(source)
        return source

    yield make
    for source in made:
        source.close()
