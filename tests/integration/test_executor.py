"""The executor end to end on a real SQLite store and the real outbox channels."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from connector.money import Money
from connector.store import ActionStatus, EventType, Store
from tests.smtp_server import SmtpServer

from .builders import (
    TENANT,
    MemorySource,
    customer,
    invoice,
    make_executor,
    ref,
    relay,
    without_approval,
)

DAY = date(2026, 3, 10)  # a Tuesday


def _ledger(store: Store) -> MemorySource:
    customers = [customer("C1", "Boulangerie Dupont"), customer("C2", "Garage Martin")]
    receivables = [
        invoice("F-001", "C1", date(2026, 3, 2), "1200.00"),
        invoice("F-002", "C1", date(2026, 3, 5), "300.00"),
        invoice("F-003", "C2", date(2026, 3, 3), "800.00"),
    ]
    store.upsert_ledger(TENANT, customers=customers, receivables=receivables)
    return MemorySource({r.ref.key: r.open_balance for r in receivables})


def test_a_run_sends_one_message_per_customer_and_records_it(
    store: Store, tmp_path: Path, smtp: SmtpServer
) -> None:
    source = _ledger(store)
    report = make_executor(store, tmp_path / "outbox", source, DAY, smtp=relay(smtp)).run(DAY)

    sent = [r for r in report.results if r.status is ActionStatus.SENT]
    assert sorted(r.customer_key for r in sent) == [ref("C1").key, ref("C2").key]
    assert {r.step for r in sent} == {"reminder_1"}
    assert len(smtp.messages) == 2
    body = b"".join(m.data for m in smtp.messages)
    assert b"F-001" in body and b"F-002" in body and b"F-003" in body
    # every invoice of a sent action was written back to the source
    assert sorted(key for key, _ in source.written) == sorted(
        ref(i).key for i in ("F-001", "F-002", "F-003")
    )
    kinds = [e.kind for e in store.history(TENANT, customer_ref=ref("C1"))]
    assert EventType.ACTION_SENT in kinds and EventType.WRITTEN_BACK in kinds
    (record,) = [a for a in store.actions(TENANT) if a.customer_ref == ref("C1")]
    assert record.details["recipients"] == ["ap@example.com"]


def test_without_a_relay_an_email_is_written_not_sent(store: Store, tmp_path: Path) -> None:
    source = _ledger(store)
    report = make_executor(store, tmp_path / "outbox", source, DAY).run(DAY)

    assert {r.status for r in report.results} == {ActionStatus.WRITTEN}
    assert all("not sent" in r.detail for r in report.results)
    assert len(sorted((tmp_path / "outbox").rglob("*.eml"))) == 2
    assert source.written == [], "the source's trail never says an unsent e-mail was sent"
    kinds = [e.kind for e in store.history(TENANT, customer_ref=ref("C1"))]
    assert EventType.ACTION_WRITTEN in kinds and EventType.ACTION_SENT not in kinds
    # the schedule moved on all the same: the demo and a person forwarding .eml files rely on it
    assert store.item_history(TENANT, ref("C1"))[ref("F-001").key][0].delivery.value == "written"


def test_running_the_same_cycle_twice_sends_nothing_new(store: Store, tmp_path: Path) -> None:
    source = _ledger(store)
    make_executor(store, tmp_path / "outbox", source, DAY).run(DAY)
    again = make_executor(store, tmp_path / "outbox", source, DAY).run(DAY)

    assert again.results == []
    assert len(list((tmp_path / "outbox").rglob("*.eml"))) == 2
    assert len(store.actions(TENANT, status=ActionStatus.WRITTEN)) == 2


def test_a_customer_who_just_paid_is_not_reminded(store: Store, tmp_path: Path) -> None:
    source = _ledger(store)
    source.balances[ref("F-003").key] = Money.of("0", "EUR")  # paid at the source this morning

    report = make_executor(store, tmp_path / "outbox", source, DAY).run(DAY)

    c2 = [r for r in report.results if r.customer_key == ref("C2").key]
    assert all(r.status is not ActionStatus.SENT for r in c2)
    assert store.receivable(TENANT, ref("F-003")).open_balance.is_zero
    emails = list((tmp_path / "outbox").rglob("*.eml"))
    assert len(emails) == 1
    assert b"F-003" not in emails[0].read_bytes()


def test_a_partial_payment_at_the_source_updates_the_claim(store: Store, tmp_path: Path) -> None:
    source = _ledger(store)
    source.balances[ref("F-001").key] = Money.of("200.00", "EUR")

    report = make_executor(store, tmp_path / "outbox", source, DAY).run(DAY)

    c1 = next(a for a in report.planned if a.customer_ref == ref("C1"))
    assert c1.totals["EUR"] == Money.of("500.00", "EUR")
    assert store.receivable(TENANT, ref("F-001")).open_balance == Money.of("200.00", "EUR")


def test_an_action_left_sending_is_held_and_blocks_its_customer(
    store: Store, tmp_path: Path
) -> None:
    source = _ledger(store)
    executor = make_executor(store, tmp_path / "outbox", source, DAY)
    action = next(a for p in executor.plan(DAY) for a in p.actions if a.customer_ref == ref("C1"))
    store.record_action(TENANT, action)
    store.mark_sending(TENANT, action.key)  # then the process died before mark_sent

    report = executor.run(DAY)

    held = store.actions(TENANT, status=ActionStatus.HELD)
    assert [h.key for h in held] == [action.key]
    assert "outcome unknown" in (held[0].error or "")
    assert all(
        r.customer_key != ref("C1").key or r.status is ActionStatus.HELD for r in report.results
    )
    assert report.needs_attention


def test_the_dry_run_changes_nothing(store: Store, tmp_path: Path) -> None:
    source = _ledger(store)
    report = make_executor(store, tmp_path / "outbox", source, DAY).dry_run(DAY)

    assert len(report.planned) == 2
    assert store.actions(TENANT) == []
    assert not (tmp_path / "outbox").exists() or not list((tmp_path / "outbox").rglob("*"))
    assert source.balance_calls == 0


def test_the_notice_claims_interest_at_the_contract_rate(store: Store, tmp_path: Path) -> None:
    from datetime import timedelta

    from pypdf import PdfReader

    from connector.settings import ContractConfig

    store.upsert_ledger(
        TENANT,
        customers=[customer("C1", "Boulangerie Dupont")],
        receivables=[invoice("F-001", "C1", date(2026, 3, 2), "1200.00")],
    )
    source = MemorySource({ref("F-001").key: Money.of("1200.00", "EUR")})
    day = date(2026, 3, 1)
    while day <= date(2026, 4, 2):
        executor = make_executor(store, tmp_path / "outbox", source, day, policy=without_approval())
        executor.contract = ContractConfig.model_validate(
            {"customers": {"C1": {"late_payment_rate": "20"}}}
        )
        executor.run(day)
        day += timedelta(days=1)
    (letter,) = (tmp_path / "outbox" / "letters").rglob("*.pdf")
    text = "".join(page.extract_text() for page in PdfReader(letter).pages).replace("\xa0", " ")
    # the contract's rate, above the 3 x legal rate floor (7,86 %), on each period's line
    assert "Facture F-001 du 03/03/2026 au 01/04/2026 30 20,00 %" in text
    assert "Indemnités forfaitaires pour frais de recouvrement (1 facture) 40,00 €" in text


def test_a_stop_between_customers_keeps_what_was_done_and_the_next_run_finishes(
    store: Store, tmp_path: Path
) -> None:
    source = _ledger(store)
    asked = iter([False, True])  # SIGTERM arrives while the first customer is in hand
    first = make_executor(store, tmp_path / "outbox", source, DAY).run(
        DAY, stop=lambda: next(asked, True)
    )
    assert first.stopped
    assert len([r for r in first.results if r.status is ActionStatus.WRITTEN]) == 1
    second = make_executor(store, tmp_path / "outbox", source, DAY).run(DAY)
    assert not second.stopped
    assert len([r for r in second.results if r.status is ActionStatus.WRITTEN]) == 1
    assert len(sorted((tmp_path / "outbox").rglob("*.eml"))) == 2, "each customer once"
