"""Two syncs of one tenant at once (one replica's cycle, another's webhook re-read) take
turns: both succeed, nothing is stored twice. On SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import date

from connector.model import Contact, Customer, Platform, Receivable, ReceivableStatus, SourceRef
from connector.money import Money
from connector.store import Store


def _batch(round_: int) -> tuple[list[Customer], list[Receivable]]:
    def ref(external_id: str) -> SourceRef:
        return SourceRef(platform=Platform.FILES, tenant="acme", external_id=external_id)

    customers = [
        Customer(
            ref=ref(f"C{round_}-{n}"),
            name=f"Client {n}",
            contacts=(Contact(name="AP", email=f"ap{n}@client.example", primary=True),),
        )
        for n in range(5)
    ]
    receivables = [
        Receivable(
            ref=ref(f"F{round_}-{n}"),
            customer_ref=ref(f"C{round_}-{n}"),
            number=f"F-{round_}-{n}",
            issued_on=date(2026, 2, 1),
            due_on=date(2026, 3, 1),
            currency="EUR",
            total=Money.of("120.00", "EUR"),
            open_balance=Money.of("120.00", "EUR"),
            status=ReceivableStatus.OPEN,
        )
        for n in range(5)
    ]
    return customers, receivables


def test_simultaneous_syncs_of_one_tenant_both_succeed(store: Store) -> None:
    rounds, writers = 6, 4
    errors: list[BaseException] = []

    def writer(start: threading.Barrier) -> None:
        for round_ in range(rounds):
            customers, receivables = _batch(round_)  # every writer: the same new records
            start.wait()
            try:
                store.upsert_ledger("acme", customers=customers, receivables=receivables)
            except Exception as exc:  # the race this guards against: a duplicate key
                errors.append(exc)

    start = threading.Barrier(writers)
    threads = [threading.Thread(target=writer, args=(start,)) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(list(store.open_receivables("acme"))) == rounds * 5, "each record stored once"
