"""A formal notice whose interest cannot be figured (no rate for the half-year yet): the
indemnity is still claimed, the interest is said to run at the legal rate, and the notice
waits for a person before it goes out."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from pypdf import PdfReader

from connector.money import Money
from connector.store import ActionStatus, Store

from .builders import TENANT, MemorySource, customer, invoice, make_executor, ref, without_approval


def test_a_notice_without_a_rate_is_held_with_the_reason_then_sent_when_released(
    store: Store, tmp_path: Path
) -> None:
    store.upsert_ledger(
        TENANT,
        customers=[customer("C1", "Boulangerie Dupont")],
        receivables=[invoice("F-001", "C1", date(2026, 7, 1), "1200.00")],
    )
    source = MemorySource({ref("F-001").key: Money.of("1200.00", "EUR")})
    outbox = tmp_path / "outbox"
    policy = without_approval()  # the hold of its own, without the approval's (below)
    day = date(2026, 7, 1)
    held = None
    while day <= date(2026, 8, 31) and held is None:
        report = make_executor(store, outbox, source, day, policy=policy).run(day)
        held = next((r for r in report.results if r.status is ActionStatus.HELD), None)
        day += timedelta(days=1)
    assert held is not None and held.step == "formal_notice"
    assert "no figure" in held.detail and "2026-07-01" in held.detail
    assert f"relance action release {held.key}" in held.detail
    assert not (outbox / "letters").exists(), "nothing went out before a person looked"
    # while it waits, the customer gets nothing else
    for _ in range(5):
        results = make_executor(store, outbox, source, day, policy=policy).run(day).results
        assert not [r for r in results if r.status.done or r.status is ActionStatus.PREPARED]
        day += timedelta(days=1)

    store.release_held(TENANT, held.key)
    after = make_executor(store, outbox, source, day, policy=policy).run(day)
    # released, it goes out: a letter prepared, to print and post
    assert [(r.key, r.status) for r in after.results] == [(held.key, ActionStatus.PREPARED)]
    (letter,) = (outbox / "letters").rglob("*.pdf")
    text = " ".join(page.extract_text() for page in PdfReader(letter).pages)
    flat = " ".join(text.split())
    assert "40,00" in flat  # the indemnity needs no rate: claimed
    assert "taux légal" in flat  # the interest runs, stated without a figure
    assert "0,00" not in flat.split()  # no zero where the interest has no figure


def test_under_approval_the_reason_comes_with_it_and_one_approval_lets_it_go(
    store: Store, tmp_path: Path
) -> None:
    store.upsert_ledger(
        TENANT,
        customers=[customer("C1", "Boulangerie Dupont")],
        receivables=[invoice("F-001", "C1", date(2026, 7, 1), "1200.00")],
    )
    source = MemorySource({ref("F-001").key: Money.of("1200.00", "EUR")})
    outbox = tmp_path / "outbox"
    day = date(2026, 7, 1)
    while not store.awaiting_approval(TENANT) and day <= date(2026, 8, 31):
        make_executor(store, outbox, source, day).run(day)
        day += timedelta(days=1)
    (waiting,) = store.awaiting_approval(TENANT)
    assert waiting.step == "formal_notice"
    assert "approve" in (waiting.error or "") and "no figure" in (waiting.error or "")

    store.approve_action(TENANT, waiting.key, by="Claire")
    on = waiting.planned_on  # the same day, run again (the next day may be a Saturday)
    after = make_executor(store, outbox, source, on).run(on)

    assert [(r.key, r.status) for r in after.results] == [(waiting.key, ActionStatus.PREPARED)]
