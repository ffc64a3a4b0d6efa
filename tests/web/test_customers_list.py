"""The customers' list as the store gives it (``Store.customers_page``): the same net balance
per customer as ``relance report`` (invoices less credit notes and unapplied payments, per
currency), pages of a fixed size that cover every customer once, each sort and filter."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from connector.model import (
    Customer,
    Dispute,
    Instalment,
    Pause,
    Payment,
    Platform,
    Promise,
    Receivable,
    ReceivableKind,
    ReceivableStatus,
    SourceRef,
)
from connector.money import Money
from connector.recording import MESSAGES
from connector.reports import aged_balance
from connector.store import Store
from connector.store.customer_list import Bucket, CustomerQuery, Sort
from connector.web.pages.customer_actions import REFUSALS

TENANT = "acme"
TODAY = date(2026, 11, 24)


def ref(external_id: str) -> SourceRef:
    return SourceRef(platform=Platform.FILES, tenant=TENANT, external_id=external_id)


def invoice(
    n: int, customer: str, due: date, amount: str, currency: str = "EUR", **extra: object
) -> Receivable:
    money = Money.of(amount, currency)
    values: dict[str, object] = {
        "ref": ref(f"F{n}"),
        "customer_ref": ref(customer),
        "number": f"F-{n}",
        "issued_on": due - timedelta(days=30),
        "due_on": due,
        "currency": currency,
        "total": money,
        "open_balance": money,
        "status": ReceivableStatus.OPEN,
        **extra,
    }
    return Receivable(**values)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path / 'r.sqlite'}") as opened:
        opened.ensure_tenant(TENANT, platform=Platform.FILES)
        customers = [Customer(ref=ref(f"C{n:03d}"), name=f"Client {n:03d}") for n in range(120)]
        customers.append(Customer(ref=ref("PAID"), name="Nothing owed"))
        documents = [
            invoice(n, f"C{n:03d}", TODAY - timedelta(days=n), f"{100 + n}.10") for n in range(120)
        ]
        documents += [
            invoice(1000, "C001", TODAY + timedelta(days=10), "50.00", "CHF"),
            invoice(
                1001, "C002", TODAY - timedelta(days=5), "30.00", kind=ReceivableKind.CREDIT_NOTE
            ),
            invoice(  # split in two: its first half is 40 days late, its due date is ahead
                1002,
                "C003",
                TODAY + timedelta(days=20),
                "200.00",
                instalments=(
                    Instalment(due_on=TODAY - timedelta(days=40), amount=Money.of("100", "EUR")),
                    Instalment(due_on=TODAY + timedelta(days=20), amount=Money.of("100", "EUR")),
                ),
            ),
            invoice(1003, "PAID", TODAY - timedelta(days=3), "0.00", status=ReceivableStatus.PAID),
        ]
        payment = Payment(
            ref=ref("P1"),
            customer_ref=ref("C004"),
            received_on=TODAY - timedelta(days=1),
            amount=Money.of("20.05", "EUR"),
            unapplied=Money.of("20.05", "EUR"),
        )
        opened.upsert_ledger(TENANT, customers=customers, receivables=documents, payments=[payment])
        opened.add_promise(
            TENANT,
            Promise(
                id="p1", customer_ref=ref("C010"), promised_on=TODAY + timedelta(days=3),
                amount=Money.of("10", "EUR"), recorded_on=TODAY,
                balance_at_promise=Money.of("110.10", "EUR"),
            ),
        )  # fmt: skip
        opened.add_promise(  # broken long ago: no longer a promise that holds
            TENANT,
            Promise(
                id="p2", customer_ref=ref("C011"), promised_on=TODAY - timedelta(days=30),
                amount=Money.of("10", "EUR"), recorded_on=TODAY - timedelta(days=40),
                balance_at_promise=Money.of("111.10", "EUR"),
            ),
        )  # fmt: skip
        opened.add_dispute(TENANT, Dispute(id="d1", receivable_ref=ref("F12"), opened_on=TODAY))
        opened.pause(TENANT, ref("C013"), Pause(since=TODAY - timedelta(days=1)))
        yield opened


def every_row(store: Store, **options: object) -> list[object]:
    rows = []
    page = 1
    while True:
        found = store.customers_page(TENANT, CustomerQuery(TODAY, page=page, size=50, **options))  # type: ignore[arg-type]
        rows.extend(found.rows)
        if not found.rows:
            assert found.total == len(rows)
            return rows
        page += 1


def test_balances_agree_with_the_report_and_pages_cover_everyone_once(store: Store) -> None:
    rows = every_row(store)
    assert len(rows) == 120 and len({r.key for r in rows}) == 120  # type: ignore[attr-defined]
    report = aged_balance(
        store.open_receivables(TENANT, as_of=TODAY), TODAY, store.unapplied_payments(TENANT)
    )
    for row in rows:
        assert dict(row.balance.items()) == dict(report.by_customer[row.key].items())  # type: ignore[attr-defined]
    by_key = {r.key: r for r in rows}  # type: ignore[attr-defined]
    assert by_key[ref("C001").key].balance.items() and len(by_key[ref("C001").key].balance) == 2
    assert by_key[ref("C003").key].oldest_late == 40  # its first instalment
    balances = [max(m.amount for m in r.balance.values()) for r in rows[:50]]  # type: ignore[attr-defined]
    assert balances == sorted(balances, reverse=True)


def test_each_sort_and_filter(store: Store) -> None:
    def keys(**options: object) -> list[str]:
        return [r.key.split(":")[-1] for r in every_row(store, **options)]  # type: ignore[attr-defined]

    by_name = keys(sort=Sort.NAME, descending=False)
    assert by_name == sorted(by_name) and len(by_name) == 120
    assert keys(sort=Sort.LATE)[:2] == ["C119", "C118"]
    assert sorted(keys(search="client 01")) == [f"C01{n}" for n in range(10)]
    assert keys(search="c007") == ["C007"]
    assert keys(promise=True, grace_days=2) == ["C010"]
    assert keys(dispute=True) == ["C012"]
    assert keys(paused=True) == ["C013"]
    assert keys(blocked=True) == []
    late = set(keys(bucket=Bucket.D90))
    assert late == {f"C{n:03d}" for n in range(91, 120)}
    assert set(keys(bucket=Bucket.D1_30)) == {f"C{n:03d}" for n in range(1, 31)}
    assert "C000" in keys(bucket=Bucket.NOT_DUE)  # due today: not late yet


def test_the_web_app_says_every_refusal_the_command_line_can_give() -> None:
    assert REFUSALS == MESSAGES
