"""Every store test runs on SQLite and on the real PostgreSQL server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from connector.clock import FrozenClock
from connector.model import Platform
from connector.store import Store


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    clock = FrozenClock.on(date(2026, 3, 10))
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    else:
        url = request.getfixturevalue("pg_url")
    opened = Store.open(url, clock=clock)
    opened.ensure_tenant("acme", platform=Platform.FILES, name="Acme")
    try:
        yield opened
    finally:
        if request.param == "postgresql":  # the next test starts from an empty schema
            with opened.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        opened.close()
