"""Fixtures of the whole-cycle tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from connector.clock import FrozenClock
from connector.model import Platform
from connector.store import Store
from tests.smtp_server import SmtpServer

from .builders import TENANT


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    clock = FrozenClock.on(date(2026, 3, 1))
    with Store.open(f"sqlite:///{tmp_path / 'relance.sqlite'}", clock=clock) as opened:
        opened.ensure_tenant(TENANT, platform=Platform.FILES, name="Atelier Test")
        yield opened


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server on loopback that refuses nobody@example.com for good."""
    server = SmtpServer(refuse={"nobody@example.com"}).start()
    try:
        yield server
    finally:
        server.stop()
