"""The dashboard's figures on a small ledger made by hand, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from connector.clock import FrozenClock
from connector.store import Store

from .ledger import build


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    else:
        url = request.getfixturevalue("pg_url")
    opened = Store.open(url, clock=FrozenClock.on(date(2026, 3, 12)))
    build(opened)
    try:
        yield opened
    finally:
        if request.param == "postgresql":
            with opened.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        opened.close()
