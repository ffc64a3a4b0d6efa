"""« Malgré notre relance du … » is written from the reminders the outbox really sent."""

from __future__ import annotations

import email
from datetime import date, timedelta
from email import policy
from pathlib import Path

from connector.store import Store

from .builders import TENANT, MemorySource, customer, invoice, make_executor


def test_the_second_reminder_names_the_first_by_the_day_it_was_sent(
    store: Store, tmp_path: Path
) -> None:
    receivable = invoice("F-001", "C1", date(2026, 3, 2), "1200.00")
    store.upsert_ledger(
        TENANT, customers=[customer("C1", "Boulangerie Dupont")], receivables=[receivable]
    )
    source = MemorySource({receivable.ref.key: receivable.open_balance})
    day = date(2026, 3, 2)
    while day < date(2026, 3, 31):
        make_executor(store, tmp_path / "outbox", source, day).run(day)
        day += timedelta(days=1)
    first = next(p for p in (tmp_path / "outbox").rglob("*reminder_1*.eml"))
    second = next(p for p in (tmp_path / "outbox").rglob("*reminder_2*.eml"))
    first_day = date.fromisoformat(first.parent.name)
    message = email.message_from_bytes(second.read_bytes(), policy=policy.default)
    text = message.get_body(("plain",)).get_content()
    assert message["Subject"].startswith("Deuxième relance")
    assert f"Malgré notre relance du {first_day.day}\u00a0mars 2026," in text
    assert "nos relances" not in text
