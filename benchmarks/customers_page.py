"""What the Customers screens cost on a big tenant: the list (one page of 50, filtered and
sorted in SQL) and a customer's page (its state, plan and timeline).

    python benchmarks/customers_page.py                      # 20,000 customers, 100,000 open
    python benchmarks/customers_page.py --customers 2000     # smaller
    python benchmarks/customers_page.py --store sqlite:///big.sqlite --keep   # reuse it

A synthetic SQLite store, seeded: 5 open invoices per customer (due dates spread over the
150 days around the day), a paid one each, a few credit notes and unapplied payments,
promises, disputes and pauses on 5 % of customers, and 5 done actions per customer (the
outbox a year of reminders leaves). Prints the median of 5 runs of each query, in ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert

from connector.calendar import BusinessCalendar
from connector.model import (
    Channel,
    Customer,
    Dispute,
    Pause,
    Payment,
    Platform,
    Promise,
    Receivable,
    ReceivableKind,
    ReceivableStatus,
    SourceRef,
    StepKind,
)
from connector.money import Money
from connector.planner import PlannedAction, plan_customer
from connector.policy import default_policy
from connector.store import Store
from connector.store import schema as t
from connector.store.codec import action_to_json
from connector.store.customer_list import Bucket, CustomerQuery, Sort

TENANT = "big"
TODAY = date(2026, 11, 24)


def _ref(kind: str, n: int) -> SourceRef:
    return SourceRef(platform=Platform.FILES, tenant=TENANT, external_id=f"{kind}{n:06d}")


def build(store: Store, customers: int, seed: int = 11) -> None:
    rng = random.Random(seed)
    store.ensure_tenant(TENANT, platform=Platform.FILES, name="Big Tenant")
    chunk = 1000
    n = 0
    for start in range(0, customers, chunk):
        people, docs, payments = [], [], []
        for c in range(start, min(customers, start + chunk)):
            ref = _ref("C", c)
            people.append(Customer(ref=ref, name=f"Client {rng.randint(0, 10**6)} {c}"))
            for part in range(6):
                due = TODAY + timedelta(days=rng.randint(-120, 30))
                total = Money(Decimal(rng.choice((80, 240, 1200, 5400))), "EUR")
                paid = part == 5
                credit = not paid and rng.random() < 0.02
                docs.append(
                    Receivable(
                        ref=_ref("F", n),
                        customer_ref=ref,
                        kind=ReceivableKind.CREDIT_NOTE if credit else ReceivableKind.INVOICE,
                        number=f"F{n}",
                        issued_on=due - timedelta(days=30),
                        due_on=due,
                        currency="EUR",
                        total=total,
                        open_balance=Money.zero("EUR") if paid else total,
                        status=ReceivableStatus.PAID if paid else ReceivableStatus.OPEN,
                    )
                )
                n += 1
            if rng.random() < 0.03:
                payments.append(
                    Payment(
                        ref=_ref("P", c),
                        customer_ref=ref,
                        received_on=TODAY - timedelta(days=3),
                        amount=Money.of("100", "EUR"),
                        unapplied=Money.of("100", "EUR"),
                    )
                )
        store.upsert_ledger(TENANT, customers=people, receivables=docs, payments=payments)
    sides = rng.sample(range(customers), max(3, customers // 20))
    for i, c in enumerate(sides):
        ref = _ref("C", c)
        if i % 3 == 0:
            store.add_promise(
                TENANT,
                Promise(
                    id=f"promise-{c}",
                    customer_ref=ref,
                    promised_on=TODAY + timedelta(days=7),
                    amount=Money.of("80", "EUR"),
                    recorded_on=TODAY - timedelta(days=1),
                    balance_at_promise=Money.of("80", "EUR"),
                ),
            )
        elif i % 3 == 1:
            store.add_dispute(
                TENANT,
                Dispute(id=f"dispute-{c}", receivable_ref=_ref("F", c * 6), opened_on=TODAY),
            )
        else:
            store.pause(TENANT, ref, Pause(since=TODAY - timedelta(days=2), reason="bench"))
    _outbox(store, customers)


def _outbox(store: Store, customers: int) -> None:
    """Five e-mails written per customer (the pages read each customer's own)."""
    now = datetime.now(UTC)
    rows = []
    with store.engine.begin() as conn:
        for c in range(customers):
            ref = _ref("C", c)
            key = ref.key
            for step in range(5):
                planned_on = TODAY - timedelta(days=10 * step)
                action = PlannedAction(
                    key=f"{key}|step{step}|x",
                    customer_ref=ref,
                    step=f"step{step}",
                    kind=StepKind.REMINDER,
                    channel=Channel.EMAIL,
                    template="reminder",
                    planned_on=planned_on,
                    lines=(),
                )
                rows.append(
                    {
                        "tenant": TENANT,
                        "key": f"{key}|step{step}|x",
                        "customer_key": key,
                        "step": f"step{step}",
                        "kind": "reminder",
                        "channel": "email",
                        "status": "written",
                        "planned_on": planned_on,
                        "payload": action_to_json(action),
                        "attempts": 1,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            if len(rows) >= 20000:
                conn.execute(insert(t.actions), rows)
                rows = []
        if rows:
            conn.execute(insert(t.actions), rows)


def median_ms(work: Callable[[], object], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--store", default="")
    parser.add_argument("--keep", action="store_true", help="build only if the store is empty")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="relance-customers-bench-"))
    url = args.store or f"sqlite:///{folder / 'big.sqlite'}"
    store = Store.open(url)
    if not (args.keep and store.tenants()):
        started = time.perf_counter()
        build(store, args.customers)
        print(f"built {args.customers} customers in {time.perf_counter() - started:.0f} s")
    queries = {
        "balance, page 1": CustomerQuery(TODAY),
        "balance, page 200": CustomerQuery(TODAY, page=200),
        "name": CustomerQuery(TODAY, sort=Sort.NAME, descending=False),
        "days late": CustomerQuery(TODAY, sort=Sort.LATE),
        "next action": CustomerQuery(TODAY, sort=Sort.NEXT, descending=False),
        "90+ days late": CustomerQuery(TODAY, bucket=Bucket.D90),
        "with a promise": CustomerQuery(TODAY, promise=True, grace_days=2),
        "in dispute": CustomerQuery(TODAY, dispute=True),
        "paused": CustomerQuery(TODAY, paused=True),
        "search 'client 12'": CustomerQuery(TODAY, search="client 12"),
    }
    for label, query in queries.items():
        found = store.customers_page(TENANT, query)
        ms = median_ms(lambda q=query: store.customers_page(TENANT, q))
        print(f"list {label:22} {ms:7.1f} ms  ({found.total} customers, {len(found.rows)} shown)")
    policy = default_policy()
    calendar = BusinessCalendar.for_window(policy.send_window, "FR")
    ref = _ref("C", args.customers // 2)

    def customer_page() -> None:
        state = next(store.customer_states(TENANT, customer_refs=[ref], as_of=TODAY, policy=policy))
        plan_customer(state, policy, calendar, TODAY)
        store.history(TENANT, customer_ref=ref)

    print(f"customer page's reads    {median_ms(customer_page):7.1f} ms")
    store.close()


if __name__ == "__main__":
    sys.exit(main())
