"""Migration 0007: payments stored with bare references get amounts per document."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from connector.model import Platform, SourceRef
from connector.money import Money
from connector.store import Store
from connector.store._base import _alembic_config


def _ref(external_id: str) -> SourceRef:
    return SourceRef(platform=Platform.FILES, tenant="acme", external_id=external_id)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.sqlite'}"
        return
    pg: str = request.getfixturevalue("pg_url")
    yield pg
    engine = create_engine(pg)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def _old_store(url: str) -> None:
    """A store at schema 0005 holding payments with ``applied_to`` only."""
    engine = create_engine(url)
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), "0005")
        conn.execute(
            text(
                "INSERT INTO tenants (slug, platform, name, country, timezone, created_at) "
                "VALUES ('acme', 'files', 'Acme', 'FR', 'Europe/Paris', :at)"
            ),
            {"at": datetime(2026, 3, 1, tzinfo=UTC).replace(tzinfo=None)},
        )
        for number, due, total, open_ in (
            ("F-1", date(2026, 2, 1), "300.00", "0"),
            ("F-2", date(2026, 1, 15), "500.00", "100.00"),
            ("F-3", date(2026, 3, 1), "900.00", "900.00"),
        ):
            conn.execute(
                text(
                    "INSERT INTO receivables (tenant, key, customer_key, kind, number, issued_on, "
                    "due_on, currency, total, open_balance, status) VALUES ('acme', :key, "
                    "'files:acme:C1', 'invoice', :number, :due, :due, 'EUR', :total, :open, 'open')"
                ),
                {
                    "key": _ref(number).key,
                    "number": number,
                    "due": due,
                    "total": total,
                    "open": open_,
                },
            )
        for pid, amount, unapplied, applied in (
            ("P1", "1000.00", "50.00", '["files:acme:F-1", "files:acme:F-2", "files:acme:F-9"]'),
            ("P2", "80.00", "80.00", "[]"),
            ("P3", "200.00", "0", '["files:acme:F-3"]'),
        ):
            conn.execute(
                text(
                    "INSERT INTO payments (tenant, key, customer_key, received_on, currency, "
                    "amount, unapplied, applied_to) VALUES ('acme', :key, 'files:acme:C1', :on, "
                    "'EUR', :amount, :unapplied, :applied)"
                ),
                {
                    "key": _ref(pid).key,
                    "on": date(2026, 3, 5),
                    "amount": amount,
                    "unapplied": unapplied,
                    "applied": applied,
                },
            )
    engine.dispose()


def test_bare_references_become_allocations_in_due_date_order(url: str) -> None:
    _old_store(url)
    with Store.open(url) as store:
        payments = {p.ref.external_id: p for p in store.payments("acme", "files:acme:C1")}
    # 950 applied: F-2 (due first) had 400 paid, F-1 300; F-9 is not in the store
    assert [(a.receivable_ref.external_id, a.amount) for a in payments["P1"].allocations] == [
        ("F-2", Money.of("400.00", "EUR")),
        ("F-1", Money.of("300.00", "EUR")),
    ]
    assert payments["P2"].allocations == ()
    assert payments["P3"].allocations == ()  # F-3 is open in full: nothing was paid on it
