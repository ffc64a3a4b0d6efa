"""« Malgré notre relance du … » is written from the reminders the outbox really sent: through
a relay (a real SMTP server here), never an .eml only written to a folder."""

from __future__ import annotations

import email
from datetime import date, timedelta
from email import policy
from pathlib import Path

from connector.store import ActionStatus, Store
from tests.smtp_server import SmtpServer

from .builders import TENANT, MemorySource, customer, invoice, make_executor, relay


def _month(store: Store, outbox: Path, smtp: SmtpServer | None) -> None:
    receivable = invoice("F-001", "C1", date(2026, 3, 2), "1200.00")
    store.upsert_ledger(
        TENANT, customers=[customer("C1", "Boulangerie Dupont")], receivables=[receivable]
    )
    source = MemorySource({receivable.ref.key: receivable.open_balance})
    day = date(2026, 3, 2)
    while day < date(2026, 3, 31):
        config = relay(smtp) if smtp is not None else None
        make_executor(store, outbox, source, day, smtp=config).run(day)
        day += timedelta(days=1)


def test_the_second_reminder_names_the_first_by_the_day_it_was_sent(
    store: Store, tmp_path: Path, smtp: SmtpServer
) -> None:
    _month(store, tmp_path / "outbox", smtp)
    sent = {a.step: a.planned_on for a in store.actions(TENANT) if a.status is ActionStatus.SENT}
    (second,) = [
        email.message_from_bytes(m.data, policy=policy.default)
        for m in smtp.messages
        if b"reminder_2" in m.data.split(b"X-Relance-Action:", 1)[1][:200]
    ]
    text = second.get_body(("plain",)).get_content()
    assert second["Subject"].startswith("Deuxième relance")
    assert f"Malgré notre relance du {sent['reminder_1'].day}\u00a0mars 2026," in text
    assert "nos relances" not in text


def test_an_email_only_written_to_a_folder_is_no_reminder_to_cite(
    store: Store, tmp_path: Path
) -> None:
    _month(store, tmp_path / "outbox", None)
    second = next(p for p in (tmp_path / "outbox").rglob("*reminder_2*.eml"))
    text = email.message_from_bytes(second.read_bytes(), policy=policy.default)
    body = text.get_body(("plain",)).get_content()
    assert "Malgré notre relance" not in body and "nos relances" not in body
