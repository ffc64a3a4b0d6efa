"""The played scenario, once per module: the executor's months of reminders take a second."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connector.clock import FrozenClock
from connector.store import Store

from .scenario import START, Scenario, play


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    root = tmp_path_factory.mktemp("dossier")
    clock = FrozenClock.on(START)
    with Store.open(f"sqlite:///{root / 'relance.sqlite'}", clock=clock) as store:
        yield play(store, root / "outbox", clock)
