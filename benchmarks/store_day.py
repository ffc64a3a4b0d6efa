"""A daily cycle's planning through the real store: the cost follows the work due that day.

    python benchmarks/store_day.py --sizes 10000 100000 [--url postgresql+psycopg://...]

A ledger of N open receivables (5 per customer) is imported into a fresh store. 1% of the
customers have an invoice whose first reminder falls on the measured day; everybody
else's invoices fall due months later. The first cycle plans every customer and records
when each next needs a look (next_review_on); the measured day then reads and plans only
the customers due. Printed: import time, first full plan, the due day's customers read,
time and actions, and peak memory.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from connector.calendar import BusinessCalendar
from connector.model import Customer, Platform, Receivable, ReceivableStatus, SourceRef
from connector.money import Money
from connector.planner import plan
from connector.policy import default_policy
from connector.store import Store

DAY = date(2026, 11, 24)  # Tuesday: the first reminders of invoices due on Monday 23
PER_CUSTOMER = 5
CHUNK = 20_000


def _ref(external_id: str) -> SourceRef:
    return SourceRef(platform=Platform.FILES, tenant="bench", external_id=external_id)


def _import(store: Store, receivables: int) -> int:
    customers = receivables // PER_CUSTOMER
    due_today = max(1, customers // 100)
    batch_c: list[Customer] = []
    batch_r: list[Receivable] = []
    for c in range(customers):
        cref = _ref(f"C{c}")
        batch_c.append(Customer(ref=cref, name=f"Client {c}"))
        for k in range(PER_CUSTOMER):
            due = (
                DAY - timedelta(days=1)
                if c < due_today and k == 0
                else DAY + timedelta(days=120 + k)
            )
            amount = Money.of("480.00", "EUR")
            batch_r.append(
                Receivable(
                    ref=_ref(f"F{c}-{k}"),
                    customer_ref=cref,
                    number=f"F{c}-{k}",
                    issued_on=due - timedelta(days=30),
                    due_on=due,
                    currency="EUR",
                    total=amount,
                    open_balance=amount,
                    status=ReceivableStatus.OPEN,
                )
            )
        if len(batch_r) >= CHUNK:
            store.upsert_ledger("bench", customers=batch_c, receivables=batch_r)
            batch_c, batch_r = [], []
    if batch_r:
        store.upsert_ledger("bench", customers=batch_c, receivables=batch_r)
    return due_today


def measure(receivables: int, folder: Path, url: str | None = None) -> str:
    policy = default_policy()
    calendar = BusinessCalendar.for_window(policy.send_window, "FR")
    store = Store.open(url or f"sqlite:///{folder / f'bench-{receivables}.sqlite'}")
    store.ensure_tenant("bench", platform=Platform.FILES)
    started = time.perf_counter()
    due_today = _import(store, receivables)
    import_s = time.perf_counter() - started

    started = time.perf_counter()
    reviews = {}
    for customer_plan in plan(
        store.customer_states("bench"), policy, calendar, DAY - timedelta(days=1)
    ):
        reviews[customer_plan.customer_ref.key] = customer_plan.next_review_on
    store.set_next_review("bench", reviews)
    first_s = time.perf_counter() - started

    started = time.perf_counter()
    read = actions = 0
    for customer_plan in plan(store.customer_states("bench", due_on=DAY), policy, calendar, DAY):
        read += 1
        actions += len(customer_plan.actions)
    day_s = time.perf_counter() - started
    store.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return (
        f"store receivables={receivables} import_s={import_s:.1f} first_full_plan_s={first_s:.1f} "
        f"due_customers_expected={due_today} due_day_customers_read={read} "
        f"due_day_actions={actions} due_day_plan_s={day_s:.3f} peak_rss_mb={peak:.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--url", help="a store URL (default: a fresh SQLite file per size)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            print(measure(size, Path(tmp), args.url), flush=True)


if __name__ == "__main__":
    main()
