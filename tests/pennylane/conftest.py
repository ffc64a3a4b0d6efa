"""A running Pennylane emulator and sources wired to it through the real HTTP layer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
import requests

from adapters.pennylane.client import POLICY, PennylaneClient, classify
from adapters.pennylane.source import PennylaneSource
from adapters.pennylane.writeback import WriteOptions
from connector.clock import FrozenClock
from connector.http import HttpClient
from tests.emulators.pennylane import PennylaneEmulator, PennylaneState


class StaticToken(requests.auth.AuthBase):
    def __init__(self, token: str = "plt_test_token") -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


@pytest.fixture
def pl_clock() -> FrozenClock:
    return FrozenClock.on(date(2026, 3, 10))


@pytest.fixture
def pl_state(pl_clock: FrozenClock) -> PennylaneState:
    return PennylaneState(pl_clock)


@pytest.fixture
def pl_server(pl_state: PennylaneState) -> Iterator[PennylaneEmulator]:
    server = PennylaneEmulator(pl_state)
    server.start()
    yield server
    server.shutdown()
    server.server_close()


MakeSource = Callable[..., PennylaneSource]


@pytest.fixture
def make_source(pl_server: PennylaneEmulator, pl_clock: FrozenClock) -> Iterator[MakeSource]:
    clients: list[HttpClient] = []

    def make(
        auth: requests.auth.AuthBase | None = None,
        options: WriteOptions | None = None,
        **kwargs: Any,
    ) -> PennylaneSource:
        http = HttpClient(
            POLICY,
            base_url=pl_server.base_url,
            tenant="acme",
            clock=pl_clock,
            auth=auth or StaticToken(),
            classify=classify,
        )
        clients.append(http)
        return PennylaneSource(PennylaneClient(http), "acme", pl_clock, options=options, **kwargs)

    yield make
    for http in clients:
        http.close()
